"""Application factory: settings → database → middleware, the domains' routers (ROUTERS), static files."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.trustedhost import TrustedHostMiddleware
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from portal import events
from portal.accounts import routes as accounts
from portal.alerts import routes as alerts
from portal.compare import routes as compare
from portal.dashboard import routes as dashboard
from portal.db import Database
from portal.enquiries import routes as enquiries
from portal.facts import routes as facts
from portal.housekeeping import Housekeeper
from portal.i18n import negotiate
from portal.intake import precheck
from portal.intake import routes as intake
from portal.intake.uploads import clean_incoming
from portal.maps import routes as maps
from portal.notify import routes as notify
from portal.notify import service as notify_service
from portal.notify.mailer import make_transport
from portal.notify.service import MailConfig
from portal.notify.worker import NotifyWorker, wake_after_commit
from portal.opendata import routes as opendata
from portal.pipeline import routes as pipeline
from portal.publishing import routes as publishing
from portal.registry import routes as registry
from portal.resources import asset_dir
from portal.review import routes as review
from portal.screening import routes as screening
from portal.searchindex.sync import SyncWorker
from portal.searchpages import routes as searchpages
from portal.settings import Settings, get_settings
from portal.web import errors
from portal.web.csrf import CSRFCookieMiddleware, csrf_protect
from portal.web.exportcache import ExportCache
from portal.web.head import HeadAsGetMiddleware
from portal.web.metrics import Metrics
from portal.web.metrics import install as install_metrics
from portal.web.pagecache import PageCache, PageCacheMiddleware
from portal.web.requestlog import RequestLogMiddleware
from portal.web.security import BodySizeLimitMiddleware, SecurityHeadersMiddleware
from portal.wiring import wire
from portal.zonepages import routes as catalogue
from search.factory import make_engine
from search.guard import GuardedEngine

API = "/api/v1"


#: Every domain's routers, in the order requests are matched: JSON under /api/v1, pages under /{lang}.
#: Catalogue first, open data next (its /sitemap.xml and /robots.txt before any catch-all route), then the
#: others by name. A domain missing here serves nothing: tests/test_wiring.py checks every routes module.
ROUTERS: tuple[tuple[APIRouter, str], ...] = (
    (catalogue.api, API),
    (catalogue.router, ""),
    (screening.router, ""),
    (opendata.api, API),
    (opendata.router, ""),
    (accounts.router, ""),
    (alerts.router, ""),
    (compare.api, API),
    (compare.router, ""),
    (dashboard.router, ""),
    (enquiries.router, ""),
    (facts.router, ""),
    (intake.api, API),
    (intake.router, ""),
    (maps.api, API),
    (maps.router, ""),
    (notify.router, ""),
    (pipeline.api, API),
    (pipeline.router, ""),
    (publishing.router, ""),
    (registry.api, API),
    (registry.router, ""),
    (review.router, ""),
    (precheck.api, API),
    (precheck.router, ""),
    (searchpages.api, API),
    (searchpages.router, ""),
)


def make_search_worker(settings: Settings, db: Database):
    """The search engine chosen by PORTAL_SEARCH_URL, with timeouts, a circuit breaker and a bulkhead
    (search/guard.py), behind the outbox worker (see portal/searchindex/sync.py)."""

    def engine_factory():

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

    return SyncWorker(db, engine_factory, mode=settings.search_sync)


def make_notify_worker(settings: Settings, db: Database) -> NotifyWorker:
    """The e-mail outbox's sender (see portal/notify/worker.py): SMTP when PORTAL_SMTP_URL is set, else
    .eml files under PORTAL_MAIL_DIR. Wired to `db`: mail written through it uses this app's configuration
    (links, sender), and a commit that wrote some wakes this worker."""
    cfg = MailConfig.from_settings(settings)
    worker = NotifyWorker(db, lambda: make_transport(settings), cfg, mode=settings.notify_worker)
    notify_service.configure(db, cfg)
    wake_after_commit(db, worker.kick)
    return worker


def create_app(settings: Settings | None = None, *, db: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    docs = settings.env != "production"
    database = db or Database(settings.database_url)
    wire()
    worker = make_search_worker(settings, database)
    events.after_commit(database, worker.kick)  # woken after commits that changed public data
    mailer = make_notify_worker(settings, database)
    keeper = Housekeeper(
        database, interval=settings.housekeeping_seconds or 3600.0, enabled=settings.housekeeping_seconds > 0
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        clean_incoming(settings.upload_dir)  # what a crash left half-written
        # the routes' thread pool (anyio's default is 40 threads fighting over the GIL: PORTAL_THREADS)
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.thread_count
        worker.start()
        mailer.start()
        keeper.start()
        yield
        keeper.stop()
        mailer.stop()
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
    app.state.notify_worker = mailer
    app.state.mail_config = mailer.cfg

    # matched first: a load balancer's /healthz need not be tried against every page's pattern
    @app.get("/", include_in_schema=False)
    def root(request: Request) -> RedirectResponse:
        lang = negotiate(request.headers.get("accept-language"))
        return RedirectResponse(f"/{lang}/", status_code=302, headers={"Vary": "Accept-Language"})

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok"})

    for router, prefix in ROUTERS:
        app.include_router(router, prefix=prefix)

    app.mount("/static", StaticFiles(directory=asset_dir("static")), name="static")
    errors.install(app)
    metrics = Metrics(database)
    install_metrics(app, metrics, production=settings.env == "production", token=settings.metrics_token)
    # Added last = outermost: security headers wrap everything (the 413 of the body cap included).
    app.state.export_cache = ExportCache(
        settings.export_cache_dir if settings.export_cache else None, settings.database_url
    )
    app.state.page_cache = None
    if settings.page_cache:
        app.state.page_cache = PageCache(database)
        events.after_commit(database, app.state.page_cache.invalidate)  # cleared after public data changed
        app.add_middleware(PageCacheMiddleware, cache=app.state.page_cache, secret=settings.secret_key)
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
