"""The bodies of the big streamed exports (plots.csv, plots.json, plots.geojson), kept on disk per catalogue
generation: the first request at a generation streams the body from the database and writes it beside, the
next ones stream the file (constant memory, no query but the generation).

- A file is named by the export's generation ETag (`generation_etag`: the generation, the code's build token
  and the export's name), so a change of the public data or of the code never serves an old body; and by
  the database (its URL) and the export's Last-Modified, so another database sharing the folder (a test, a
  benchmark, a catalogue made again from scratch whose generations count from 1 again) never gets it either.
- The generation is read before the rows, in the session that reads them: a file holds the data of its
  generation or a newer one (a change committed while it was written), never an older one; the next
  generation writes its own file.
- A body is written to a temporary file and renamed when complete (atomic: other workers and concurrent
  requests see the whole file or none); a client that leaves mid-way leaves no file. When the folder cannot
  be written the body is streamed as without a cache. Once a body is stored, the export's older files go.
- The exports' Last-Modified (an aggregate over every plot) is also kept, in memory, per generation
  (`last_modified`): a 304, and the start of a body, then read the generation alone.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

from portal.web.caching import catalogue_generation, generation_etag

log = logging.getLogger(__name__)

#: bytes read from a stored body per chunk sent
READ_CHUNK = 256 * 1024
#: a temporary file not written for this long is a leftover (its process was killed mid-way): removed
ORPHAN_SECONDS = 3600


class ExportCache:
    def __init__(self, directory: Path | None, database_url: str = "") -> None:
        """`directory`: where bodies are kept (made when first needed); None: no cache, every body is built."""
        self.directory = directory
        self.database_url = database_url
        self._modified: dict[str, tuple[int, datetime | None]] = {}

    def last_modified(
        self, session, key: str, generation: int, compute: Callable[[], datetime | None]
    ) -> datetime | None:
        """`compute()` (a Last-Modified of the data at `generation`, read through `session`), computed once per
        generation: kept only when the generation is still the same after it (no change committed between)."""
        known = self._modified.get(key)
        if known is not None and known[0] == generation:
            return known[1]
        value = compute()
        if catalogue_generation(session) == generation:
            self._modified[key] = (generation, value)
        return value

    def path(self, name: str, generation: int, modified: datetime | None) -> Path | None:
        if self.directory is None:
            return None
        stamp = f"{self.database_url}|{modified.isoformat() if modified else ''}"
        database = hashlib.sha256(stamp.encode()).hexdigest()[:12]
        return self.directory / f"{name}.{generation_etag(generation, name).strip(chr(34))}-{database}"

    def chunks(
        self, session, name: str, build: Callable[[], Iterator[str | bytes]], *, modified: datetime | None
    ) -> Iterator[bytes]:
        """The body of export `name` at the catalogue generation `session` reads now: the stored file, else
        `build()` (which must read its rows through `session`, after this) written to the file as it streams.
        `modified`: the export's Last-Modified (newest updated_at of its rows)."""
        path = self.path(name, catalogue_generation(session), modified)
        if path is None:
            yield from (c.encode("utf-8") if isinstance(c, str) else c for c in build())
            return
        try:
            stored = path.open("rb")
        except OSError:  # not stored yet (or the folder is not usable: then it is not stored either)
            stored = None
        if stored is not None:
            with stored:
                while data := stored.read(READ_CHUNK):
                    yield data
            return
        yield from self._build_and_store(path, name, build)

    def _build_and_store(self, path: Path, name: str, build) -> Iterator[bytes]:
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            out = tmp.open("wb")
        except OSError as exc:
            log.warning("export cache: cannot write %s (%s); the body is not stored", tmp, exc)
            yield from (c.encode("utf-8") if isinstance(c, str) else c for c in build())
            return
        complete = False
        try:
            with out:
                for chunk in build():
                    data = chunk.encode("utf-8") if isinstance(chunk, str) else chunk
                    out.write(data)
                    yield data
            complete = True
        finally:  # also when the client leaves (GeneratorExit) or the build fails
            if not complete:
                tmp.unlink(missing_ok=True)
        try:
            os.replace(tmp, path)
            for old in path.parent.glob(f"{name}.*"):
                if old != path:
                    old.unlink(missing_ok=True)
            stale = time.time() - ORPHAN_SECONDS  # left by a process killed while writing
            for orphan in path.parent.glob(f".{name}.*.tmp"):
                if orphan.stat().st_mtime < stale:
                    orphan.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("export cache: cannot store %s (%s)", path, exc)
            tmp.unlink(missing_ok=True)
