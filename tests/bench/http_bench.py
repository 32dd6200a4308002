"""HTTP throughput, page weight and paint timings of the real server (a script, not a test; `make bench`).

    .venv/bin/python tests/bench/http_bench.py [--duration 8] [--requests 2000] [--concurrency 16]
                                               [--no-postgres] [--no-browser] [--python-client]

1. Throughput. Starts, as uvicorn subprocesses on 127.0.0.1 (one worker each, same flags):
   - a bare FastAPI app answering a small "hello" page: the baseline, measured in the same run;
   - the portal in its embedded configuration (SQLite WAL + local FTS5 search);
   - the portal on PostgreSQL (local search index; no Meilisearch here).
   Loads GET /vi/zones, GET /vi/zones/kcn-tran-de, GET /api/v1/search?q=tran%20de and
   POST /api/v1/proposals (a fresh Idempotency-Key per request) with `wrk` when installed
   (one thread, --concurrency connections, --duration seconds, after a 1 s warm-up), otherwise with a
   bounded Python client (a thread pool of httpx clients, --requests requests, 60 s cap).
   Prints requests/s, p50 and p99 latency, non-2xx count, and the ratio to the bare endpoint.
2. Page weight of the main pages: HTML + the CSS and JS they link (same-origin), raw bytes and gzip.
3. In headless Chromium (Playwright): first contentful paint and largest contentful paint, median of 3
   cold loads per page.
Targets (2-core machine): zone list ≥ 0.6 × bare requests/s; pages ≤ 150 KB; LCP ≤ 1 s. Each is printed
as MET / NOT MET with the figure; nothing is rounded in the portal's favour.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlparse

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.servers import LiveServer, postgres_available, postgres_database, sqlite_url  # noqa: E402

TARGET_RATIO = 0.6
TARGET_PAGE_BYTES = 150 * 1024
TARGET_LCP_MS = 1000.0
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

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

PROPOSAL = {
    "company_name": "Công ty Benchmark",
    "investor_country": "Việt Nam",
    "contact_name": "Nguyễn Bench",
    "contact_email": "bench@example.vn",
    "project_name": "Nhà máy chế biến thủy sản",
    "project_description": "Chế biến tôm đông lạnh xuất khẩu.",
    "sectors": ["1020"],
    "zone": "kcn-an-nghiep",
    "land_ha": 5.0,
    "equipment_condition": "new",
    "technology_level": "advanced",
    "treatment": "advanced",
    "wastewater_m3_day": 50,
    "hazardous_waste": False,
    "environmental_measures": "Trạm xử lý nước thải riêng.",
}

ENDPOINTS = [
    ("zone list", "GET", "/vi/zones"),
    ("zone page", "GET", "/vi/zones/kcn-tran-de"),
    ("search API", "GET", "/api/v1/search?q=tran%20de"),
    ("proposal POST", "POST", "/api/v1/proposals"),
]

PAGES = [
    "/vi/",
    "/vi/zones",
    "/vi/zones/kcn-tran-de",
    "/en/zones/kcn-an-nghiep",
    "/vi/search?q=tran%20de",
    "/vi/map",
    "/vi/compare?zones=kcn-tran-de,kcn-an-nghiep",
    "/vi/precheck",
    "/vi/proposals/new",
    "/vi/match",
    "/vi/targets",
    "/vi/registry",
]


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    bad: int
    tool: str


# --- load generators ------------------------------------------------------------------------------------

WRK_POST = textwrap.dedent("""
    local counter = 0
    local prefix = ""
    function init(args)
      prefix = args[1] .. "-" .. tostring(math.random(1, 1e9))
    end
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
    wrk.body = [==[BODY]==]
    request = function()
      counter = counter + 1
      wrk.headers["Idempotency-Key"] = "bench-" .. prefix .. "-" .. counter
      return wrk.format()
    end
""")

WRK_DONE = textwrap.dedent("""
    done = function(summary, latency, requests)
      io.write(string.format("JSON {\\"p50\\": %f, \\"p99\\": %f, \\"requests\\": %d, \\"bad\\": %d}\\n",
        latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.requests,
        summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write
        + summary.errors.timeout))
    end
""")


def run_wrk(url: str, method: str, *, duration: float, concurrency: int, workdir: Path) -> Load:
    script = workdir / f"wrk-{uuid.uuid4().hex}.lua"
    body = WRK_POST.replace("BODY", json.dumps(PROPOSAL, ensure_ascii=False)) if method == "POST" else ""
    script.write_text(body + WRK_DONE)
    base = ["wrk", "-t1", f"-c{concurrency}", "--timeout", "10s", "-s", str(script)]
    subprocess.run([*base, "-d1s", url, "--", "warm"], capture_output=True, text=True, timeout=60, check=False)
    out = subprocess.run(
        [*base, f"-d{int(duration)}s", url, "--", uuid.uuid4().hex[:8]],
        capture_output=True,
        text=True,
        timeout=duration + 60,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    stats = json.loads(re.search(r"JSON (\{.*\})", out).group(1))
    return Load(rps, stats["p50"], stats["p99"], stats["requests"], stats["bad"], "wrk")


def run_python(url: str, method: str, *, requests: int, concurrency: int, cap_s: float = 60) -> Load:
    latencies: list[float] = []
    bad = 0
    lock = threading.Lock()
    counter = iter(range(requests))
    deadline = time.monotonic() + cap_s

    def worker() -> None:
        nonlocal bad
        with httpx.Client(timeout=10) as client:
            for _ in counter:
                if time.monotonic() > deadline:
                    return
                start = time.perf_counter()
                try:
                    if method == "POST":
                        r = client.post(url, json=PROPOSAL, headers={"Idempotency-Key": f"bench-{uuid.uuid4()}"})
                    else:
                        r = client.get(url)
                    ok = r.status_code < 400
                except httpx.HTTPError:
                    ok = False
                elapsed = (time.perf_counter() - start) * 1000
                with lock:
                    latencies.append(elapsed)
                    bad += 0 if ok else 1

    for _ in range(min(50, requests)):  # warm-up
        httpx.request(
            method,
            url,
            json=PROPOSAL if method == "POST" else None,
            headers={"Idempotency-Key": f"warm-{uuid.uuid4()}"} if method == "POST" else None,
        )
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        for f in [pool.submit(worker) for _ in range(concurrency)]:
            f.result()
    wall = time.perf_counter() - started
    latencies.sort()
    return Load(
        len(latencies) / wall,
        statistics.median(latencies),
        latencies[int(len(latencies) * 0.99) - 1],
        len(latencies),
        bad,
        "python",
    )


def load(url: str, method: str, args, workdir: Path) -> Load:
    if shutil.which("wrk") and not args.python_client:
        return run_wrk(url, method, duration=args.duration, concurrency=args.concurrency, workdir=workdir)
    return run_python(url, method, requests=args.requests, concurrency=args.concurrency)


# --- page weight and paint ---------------------------------------------------------------------------------


def page_weight(base: str, path: str) -> dict:
    with httpx.Client(base_url=base, timeout=20) as client:
        page = client.get(path)
        html = page.content
        assets = set()
        for tag in re.findall(r"<(?:link|script)\b[^>]*>", page.text):
            rel = re.search(r'rel="([^"]+)"', tag)
            href = re.search(r'(?:href|src)="([^"]+)"', tag)
            if not href:
                continue
            if tag.startswith("<link") and not (rel and "stylesheet" in rel.group(1)):
                continue
            url = urljoin(base + path, href.group(1).replace("&amp;", "&"))
            if urlparse(url).hostname == "127.0.0.1":
                assets.add(url)
        css = js = 0
        gz = len(gzip.compress(html))
        for url in sorted(assets):
            body = client.get(url).content
            gz += len(gzip.compress(body))
            if url.split("?")[0].endswith(".css"):
                css += len(body)
            else:
                js += len(body)
    return {
        "status": page.status_code,
        "html": len(html),
        "css": css,
        "js": js,
        "total": len(html) + css + js,
        "gzip": gz,
    }


PAINT_JS = """() => new Promise(resolve => {
  let lcp = null;
  try {
    new PerformanceObserver(list => { const e = list.getEntries(); lcp = e[e.length - 1].startTime; })
      .observe({type: 'largest-contentful-paint', buffered: true});
  } catch (e) {}
  setTimeout(() => {
    const fcp = performance.getEntriesByName('first-contentful-paint')[0];
    resolve({fcp: fcp ? fcp.startTime : null, lcp: lcp});
  }, 300);
})"""


def paint_timings(base: str, pages: list[str], rounds: int = 3) -> dict[str, dict]:
    from playwright.sync_api import sync_playwright

    out: dict[str, dict] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            for path in pages:
                fcps, lcps = [], []
                for _ in range(rounds):
                    context = browser.new_context(viewport={"width": 1280, "height": 800})
                    page = context.new_page()
                    page.goto(base + path, wait_until="load")
                    timing = page.evaluate(PAINT_JS)
                    context.close()
                    if timing["fcp"] is not None:
                        fcps.append(timing["fcp"])
                    if timing["lcp"] is not None:
                        lcps.append(timing["lcp"])
                out[path] = {
                    "fcp": statistics.median(fcps) if fcps else None,
                    "lcp": statistics.median(lcps) if lcps else None,
                }
        finally:
            browser.close()
    return out


# --- the run -------------------------------------------------------------------------------------------------


def fmt_load(label: str, result: Load, baseline: Load | None) -> str:
    ratio = f"{result.rps / baseline.rps:5.2f}×" if baseline else "  1.00×"
    return (
        f"  {label:<16} {result.rps:9.1f} req/s   p50 {result.p50_ms:7.1f} ms   p99 {result.p99_ms:7.1f} ms   "
        f"{ratio} bare   ({result.requests} requests, {result.bad} non-2xx/errors, {result.tool})"
    )


def bench_portal(
    name: str, database_url: str, args, workdir: Path, hello: Load, extra_env: dict[str, str] | None = None
) -> dict[str, Load]:
    results: dict[str, Load] = {}
    with LiveServer(database_url, workdir=workdir / name, extra_env=extra_env) as server:
        print(f"\nportal, {name} ({server.base_url})")
        for label, method, path in ENDPOINTS:
            probe = httpx.request(
                method,
                server.url(path),
                json=PROPOSAL if method == "POST" else None,
                headers={"Idempotency-Key": f"probe-{uuid.uuid4()}"} if method == "POST" else None,
                timeout=20,
            )
            if probe.status_code >= 400:
                print(f"  {label:<16} skipped: {method} {path} answers {probe.status_code}")
                continue
            results[label] = load(server.url(path), method, args, workdir)
            print(fmt_load(label, results[label], hello), flush=True)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=8, help="seconds per endpoint with wrk")
    parser.add_argument("--requests", type=int, default=2000, help="requests per endpoint with the Python client")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--python-client", action="store_true", help="use the Python client even if wrk exists")
    args = parser.parse_args()

    tool = "wrk" if shutil.which("wrk") and not args.python_client else "Python client (httpx, thread pool)"
    print(
        f"HTTP benchmark — load tool: {tool}, concurrency {args.concurrency}, one uvicorn worker per server, "
        f"loopback only"
    )
    verdicts: list[tuple[str, bool, str]] = []
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as tmp:
        workdir = Path(tmp)
        (workdir / "hello").mkdir()
        (workdir / "hello" / "hello_app.py").write_text(HELLO_APP)
        with LiveServer(
            "sqlite:///unused",
            workdir=workdir / "hello-run",
            bootstrap=False,
            app="hello_app:app",
            app_dir=workdir / "hello",
        ) as hello_server:
            hello = load(hello_server.url("/hello"), "GET", args, workdir)
        print("\nbare FastAPI (baseline)")
        print(fmt_load("hello", hello, None))
        if hello.tool == "python":
            print(
                "  note: the Python client itself saturates near this rate on 2 cores, so the baseline is "
                "understated and the ratios below flatter the portal; install wrk for honest ratios"
            )

        embedded = bench_portal("embedded (SQLite WAL + FTS5)", sqlite_url(workdir / "sqlite"), args, workdir, hello)
        configs = {"embedded": embedded}
        print(
            "  note: anonymous GETs of catalogue pages are served from the page cache (valid per catalogue "
            "generation); the load tool repeats one URL, so every request after the first is a hit. The same "
            "pages rendered on every request:"
        )
        bench_portal(
            "embedded, page cache off (PORTAL_PAGE_CACHE=false)",
            sqlite_url(workdir / "sqlite-nocache"),
            args,
            workdir,
            hello,
            extra_env={"PORTAL_PAGE_CACHE": "false"},
        )
        if not args.no_postgres:
            err = postgres_available()
            if err is None:
                with postgres_database("bench") as url:
                    configs["postgresql"] = bench_portal("PostgreSQL", url, args, workdir, hello)
            else:
                print(f"\nPostgreSQL configuration skipped: {err}")
        for name, results in configs.items():
            if "zone list" in results:
                ratio = results["zone list"].rps / hello.rps
                verdicts.append(
                    (
                        f"zone list ≥ {TARGET_RATIO}× bare requests/s ({name})",
                        ratio >= TARGET_RATIO,
                        f"{ratio:.2f}× ({results['zone list'].rps:.0f} vs {hello.rps:.0f} req/s)",
                    )
                )

        with LiveServer(sqlite_url(workdir / "pages"), workdir=workdir / "pages") as server:
            print("\npage weight (raw bytes; gzip for information — the app itself does not compress)")
            heaviest = 0
            for path in PAGES:
                w = page_weight(server.base_url, path)
                if w["status"] != 200:
                    print(f"  {path:<52} answers {w['status']}: not measured")
                    continue
                heaviest = max(heaviest, w["total"])
                print(
                    f"  {path:<52} HTML {w['html'] / 1024:6.1f} KB  CSS {w['css'] / 1024:5.1f} KB  "
                    f"JS {w['js'] / 1024:6.1f} KB  = {w['total'] / 1024:6.1f} KB  (gzip {w['gzip'] / 1024:5.1f} KB)"
                )
                verdicts.append((f"{path} ≤ 150 KB", w["total"] <= TARGET_PAGE_BYTES, f"{w['total'] / 1024:.1f} KB"))
            if not args.no_browser:
                if not Path(CHROMIUM).exists():
                    print("\npaint timings skipped: no Chromium at /usr/bin/chromium")
                else:
                    print("\npaint timings in headless Chromium (median of 3 cold loads, 1280×800)")
                    ok_pages = [p for p in PAGES if httpx.get(server.url(p), timeout=20).status_code == 200]
                    for path, t in paint_timings(server.base_url, ok_pages).items():
                        fcp = f"{t['fcp']:6.0f} ms" if t["fcp"] is not None else "   n/a"
                        lcp = f"{t['lcp']:6.0f} ms" if t["lcp"] is not None else "   n/a"
                        print(f"  {path:<52} FCP {fcp}   LCP {lcp}")
                        if t["lcp"] is not None:
                            verdicts.append((f"{path} LCP ≤ 1 s", t["lcp"] <= TARGET_LCP_MS, f"{t['lcp']:.0f} ms"))
                        else:
                            verdicts.append((f"{path} LCP ≤ 1 s", False, "no LCP entry recorded"))

    print("\ntargets")
    for label, met, figure in verdicts:
        print(f"  {'MET    ' if met else 'NOT MET'}  {label}: {figure}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
