"""`portal backup DIR` / `portal restore DIR`: the database and the attachments, with a manifest.

- SQLite: the online backup API (`sqlite3.Connection.backup`): a consistent copy while the portal serves.
- PostgreSQL: `pg_dump --format=custom` / `pg_restore` (the client tools must be installed).
- Attachments: every file under the upload directory (not `.incoming`), with its SHA-256 in
  `manifest.json`; restore checks each hash.
- Restore only into an empty database and an empty upload directory (it never merges). The search
  index is derived data: rebuild it afterwards (`portal reindex`; the server's worker rebuilds an index whose
  document count is wrong when it starts).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url

from portal.intake.uploads import INCOMING


class BackupError(RuntimeError):
    pass


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _run_tool(name: str, *args: str) -> None:
    """A PostgreSQL client tool (pg_dump, pg_restore) by its full path; our own arguments only."""
    tool = shutil.which(name)
    if tool is None:
        raise BackupError(f"{name} is not installed (PostgreSQL client tools are needed for a PostgreSQL backup)")
    result = subprocess.run([tool, *args], capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{name} failed: {result.stderr.strip()[-500:]}")


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _sqlite_path(url: str) -> Path:
    return Path(make_url(url).database or "")


def attachment_files(upload_dir: Path) -> dict[str, str]:
    """Relative path → SHA-256 of every stored attachment."""
    if not upload_dir.is_dir():
        return {}
    return {
        p.relative_to(upload_dir).as_posix(): _sha256(p)
        for p in sorted(upload_dir.rglob("*"))
        if p.is_file() and INCOMING not in p.relative_to(upload_dir).parts
    }


def backup(database_url: str, upload_dir: Path, dest: Path) -> dict:
    if dest.exists() and any(dest.iterdir()):
        raise BackupError(f"{dest} is not empty")
    dest.mkdir(parents=True, exist_ok=True)
    if database_url.startswith("sqlite"):
        source = sqlite3.connect(_sqlite_path(database_url))
        target = sqlite3.connect(dest / "portal.db")
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        kind = "sqlite"
    else:
        _run_tool("pg_dump", "--format=custom", "--no-owner", "--file", str(dest / "portal.dump"), _libpq(database_url))
        kind = "postgresql"
    files = attachment_files(upload_dir)
    for name in files:
        (dest / "uploads" / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(upload_dir / name, dest / "uploads" / name)
    manifest = {"kind": kind, "created": datetime.now(UTC).isoformat(), "attachments": files}
    (dest / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return manifest


def restore(database_url: str, upload_dir: Path, src: Path) -> dict:
    manifest = json.loads((src / "manifest.json").read_text())
    engine = create_engine(database_url)
    try:
        if inspect(engine).get_table_names():
            raise BackupError("the target database is not empty: restore only into an empty database")
    finally:
        engine.dispose()
    if attachment_files(upload_dir):
        raise BackupError(f"the upload directory {upload_dir} is not empty")
    kind = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    if kind != manifest["kind"]:
        raise BackupError(f"this backup is of {manifest['kind']}, the target is {kind}")
    if kind == "sqlite":
        path = _sqlite_path(database_url)
        path.parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(src / "portal.db")
        target = sqlite3.connect(path)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
    else:
        dump = str(src / "portal.dump")
        _run_tool("pg_restore", "--no-owner", "--exit-on-error", "--dbname", _libpq(database_url), dump)
    for name, digest in manifest["attachments"].items():
        target_path = upload_dir / name
        target_path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src / "uploads" / name, target_path)
        if _sha256(target_path) != digest:
            raise BackupError(f"attachment {name} does not match its hash in the manifest")
    return manifest
