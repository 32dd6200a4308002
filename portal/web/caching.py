"""Conditional responses for exports and list APIs: a strong `ETag` (hash of the body) and
`Last-Modified` (newest `updated_at` of the rows), answering 304 to a matching `If-None-Match`
(or, without one, to an `If-Modified-Since` not older than the data).

Independent of the route that builds the body, so any domain can wrap its response:

    return cached_response(request, body, "text/csv; charset=utf-8", last_modified(rows))
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from functools import cache

from fastapi import Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy import text

from portal import PACKAGE_DIR

CACHE_CONTROL = "public, no-cache"  # clients may keep a copy but must revalidate (cheap: 304)


def etag_for(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes for timezone-aware columns; they are stored as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def last_modified(values: Iterable[datetime | None]) -> datetime | None:
    """The newest of `values` (e.g. the rows' updated_at) in UTC, or None when there is none."""
    known = [_utc(v) for v in values if v is not None]
    return max(known) if known else None


def http_date(value: datetime) -> str:
    return format_datetime(_utc(value).replace(microsecond=0), usegmt=True)


def etag_matches(header: str, etag: str) -> bool:
    """Whether an If-None-Match header names `etag`."""
    if header.strip() == "*":
        return True
    opaque = etag.removeprefix("W/")
    # If-None-Match uses the weak comparison (RFC 9110 13.1.2): W/"x" matches "x".
    return any(tag.strip().removeprefix("W/") == opaque for tag in header.split(","))


def _not_modified_since(header: str, modified: datetime | None) -> bool:
    if modified is None:
        return False
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return False
    if since is None:
        return False
    return _utc(modified).replace(microsecond=0) <= _utc(since)


def cached_response(
    request: Request,
    body: bytes | str,
    media_type: str,
    last_modified: datetime | None,
    *,
    headers: dict[str, str] | None = None,
    status_code: int = 200,
    etag: str | None = None,
) -> Response:
    """`body` with validators; 304 (no body) when the client's copy is current. `etag`: one made without
    the body (`generation_etag`; ask `not_modified` first so a 304 builds nothing), else the body's hash."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    etag = etag or etag_for(data)
    validators = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if last_modified is not None:
        validators["Last-Modified"] = http_date(last_modified)
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        fresh = etag_matches(if_none_match, etag)
    else:
        fresh = _not_modified_since(request.headers.get("if-modified-since", ""), last_modified)
    if fresh and request.method in ("GET", "HEAD"):
        return Response(status_code=304, headers=validators)
    return Response(data, status_code=status_code, media_type=media_type, headers={**(headers or {}), **validators})


def catalogue_generation(session) -> int:
    """The public catalogue's generation (bumped in the transaction of every public-data change)."""
    return session.execute(_GENERATION).scalar() or 0


_GENERATION = text("SELECT value FROM catalogue_generation WHERE id = 1")


@cache
def build_token() -> str:
    """Changes with the installed code (its files' sizes and times), so a new release's exports and pages get
    new ETags even at the same catalogue generation."""
    stamp = sorted(
        (p.relative_to(PACKAGE_DIR).as_posix(), p.stat().st_size, p.stat().st_mtime_ns)
        for p in PACKAGE_DIR.rglob("*")
        if p.is_file() and p.suffix in (".py", ".html", ".txt", ".yaml", ".mo")
    )
    return hashlib.sha256(repr(stamp).encode()).hexdigest()


def generation_etag(generation: int, name: str) -> str:
    """A strong ETag valid while the public data stays at `generation` (and the code is the same): no body
    is needed to make it."""
    return f'"g{generation}-{hashlib.sha256((build_token() + name).encode()).hexdigest()[:12]}"'


def not_modified(request: Request, etag: str, last_modified: datetime | None) -> Response | None:
    """The 304 (headers only) when the client's copy is current, else None: ask this before building a body."""
    validators = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if last_modified is not None:
        validators["Last-Modified"] = http_date(last_modified)
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        fresh = etag_matches(if_none_match, etag)
    else:
        fresh = _not_modified_since(request.headers.get("if-modified-since", ""), last_modified)
    if fresh and request.method in ("GET", "HEAD"):
        return Response(status_code=304, headers=validators)
    return None


def streamed_response(
    request: Request,
    chunks: Callable[[], Iterator[str | bytes]],
    media_type: str,
    *,
    etag: str,
    last_modified: datetime | None,
    headers: dict[str, str] | None = None,
) -> Response:
    """An export streamed as `chunks()` yields it (constant memory), with a generation ETag: a 304 calls
    nothing. `chunks` must open its own database session (the request's may be closed while it streams)."""
    unchanged = not_modified(request, etag, last_modified)
    if unchanged is not None:
        return unchanged
    validators = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if last_modified is not None:
        validators["Last-Modified"] = http_date(last_modified)
    return StreamingResponse(chunks(), media_type=media_type, headers={**(headers or {}), **validators})


def json_array_chunks(
    key: str, items: Iterable, *, head: str = "", batch: int = 1000, encoded: bool = False
) -> Iterator[str]:
    """`{<head>"key": [item, item, …]}` exactly as json.dumps(ensure_ascii=False) writes it, `batch` items
    per chunk (`head`: members written before the array, e.g. '"type": "FeatureCollection", ';
    `encoded`: the items are already JSON text)."""
    yield "{" + head + json.dumps(key) + ": ["
    first, parts = True, []
    for item in items:
        parts.append(("" if first else ", ") + (item if encoded else json.dumps(item, ensure_ascii=False)))
        first = False
        if len(parts) == batch:
            yield "".join(parts)
            parts = []
    yield "".join(parts) + "]}"


def export_responses(media_type: str, *, json_body: bool = False) -> dict:
    """OpenAPI `responses` for an export route: its real content type, and the 304 it may answer.
    Use with `response_class=Response` so FastAPI does not also document application/json."""
    schema = {"type": "object"} if json_body else {"type": "string"}
    return {
        200: {"description": "The export", "content": {media_type.split(";")[0]: {"schema": schema}}},
        304: {"description": "Not modified: the If-None-Match ETag (or If-Modified-Since date) is current"},
    }


class StampedLRU:
    """Values kept under a key with the stamp they hold for (a catalogue generation, a search index's settled
    generation, a sector catalogue): a value is served only at its own stamp; the `size` most recently used
    keys are kept, so a crawler's combinations of parameters cannot grow it; safe across a worker's threads.
    One class for every per-generation store of answers (cachetools' LRUCache would need the same lock and the
    same stamp check around it)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[object, tuple[object, object]] = OrderedDict()
        self._lock = threading.Lock()

    def fetch(self, key, stamp, build: Callable[[], object]):
        """The value kept under `key` at `stamp`, else `build()`'s, kept (nothing is kept when it raises)."""
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None and hit[0] == stamp:
                self._entries.move_to_end(key)
                return hit[1]
        value = build()
        with self._lock:
            self._entries[key] = (stamp, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
