"""HEAD answers like GET without a body (RFC 9110 §9.3.2), on every GET route: uptime monitors and link
checkers send HEAD, and FastAPI's routes answer only the methods they declare (HEAD was 405).
Pure ASGI: the request runs as GET, headers (Content-Length included) are sent, the body is not."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGetMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return  # the rest is dropped too; the last empty message ends the response
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)
