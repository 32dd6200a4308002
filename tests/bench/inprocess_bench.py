"""CPU of one request inside the process, without a server or a client: the uncached zone list, the zone
page and /healthz called as ASGI apps on the seeded data (a script, not a test).

    .venv/bin/python tests/bench/inprocess_bench.py [-n 200] [--profile PATH] [--top 30] [--inline]

Per path: CPU ms per request (time.process_time over `n` requests after a warm-up, in batches: the mean
and the best batch, which a loaded machine disturbs least), SELECTs per request, and with `--profile` the
function calls of one request (cProfile) and the costliest functions. Routes run in the thread pool as in
production; `--inline` runs them on the event loop's thread instead, so cProfile sees their calls (the
figures of `--profile` always use it)."""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

PATHS = ("/vi/zones", "/vi/zones/kcn-tran-de", "/en/zones?kind=kcn&sort=name", "/healthz")


def _scope(path: str) -> dict:
    raw_path, _, query = path.partition("?")
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": raw_path,
        "raw_path": raw_path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1:8000"), (b"accept-language", b"vi"), (b"user-agent", b"bench")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def _call(app, path: str) -> tuple[int, bytes]:
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    await app(_scope(path), receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def _inline_threadpool() -> None:
    """Run what would go to the thread pool on the calling thread (cProfile sees one thread)."""
    import anyio.to_thread

    async def run_sync(func, *args, abandon_on_cancel=False, cancellable=None, limiter=None):
        return func(*args)

    anyio.to_thread.run_sync = run_sync


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=200, help="requests per path")
    parser.add_argument("--batches", type=int, default=5, help="the best batch is printed beside the mean")
    parser.add_argument("--profile", type=Path, help="write one request's cProfile stats per path under PATH")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--inline", action="store_true", help="routes on the event loop's thread")
    parser.add_argument("paths", nargs="*", default=list(PATHS))
    args = parser.parse_args()
    if args.inline or args.profile:
        _inline_threadpool()

    from sqlalchemy import event

    from portal.app import create_app
    from portal.db import Database
    from portal.migrate import upgrade
    from portal.seeding import seed
    from portal.settings import Settings

    print(f"in-process bench; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/portal.db"
        upgrade(url)
        db = Database(url)
        with db.write() as session:
            seed(session)
        settings = Settings(
            env="test",
            database_url=url,
            secret_key="bench-secret-key-" + "x" * 32,
            search_url=f"sqlite:///{tmp}/search.db",
            upload_dir=Path(tmp) / "uploads",
            search_sync="manual",
            page_cache=False,
            housekeeping_seconds=0,
        )
        app = create_app(settings, db=db)
        selects = {"n": 0}

        def count(_conn, _cursor, statement, *_rest) -> None:
            if statement.lstrip().upper().startswith(("SELECT", "WITH")):
                selects["n"] += 1

        event.listen(db.engine, "before_cursor_execute", count)
        loop = asyncio.new_event_loop()
        for path in args.paths:
            for _ in range(5):
                status, body = loop.run_until_complete(_call(app, path))
            selects["n"] = 0
            loop.run_until_complete(_call(app, path))
            per_request = selects["n"]
            batches = []
            for _ in range(args.batches):
                cpu0 = time.process_time()
                for _ in range(args.n // args.batches):
                    loop.run_until_complete(_call(app, path))
                batches.append((time.process_time() - cpu0) * 1000 / (args.n // args.batches))
            cpu, best = sum(batches) / len(batches), min(batches)
            line = (
                f"  {path:<34} {status} {len(body) / 1024:6.1f} KB  CPU {cpu:6.3f} ms/req (best batch {best:6.3f})"
                f"  SELECTs {per_request}"
            )
            if args.profile:
                prof = cProfile.Profile()
                prof.enable()
                loop.run_until_complete(_call(app, path))
                prof.disable()
                stats = pstats.Stats(prof)
                line += f"  calls {stats.total_calls} ({stats.prim_calls} primitive)"
                args.profile.mkdir(parents=True, exist_ok=True)
                name = path.strip("/").replace("/", "_").replace("?", "_") or "root"
                stats.dump_stats(args.profile / f"{name}.prof")
                out = io.StringIO()
                pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(args.top)
                (args.profile / f"{name}.txt").write_text(out.getvalue())
            print(line, flush=True)
        loop.close()
        db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
