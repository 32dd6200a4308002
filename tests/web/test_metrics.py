"""Prometheus metrics: latency by route template, search outbox backlog and screening verdicts read from
the database, and no public /metrics in production."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from portal.app import create_app
from portal.events import public_data_changed
from portal.settings import Settings


def _samples(body: str) -> dict[tuple[str, tuple], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
    }


def test_latency_by_route_template_and_figures_from_the_database(client, db, session):
    for _ in range(3):
        assert client.get("/vi/zones/kcn-tran-de").status_code == 200
    client.get("/vi/proposals/status/SECRET-TOKEN-XYZ")
    with db.write() as w:
        public_data_changed(w, ["zone:kcn-tran-de", "zone:kcn-an-nghiep"])
    response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    samples = _samples(response.text)
    key = (
        "portal_request_duration_seconds_count",
        (("method", "GET"), ("route", "/{lang}/zones/{slug}"), ("status", "2xx")),
    )
    assert samples[key] == 3
    assert "SECRET-TOKEN-XYZ" not in response.text and "kcn-tran-de" not in response.text
    backlog = session.execute(text("SELECT count(*) FROM search_outbox")).scalar_one()
    assert backlog >= 2 and samples[("portal_search_outbox_backlog", ())] == backlog
    verdicts = dict(session.execute(text("SELECT verdict, count(*) FROM proposal GROUP BY verdict")).all())
    shown = {
        dict(labels)["verdict"]: v for (name, labels), v in samples.items() if name == "portal_proposals_by_verdict"
    }
    assert shown == {k or "none": v for k, v in verdicts.items()}


def _production(db, database_url, tmp_path, token: str = "") -> TestClient:
    settings = Settings(
        env="production",
        database_url=database_url,
        secret_key="p" * 48,
        search_url=f"sqlite:///{tmp_path / 'search.db'}",
        upload_dir=tmp_path / "up",
        search_sync="manual",
        metrics_token=token,
    )
    return TestClient(create_app(settings, db=db), base_url="https://127.0.0.1")


def test_production_does_not_expose_metrics_publicly(db, database_url, tmp_path):
    with _production(db, database_url, tmp_path) as client:
        assert client.get("/metrics").status_code == 404
        assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404
    with _production(db, database_url, tmp_path, token="scrape-" + "s" * 30) as client:
        assert client.get("/metrics").status_code == 404
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
        ok = client.get("/metrics", headers={"Authorization": "Bearer scrape-" + "s" * 30})
        assert ok.status_code == 200 and re.search(r"^portal_search_outbox_backlog ", ok.text, re.M)
