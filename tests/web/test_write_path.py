"""The write path in-process: request sessions only read, writes go through `Database.write()`, and no
route does database work on the event loop (see tests/crash/test_write_path.py for the real server)."""

from __future__ import annotations

import inspect

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import select

from portal.catalogue.models import Zone
from portal.db import WriteOutsideTransaction
from tests import conftest


def test_no_route_is_an_async_function(app):
    """FastAPI runs plain `def` routes in the thread pool; an `async def` route runs on the event loop,
    where a query or an argon2 verification blocks every other request."""
    coroutines = [
        route.path
        for route in app.routes
        if isinstance(route, APIRoute) and inspect.iscoroutinefunction(route.endpoint)
    ]
    assert coroutines == []


def test_database_work_on_the_event_loop_is_caught(db):
    """The suite-wide check (tests/conftest.py) sees a query made by an async route."""
    probe = FastAPI()

    @probe.get("/probe")
    async def probe_route():
        with db.session() as session:
            session.execute(text("SELECT 1"))
        return {}

    with TestClient(probe) as client:
        assert client.get("/probe").status_code == 200
    seen = list(conftest.LOOP_QUERIES)
    conftest.LOOP_QUERIES.clear()  # expected here: do not fail this test's teardown check
    assert "SELECT 1" in seen


def test_a_read_only_session_refuses_every_kind_of_write(db):
    with db.session(read_only=True) as session:
        zone = session.exec(select(Zone)).first()
        zone.name_en = "changed"
        with pytest.raises(WriteOutsideTransaction):
            session.flush()
        session.rollback()
        with pytest.raises(WriteOutsideTransaction):
            session.execute(text("UPDATE zone SET name_en = 'x'"))
        from sqlmodel import update

        with pytest.raises(WriteOutsideTransaction):
            session.exec(update(Zone).values(name_en="x"))
        assert session.execute(text("SELECT count(*) FROM zone")).scalar() > 0  # reading is fine


def test_write_commits_and_rolls_back_as_a_unit(db):
    with db.session() as reader:
        before = reader.exec(select(Zone).where(Zone.slug == "kcn-an-nghiep")).one().name_en
    with db.write() as session:
        session.exec(select(Zone).where(Zone.slug == "kcn-an-nghiep")).one().name_en = "Written"
    with pytest.raises(RuntimeError), db.write() as session:
        session.exec(select(Zone).where(Zone.slug == "kcn-an-nghiep")).one().name_en = "Lost"
        session.flush()
        raise RuntimeError("the block failed")
    with db.session() as reader:
        assert reader.exec(select(Zone).where(Zone.slug == "kcn-an-nghiep")).one().name_en == "Written" != before
