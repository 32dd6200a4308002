"""Shared fixtures. Every test runs against a real database — SQLite by default, PostgreSQL with
`--db=postgresql` (the second pass of `make test`) — inside a transaction rolled back at the end.

Under CI=true a PostgreSQL pass that cannot connect fails instead of skipping.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from portal.db import Database, make_engine

PG_URL = os.environ.get("PORTAL_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pytest_addoption(parser):
    parser.addoption(
        "--db",
        default=os.environ.get("PORTAL_TEST_DB", "sqlite"),
        choices=["sqlite", "postgresql"],
        help="database the suite runs on",
    )


def pytest_itemcollected(item):
    """`database`: the test reaches the database under test (its fixtures include `database_url`: `db`,
    `session`, `app`, `client`, `settings`, …). Only these depend on `--db`; the PostgreSQL pass of
    `make test` runs them alone (`-m database`), the others already ran, unchanged, in the SQLite pass."""
    if "database_url" in getattr(item, "fixturenames", ()):
        item.add_marker(pytest.mark.database)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Make `xdist_group` work again under `--dist loadgroup`: pytest-xdist 3.8 tags a grouped test by
    assigning `item._nodeid`, which pytest 9 no longer reads (node ids live in `item._id`), so every group
    was silently split across workers (two e2e servers and browsers, crash tests side by side). Same
    suffix, set where pytest 9 reads it; the scheduler then sends each group to one worker."""
    if not getattr(config.option, "loadgroup", False):
        return
    from _pytest.nodeid import NodeId

    for item in items:
        names = {
            str(m.args[0] if m.args else m.kwargs.get("name", "default")) for m in item.iter_markers("xdist_group")
        }
        if names and not item.nodeid.endswith("@" + "_".join(sorted(names))):
            item._id = NodeId.parse(f"{item.nodeid}@{'_'.join(sorted(names))}")


def service_unavailable(what: str, err: Exception):
    """Fail under CI, skip elsewhere: a missing service must never pass silently in CI."""
    message = f"{what} unavailable: {err}"
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _postgres_url() -> str:
    """One database per xdist worker, created from the `test` database's server, emptied."""
    import psycopg

    name = f"portal_test_{_worker()}_{os.getpid()}"  # unique: several suites may run at once
    admin = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as err:
        service_unavailable("PostgreSQL", err)
    return PG_URL.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(scope="session")
def db_kind(request) -> str:
    return request.config.getoption("--db")


def _drop_postgres(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database_url(db_kind, tmp_path_factory):
    if db_kind == "postgresql":
        url = _postgres_url()
        yield url
        _drop_postgres(url)
        return
    yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'portal.db'}"


#: Statements the app ran on an event loop's thread (an `async def` route or middleware doing database
#: work blocks every other request): the `_no_database_work_on_the_event_loop` check fails the test.
LOOP_QUERIES: list[str] = []


def _on_event_loop() -> bool:
    """Running on the loop of a TestClient's app (its own thread). The main thread is left out: test
    code runs there, and Playwright's sync API keeps an event loop of its own running in it."""
    import asyncio
    import threading

    if threading.current_thread() is threading.main_thread():
        return False
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def watch_event_loop(engine) -> None:
    from sqlalchemy import event

    @event.listens_for(engine, "before_cursor_execute")
    def _check(_conn, _cursor, statement, *_args):
        if _on_event_loop():
            LOOP_QUERIES.append(statement.split("\n")[0][:120])


@pytest.fixture(autouse=True)
def _no_database_work_on_the_event_loop():
    LOOP_QUERIES.clear()
    yield
    assert not LOOP_QUERIES, f"database work on the event loop (use a plain `def` route): {LOOP_QUERIES[:3]}"


#: argon2id at the library's minimum cost for the suite: each hash takes well under a millisecond instead of
#: tens (a test creating users spends its time on what it tests). Hashes made in tests still verify anywhere
#: (the parameters travel in the hash); `production_argon2` restores the production hasher for one test.
CHEAP_ARGON2 = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing():
    from argon2 import PasswordHasher

    from portal.accounts import service

    production = service._hasher
    service._hasher = PasswordHasher(**CHEAP_ARGON2)
    yield
    service._hasher = production


@pytest.fixture
def production_argon2(monkeypatch):
    from argon2 import PasswordHasher

    from portal.accounts import service

    monkeypatch.setattr(service, "_hasher", PasswordHasher())


@pytest.fixture(scope="session")
def db_engine(database_url):
    """Migrated and seeded once per session, public-data subscribers wired (as the app and the CLI do);
    tests roll back their own changes."""
    from portal.migrate import upgrade
    from portal.seeding import seed
    from portal.wiring import wire

    wire()

    upgrade(database_url)
    eng = make_engine(database_url)
    watch_event_loop(eng)
    db = Database(database_url, engine=eng)
    with db.write() as session:
        seed(session)
    yield eng
    eng.dispose()  # before the PostgreSQL database is dropped


@pytest.fixture
def db(db_engine, database_url) -> Iterator[Database]:
    from portal.catalogue.service import clear_reference_cache

    clear_reference_cache()  # per generation: a rolled-back test's generation number comes round again
    connection = db_engine.connect()
    transaction = connection.begin()
    try:
        yield Database.bound_to(connection, database_url)
    finally:
        transaction.rollback()
        connection.close()


@pytest.fixture
def session(db):
    with db.session() as s:
        yield s


@pytest.fixture
def settings(database_url, tmp_path: Path):
    from portal.settings import Settings

    return Settings(
        env="test",
        database_url=database_url,
        secret_key="test-secret-key-" + "x" * 32,
        search_url=f"sqlite:///{tmp_path / 'search.db'}",
        upload_dir=tmp_path / "uploads",
        search_sync="manual",
        page_cache=False,
        mail_dir=tmp_path / "mail",
        export_cache_dir=tmp_path / "exports",
        notify_worker="manual",  # tests send the e-mail outbox themselves (tests/notify)
    )


@pytest.fixture
def app(settings, db):
    from portal.app import create_app

    return create_app(settings, db=db)


@pytest.fixture
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        yield c


def csrf_token(client) -> str:
    """Fetch a page so the client holds the CSRF cookie, and return the form token for it."""
    import re

    page = client.get("/vi/")
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
    if match:
        return match.group(1)
    import hashlib
    import hmac

    cookie = client.cookies.get("portal_csrf")
    secret = client.app.state.settings.secret_key.encode()
    return hmac.new(secret, cookie.encode(), hashlib.sha256).hexdigest()


@pytest.fixture
def csrf(client) -> str:
    return csrf_token(client)


def count_rows(session, table: str) -> int:
    return session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()  # noqa: S608
