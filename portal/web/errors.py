"""Error responses: HTML in the page's language under /vi and /en, JSON under /api. Nothing shows a
stack trace to the client; each answer says what really happened:

- a value the database refuses → 422; a uniqueness or reference conflict → 409 (both name the field);
- the database unreachable, a lock or pool wait timed out → 503 with Retry-After;
- the upload storage full → 507, unwritable → 503 (nothing of the submission is stored);
- the client went away → logged at info, not an error;
- anything else → 500 page with the request id; the full traceback goes to the log with that id.
"""

from __future__ import annotations

import logging
import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import Response

from portal.i18n import LOCALES, N_, translate
from portal.web.render import render
from portal.web.storage import StorageUnavailable

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
    507: N_("The server has no room to store this"),
}


def page_lang(request: Request) -> str:
    first = request.url.path.split("/")[1] if request.url.path.count("/") >= 1 else ""
    return first if first in LOCALES else "vi"


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def request_id(request: Request) -> str:
    return getattr(request.state, "request_id", "-")


def error_page(request: Request, status: int, *, detail: str | None = None, headers=None, title: str | None = None):
    lang = page_lang(request)
    return render(
        request,
        lang,
        "error.html",
        {
            "status": status,
            "title": title or TITLES.get(status, TITLES[500]),
            "detail": detail,
            "request_id": request_id(request),
        },
        status_code=status,
        headers=headers,
    )


def _sqlite_message(exc: DBAPIError) -> str:
    return str(exc.orig).lower() if exc.orig is not None else ""


def integrity_field(exc: IntegrityError) -> tuple[str, str | None]:
    """("unique" | "reference" | "required" | "check" | "other", the column if the database named it).

    SQLite: "UNIQUE constraint failed: zone.slug"; PostgreSQL (psycopg): the SQLSTATE and its
    diagnostics ("Key (slug)=(…) already exists.", the column of a NOT NULL violation)."""
    orig = exc.orig
    code = getattr(orig, "sqlstate", None)
    if code:
        kinds = {"23505": "unique", "23503": "reference", "23502": "required", "23514": "check"}
        diag = getattr(orig, "diag", None)
        column = getattr(diag, "column_name", None)
        match = re.search(r"Key \(([^)]+)\)=", getattr(diag, "message_detail", None) or "")
        return kinds.get(code, "other"), column or (match.group(1) if match else None)
    message = str(orig)
    for prefix, kind in (("UNIQUE", "unique"), ("FOREIGN KEY", "reference"), ("NOT NULL", "required")):
        if message.startswith(prefix):
            columns = message.partition(":")[2].strip()
            return kind, (columns.split(",")[0].split(".")[-1].strip() or None) if columns else None
    if message.startswith("CHECK"):
        return "check", None
    return "other", None


def is_unavailable(exc: DBAPIError) -> bool:
    """The database cannot serve now (connection lost or refused, lock or statement timeout, disk
    I/O), as opposed to a statement that is wrong (a bug: 500)."""
    if isinstance(exc, InterfaceError) or exc.connection_invalidated:
        return True
    if not isinstance(exc, OperationalError):
        return False
    message = _sqlite_message(exc)
    return not message.startswith(("no such ", "near ", "table ", "incomplete input"))  # SQLite: a wrong statement


CONFLICT = {
    "unique": N_("A record with this value already exists."),
    "reference": N_("This refers to a record that does not exist (any more)."),
    "required": N_("A required value is missing."),
    "check": N_("A value is outside what is allowed."),
    "other": N_("The values conflict with the stored data."),
}


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

    @app.exception_handler(IntegrityError)
    async def conflict(request: Request, exc: IntegrityError):
        kind, column = integrity_field(exc)
        status = 409 if kind in ("unique", "reference") else 422
        log.warning(
            "[%s] integrity error on %s (%s, field %s): %s",
            request_id(request),
            request.url.path,
            kind,
            column,
            exc.orig,
        )
        message = CONFLICT[kind]
        if wants_json(request):
            where = "query" if request.method in ("GET", "HEAD") else "body"
            loc = [where, column] if column else [where]
            return JSONResponse(
                {"detail": [{"loc": loc, "msg": message, "type": f"{kind}_conflict"}]}, status_code=status
            )
        lang = page_lang(request)
        detail = translate(lang, message) + (f" ({column})" if column else "")
        return error_page(request, status, detail=detail, title=N_("These values cannot be stored"))

    @app.exception_handler(PoolTimeout)
    @app.exception_handler(DBAPIError)
    async def database_error(request: Request, exc: Exception):
        if isinstance(exc, DBAPIError) and not is_unavailable(exc):
            return _internal_error(request, exc)
        log.error(
            "[%s] database unavailable on %s: %s: %s",
            request_id(request),
            request.url.path,
            exc.__class__.__name__,
            str(exc).splitlines()[0][:300] if str(exc) else "",
        )
        headers = {"Retry-After": "10"}
        if wants_json(request):
            return JSONResponse(
                {"detail": "Database temporarily unavailable, retry shortly"}, status_code=503, headers=headers
            )
        return error_page(request, 503, headers=headers)

    @app.exception_handler(StorageUnavailable)
    async def storage_unavailable(request: Request, exc: StorageUnavailable):
        status = 507 if exc.full else 503
        log.error("[%s] upload storage %s on %s: %s", request_id(request), exc.state, request.url.path, exc)
        headers = {"Retry-After": "60"}
        if wants_json(request):
            message = "No space left to store uploads" if exc.full else "Uploads cannot be stored now"
            return JSONResponse({"detail": message + "; nothing was stored"}, status_code=status, headers=headers)
        return error_page(request, status, headers=headers, detail="storage")

    @app.exception_handler(ClientDisconnect)
    async def client_gone(request: Request, exc: ClientDisconnect):
        log.info("[%s] client disconnected during %s %s", request_id(request), request.method, request.url.path)
        return Response(status_code=499)  # nobody reads it (nginx's "client closed request")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        return _internal_error(request, exc)


def _internal_error(request: Request, exc: BaseException):
    rid = request_id(request)
    log.error("[%s] unhandled error on %s %s", rid, request.method, request.url.path, exc_info=exc)
    headers = {"X-Request-ID": rid}
    if wants_json(request):
        return JSONResponse({"detail": "Internal error", "request_id": rid}, status_code=500, headers=headers)
    return error_page(request, 500, headers=headers)


def _default_phrase(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
