"""Lighthouse scores of every public page (the sitemap, both languages) of a freshly seeded portal.

    make lighthouse                                   # or: python scripts/lighthouse.py [--out FILE] [--port N]
    python scripts/lighthouse.py --only /en/ /vi/zones  # some paths only

Needs Node and `npm ci` (package.json pins Lighthouse, a development tool only) and Chromium
(CHROME_PATH, default /usr/bin/chromium). Serves the portal from a temporary directory on 127.0.0.1:PORT
(default 8765), runs scripts/lighthouse.mjs over the pages with one browser, writes one line per page
(scores, then the audits that lost points) and exits 1 when a page scores below the bar: SEO 95,
performance, accessibility and best practices 100.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BARS = {"performance": 100, "accessibility": 100, "best-practices": 100, "seo": 95}


def wait_for(url: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (our own local server)
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def sitemap_urls(base: str) -> list[str]:
    with urllib.request.urlopen(f"{base}/sitemap.xml", timeout=10) as response:  # noqa: S310
        return re.findall(r"<loc>([^<]+)</loc>", response.read().decode())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "lighthouse.txt")
    parser.add_argument("--only", nargs="*", help="paths to run (default: every page of the sitemap)")
    args = parser.parse_args()
    if not (ROOT / "node_modules" / "lighthouse").is_dir():
        print("Lighthouse is not installed: run `npm ci` at the top of the repository first.", file=sys.stderr)
        return 2
    base = f"http://127.0.0.1:{args.port}"
    portal = str(ROOT / ".venv" / "bin" / "portal")
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PORTAL_VAR_DIR": tmp, "PORTAL_BASE_URL": base, "PORTAL_DATABASE_URL": ""}
        env.update(PORTAL_SEARCH_URL="", PORTAL_MAIL_DIR=f"{tmp}/mail")
        subprocess.run([portal, "bootstrap"], check=True, env=env, stdout=subprocess.DEVNULL)
        server = subprocess.Popen(
            [portal, "serve", "--host", "127.0.0.1", "--port", str(args.port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for(f"{base}/robots.txt")
            time.sleep(2)  # the search worker's first reindex
            urls = [base + p for p in args.only] if args.only else sitemap_urls(base)
            node = subprocess.run(
                ["node", str(ROOT / "scripts" / "lighthouse.mjs"), *urls],
                env={**env, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")},
                capture_output=True,
                text=True,
                check=False,
            )
        finally:
            server.terminate()
            server.wait(timeout=20)
    results = [json.loads(line) for line in node.stdout.splitlines() if line.startswith("{")]
    if node.returncode or len(results) != len(urls):
        print(node.stderr[-3000:], file=sys.stderr)
    lines, below = [], []
    for r in results:
        path = r["url"].removeprefix(base)
        scores = " ".join(f"{k}={v}" for k, v in r["scores"].items())
        lost = "; ".join(f"{k}: {', '.join(v)}" for k, v in r["failed"].items() if v)
        lines.append(f"{path}\t{scores}\t{r['status']}\t{lost}")
        if r["status"] != "ok" or any((r["scores"].get(k) or 0) < bar for k, bar in BARS.items()):
            below.append(path)
    ran = [r for r in results if r["status"] == "ok"]
    summary = {k: min((r["scores"].get(k) or 0) for r in ran) if ran else None for k in BARS}
    failed_runs = [r["url"].removeprefix(base) for r in results if r["status"] != "ok"]
    lines.append(
        f"# {len(results)} pages, {len(ran)} measured; lowest: "
        + " ".join(f"{k}={v}" for k, v in summary.items())
        + (f"; runs that failed (rerun them with --only): {' '.join(failed_runs)}" if failed_runs else "")
    )
    lines.append(f"# below the bar ({BARS}): {', '.join(below) if below else 'none'}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines[-2:]))
    print(f"scores per page in {args.out}")
    return 1 if below or len(results) != len(urls) else 0


if __name__ == "__main__":
    raise SystemExit(main())
