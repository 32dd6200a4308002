"""The write path against a real server (uvicorn subprocess, real locking), on SQLite and PostgreSQL.

In-process tests share one connection and cannot see lock contention; these can:

1. Staff saves (plot creates and edits), investor submissions, read-only POSTs (the screening API and
   the pre-check form) and staff page loads, all at once: no 5xx, every write stored once. A stale
   edit of the same plot is a 409 (the optimistic check), never an error.
2. A staff save more than a minute after the session was last seen (so the session's last-seen time
   is written in the same request as the save) answers 303 and records both.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.conftest import service_unavailable
from tests.intake.factories import facts, proposal_json
from tests.servers import LiveServer, postgres_available, postgres_database, sqlite_url

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("write-path")]

PASSWORD = "write-path-password-42"
STAFF = [f"writer{i}@soctrang.gov.vn" for i in range(3)]
ZONE = "kcn-tran-de"
TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request, tmp_path):
    if request.param == "sqlite":
        with LiveServer(sqlite_url(tmp_path), workdir=tmp_path) as live:
            _accounts(live)
            yield live
        return
    err = postgres_available()
    if err is not None:
        service_unavailable("PostgreSQL", err)
    with postgres_database("writepath") as url, LiveServer(url, workdir=tmp_path) as live:
        _accounts(live)
        yield live


def _accounts(live: LiveServer) -> None:
    """The staff accounts, written straight into the server's database (as `portal createuser` does, without
    a command's start-up per account; tests/accounts/test_cli.py tests the command)."""
    from portal.accounts import service
    from portal.db import Database

    db = Database(live.database_url)
    try:
        with db.write() as session:
            for email in STAFF:
                password_hash = service.new_password_hash(PASSWORD, email=email)
                service.create(session, email=email, password_hash=password_hash, roles=["staff"], display_name="")
    finally:
        db.dispose()


def _token(client: httpx.Client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    match = TOKEN.search(page.text)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def _staff_client(server: LiveServer, email: str) -> httpx.Client:
    client = httpx.Client(base_url=server.base_url, timeout=60)
    token = _token(client, "/vi/staff/login")
    response = client.post("/vi/staff/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303, response.text[:300]
    return client


def _create_plot(client: httpx.Client, code: str) -> httpx.Response:
    token = _token(client, f"/vi/staff/zones/{ZONE}/plots/new")
    return client.post(
        f"/vi/staff/zones/{ZONE}/plots/new",
        data={"csrf_token": token, "code": code, "area_ha": "2.5", "status": "available"},
    )


def _plot_ids(client: httpx.Client) -> dict[str, int]:
    page = client.get(f"/vi/staff/zones/{ZONE}/plots")
    found = re.findall(r'plots/(\d+)/edit">[^<]*<span class="visually-hidden"> ([^<]+)</span>', page.text)
    return {code: int(pid) for pid, code in found}


def _edit_plot(client: httpx.Client, plot_id: int, code: str, area: str) -> httpx.Response:
    page = client.get(f"/vi/staff/zones/{ZONE}/plots/{plot_id}/edit")
    assert page.status_code == 200, page.status_code
    version = re.search(r'name="version" value="(\d+)"', page.text).group(1)
    token = TOKEN.search(page.text).group(1)
    return client.post(
        f"/vi/staff/zones/{ZONE}/plots/{plot_id}/edit",
        data={"csrf_token": token, "version": version, "code": code, "area_ha": area, "status": "available"},
    )


class Tally:
    def __init__(self) -> None:
        self.statuses: Counter = Counter()
        self.errors: list[str] = []
        self.lock = threading.Lock()

    def note(self, what: str, response: httpx.Response, expected: tuple[int, ...]) -> None:
        with self.lock:
            self.statuses[(what, response.status_code)] += 1
            if response.status_code not in expected:
                self.errors.append(f"{what}: {response.status_code} {response.text[:200]!r}")


def test_concurrent_staff_saves_submissions_and_read_only_posts_never_fail(server):
    tally = Tally()
    staff = [_staff_client(server, email) for email in STAFF]
    run = uuid.uuid4().hex[:6].upper()
    shared = f"SH-{run}"
    assert _create_plot(staff[0], shared).status_code == 303
    shared_id = _plot_ids(staff[0])[shared]

    def staff_work(n: int) -> None:
        client = staff[n]
        for i in range(6):
            code = f"W{n}-{run}-{i}"
            tally.note("plot create", _create_plot(client, code), (303,))
            tally.note("staff page", client.get("/vi/staff/"), (200,))
            # the same plot edited by every staff member at once: each save wins or is told it is stale
            tally.note("shared edit", _edit_plot(client, shared_id, shared, f"{3 + n}.{i}"), (303, 409))
        ids = _plot_ids(client)
        for i in range(6):
            code = f"W{n}-{run}-{i}"
            tally.note("plot edit", _edit_plot(client, ids[code], code, "7"), (303,))

    def investor_work(n: int) -> None:
        with httpx.Client(base_url=server.base_url, timeout=60) as client:
            for i in range(8):
                key = f"write-path-{run}-{n}-{i}"
                body = proposal_json(company_name=f"Công ty Ghi {n}-{i}")
                response = client.post("/api/v1/proposals", json=body, headers={"Idempotency-Key": key})
                tally.note("proposal", response, (201,))

    def reader_work(n: int) -> None:
        with httpx.Client(base_url=server.base_url, timeout=60) as client:
            token = _token(client, "/vi/precheck")
            for _ in range(10):
                tally.note("screening API", client.post("/api/v1/screening", json=facts()), (200,))
                form = {"csrf_token": token, "sectors": "1020", "zone": "kcn-an-nghiep"}
                tally.note("precheck form", client.post("/vi/precheck", data=form), (200, 422))

    with ThreadPoolExecutor(max_workers=10) as pool:
        jobs = [pool.submit(staff_work, n) for n in range(len(staff))]
        jobs += [pool.submit(investor_work, n) for n in range(4)]
        jobs += [pool.submit(reader_work, n) for n in range(3)]
        for job in jobs:
            job.result()
    for client in staff:
        client.close()

    print(sorted(tally.statuses.items()))
    assert tally.errors == []
    assert tally.statuses[("shared edit", 303)] >= 1
    engine = create_engine(server.database_url)
    try:
        with engine.connect() as conn:
            plots = conn.execute(text("SELECT code, area_ha FROM plot WHERE code LIKE :p"), {"p": f"W%-{run}-%"}).all()
            proposals = conn.execute(
                text("SELECT count(*), count(DISTINCT idempotency_key) FROM proposal WHERE company_name LIKE :c"),
                {"c": "Công ty Ghi %"},
            ).one()
    finally:
        engine.dispose()
    assert len(plots) == 18 and {area for _, area in plots} == {7.0}
    assert tuple(proposals) == (32, 32)


def test_a_save_a_minute_after_the_last_request_also_records_last_seen(server):
    """The save itself is the request that finds the session's last-seen time a minute old (the form
    page was loaded before the clock was set back), so both writes happen in the one POST."""
    client = _staff_client(server, STAFF[0])
    engine = create_engine(server.database_url)
    earlier = datetime.now(UTC) - timedelta(minutes=5)
    try:
        token = _token(client, f"/vi/staff/zones/{ZONE}/plots/new")
        with engine.begin() as conn:
            conn.execute(text("UPDATE usersession SET last_seen_at = :t WHERE revoked_at IS NULL"), {"t": earlier})
        response = client.post(
            f"/vi/staff/zones/{ZONE}/plots/new",
            data={
                "csrf_token": token,
                "code": f"LS-{uuid.uuid4().hex[:6].upper()}",
                "area_ha": "1",
                "status": "available",
            },
        )
        assert response.status_code == 303, response.text[:300]
        with engine.connect() as conn:
            seen = conn.execute(text("SELECT max(last_seen_at) FROM usersession WHERE revoked_at IS NULL")).scalar()
    finally:
        engine.dispose()
        client.close()
    if isinstance(seen, str):  # SQLite returns the stored text
        seen = datetime.fromisoformat(seen)
    if seen.tzinfo is None:
        seen = seen.replace(tzinfo=UTC)
    assert seen > earlier + timedelta(minutes=4)
