"""Prometheus metrics (`prometheus-client`) at `/metrics`: request latency by route, the search outbox
backlog, screening verdicts of stored proposals.

- Latency: a histogram per route template (`/{lang}/zones/{slug}`, never the raw path, so tokens and
  slugs do not become labels), method and status class, fed by the request-log middleware.
- Backlog and verdicts are read from the database when scraped, so every worker reports the same
  figures (the histogram is per process: with several workers, scrape each or set up prometheus-client's
  multiprocess mode).
- Not public in production: `/metrics` answers 404 unless `PORTAL_METRICS_TOKEN` is set and sent as
  `Authorization: Bearer <token>`. Elsewhere it is open.
"""

from __future__ import annotations

import hmac

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import text
from starlette.types import Scope

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class _DatabaseFigures:
    """Collected at scrape time from the database (shared by all workers)."""

    def __init__(self, db) -> None:
        self.db = db

    def collect(self):
        backlog = GaugeMetricFamily("portal_search_outbox_backlog", "Search outbox rows not yet applied")
        verdicts = GaugeMetricFamily(
            "portal_proposals_by_verdict", "Stored proposals by screening verdict", labels=["verdict"]
        )
        with self.db.session(read_only=True) as session:
            backlog.add_metric([], session.execute(text("SELECT count(*) FROM search_outbox")).scalar_one())
            rows = session.execute(text("SELECT verdict, count(*) FROM proposal GROUP BY verdict")).all()
        for verdict, count in sorted(rows):
            verdicts.add_metric([verdict or "none"], count)
        yield backlog
        yield verdicts


class Metrics:
    def __init__(self, db) -> None:
        self.registry = CollectorRegistry()
        self.latency = Histogram(
            "portal_request_duration_seconds",
            "Time to answer a request, by route template",
            ["route", "method", "status"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.registry.register(_DatabaseFigures(db))

    def observe(self, scope: Scope, status: int, seconds: float) -> None:
        route = getattr(scope.get("route"), "path", None) or "(unmatched)"
        self.latency.labels(route, scope["method"], f"{status // 100}xx").observe(seconds)


def install(app: FastAPI, metrics: Metrics, *, production: bool, token: str) -> None:
    @app.get("/metrics", include_in_schema=False)
    def metrics_endpoint(request: Request) -> Response:
        if production:
            sent = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
            if not token or not hmac.compare_digest(sent.encode(), token.encode()):
                raise HTTPException(status_code=404)
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
