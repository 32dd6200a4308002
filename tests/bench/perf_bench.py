"""Speed of the portal for a real visitor mix and at a hundred times the catalogue (`make bench`; a script,
not a test). Every figure is printed beside a bare FastAPI page measured in the same run.

    .venv/bin/python tests/bench/perf_bench.py [--duration 4] [--zones 2000] [--plots 50000]
                                               [--code DIR] [--threads N] [--skip-scale] [--skip-threads]
                                               [--only-lean [--before DIR]]
                                               [--only-mix]
                                               [--only-scale [--pages LABEL,...] [--before DIR]]
                                               [--only-exports [--code BEFORE --code AFTER]]

Servers: uvicorn subprocesses on 127.0.0.1, one worker each, the same flags (tests/servers.py): the bare
app, the portal on the seeded data (SQLite WAL, local FTS5 search) with the page cache on and off, and
the portal on a synthetic catalogue (`portal demo-data`, a separate database).

Load: a Python client (a thread per connection, each an `http.client` keep-alive connection); no wrk on
this machine. The client shares the 2 cores with the server, so requests/s understate both sides; the
honest figure is the server's CPU per request, read from /proc/<pid>/stat (utime + stime) before and after
each run, divided by the requests answered.

Printed: load average (start and end); 1. the visitor mix (some 110 URLs) with the page cache on and off,
each followed by its URL kinds (zone pages, lists, search, forms, ...) run alone: CPU ms per request and
the kind's share of the mix's CPU (its CPU per request times its URLs in the mix); `--only-mix` runs only
the bare page and this section;
2. the uncached zone list and zone page at 1 and 16 connections; 3. the thread pool (PORTAL_THREADS 1, 2,
4, 8) on the uncached zone list at 16 connections; 4. the scale table: every public page, API and export
on the seeded data (21 zones) and on the synthetic catalogue, p50 ms, CPU ms, bytes, time to first byte,
and the server's RSS before and after.

`--code DIR` serves the portal package found in DIR (e.g. `git archive main | tar -x -C DIR`) while the
synthetic catalogue is still made by this checkout's `portal demo-data`: the "before" run of a change.

`--only-lean` runs the bare page and section 2 only (uncached zone list and zone page, 1 and 16 connections);
with `--before DIR` it serves DIR's code and this checkout's in turn, each load run of one after the same
run of the other (before and after measured side by side on a loaded machine).

`--only-scale` runs the bare page and the scale table on the synthetic catalogue only (no seeded column);
`--pages match,targets` keeps the rows whose label contains one of the words; with `--before DIR` it serves
DIR's code and this checkout's on the same synthetic database, each page measured on one server and then the
other (before and after side by side, on the same load).

`--only-exports`: only the bare page and the exports table: every export (zones, plots, sectors, registry)
on a synthetic catalogue, once per `--code` given (repeat it, oldest first: `--code /tmp/before --code .`),
in the same run: the first code's `portal demo-data` makes the catalogue, every later code serves a copy of it
brought up to date by its own `portal migrate` (the same rows, so the same bodies are expected): p50, time to first
byte, server CPU, size, the server's RSS before, its peak growth (VmHWM) while answering, and whether the
body is byte for byte the first code's.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import sys
import tempfile
import textwrap
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.servers import LiveServer, run_cli, sqlite_url  # noqa: E402

HZ = os.sysconf("SC_CLK_TCK")

HELLO_APP = textwrap.dedent("""
    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse

    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    PAGE = "<!doctype html><html lang=en><meta charset=utf-8><title>hello</title><p>hello</p></html>"

    @app.get("/healthz")
    def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/hello")
    def hello() -> HTMLResponse:
        return HTMLResponse(PAGE)
""")

MATCH = {"sectors": ["1020"], "land_ha": 5}


# --- measuring ---------------------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / HZ  # utime, stime (fields 14 and 15 of stat)


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    """The process's resident memory (`VmRSS`) or its peak so far (`VmHWM`), MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class Run:
    requests: int
    seconds: float
    cpu_s: float
    latencies: list[float]
    bad: int
    bytes: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms(self) -> float:
        return self.cpu_s * 1000 / self.requests if self.requests else float("nan")

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) if self.latencies else float("nan")

    @property
    def p99(self) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[max(int(len(ordered) * 0.99) - 1, 0)]


Request = tuple[str, str, bytes | None]  # method, path, JSON body


def _one(conn: http.client.HTTPConnection, req: Request, headers: dict | None = None) -> tuple[int, int, float]:
    method, path, body = req
    hdrs = {"Accept-Language": "vi", **(headers or {})}
    if body is not None:
        hdrs["Content-Type"] = "application/json"
    start = time.perf_counter()
    conn.request(method, path, body=body, headers=hdrs)
    resp = conn.getresponse()
    first = time.perf_counter() - start
    data = resp.read()
    return resp.status, len(data), first


def load(
    server: LiveServer,
    requests: list[Request],
    *,
    connections: int,
    duration: float,
    warm: float = 0.5,
    warm_all: bool = False,
) -> Run:
    """`connections` threads, each on its own keep-alive connection, cycling through `requests` (each thread
    from its own random start) for `duration` seconds after `warm` seconds of warm-up."""
    lat: list[float] = []
    counts = {"n": 0, "bad": 0, "bytes": 0}
    lock = threading.Lock()
    phase = {"measure": False, "stop": False}

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        order = requests[:]
        rng.shuffle(order)
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        i = 0
        while not phase["stop"]:
            req = order[i % len(order)]
            i += 1
            start = time.perf_counter()
            try:
                status, size, _ = _one(conn, req)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
                status, size = 599, 0
            elapsed = (time.perf_counter() - start) * 1000
            if phase["measure"] and not phase["stop"]:
                with lock:
                    lat.append(elapsed)
                    counts["n"] += 1
                    counts["bytes"] += size
                    counts["bad"] += status >= 400
        conn.close()

    if warm_all:  # every URL once first: the steady state of a warm page cache, not its first pass
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
        for req in requests:
            _one(conn, req)
        conn.close()
    threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(connections)]
    for t in threads:
        t.start()
    time.sleep(warm)
    cpu0 = cpu_seconds(server.proc.pid)
    t0 = time.perf_counter()
    phase["measure"] = True
    time.sleep(duration)
    phase["stop"] = True
    t1 = time.perf_counter()
    cpu1 = cpu_seconds(server.proc.pid)
    for t in threads:
        t.join(timeout=120)
    return Run(counts["n"], t1 - t0, cpu1 - cpu0, lat, counts["bad"], counts["bytes"])


@dataclass
class Single:
    p50: float
    ttfb: float
    cpu_ms: float
    bytes: int
    status: int
    n: int


def repeat(server: LiveServer, req: Request, *, budget: float, min_n: int = 3, max_n: int = 30) -> Single:
    """One connection, the same request again and again (after one warm-up) until `budget` seconds or
    `max_n` requests: p50 latency, time to first byte, server CPU per request."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    status, size, _ = _one(conn, req)
    lat, first = [], []
    cpu0 = cpu_seconds(server.proc.pid)
    start = time.perf_counter()
    while len(lat) < max_n and (len(lat) < min_n or time.perf_counter() - start < budget):
        t = time.perf_counter()
        status, size, ttfb = _one(conn, req)
        lat.append((time.perf_counter() - t) * 1000)
        first.append(ttfb * 1000)
    cpu = cpu_seconds(server.proc.pid) - cpu0
    conn.close()
    return Single(statistics.median(lat), statistics.median(first), cpu * 1000 / len(lat), size, status, len(lat))


# --- what visitors ask for ---------------------------------------------------------------------------------


def get(path: str) -> Request:
    return ("GET", path, None)


def catalogue(server: LiveServer) -> tuple[list[str], list[str]]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    conn.request("GET", "/api/v1/zones.json")
    data = json.loads(conn.getresponse().read())
    conn.close()
    rows = data["zones"] if isinstance(data, dict) else data
    slugs = [z["slug"] for z in rows]
    localities = sorted({z["locality"] for z in rows if isinstance(z.get("locality"), str)})
    return slugs, localities


def visitor_mix(slugs: list[str], localities: list[str]) -> list[Request]:
    """Some 110 URLs (the count is printed) in the proportions of a public portal: mostly zone pages and
    lists, some search, the map, targets, compare, the API and the exports."""
    mix: list[Request] = []
    for slug in slugs[:21]:
        mix += [get(f"/vi/zones/{slug}"), get(f"/en/zones/{slug}")]  # 42
    lists = ["", "?kind=kcn", "?kind=ccn", "?status=operating", "?sort=area_desc", "?sort=name", "?page=2"]
    lists += [f"?locality={x}" for x in localities[:5]]
    for q in lists:
        mix += [get(f"/vi/zones{q}"), get(f"/en/zones{q}")]  # 24
    mix += [get(p) for p in ("/vi/", "/en/", "/vi/", "/vi/sectors", "/vi/rules", "/vi/open-data")]  # 6
    for q in ("tran de", "thuy san", "kcn", "điện", "seafood", "an nghiep", "cang", "long phu"):
        mix.append(get(f"/vi/search?q={quote(q)}"))  # 8
    mix += [get("/vi/map"), get("/en/map"), get("/vi/targets"), get("/en/targets")]  # 4
    pairs = [slugs[i : i + 2] for i in range(0, 8, 2)]
    mix += [get("/vi/compare?zones=" + ",".join(p)) for p in pairs]  # 4
    mix += [get("/vi/match"), get("/vi/precheck"), get("/vi/proposals/new"), get("/vi/registry")]  # 4
    mix += [get("/vi/pipeline")]  # 1
    for q in ("tran de", "seafood", "industrial park", "port"):
        mix.append(get(f"/en/search?q={quote(q)}"))  # 4
    mix += [get(f"/vi/zones?kind=kcn&locality={x}") for x in localities[:3]]  # 3
    mix += [get("/en/zones?sort=area_asc"), get("/vi/zones?status=planned"), get("/en/sectors")]  # 3
    api = ["/api/v1/zones", "/api/v1/zones?kind=kcn", "/api/v1/search?q=tran%20de", "/api/v1/search?q=thuy%20san"]
    api += [f"/api/v1/zones/{s}" for s in slugs[:6]]
    api += ["/api/v1/compare?zones=" + ",".join(slugs[:3]), "/api/v1/registry/projects"]
    mix += [get(p) for p in api]  # 12
    mix += [("POST", "/api/v1/match", json.dumps(MATCH).encode())] * 2  # 2
    exports = ["/api/v1/zones.csv", "/api/v1/zones.json", "/api/v1/plots.csv", "/api/v1/zones.geojson"]
    exports += ["/api/v1/plots.geojson", "/api/v1/sectors.json"]
    mix += [get(p) for p in exports]  # 6
    return mix


KINDS = (
    ("zone page", lambda p: p.startswith(("/vi/zones/", "/en/zones/"))),
    ("zone list", lambda p: p.startswith(("/vi/zones", "/en/zones"))),
    ("home, sectors, rules", lambda p: p.split("?")[0] in ("/vi/", "/en/", "/vi/sectors", "/en/sectors", "/vi/rules")),
    ("search page", lambda p: "/search?" in p and not p.startswith("/api/")),
    ("map, targets", lambda p: p.endswith(("/map", "/targets"))),
    ("compare", lambda p: p.startswith("/vi/compare")),
    ("forms (match, precheck, proposal)", lambda p: p.endswith(("/match", "/precheck", "/proposals/new"))),
    ("registry, pipeline, open data", lambda p: p.endswith(("/registry", "/pipeline", "/open-data"))),
    ("API search", lambda p: p.startswith("/api/v1/search")),
    ("API exports", lambda p: p.startswith("/api/v1/") and "." in p.split("?")[0].rsplit("/", 1)[1]),
    ("API (other GET)", lambda p: p.startswith("/api/")),
)


def kind_of(req: Request) -> str:
    method, path, _ = req
    if method == "POST":
        return "POST " + path
    return next(label for label, test in KINDS if test(path))


def by_kind(server: LiveServer, mix: list[Request], run: Run, *, duration: float) -> list[str]:
    """Each URL kind of the mix run alone (16 connections, after one pass): CPU ms per request, and its
    share of the mix's CPU (CPU per request × the kind's URLs in the mix, over the sum of those)."""
    groups: dict[str, list[Request]] = {}
    for req in mix:
        groups.setdefault(kind_of(req), []).append(req)
    runs = {kind: load(server, reqs, connections=16, duration=duration, warm_all=True) for kind, reqs in groups.items()}
    total = sum(runs[k].cpu_ms * len(reqs) for k, reqs in groups.items())
    out = [f"    {'URL kind':<36} {'URLs':>4}  {'CPU ms/req':>10}  {'share of CPU':>12}  {'req/s alone':>11}"]
    for kind, reqs in sorted(groups.items(), key=lambda kv: -runs[kv[0]].cpu_ms * len(kv[1])):
        r = runs[kind]
        out.append(
            f"    {kind:<36} {len(reqs):4d}  {r.cpu_ms:10.2f}  {100 * r.cpu_ms * len(reqs) / total:11.1f}%  "
            f"{r.rps:11.1f}{'  bad=' + str(r.bad) if r.bad else ''}"
        )
    out.append(f"    (mix as measured: {run.cpu_ms:.2f} ms/req; kinds weighted: {total / len(mix):.2f} ms/req)")
    return out


def scale_requests(slugs: list[str]) -> list[tuple[str, Request]]:
    first = slugs[0]
    pages = [
        ("home", get("/vi/")),
        ("zone list", get("/vi/zones")),
        ("zone list, filtered", get("/vi/zones?kind=kcn&sort=name")),
        ("zone page", get(f"/vi/zones/{first}")),
        ("sectors", get("/vi/sectors")),
        ("search page", get("/vi/search?q=kcn")),
        ("map", get("/vi/map")),
        ("targets", get("/vi/targets")),
        ("compare", get("/vi/compare?zones=" + ",".join(slugs[:3]))),
        ("match form", get("/vi/match")),
        ("match page", get("/vi/match?sectors=1020&land_ha=5")),
        ("open data", get("/vi/open-data")),
        ("sitemap", get("/sitemap.xml")),
        ("API zones", get("/api/v1/zones")),
        ("API zone", get(f"/api/v1/zones/{first}")),
        ("API compare", get("/api/v1/compare?zones=" + ",".join(slugs[:3]))),
        ("API search", get("/api/v1/search?q=kcn")),
        ("API match (POST)", ("POST", "/api/v1/match", json.dumps(MATCH).encode())),
        ("zones.csv", get("/api/v1/zones.csv")),
        ("zones.json", get("/api/v1/zones.json")),
        ("plots.csv", get("/api/v1/plots.csv")),
        ("plots.json", get("/api/v1/plots.json")),
        ("zones.geojson", get("/api/v1/zones.geojson")),
        ("plots.geojson", get("/api/v1/plots.geojson")),
    ]
    return pages


EXPORTS = [
    "/api/v1/zones.csv",
    "/api/v1/zones.json",
    "/api/v1/zones.geojson",
    "/api/v1/plots.csv",
    "/api/v1/plots.json",
    "/api/v1/plots.geojson",
    "/api/v1/sectors.csv",
    "/api/v1/sectors.json",
    "/api/v1/registry.csv",
    "/api/v1/registry.json",
]


def settle(server: LiveServer, *, limit: float = 120.0) -> None:
    """Wait until the server is idle (under 5% of a core over half a second; e.g. a search index being
    rebuilt in the background at start-up), so its work is not counted as the requests'."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        cpu0 = cpu_seconds(server.proc.pid)
        time.sleep(0.5)
        if cpu_seconds(server.proc.pid) - cpu0 < 0.025:
            return


def body_digest(server: LiveServer, path: str) -> str:
    import hashlib

    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    conn.request("GET", path)
    data = conn.getresponse().read()
    conn.close()
    # the zones' URLs name the server's base URL (its port): the same body on another port hashes the same
    data = data.replace(f"127.0.0.1:{server.port}".encode(), b"127.0.0.1:PORT")
    return hashlib.sha256(data).hexdigest()[:12]


def exports_table(args, codes: list[Path], env: dict, work: Path, bare_ms: float) -> None:
    """Every export on a synthetic catalogue, once per code folder (the first makes it, the others serve a
    migrated copy), in this run."""
    results: dict[Path, list] = {}
    made_by = None
    for n, code in enumerate(codes):
        url = sqlite_url(work / f"synthetic-{n}")
        server = LiveServer(
            url,
            workdir=work / f"synthetic-{n}",
            bootstrap=False,
            extra_env={**env, "PORTAL_PAGE_CACHE": "false"},
            code_dir=code,
            nodelay=True,
        )
        t = time.perf_counter()
        if made_by is None:  # the first code makes the catalogue, with its own migrations
            made = run_cli(
                ["demo-data", "--zones", str(args.zones), "--plots", str(args.plots), "--database-url", url],
                server.environ,
                timeout=900,
                cwd=code,
            )
            made_by = Path(url.removeprefix("sqlite:///"))
            print(f"   {code}: {made.stdout.strip()} ({time.perf_counter() - t:.0f} s)")
        else:  # the same rows (same bodies to compare), brought up to this code's schema by its migrations
            import sqlite3

            for name in ("portal.db", "search.db"):  # the search index too: no rebuild while measuring
                if (made_by.parent / name).exists():
                    with sqlite3.connect(made_by.parent / name) as src, sqlite3.connect(server.workdir / name) as dst:
                        src.backup(dst)
            run_cli(["migrate"], {**server.environ, "PORTAL_DATABASE_URL": url}, timeout=900, cwd=code)
            print(f"   {code}: a copy of that catalogue, `portal migrate` ({time.perf_counter() - t:.0f} s)")
        rows = []
        with server:
            settle(server)
            for path in EXPORTS:
                rss0 = rss_mb(server.proc.pid)
                peak0 = rss_mb(server.proc.pid, "VmHWM")
                single = repeat(server, get(path), budget=2.0, min_n=3, max_n=10)
                peak = max(rss_mb(server.proc.pid, "VmHWM") - max(peak0, rss0), 0.0)
                rows.append((path, single, rss0, peak, body_digest(server, path)))
        results[code] = rows
    print(
        f"\nexports, uncached, 1 connection, synthetic ({args.zones} zones / {args.plots} plots); "
        f"bare p50 {bare_ms:.2f} ms; 'peak +MB': growth of the server's peak RSS (VmHWM) while answering"
    )
    first = results[codes[0]]
    for code in codes:
        print(f"  code: {code}")
        print(
            f"  {'':<24} {'p50':>9} {'TTFB':>8} {'CPU':>9} {'KB':>9} {'RSS MB':>7} {'peak +MB':>8} "
            f"{'sha256':>12} status"
        )
        for (path, s, rss0, peak, digest), base in zip(results[code], first, strict=True):
            same = "" if code == codes[0] else (" same bytes" if digest == base[-1] else " DIFFERENT bytes")
            print(
                f"  {path:<24} {s.p50:7.1f}ms {s.ttfb:6.1f}ms {s.cpu_ms:7.1f}ms {s.bytes / 1024:9.1f} {rss0:7.0f} "
                f"{peak:8.1f} {digest:>12} {s.status}{same}"
            )


# --- the run -----------------------------------------------------------------------------------------------


def loadavg() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1, 5, 15 min; {os.cpu_count()} cores)"


def line(label: str, run: Run, bare: Run) -> str:
    return (
        f"  {label:<40} {run.rps:8.1f} req/s {run.rps / bare.rps:6.3f}× bare   p50 {run.p50:7.1f} ms  "
        f"p99 {run.p99:7.1f} ms   CPU {run.cpu_ms:6.2f} ms/req ({run.cpu_ms / bare.cpu_ms:5.1f}× bare)   "
        f"n={run.requests} bad={run.bad}"
    )


def uncached_pages(work: Path, seeded_url: str, code: Path, before: Path | None, env: dict, args, bare) -> None:
    """Section 2 alone: the uncached zone list and zone page at 1 and 16 connections; with `before`, that code's
    server beside this one's, each run of one followed by the same run of the other."""
    codes = [("before", before), ("after", code)] if before else [("", code)]
    servers = []
    for i, (name, folder) in enumerate(codes):
        server = LiveServer(
            seeded_url if i == 0 else sqlite_url(work / f"seeded-{name}"),
            workdir=work / ("seeded" if i == 0 else f"seeded-{name}"),
            extra_env={**env, "PORTAL_PAGE_CACHE": "false"},
            code_dir=folder,
            nodelay=True,
        )
        servers.append((name, server.start()))
    try:
        slugs, _ = catalogue(servers[0][1])
        print("\n2. uncached pages (PORTAL_PAGE_CACHE=false)" + (f"; before = {before}" if before else ""))
        for label, path in (("zone list /vi/zones", "/vi/zones"), ("zone page", f"/vi/zones/{slugs[0]}")):
            for conns, base in ((1, bare[0]), (16, bare[1])):
                for name, server in servers:
                    run = load(server, [get(path)], connections=conns, duration=args.duration)
                    print(line(f"{label}, {conns} conn {name}".rstrip(), run, base))
    finally:
        for _name, server in servers:
            server.close()


def scale_only(work: Path, code: Path, before: Path | None, env: dict, args, bare: Run) -> None:
    """The scale table alone, on the synthetic catalogue: with `before`, that code's server beside this
    checkout's on the same database (and search index), each page on one and then on the other."""
    synth_url = sqlite_url(work / "synthetic")
    environ = {**env, "PORTAL_PAGE_CACHE": "false"}
    codes = [("before", before), ("after", code)] if before else [("", code)]
    servers = [
        LiveServer(synth_url, workdir=work / "synthetic", bootstrap=False, extra_env=environ, code_dir=c, nodelay=True)
        for _name, c in codes
    ]
    t = time.perf_counter()
    made = run_cli(
        ["demo-data", "--zones", str(args.zones), "--plots", str(args.plots), "--database-url", synth_url],
        servers[-1].environ,
        timeout=900,
    )
    print(f"\n   {made.stdout.strip()} ({time.perf_counter() - t:.0f} s)")
    wanted = [w.strip() for w in (args.pages or "").split(",") if w.strip()]
    try:
        for server in servers:
            server.start()
        slugs, _ = catalogue(servers[0])
        rows = [(label, req) for label, req in scale_requests(slugs) if not wanted or any(w in label for w in wanted)]
        print(
            f"\n4. scale table, uncached, 1 connection: synthetic ({args.zones} zones / {args.plots} plots)"
            + (f"; before = {before}" if before else "")
            + f". ×bare = bare p50 ({bare.p50:.2f} ms) / page p50"
        )
        print(
            f"  {'':<20} {'':>6} | {'p50':>9} {'TTFB':>7} {'CPU':>8} {'KB':>8} {'×bare':>7} "
            f"{'RSS MB before→after':>20} status"
        )
        for label, req in rows:
            for (name, _c), server in zip(codes, servers, strict=True):
                r0 = rss_mb(server.proc.pid)
                b = repeat(server, req, budget=2.0)
                print(
                    f"  {label:<20} {name:>6} | {b.p50:7.1f}ms {b.ttfb:5.1f}ms {b.cpu_ms:6.1f}ms {b.bytes / 1024:8.1f} "
                    f"{bare.p50 / b.p50:7.4f} {r0:8.0f} → {rss_mb(server.proc.pid):6.0f}        {b.status}"
                )
    finally:
        for server in servers:
            server.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per load run")
    parser.add_argument("--zones", type=int, default=2000)
    parser.add_argument("--plots", type=int, default=50000)
    parser.add_argument(
        "--code",
        type=Path,
        action="append",
        help="folder holding the portal package to serve (default this checkout; with --only-exports: repeat "
        "it to measure several in this run, the first is the baseline)",
    )
    parser.add_argument("--only-exports", action="store_true", help="the bare page and the exports table only")
    parser.add_argument("--threads", type=int, default=0, help="PORTAL_THREADS for the portal servers (0: default)")
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--skip-threads", action="store_true")
    parser.add_argument("--only-lean", action="store_true", help="the bare page and section 2 only")
    parser.add_argument("--before", type=Path, help="with --only-lean or --only-scale: the code measured beside --code")
    parser.add_argument("--only-mix", action="store_true", help="only the bare page and the visitor mix (section 1)")
    parser.add_argument("--kind-duration", type=float, default=2.0, help="seconds per URL kind in section 1")
    parser.add_argument("--only-scale", action="store_true", help="the bare page and the synthetic scale table only")
    parser.add_argument("--pages", default="", help="with --only-scale: rows whose label holds one of these words")
    args = parser.parse_args()
    if args.only_mix:
        args.skip_scale = args.skip_threads = True
    codes = [c.resolve() for c in (args.code or [ROOT])]
    if len(codes) > 1 and not args.only_exports:
        parser.error("several --code folders only with --only-exports")
    code = codes[0]
    env = {"PORTAL_THREADS": str(args.threads)} if args.threads else {}
    print(f"perf bench — code: {', '.join(map(str, codes))}; {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}")
    print(f"load average at start: {loadavg()}")
    print(f"client: Python threads, http.client keep-alive; {args.duration:.0f} s per run after 0.5 s warm-up")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="portal-perf-") as tmp:
        work = Path(tmp)
        (work / "hello").mkdir()
        (work / "hello" / "hello_app.py").write_text(HELLO_APP)
        hello = LiveServer(
            "sqlite:///unused",
            workdir=work / "h",
            bootstrap=False,
            app="hello_app:app",
            app_dir=work / "hello",
            nodelay=True,
        )
        with hello:
            bare1 = load(hello, [get("/hello")], connections=1, duration=args.duration)
            bare16 = load(hello, [get("/hello")], connections=16, duration=args.duration)
        print("\nbare FastAPI page (the baseline; same uvicorn flags)")
        print(f"  1 connection   {bare1.rps:8.1f} req/s   CPU {bare1.cpu_ms:.3f} ms/req   p50 {bare1.p50:.2f} ms")
        print(f"  16 connections {bare16.rps:8.1f} req/s   CPU {bare16.cpu_ms:.3f} ms/req   p50 {bare16.p50:.2f} ms")
        if args.only_exports:
            exports_table(args, codes, env, work, bare1.p50)
            print(f"\nload average at end: {loadavg()}; the run took {time.perf_counter() - started:.0f} s")
            return 0

        if args.only_scale:
            scale_only(work, code, args.before.resolve() if args.before else None, env, args, bare1)
            print(f"\nload average at end: {loadavg()}; the run took {time.perf_counter() - started:.0f} s")
            return 0
        seeded_url = sqlite_url(work / "seeded")
        if args.only_lean:
            before = args.before.resolve() if args.before else None
            uncached_pages(work, seeded_url, code, before, env, args, (bare1, bare16))
            print(f"\nload average at end: {loadavg()}; the run took {time.perf_counter() - started:.0f} s")
            return 0
        cached = LiveServer(seeded_url, workdir=work / "seeded", extra_env=env, code_dir=code, nodelay=True)
        with cached:
            slugs, localities = catalogue(cached)
            mix = visitor_mix(slugs, localities)
            print(f"\n1. visitor mix: {len(mix)} URLs, 16 connections, seeded data ({len(slugs)} zones)")
            run = load(cached, mix, connections=16, duration=args.duration * 2, warm_all=True)
            print(line("page cache on", run, bare16))
            print("\n".join(by_kind(cached, mix, run, duration=args.kind_duration)))
        uncached = LiveServer(
            seeded_url,
            workdir=work / "seeded",
            extra_env={**env, "PORTAL_PAGE_CACHE": "false"},
            code_dir=code,
            nodelay=True,
        )
        uncached._bootstrapped = True  # the same database, already bootstrapped
        with uncached:
            run = load(uncached, mix, connections=16, duration=args.duration * 2, warm_all=True)
            print(line("page cache off", run, bare16))
            print("\n".join(by_kind(uncached, mix, run, duration=args.kind_duration)))
            if args.only_mix:
                print(f"\nload average at end: {loadavg()}; the run took {time.perf_counter() - started:.0f} s")
                return 0
            print("\n2. uncached pages (PORTAL_PAGE_CACHE=false)")
            for label, path in (("zone list /vi/zones", "/vi/zones"), ("zone page", f"/vi/zones/{slugs[0]}")):
                for conns, bare in ((1, bare1), (16, bare16)):
                    run = load(uncached, [get(path)], connections=conns, duration=args.duration)
                    print(line(f"{label}, {conns} conn", run, bare))
            seeded_rows = []
            if not args.skip_scale:
                for label, req in scale_requests(slugs):
                    rss0 = rss_mb(uncached.proc.pid)
                    seeded_rows.append((label, repeat(uncached, req, budget=1.0), rss0, rss_mb(uncached.proc.pid)))
        if not args.skip_threads:
            print("\n3. thread pool: uncached zone list, 16 connections, by PORTAL_THREADS")
            for threads in (1, 2, 4, 8, 40):
                server = LiveServer(
                    seeded_url,
                    workdir=work / "seeded",
                    extra_env={"PORTAL_PAGE_CACHE": "false", "PORTAL_THREADS": str(threads)},
                    code_dir=code,
                    nodelay=True,
                )
                server._bootstrapped = True
                with server:
                    run = load(server, [get("/vi/zones")], connections=16, duration=args.duration)
                    print(line(f"PORTAL_THREADS={threads}", run, bare16))
            print("  (40 = anyio's default pool; code that does not read PORTAL_THREADS always runs 40)")

        if not args.skip_scale:
            synth_url = sqlite_url(work / "synthetic")
            synth = LiveServer(
                synth_url,
                workdir=work / "synthetic",
                bootstrap=False,
                extra_env={**env, "PORTAL_PAGE_CACHE": "false"},
                code_dir=code,
                nodelay=True,
            )
            t = time.perf_counter()
            made = run_cli(
                ["demo-data", "--zones", str(args.zones), "--plots", str(args.plots), "--database-url", synth_url],
                synth.environ,
                timeout=900,
            )
            print(f"\n   {made.stdout.strip()} ({time.perf_counter() - t:.0f} s)")
            with synth:
                synth_slugs, _ = catalogue(synth)
                synth_rows = []
                for label, req in scale_requests(synth_slugs):
                    rss0 = rss_mb(synth.proc.pid)
                    synth_rows.append((label, repeat(synth, req, budget=2.0), rss0, rss_mb(synth.proc.pid)))
            bare_ms = bare1.p50
            print(
                f"\n4. scale table, uncached, 1 connection: seeded ({len(slugs)} zones) vs synthetic "
                f"({args.zones} zones / {args.plots} plots). ×bare = bare p50 ({bare_ms:.2f} ms) / page p50"
            )
            print(
                f"  {'':<20} | {'seeded p50':>10} {'CPU':>7} {'KB':>7} {'×bare':>6} | {'synth p50':>10} {'TTFB':>7} "
                f"{'CPU':>8} {'KB':>8} {'×bare':>7} {'RSS MB before→after':>20} status"
            )
            for (label, a, _r0, _r1), (_l, b, r0, r1) in zip(seeded_rows, synth_rows, strict=True):
                print(
                    f"  {label:<20} | {a.p50:8.1f}ms {a.cpu_ms:6.1f}ms {a.bytes / 1024:7.1f} {bare_ms / a.p50:6.3f} | "
                    f"{b.p50:8.1f}ms {b.ttfb:5.1f}ms {b.cpu_ms:6.1f}ms {b.bytes / 1024:8.1f} {bare_ms / b.p50:7.4f} "
                    f"{r0:8.0f} → {r1:6.0f}        {a.status}/{b.status}"
                )
    print(f"\nload average at end: {loadavg()}; the run took {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
