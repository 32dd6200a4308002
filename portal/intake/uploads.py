"""Attachments: type checked from the content, size capped while streaming, random names on disk.

    staged = stage(fileobj, original_name, directory=..., max_bytes=...)   # or raises UploadRefused
    finalize(staged)        # rename into place (same directory tree, atomic), before the DB commit
    discard(staged)         # remove the temp or final file when the submission fails

Files are written under `<upload_dir>/.incoming/` with a random name, fsynced, and renamed to
`<upload_dir>/<stored_name>` just before the database commit; when the commit fails they are deleted.
A crash between the rename and the commit leaves an unreferenced file (harmless, never served), never
a database row pointing at a missing file.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import secrets
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import filetype

from portal.i18n import N_
from portal.web.storage import StorageUnavailable

log = logging.getLogger("portal.uploads")
ALLOWED = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}
CHUNK = 64 * 1024
INCOMING = ".incoming"
STALE_PART_SECONDS = 15 * 60
"""A `.part` file older than this at start is what a crash left behind (staging takes seconds)."""


class UploadRefused(Exception):
    """A file that cannot be accepted. `message` is an English msgid with `%(name)s` (and `%(max)s`)."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


@dataclass
class StagedFile:
    temp_path: Path
    final_path: Path
    stored_name: str
    original_name: str
    content_type: str
    size: int
    sha256: str
    finalized: bool = False


_UNSAFE = re.compile(r"[\x00-\x1f\x7f<>:\"/\\|?*]+")
_INVISIBLE = {"Cc", "Cf", "Zl", "Zp", "Co", "Cn"}  # controls, format (bidi overrides, zero-width), separators …


def display_name(raw: str | None) -> str:
    """The user's file name made safe to show: no path, no control or bidi characters (a name such as
    "invoice\u202efdp.exe" shows as "invoiceexe.pdf" otherwise), at most 120 characters."""
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name)
    name = "".join(ch for ch in name if unicodedata.category(ch) not in _INVISIBLE).strip(" .")
    if len(name) > 120:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:110] + dot + ext[:8]) if dot and len(ext) <= 8 else name[:120]
    return name or "attachment"


def with_extension(name: str, ext: str) -> str:
    """The name ending in the sniffed type's extension: "scan.png" holding a PDF → "scan.pdf" (shown and
    downloaded as what it is, never opened by a viewer for the type its name claimed)."""
    stem, dot, current = name.rpartition(".")
    if dot and stem and current.lower() in ("pdf", "png", "jpg", "jpeg"):
        name = stem  # a type we accept, perhaps not this one: replaced
    return f"{name}.{ext}"  # any other ending (".exe", ".docx") stays visible before the real one


def sniff(head: bytes) -> str | None:
    """The content type from the first bytes, when it is one we accept."""
    kind = filetype.guess(head)
    mime = kind.mime if kind is not None else None
    if mime not in ALLOWED:
        return None
    if mime == "application/pdf" and not head.startswith(b"%PDF-"):
        return None
    return mime


def stage(source: BinaryIO, original_name: str | None, *, directory: Path, max_bytes: int) -> StagedFile:
    """Stream `source` into a temp file, checking type and size on the way. Raises UploadRefused."""
    name = display_name(original_name)
    head = source.read(8192)
    if not head:
        raise UploadRefused(N_("%(name)s is empty."), name=name)
    mime = sniff(head)
    if mime is None:
        raise UploadRefused(
            N_("%(name)s is not a PDF, PNG or JPEG file (its content was checked, not its name)."), name=name
        )
    name = with_extension(name, ALLOWED[mime])
    incoming = directory / INCOMING
    stored = f"{secrets.token_hex(16)}.{ALLOWED[mime]}"
    temp = incoming / f"{stored}.part"
    digest = hashlib.sha256()
    size = 0
    try:
        incoming.mkdir(parents=True, exist_ok=True)
        with open(temp, "xb") as out:
            chunk = head
            while chunk:
                size += len(chunk)
                if size > max_bytes:
                    raise UploadRefused(
                        N_("%(name)s is larger than %(max)s MB."), name=name, max=max(1, max_bytes // (1024 * 1024))
                    )
                digest.update(chunk)
                out.write(chunk)
                chunk = source.read(CHUNK)
            out.flush()
            os.fsync(out.fileno())
    except BaseException as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        if isinstance(exc, OSError):
            raise StorageUnavailable(exc, directory) from exc
        raise
    return StagedFile(temp, directory / stored, stored, name, mime, size, digest.hexdigest())


def stage_uploads(uploads: list, *, directory: Path, max_bytes: int, max_files: int) -> tuple[list[StagedFile], list]:
    """The intake's checks on a form's files, for every form that takes documents (the proposal form, the
    investor's answer): at most `max_files`, each sniffed and capped by `stage`. Returns the staged files
    and the refusals as (msgid, params) pairs; with any refusal the caller discards the staged files.
    `uploads` are Starlette UploadFiles (empty file inputs already left out)."""
    if len(uploads) > max_files:
        return [], [(N_("Attach at most %(max)s files."), {"max": max_files})]
    staged: list[StagedFile] = []
    refused: list = []
    for upload in uploads:
        try:
            staged.append(stage(upload.file, upload.filename, directory=directory, max_bytes=max_bytes))
        except UploadRefused as err:
            refused.append((err.message, err.params))
        except StorageUnavailable:  # nothing half-stored: what was staged goes too
            discard(staged)
            raise
    return staged, refused


def chosen_files(form, name: str = "attachments") -> list:
    """The files of a multipart form field, leaving out inputs the user left empty."""
    return [f for f in form.getlist(name) if hasattr(f, "filename") and hasattr(f, "file") and (f.filename or f.size)]


def finalize(files: list[StagedFile]) -> None:
    for f in files:
        if not f.finalized:
            try:
                os.replace(f.temp_path, f.final_path)
            except OSError as exc:
                raise StorageUnavailable(exc, f.final_path.parent) from exc
            f.finalized = True
    if files:
        _fsync_dir(files[0].final_path.parent)


def discard(files: list[StagedFile]) -> None:
    for f in files:
        for path in (f.temp_path, f.final_path):
            with contextlib.suppress(OSError):
                path.unlink()


def clean_incoming(directory: Path, *, older_than: float = STALE_PART_SECONDS) -> int:
    """Remove the `.part` files a crash left in `<directory>/.incoming` (at start). Files younger than
    `older_than` seconds are kept: another worker process may be writing them. Returns how many."""

    removed = 0
    limit = time.time() - older_than
    try:
        parts = list((directory / INCOMING).glob("*.part"))
    except OSError:
        return 0
    for part in parts:
        with contextlib.suppress(OSError):
            if part.stat().st_mtime < limit:
                part.unlink()
                removed += 1
    if removed:
        log.info("removed %d unfinished upload file(s) from %s", removed, directory / INCOMING)
    return removed


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
