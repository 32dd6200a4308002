"""CSRF protection, on for every state-changing request; a route opts out, never in.

Each browser gets a random `portal_csrf` cookie (HttpOnly, SameSite=Lax). Forms carry
`csrf_token` = HMAC(secret, cookie); a POST/PUT/PATCH/DELETE whose token is missing or does not match
is refused with 403. Requests with a JSON body are accepted without a token: a cross-site page cannot
send `Content-Type: application/json` without a CORS preflight, which this app never grants, and no
JSON endpoint is authorised by cookie alone without also passing this check when it is a form.
A route opts out with `openapi_extra={"x-csrf-exempt": True}` (none does today).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import HTTPException, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "portal_csrf"
FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


class CSRFError(HTTPException):
    def __init__(self) -> None:
        super().__init__(status_code=403, detail="csrf")


def _cookie_from_scope(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            for part in value.decode("latin-1").split(";"):
                key, _, val = part.strip().partition("=")
                if key == COOKIE and val:
                    return val
    return None


class CSRFCookieMiddleware:
    """Gives every browser a CSRF cookie (pure ASGI: does not buffer bodies)."""

    def __init__(self, app: ASGIApp, *, secure: bool) -> None:
        self.app = app
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        existing = _cookie_from_scope(scope)
        value = existing if existing and len(existing) <= 128 else secrets.token_urlsafe(32)
        scope.setdefault("state", {})["csrf_cookie"] = value
        if existing == value:
            await self.app(scope, receive, send)
            return

        cookie = f"{COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax"
        if self.secure:
            cookie += "; Secure"

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"set-cookie", cookie.encode("latin-1")))
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def _secret(request: Request) -> bytes:
    return request.app.state.settings.secret_key.encode()


def token_for_cookie(secret: bytes, cookie: str) -> str:
    return hmac.new(secret, cookie.encode(), hashlib.sha256).hexdigest()


def scope_token(scope: Scope, secret: bytes) -> str:
    """The form token of the browser making this request (its cookie, as CSRFCookieMiddleware set it)."""
    return token_for_cookie(secret, scope.get("state", {}).get("csrf_cookie", ""))


def csrf_token_for(request: Request) -> str:
    return scope_token(request.scope, _secret(request))


async def csrf_protect(request: Request) -> None:
    """App-wide dependency: checks the token on every unsafe method."""
    if request.method in SAFE_METHODS:
        return
    route = request.scope.get("route")
    if route is not None and (getattr(route, "openapi_extra", None) or {}).get("x-csrf-exempt"):
        return
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json" or content_type.endswith("+json"):
        return
    token = request.headers.get(HEADER)
    if not token and content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.form()
        value = form.get(FIELD)
        token = value if isinstance(value, str) else None
    if not token or not _cookie_from_scope(request.scope):
        raise CSRFError()
    if not hmac.compare_digest(token, csrf_token_for(request)):
        raise CSRFError()
