"""The scheduled purges (portal/housekeeping.py): what expired is deleted without anyone signing in or
subscribing; nothing else is touched; the server's thread does it on its own; `portal housekeeping` too."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, text
from sqlmodel import Session, select

from portal import housekeeping
from portal.accounts.models import UserSession
from portal.alerts.models import AlertSubscription
from portal.db import Database
from portal.migrate import upgrade
from tests.factories import make_user
from tests.servers import run_cli, server_env, sqlite_url

NOW = datetime.now(UTC)


def _subscription(email: str, *, status: str, age_days: float) -> AlertSubscription:
    return AlertSubscription(
        email=email,
        lang="en",
        filters={},
        query="",
        key=secrets.token_urlsafe(18),
        status=status,
        created_at=NOW - timedelta(days=age_days),
    )


def test_every_purge_is_registered_and_deletes_only_what_expired(db, session):
    assert set(housekeeping.JOBS) == {"expired sessions", "expired import previews", "unconfirmed land alerts"}
    user = make_user(session, email="keeper@soctrang.gov.vn")
    with db.write() as w:
        w.add(_subscription("stale@example.vn", status="pending", age_days=8))  # never confirmed: its address goes
        w.add(_subscription("fresh@example.vn", status="pending", age_days=2))  # may still confirm
        w.add(_subscription("loyal@example.vn", status="active", age_days=400))  # confirmed long ago: kept
        w.add(UserSession(id="a" * 64, user_id=user.id, expires_at=NOW - timedelta(minutes=1)))
        w.add(UserSession(id="b" * 64, user_id=user.id, expires_at=NOW + timedelta(days=1)))
    done = housekeeping.run(db)
    assert done["unconfirmed land alerts"] == 1 and done["expired sessions"] >= 1
    emails = {s.email for s in session.exec(select(AlertSubscription)).all()}
    assert {"fresh@example.vn", "loyal@example.vn"} <= emails and "stale@example.vn" not in emails
    sessions = {s.id for s in session.exec(select(UserSession)).all()}
    assert "b" * 64 in sessions and "a" * 64 not in sessions
    assert set(housekeeping.run(db).values()) == {0}  # again: nothing more


def test_the_servers_schedule_purges_on_its_own_and_the_command_does_it_once(tmp_path):
    url = sqlite_url(tmp_path)
    env = server_env(url, tmp_path)
    upgrade(url)  # the tables; no seed needed
    engine = create_engine(url)

    def add_stale(email: str) -> None:
        with Session(engine) as s:
            s.add(_subscription(email, status="pending", age_days=9))
            s.commit()

    def count() -> int:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM alert_subscription")).scalar_one()

    try:
        add_stale("thread@example.vn")
        database = Database(url)
        keeper = housekeeping.Housekeeper(database, interval=0.2)
        keeper.start()
        try:
            deadline = time.monotonic() + 20
            while count() and time.monotonic() < deadline:
                time.sleep(0.05)
            assert count() == 0, "the schedule did not purge at start"
            add_stale("later@example.vn")  # and again on the next turn, without a restart
            while count() and time.monotonic() < deadline:
                time.sleep(0.05)
            assert count() == 0 and keeper.runs >= 2
        finally:
            keeper.stop()
            database.engine.dispose()
        add_stale("cli@example.vn")
        out = run_cli(["housekeeping"], env).stdout
        assert "unconfirmed land alerts: 1 deleted" in out and count() == 0
    finally:
        engine.dispose()
