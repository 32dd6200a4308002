"""Errors that tell the truth: a conflict is 409 with the field, a database that cannot serve is 503, a
bug is 500 with a request id (and the traceback in the log under that id), a client that went away is
not an error. Each failure is produced for real (a real duplicate row, a real exhausted pool, a real
wrong statement), through routes added to the real app."""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
import threading

import pytest
from fastapi import Request
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from portal.catalogue.models import Zone
from portal.db import Database, DatabaseDep, SessionDep, make_engine
from portal.web.errors import is_unavailable
from portal.web.requestlog import redact


def _duplicate_zone(db: DatabaseDep):
    with db.write() as w:
        w.add(
            Zone(
                slug="kcn-tran-de",
                kind="kcn",
                name_vi="Trùng",
                name_en="Dup",
                status="operating",
                source="t",
                source_ref="t",
            )
        )
    return {"stored": True}


def _wrong_statement(session: SessionDep):
    session.execute(text("SELECT no_such_column FROM zone"))
    return {}


def _bug(request: Request):
    raise RuntimeError("a bug in a route")


@pytest.fixture
def routes(app):
    app.add_api_route("/api/v1/test-duplicate", _duplicate_zone, methods=["GET"])
    app.add_api_route("/vi/test-duplicate", _duplicate_zone, methods=["GET"])
    app.add_api_route("/api/v1/test-wrong-sql", _wrong_statement, methods=["GET"])
    app.add_api_route("/vi/test-bug", _bug, methods=["GET"])
    return app


@pytest.fixture
def loose_client(routes):
    with TestClient(routes, base_url="http://127.0.0.1:8000", raise_server_exceptions=False) as c:
        yield c


def test_a_uniqueness_conflict_is_409_naming_the_field(loose_client):
    response = loose_client.get("/api/v1/test-duplicate")
    assert response.status_code == 409, response.text
    (error,) = response.json()["detail"]
    assert error["loc"] == ["query", "slug"] and error["type"] == "unique_conflict"
    page = loose_client.get("/vi/test-duplicate")
    assert page.status_code == 409
    assert "slug" in page.text and "Đã có một bản ghi với giá trị này." in page.text


def test_a_wrong_statement_is_a_500_with_a_request_id_and_the_traceback_in_the_log(loose_client, caplog):
    caplog.set_level(logging.ERROR, logger="portal")
    response = loose_client.get("/api/v1/test-wrong-sql")
    assert response.status_code == 500, response.text  # was 503 "temporarily unavailable": a bug is not an outage
    rid = response.json()["request_id"]
    assert response.headers["x-request-id"] == rid
    records = [r for r in caplog.records if rid in r.getMessage()]
    assert records and records[0].exc_info is not None, "no traceback logged under the request id"
    assert "no_such_column" in str(records[0].exc_info[1])


def test_an_unexpected_error_shows_the_request_id_on_the_page(loose_client, caplog):
    caplog.set_level(logging.ERROR, logger="portal")
    page = loose_client.get("/vi/test-bug", headers={"X-Request-ID": "support-4711"})
    assert page.status_code == 500
    assert re.search(r'<code class="request-id">support-4711</code>', page.text), page.text[-1500:]
    assert "RuntimeError" not in page.text and "Traceback" not in page.text
    logged = [r for r in caplog.records if "support-4711" in r.getMessage()]
    assert logged and logged[0].exc_info[0] is RuntimeError


def test_a_request_id_that_is_not_a_plain_token_is_replaced(client):
    response = client.get("/healthz", headers={"X-Request-ID": "<script>\nforged"})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])


def test_an_exhausted_connection_pool_answers_503_not_500(settings, database_url):
    """Every connection of the pool held, the wait times out: the retry page, never a 500."""
    from portal.app import create_app

    engine = make_engine(database_url)
    tiny = create_engine(database_url, pool_size=1, max_overflow=0, pool_timeout=0.2)
    db = Database(database_url, engine=tiny)
    held = tiny.connect()
    try:
        with TestClient(create_app(settings, db=db), raise_server_exceptions=False) as c:
            page = c.get("/vi/zones")
            api = c.get("/api/v1/zones")
        assert page.status_code == 503 and "Retry-After" in page.headers, page.status_code
        assert api.status_code == 503 and api.json()["detail"].startswith("Database temporarily unavailable")
    finally:
        held.close()
        tiny.dispose()
        engine.dispose()


def test_a_lock_timeout_counts_as_unavailable_a_wrong_statement_does_not(tmp_path):
    path = tmp_path / "locked.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.execute("BEGIN IMMEDIATE")
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0.05})
    try:
        with pytest.raises(OperationalError) as locked, engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
        assert "locked" in str(locked.value) and is_unavailable(locked.value)
        with pytest.raises(OperationalError) as wrong, engine.connect() as conn:
            conn.execute(text("SELECT nothing FROM nowhere"))
        assert not is_unavailable(wrong.value)
    finally:
        holder.close()
        engine.dispose()


def test_a_client_that_disconnects_mid_upload_is_not_logged_as_an_error(app, caplog):
    """The body stops half-way (the visitor closed the tab): an info line, no traceback, no 500."""
    caplog.set_level(logging.INFO, logger="portal")
    boundary = "b0undary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="company_name"\r\n\r\nCông ty\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; filename="a.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n%PDF-1.4 "
    ).encode()
    messages = [
        {"type": "http.request", "body": head, "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[dict] = []

    async def receive():
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 5000),
        "root_path": "",
        "path": "/vi/proposals/new",
        "raw_path": b"/vi/proposals/new",
        "query_string": b"",
        "headers": [
            (b"host", b"127.0.0.1:8000"),
            (b"content-type", f"multipart/form-data; boundary={boundary}".encode()),
            (b"content-length", b"100000"),
        ],
        "state": {},
    }
    # a thread of its own: another test in this worker may have left an event loop running in the main thread
    runner = threading.Thread(target=lambda: asyncio.run(app(scope, receive, send)))
    runner.start()
    runner.join(30)
    statuses = [m["status"] for m in sent if m["type"] == "http.response.start"]
    assert statuses and statuses[0] != 500, statuses
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], [r.getMessage() for r in caplog.records]
    assert any("client disconnected" in r.getMessage() for r in caplog.records)


def test_tracking_tokens_never_reach_the_request_log(client, caplog):
    caplog.set_level(logging.INFO, logger="portal.access")
    client.get("/vi/proposals/status/SECRET-TOKEN-123")
    client.get("/vi/zones?token=SECRET-TOKEN-456&page=1")
    lines = [r.getMessage() for r in caplog.records if r.name == "portal.access"]
    assert len(lines) >= 2
    assert not [line for line in lines if "SECRET-TOKEN" in line], lines
    assert redact("/en/proposals/receipt/abc/", "x=1&key=zz") == "/en/proposals/receipt/***/?x=1&key=***"
