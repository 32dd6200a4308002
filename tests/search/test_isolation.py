"""A search engine that hangs cannot take the site down.

- In process: while the engine is being asked, the request holds no database connection.
- Live server, on SQLite and PostgreSQL: Meilisearch's address is a socket that accepts connections and
  never answers; 50 searches at once, and meanwhile the catalogue and the proposal form stay fast (the
  p95 is printed with the baseline measured in the same run) and nobody gets a 500.
"""

from __future__ import annotations

import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from portal.db import Database
from search.engine import SearchResult
from tests.conftest import service_unavailable
from tests.servers import LiveServer, listening_socket, postgres_available, postgres_database, sqlite_url


class _WatchingEngine:
    """A search engine whose answer notes how many database connections the app held meanwhile."""

    def __init__(self, pool) -> None:
        self.pool = pool
        self.held: list[int] = []

    def query(self, text, **kwargs) -> SearchResult:
        self.held.append(self.pool.checkedout())
        return SearchResult([], 0, {}, 1, 20)

    def count(self) -> int:
        return 0

    def close(self) -> None:
        pass


def test_no_database_connection_is_held_while_the_engine_is_asked(settings, database_url, db_engine):
    from portal.app import create_app

    engine = create_engine(database_url, pool_size=2, max_overflow=0)
    db = Database(database_url, engine=engine)
    app = create_app(settings, db=db)
    watching = _WatchingEngine(engine.pool)
    app.state.search_worker._engine = watching
    try:
        with TestClient(app) as client:
            assert client.get("/vi/search", params={"q": "tran de", "kind": "kcn"}).status_code == 200
            assert client.get("/api/v1/search", params={"q": "tran de", "kind": "kcn"}).status_code == 200
    finally:
        engine.dispose()
    # every engine call (the search page asks twice: results, then its sector facet) ran with no connection held
    assert len(watching.held) >= 2 and not any(watching.held), watching.held


PAGES = ["/vi/zones", "/en/zones", "/vi/zones/kcn-tran-de", "/vi/proposals/new", "/en/proposals/new"]


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def _page_latencies(server: LiveServer, rounds: int, stop: threading.Event | None = None) -> list[tuple[int, float]]:
    out = []
    with httpx.Client(timeout=30) as client:
        for i in range(rounds * len(PAGES)):
            if stop is not None and stop.is_set() and i >= len(PAGES) * 4:
                break
            started = time.perf_counter()
            status = client.get(server.url(PAGES[i % len(PAGES)])).status_code
            out.append((status, time.perf_counter() - started))
    return out


def _hanging_search_scenario(database_url: str, tmp_path, label: str, capsys) -> None:
    hang = listening_socket()
    try:
        with LiveServer(
            database_url, workdir=tmp_path, search_url=f"http://127.0.0.1:{hang.getsockname()[1]}"
        ) as server:
            _page_latencies(server, 1)  # warm up
            baseline = _page_latencies(server, 6)
            searches: list[tuple[int, float, str]] = []

            def search(i: int) -> None:
                started = time.perf_counter()
                path = "/api/v1/search" if i % 2 else "/vi/search"
                r = httpx.get(server.url(path), params={"q": f"khu cong nghiep {i}"}, timeout=60)
                searches.append((r.status_code, time.perf_counter() - started, path))

            with ThreadPoolExecutor(50) as pool:
                futures = [pool.submit(search, i) for i in range(50)]
                time.sleep(0.05)  # the searches are in flight
                loaded = _page_latencies(server, 6)
                for f in futures:
                    f.result()
            log = server.log_tail(400)
    finally:
        hang.close()
    base_p95, load_p95 = _p95([t for _, t in baseline]), _p95([t for _, t in loaded])
    search_p95 = _p95([t for _, t, _ in searches])
    base_median, load_median = statistics.median(t for _, t in baseline), statistics.median(t for _, t in loaded)
    with capsys.disabled():
        print(
            f"\n[hanging search, {label}] pages p95: baseline {base_p95 * 1000:.0f} ms, during 50 hanging searches "
            f"{load_p95 * 1000:.0f} ms (ratio {load_p95 / base_p95:.1f}); medians {base_median * 1000:.0f} → "
            f"{load_median * 1000:.0f} ms; searches p95 {search_p95 * 1000:.0f} ms, "
            f"answers {sorted({(s, p) for s, _, p in searches})}"
        )
    assert {s for s, _ in baseline + loaded} == {200}
    assert {(s, p) for s, _, p in searches} <= {(200, "/vi/search"), (503, "/api/v1/search")}, searches
    # Bounds against the baseline measured in the same run, not only absolute ones: on a loaded 2-core machine
    # the proposal form alone takes 0.3-1 s, and a p95 of 30 samples is their second-slowest (one scheduler
    # hiccup). The defect this guards against made every page wait 30 s for a pool connection and answer 500.
    assert load_median < max(0.5, 3 * base_median), f"pages slowed to median {load_median:.2f}s ({base_median:.2f}s)"
    assert load_p95 < max(1.5, 5 * base_p95), f"pages slowed to p95 {load_p95:.2f}s (was {base_p95:.2f}s)"
    assert max(t for _, t in loaded) < 10.0, "a page waited as if for a connection the searches held"
    assert search_p95 < 20.0, f"searches took p95 {search_p95:.2f}s (rendering included) on a hanging engine"
    assert "Traceback" not in log, log[-3000:]


@pytest.mark.slow
@pytest.mark.xdist_group("crash")
def test_a_hanging_search_engine_leaves_the_pages_fast_sqlite(tmp_path, capsys):
    _hanging_search_scenario(sqlite_url(tmp_path), tmp_path, "sqlite", capsys)


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.xdist_group("crash")
def test_a_hanging_search_engine_leaves_the_pages_fast_postgresql(tmp_path, capsys):
    err = postgres_available()
    if err is not None:
        service_unavailable("PostgreSQL", err)
    with postgres_database("hangsearch") as url:
        _hanging_search_scenario(url, tmp_path, "postgresql", capsys)
