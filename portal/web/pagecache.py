"""A cache of rendered public catalogue pages for anonymous visitors.

Why: the zone list and zone pages are read far more often than the catalogue changes, and rendering
them (a dozen queries, a hundred translated strings) costs ~50× a bare response. A page is cached
with the catalogue *generation* it was rendered at (`catalogue_generation`, bumped by `bump_generation`,
the cache's subscription to public-data events, in the transaction of any change to public data).

- Only GET requests without a staff session cookie, on the public catalogue pages, answered 200.
- This process learns of its own commits at once (`invalidate()`, called after such a commit); other
  workers re-read the generation at most `ttl` seconds later (one indexed single-row query).
- Pure ASGI, inside the CSRF-cookie and security-header middleware, so those still apply.
- Forms on cached pages (the land alert, the enquiry, the fact forms) carry a CSRF token bound to the
  browser's cookie: the stored page holds a placeholder of the same length instead of the token of the
  browser it was rendered for, and each hit puts in the token of the browser asking. A value that must be
  new in every response (the proposal form's idempotency key, `fresh_per_response`) is stored as a
  placeholder too, and each hit gets a new one.
- Pages whose content does not follow the catalogue generation alone (search: the index catches up with a
  change after its commit) are stored only when the route confirms the generation it rendered at
  (`store_at_generation`); a route that does not confirm (the engine was down, changes not yet indexed)
  is answered but not stored. `wants_generation` tells a route that its confirmation would be used.
- A page answered `Cache-Control: no-store` may be kept here (it holds nothing of the browser's own) but is
  given no validators: no ETag, no 304.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections import OrderedDict
from urllib.parse import parse_qsl, urlencode

import anyio
from sqlalchemy import text
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal.web.caching import CACHE_CONTROL, etag_matches, generation_etag
from portal.web.csrf import scope_token

ZONE_FILTERS = ("kind", "locality", "status", "sector", "zone", "min_area", "sort", "page")
SEARCH_PARAMS = ("q", "page", "type", "kind", "locality", "status", "sector", "min_available_ha")
#: the public pages and API answers cached per catalogue generation, each with the query parameters it
#: reads: the key is the path and those parameters sorted by name; a request with any other parameter is
#: answered by the app and not stored (junk parameters neither create entries nor evict real pages)
ROUTES: tuple[tuple[re.Pattern, frozenset[str]], ...] = tuple(
    (re.compile(pattern), frozenset(params))
    for pattern, params in (
        (r"^/(vi|en)/(precheck|match)$", ()),  # the empty fact forms (a filled-in match is not stored)
        (r"^/(vi|en)/proposals/new$", ("zone",)),  # its idempotency key: fresh_per_response
        (r"^/(vi|en)/$", ()),
        (r"^/(vi|en)/zones$", (*ZONE_FILTERS, "columns")),
        (r"^/(vi|en)/(zones/[a-z0-9-]{1,80}|sectors|rules|targets|open-data|registry)$", ()),
        (r"^/(vi|en)/map$", ("page",)),
        (r"^/(vi|en)/compare$", ("zones", "pick", "add", "rows")),
        (r"^/api/v1/zones$", (*ZONE_FILTERS, "lang", "per_page")),
        (r"^/api/v1/(zones/[a-z0-9-]{1,80}|registry/projects)$", ()),
        (r"^/api/v1/compare$", ("zones",)),
        (r"^/api/v1/(zones|plots|sectors|registry)\.(csv|json)$", ()),
        (r"^/api/v1/(zones|plots)\.geojson$", ()),
    )
)
#: pages stored only when the route confirms the generation it rendered at (store_at_generation)
CONFIRMED: tuple[tuple[re.Pattern, frozenset[str]], ...] = (
    (re.compile(r"^/(vi|en)/search$"), frozenset(SEARCH_PARAMS)),
    (re.compile(r"^/api/v1/search$"), frozenset((*SEARCH_PARAMS, "lang"))),
)
SESSION_COOKIE = b"portal_session="
MAX_QUERY = 512
#: larger bodies (the big streamed plot exports) are not kept: they answer 304 by their own generation ETag
MAX_BODY = 8 * 1024 * 1024
#: the bodies kept in all, at most (least recently used go first)
MAX_BYTES = 64 * 1024 * 1024
#: stands for the browser's CSRF token in a stored page: as long as a token (64 hex digits), so the
#: Content-Length of the stored headers stays right
TOKEN_PLACEHOLDER = b"csrf-token-of-the-browser-asking".ljust(64, b"-")
#: stands for a value new in every response (a UUID, 36 characters: the Content-Length stays right)
FRESH_PLACEHOLDER = b"fresh-value-of-this-response".ljust(36, b"-")
#: the request state's entry through which a route talks to the cache (see the module docstring)
STATE = "page_cache"


def _lookup(path: str, query_string: str) -> tuple[str, bool] | None:
    """(the entry's key "path?sorted params", whether the route must confirm) when the page is cacheable
    with these parameters, else None."""
    for routes, confirm in ((ROUTES, False), (CONFIRMED, True)):
        for pattern, accepted in routes:
            if pattern.match(path):
                items = parse_qsl(query_string, keep_blank_values=True)
                if any(name not in accepted for name, _ in items):
                    return None
                items.sort(key=lambda item: item[0])  # stable: a parameter's repeated values keep their order
                return path + "?" + urlencode(items), confirm
    return None


def cache_key(path: str, query_string: str) -> str | None:
    """The entry's key ("path?sorted params") when the page is cacheable with these parameters, else None."""
    found = _lookup(path, query_string)
    return found[0] if found else None


def _note(request) -> dict:
    return request.scope.setdefault("state", {}).setdefault(STATE, {})


def wants_generation(request) -> bool:
    """Whether the cache would store this response once the route confirms its generation."""
    return bool(request.scope.get("state", {}).get(STATE, {}).get("confirm"))


def store_at_generation(request, generation: int) -> None:
    """The route rendered this page from the data of catalogue generation `generation` (and everything the
    page shows is current for it): the cache may store it while that is the cache's generation."""
    _note(request)["generation"] = generation


def fresh_per_response(request, value: str) -> str:
    """`value` (a UUID) is this response's own: a stored copy holds a placeholder, each hit a new UUID."""
    if len(value) != len(FRESH_PLACEHOLDER):
        raise ValueError("a fresh value must be a UUID (36 characters)")
    _note(request).setdefault("fresh", []).append(value)
    return value


def _fill_fresh(body: bytes) -> bytes:
    if FRESH_PLACEHOLDER not in body:
        return body
    parts = body.split(FRESH_PLACEHOLDER)
    out = [parts[0]]
    for part in parts[1:]:
        out += [str(uuid.uuid4()).encode(), part]
    return b"".join(out)


def _no_store(headers: list) -> bool:
    return any(k.lower() == b"cache-control" and b"no-store" in v.lower() for k, v in headers)


def bump_generation(session, change) -> None:
    """Subscriber to public-data events (portal/events): once per transaction, the generation moves on."""
    if not change.first_in_transaction:
        return
    bumped = session.execute(text("UPDATE catalogue_generation SET value = value + 1 WHERE id = 1"))
    if bumped.rowcount == 0:
        session.execute(text("INSERT INTO catalogue_generation (id, value) VALUES (1, 1)"))


class PageCache:
    def __init__(self, db, *, ttl: float = 1.0, max_entries: int = 512, max_bytes: int = MAX_BYTES) -> None:
        self.db = db
        self.ttl = ttl
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._bytes = 0
        self._entries: OrderedDict[str, tuple[int, list, bytes]] = OrderedDict()
        self._generation: int | None = None
        self._checked = 0.0
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        with self._lock:
            self._generation = None
            self._entries.clear()
            self._bytes = 0

    def fresh_generation(self) -> int | None:
        """The generation when it was read less than `ttl` ago (no I/O), else None."""
        if self._generation is not None and time.monotonic() - self._checked < self.ttl:
            return self._generation
        return None

    def generation(self) -> int:
        """The catalogue generation, read from the database at most once per `ttl` (blocking I/O: the
        middleware calls it from a worker thread)."""
        now = time.monotonic()
        if self._generation is not None and now - self._checked < self.ttl:
            return self._generation
        with self.db.session() as session:
            value = session.execute(text("SELECT value FROM catalogue_generation WHERE id = 1")).scalar() or 0
        with self._lock:  # no row yet reads as 0 both times (else every re-read would empty the cache)
            if value != self._generation:
                self._entries.clear()
                self._bytes = 0
            self._generation = value
            self._checked = now
        return self._generation

    def get(self, key: str, generation: int) -> tuple[list, bytes] | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != generation:
                return None
            self._entries.move_to_end(key)
            return entry[1], entry[2]

    def put(self, key: str, generation: int, headers: list, body: bytes) -> None:
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old[2])
            self._entries[key] = (generation, headers, body)
            self._bytes += len(body)
            while len(self._entries) > self.max_entries or (self._bytes > self.max_bytes and len(self._entries) > 1):
                _key, (_g, _h, dropped) = self._entries.popitem(last=False)
                self._bytes -= len(dropped)


def _anonymous(scope: Scope) -> bool:
    return not any(name == b"cookie" and SESSION_COOKIE in value for name, value in scope.get("headers", []))


class PageCacheMiddleware:
    def __init__(self, app: ASGIApp, *, cache: PageCache, secret: str) -> None:
        self.app = app
        self.cache = cache
        self.secret = secret.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key, confirm = None, False
        if (
            scope["type"] == "http"
            and scope["method"] == "GET"
            and len(scope.get("query_string", b"")) <= MAX_QUERY
            and _anonymous(scope)
        ):
            found = _lookup(scope["path"], scope.get("query_string", b"").decode("latin-1"))
            if found is not None:
                key, confirm = found
        if key is None:
            await self.app(scope, receive, send)
            return
        try:
            generation = self.cache.fresh_generation()
            if generation is None:  # a database read: never on the event loop
                generation = await anyio.to_thread.run_sync(self.cache.generation)
        except Exception:  # database unavailable: let the app answer (it has the 503 page)
            await self.app(scope, receive, send)
            return
        # a stored page carries a placeholder where the asking browser's CSRF token goes, so the ETag names
        # the token too: a browser's copy is current only with its own token in it
        token = scope_token(scope, self.secret).encode()
        etag = generation_etag(generation, key + "|" + token.decode())
        validators = [(b"etag", etag.encode()), (b"cache-control", CACHE_CONTROL.encode())]
        if_none_match = _header(scope, b"if-none-match")
        if if_none_match is not None and etag_matches(if_none_match, etag):  # the client's copy is current
            await _not_modified(send, validators)
            return
        hit = self.cache.get(key, generation)
        if hit is not None:
            headers, body = hit
            stored = next((v.decode() for k, v in headers if k == b"etag"), None)
            if stored is None and not _no_store(headers):  # no validator of the app's: ours (this browser's token)
                headers = [*headers, *validators]
            elif stored is not None and if_none_match is not None and etag_matches(if_none_match, stored):
                await _not_modified(send, [h for h in headers if h[0] in (b"etag", b"cache-control", b"last-modified")])
                return
            body = _fill_fresh(body.replace(TOKEN_PLACEHOLDER, token))
            await send({"type": "http.response.start", "status": 200, "headers": [*headers, (b"x-cache", b"hit")]})
            await send({"type": "http.response.body", "body": body})
            return

        note = scope.setdefault("state", {})[STATE] = {"confirm": confirm}
        status = 0
        start_headers: list = []
        chunks: list[bytes] = []
        size = 0

        async def capture(message: Message) -> None:
            nonlocal status, start_headers, size
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                # a copy, stored without our validators (each browser gets its own): outer middleware appends
                # to the message's own header list when we pass it on
                start_headers = list(headers)
                if status == 200 and not any(k.lower() == b"etag" for k, _ in headers) and not _no_store(headers):
                    message = {**message, "headers": [*headers, *validators]}
            elif message["type"] == "http.response.body":
                body = message.get("body", b"")
                size += len(body)
                if size <= MAX_BODY:
                    chunks.append(body)
                cacheable = (
                    status == 200
                    and size <= MAX_BODY
                    and not any(k.lower() == b"set-cookie" for k, _ in start_headers)
                    and (not confirm or note.get("generation") == generation)
                )
                if not message.get("more_body") and cacheable:
                    stored = b"".join(chunks).replace(token, TOKEN_PLACEHOLDER)
                    for value in note.get("fresh", ()):
                        stored = stored.replace(value.encode(), FRESH_PLACEHOLDER)
                    self.cache.put(key, generation, start_headers, stored)
            await send(message)

        await self.app(scope, receive, capture)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


async def _not_modified(send: Send, headers: list) -> None:
    await send({"type": "http.response.start", "status": 304, "headers": [*headers, (b"x-cache", b"hit")]})
    await send({"type": "http.response.body", "body": b""})
