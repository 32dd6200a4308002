"""Error responses: HTML in the page's language under /vi and /en, JSON under /api. Nothing shows a
stack trace; a database outage answers 503 with a retry page."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from portal.i18n import LOCALES, N_
from portal.web.render import render

log = logging.getLogger("portal")

TITLES = {
    400: N_("The request could not be understood"),
    401: N_("Please sign in"),
    403: N_("Access denied"),
    404: N_("Page not found"),
    405: N_("Method not allowed"),
    409: N_("This record was changed by someone else"),
    413: N_("The upload is too large"),
    422: N_("Some values are not valid"),
    429: N_("Too many attempts"),
    500: N_("Something went wrong on our side"),
    503: N_("The service is temporarily unavailable"),
}


def page_lang(request: Request) -> str:
    first = request.url.path.split("/")[1] if request.url.path.count("/") >= 1 else ""
    return first if first in LOCALES else "vi"


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_page(request: Request, status: int, *, detail: str | None = None, headers=None):
    lang = page_lang(request)
    return render(
        request,
        lang,
        "error.html",
        {"status": status, "title": TITLES.get(status, TITLES[500]), "detail": detail},
        status_code=status,
        headers=headers,
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        headers = getattr(exc, "headers", None)
        if wants_json(request):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)
        detail = exc.detail if exc.detail and exc.detail != _default_phrase(exc.status_code) else None
        return error_page(request, exc.status_code, detail=detail, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        if wants_json(request):
            errors = []
            for e in exc.errors():
                item = {"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")}
                ctx = e.get("ctx")  # what the message names (e.g. the sector classes to choose from), if plain data
                if isinstance(ctx, dict) and ctx and all(isinstance(v, str | int | float | list) for v in ctx.values()):
                    item["ctx"] = ctx
                errors.append(item)
            return JSONResponse({"detail": errors}, status_code=422)
        return error_page(request, 400)

    @app.exception_handler(DataError)
    async def unstorable_value(request: Request, exc: DataError):
        """A value the database refuses (PostgreSQL: a NUL character in text, a number out of range):
        the client's input is at fault, not the database."""
        log.info("value refused by the database on %s: %s", request.url.path, exc.orig.__class__.__name__)
        if wants_json(request):
            where = "query" if request.method in ("GET", "HEAD") else "body"
            return JSONResponse(
                {
                    "detail": [
                        {
                            "loc": [where],
                            "msg": "contains a character or value that cannot be stored",
                            "type": "value_error",
                        }
                    ]
                },
                status_code=422,
            )
        return error_page(request, 400)

    @app.exception_handler(OperationalError)
    @app.exception_handler(DBAPIError)
    async def database_down(request: Request, exc: Exception):
        log.error("database error on %s: %s", request.url.path, exc.__class__.__name__)
        headers = {"Retry-After": "10"}
        if wants_json(request):
            return JSONResponse(
                {"detail": "Database temporarily unavailable, retry shortly"}, status_code=503, headers=headers
            )
        return error_page(request, 503, headers=headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        log.exception("unhandled error on %s", request.url.path)
        if wants_json(request):
            return JSONResponse({"detail": "Internal error"}, status_code=500)
        return error_page(request, 500)


def _default_phrase(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
