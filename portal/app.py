"""Application factory: settings → database → middleware, routers, templates, static files."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.trustedhost import TrustedHostMiddleware
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from portal.db import Database
from portal.i18n import negotiate
from portal.resources import asset_dir
from portal.settings import Settings, get_settings
from portal.web import errors
from portal.web.csrf import CSRFCookieMiddleware, csrf_protect
from portal.web.head import HeadAsGetMiddleware
from portal.web.metrics import Metrics
from portal.web.metrics import install as install_metrics
from portal.web.pagecache import PageCache, PageCacheMiddleware
from portal.web.requestlog import RequestLogMiddleware
from portal.web.security import BodySizeLimitMiddleware, SecurityHeadersMiddleware


def make_search_worker(settings: Settings, db: Database):
    """The search engine chosen by PORTAL_SEARCH_URL, with timeouts, a circuit breaker and a bulkhead
    (search/guard.py), behind the outbox worker (see portal/searchindex/sync.py)."""
    from portal.searchindex.sync import SyncWorker
    from search.engine import make_engine

    def engine_factory():
        from search.guard import GuardedEngine

        engine = make_engine(
            settings.search_url,
            meili_key=settings.meili_key,
            default_path=settings.search_path,
            timeout=(settings.search_connect_timeout, settings.search_timeout),
        )
        return GuardedEngine(
            engine,
            fail_max=settings.search_breaker_failures,
            reset_after=settings.search_breaker_reset,
            max_concurrent=settings.search_max_concurrent,
        )

    worker = SyncWorker(db, engine_factory, mode=settings.search_sync)
    db.search_worker = worker
    return worker


def create_app(settings: Settings | None = None, *, db: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    docs = settings.env != "production"
    database = db or Database(settings.database_url)
    worker = make_search_worker(settings, database)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        from portal.intake.uploads import clean_incoming

        clean_incoming(settings.upload_dir)  # what a crash left half-written
        worker.start()
        yield
        worker.stop()

    app = FastAPI(
        lifespan=lifespan,
        title="Sóc Trăng investment portal API",
        version="1",
        docs_url="/api/docs" if docs else None,
        redoc_url=None,
        openapi_url="/api/openapi.json" if docs else None,
        dependencies=[Depends(csrf_protect)],
        responses={
            400: {"description": "Malformed request body (e.g. JSON that does not parse)"},
            403: {"description": "A form post without a valid CSRF token (JSON bodies need none)"},
            413: {"description": "Request body larger than PORTAL_MAX_BODY_BYTES"},
        },
    )
    app.state.settings = settings
    app.state.db = database
    app.state.search_worker = worker

    from portal.web.routers import include_all

    include_all(app)

    @app.get("/", include_in_schema=False)
    def root(request: Request) -> RedirectResponse:
        lang = negotiate(request.headers.get("accept-language"))
        return RedirectResponse(f"/{lang}/", status_code=302, headers={"Vary": "Accept-Language"})

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok"})

    app.mount("/static", StaticFiles(directory=asset_dir("static")), name="static")
    errors.install(app)
    metrics = Metrics(database)
    install_metrics(app, metrics, production=settings.env == "production", token=settings.metrics_token)
    # Added last = outermost: security headers wrap everything (the 413 of the body cap included).
    if settings.page_cache:
        database.page_cache = PageCache(database)
        app.add_middleware(PageCacheMiddleware, cache=database.page_cache)
    app.add_middleware(CSRFCookieMiddleware, secure=settings.secure_cookies)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeadersMiddleware, production=settings.env == "production", tile_url=settings.tile_url)
    app.add_middleware(HeadAsGetMiddleware)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.trusted_hosts)
    app.add_middleware(RequestLogMiddleware, observe=metrics.observe)  # the id, the log line, the latency
    # Outermost: the client address everything else sees (rate limits, audit, log) is the connecting
    # one unless it is a trusted proxy (PORTAL_FORWARDED_ALLOW_IPS); `portal serve` leaves this to us.
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.forwarded_allow_ips or [])
    logging.getLogger("portal").setLevel(logging.INFO)
    return app
