"""A request id for every request, and one log line per request (pure ASGI middleware).

The id comes from the proxy's `X-Request-ID` when it is a plain token (letters, digits, `.`, `_`,
`-`, at most 64), otherwise a fresh one; it is in `request.state.request_id`, in the `X-Request-ID`
response header, on the 500 page and in every log line about the request, so an operator finds the
traceback a user quotes. The line (logger `portal.access`) replaces uvicorn's access log, which
would write tracking tokens: private status links are redacted here.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("portal.access")
REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

_INCOMING_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_PRIVATE_PATH = re.compile(r"(/proposals/(?:receipt|status|report)/)[^/?#]+")
_PRIVATE_PARAM = re.compile(r"(^|&)(token|key|password|csrf_token)=[^&]*", re.IGNORECASE)


def redact(path: str, query: str = "") -> str:
    """The path and query as they may be logged: tracking tokens and secrets replaced by `***`."""
    shown = _PRIVATE_PATH.sub(r"\1***", path)
    if query:
        shown += "?" + _PRIVATE_PARAM.sub(r"\1\2=***", query)
    return shown


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            if _INCOMING_ID.fullmatch(candidate):
                return candidate
    return uuid.uuid4().hex


class RequestLogMiddleware:
    """Sets the request id and writes `<id> <client> "<METHOD> <path>" <status> <ms>ms` when a
    response ends. `observe(scope, status, seconds)`, if given, also sees every finished request
    (the metrics)."""

    def __init__(self, app: ASGIApp, *, observe: Callable[[Scope, int, float], None] | None = None) -> None:
        self.app = app
        self.observe = observe

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        scope["state"] = {**(scope.get("state") or {}), "request_id": request_id}
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        status = 500  # what the client gets when the app raises before answering

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                if not any(k.lower() == b"x-request-id" for k, _ in headers):
                    headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            client = scope.get("client")
            log.info(
                '%s %s "%s %s" %d %.1fms',
                request_id,
                client[0] if client else "-",
                scope["method"],
                redact(scope["path"], scope.get("query_string", b"").decode("latin-1")),
                status,
                elapsed * 1000,
            )
            if self.observe is not None:
                self.observe(scope, status, elapsed)
            REQUEST_ID.reset(token)
