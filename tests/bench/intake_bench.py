"""Intake throughput: proposals submitted (validated, screened, stored, audited, committed) per second on SQLite
(a script, not a test).

    .venv/bin/python tests/bench/intake_bench.py [-n 1000] [--form]

Two measurements, both printed, each with its own baseline from the same run:

1. Over HTTP (the way investors reach it): a real uvicorn server (one worker, embedded SQLite
   configuration) loaded by wrk (or the bounded Python client of http_bench.py when wrk is missing)
   with 16 concurrent connections, against its own GET /healthz. Skipped with --no-live.
2. In-process: a fresh SQLite file (migrated and seeded) in a temp directory, the real app, Starlette's TestClient,
one request at a time. Times N `POST /api/v1/proposals` (each with its own Idempotency-Key; every one commits)
and, with --form, N form submissions of `/en/proposals/new` (multipart, CSRF, 303 to the receipt), and N bare
`GET /healthz` in the same run as the baseline; prints requests per second and the ratio. Then N replays of
already-stored keys (the double-click path). Target: ≥ 200 intake POSTs per second.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.intake.factories import proposal_form, proposal_json  # noqa: E402

TARGET = 200.0
VARIANTS = [
    {},
    {"technology_level": "standard"},
    {"sectors": ["1020"], "zone": "kcn-tran-de", "wastewater_m3_day": 0},
    {"sectors": ["1410", "1520"], "zone": None, "land_ha": 12.5},
    {"sectors": ["2410"], "equipment_condition": "used", "equipment_year": 2005},
    {"sectors": ["1313"], "zone": None, "inside_zone": False},
]


def timed(label: str, n: int, fn: Callable[[int], None]) -> tuple[float, float]:
    """(wall rate, cpu rate). The CPU figure is this process's own cost (client + app threads); on a shared
    machine the wall figure also counts waiting for a CPU."""
    start, cpu = time.perf_counter(), time.process_time()
    for i in range(n):
        fn(i)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"{label:<44} {n:>6,}: wall {wall:6.2f} s = {n / wall:>6,.0f}/s | cpu {cpu:6.2f} s = {n / cpu:>6,.0f}/s")
    return n / wall, n / cpu


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1000, help="requests per measurement (default 1,000; max 20,000)")
    parser.add_argument("--form", action="store_true", help="also time the HTML form submission")
    parser.add_argument("--no-live", action="store_true", help="skip the measurement over HTTP on a live server")
    args = parser.parse_args(argv)
    n = max(1, min(args.n, 20_000))

    workdir = Path(tempfile.mkdtemp(prefix="intake-bench-"))
    url = f"sqlite:///{workdir / 'portal.db'}"
    os.environ["PORTAL_DATABASE_URL"] = url

    from fastapi.testclient import TestClient
    from sqlalchemy import text

    from portal.app import create_app
    from portal.db import Database
    from portal.migrate import upgrade
    from portal.seeding import seed
    from portal.settings import Settings

    upgrade(url)
    db = Database(url)
    with db.session() as session:
        seed(session)
        session.commit()
    settings = Settings(
        env="test",
        database_url=url,
        secret_key="bench-secret-" + "b" * 40,
        upload_dir=workdir / "uploads",
        search_url=f"sqlite:///{workdir / 'search.db'}",
    )
    app = create_app(settings, db=db)
    verdicts: Counter[str] = Counter()
    keys: list[str] = []

    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        for _ in range(20):  # warm up: imports, compiled ruleset, templates, connection pool
            client.get("/healthz")
            client.post("/api/v1/screening", json={"sectors": ["1313"]})

        def healthz(_i: int) -> None:
            assert client.get("/healthz").status_code == 200

        def api_submit(i: int) -> None:
            key = f"bench-{uuid.uuid4()}"
            r = client.post(
                "/api/v1/proposals", json=proposal_json(**VARIANTS[i % len(VARIANTS)]), headers={"Idempotency-Key": key}
            )
            assert r.status_code == 201, r.text
            verdicts[r.json()["verdict"]] += 1
            keys.append(key)

        def api_replay(i: int) -> None:
            r = client.post(
                "/api/v1/proposals",
                json=proposal_json(**VARIANTS[i % len(VARIANTS)]),
                headers={"Idempotency-Key": keys[i]},
            )
            assert r.status_code == 200, r.text

        baseline = timed("GET /healthz (baseline)", n, healthz)
        api = timed("POST /api/v1/proposals (new, committed)", n, api_submit)
        replay = timed("POST /api/v1/proposals (replay, same key)", n, api_replay)
        form = None
        if args.form:
            page = client.get("/en/proposals/new").text
            csrf = page.split('name="csrf_token" value="')[1].split('"')[0]

            def form_submit(i: int) -> None:
                r = client.post("/en/proposals/new", data=proposal_form(csrf), follow_redirects=False)
                assert r.status_code == 303, r.text[:500]

            form = timed("POST /en/proposals/new (form, 303)", n, form_submit)

        with db.session() as session:
            stored = session.execute(text("SELECT count(*) FROM proposal")).scalar_one()
    expected = n * (2 if args.form else 1)
    print(
        f"proposals stored: {stored:,} (expected {expected:,}); verdicts: "
        + ", ".join(f"{k} {v}" for k, v in verdicts.most_common())
    )
    print(
        f"API intake costs {baseline[0] / api[0]:.1f}× a bare GET /healthz (wall), {baseline[1] / api[1]:.1f}× (cpu); "
        f"a replay {baseline[0] / replay[0]:.1f}× (wall)"
    )
    if form is not None:
        print(
            f"form intake costs {baseline[0] / form[0]:.1f}× a bare GET /healthz (wall), "
            f"{baseline[1] / form[1]:.1f}× (cpu)"
        )
    ok = True
    for name, index in (("wall", 0), ("cpu", 1)):
        rates = [api[index]] + ([form[index]] if form is not None else [])
        met = min(rates) >= TARGET
        ok = ok and (met or index == 1)
        print(f"target {TARGET:,.0f} intake POSTs/s ({name}): {'met' if met else 'NOT met'} ({min(rates):,.0f}/s)")
    if not args.no_live:
        ok = live(workdir) and ok
    if stored != expected:
        print("ERROR: not every acknowledged proposal is stored")
        return 2
    return 0 if ok else 1


def live(workdir: Path) -> bool:
    """Intake over HTTP on a real server; returns whether the target is met there."""
    from tests.bench.http_bench import fmt_load, load
    from tests.servers import LiveServer, sqlite_url

    opts = argparse.Namespace(duration=8, requests=1000, concurrency=16, python_client=False)
    print("\nover HTTP: uvicorn, one worker, embedded SQLite configuration, 16 concurrent connections")
    with LiveServer(sqlite_url(workdir / "live"), workdir=workdir / "live-run") as server:
        base = load(server.url("/healthz"), "GET", opts, workdir)
        print(fmt_load("GET /healthz", base, None))
        post = load(server.url("/api/v1/proposals"), "POST", opts, workdir)
        print(fmt_load("POST proposals", post, base))
    met = post.rps >= TARGET and post.bad == 0
    print(
        f"target {TARGET:,.0f} intake POSTs/s over HTTP: {'met' if met else 'NOT met'} ({post.rps:,.0f}/s, "
        f"{post.bad} errors)"
    )
    return met


if __name__ == "__main__":
    raise SystemExit(main())
