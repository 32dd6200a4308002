"""Golden snapshots of what the portal shows for the seeded data: the OpenAPI document and every public
page's HTML in both languages. A structural change must leave them byte-identical; a change meant to alter
a page regenerates them (`python scripts/golden.py --update`) and the diff is reviewed with the commit.

Volatile parts are normalised before comparing: CSRF tokens, idempotency keys, CSP nonces, the static files'
cache-busting stamp, and dates/times of today (the seed stamps its rows with the time it ran)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

GOLDEN_DIR = Path(__file__).resolve().parent / "files"

#: Public pages that take no seeded key; the zone pages come from the sitemap (every seeded zone).
EXTRA_PAGES = ("/staff/login", "/zones/no-such-zone")


def _today_patterns() -> list[re.Pattern]:
    """Dates of today and yesterday in the formats pages use (seed times land on either in Vietnam time)."""
    out = []
    for tz in (UTC, timezone(timedelta(hours=7))):
        for days in (0, 1):
            d = datetime.now(tz).date() - timedelta(days=days)
            for text in {d.isoformat(), d.strftime("%d/%m/%Y"), f"{d.day}/{d.month}/{d.year}"}:
                out.append(
                    re.compile(re.escape(text) + r"(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[+-]\d{2}:?\d{2}|Z)?)?")
                )
    return out


def normalise(text: str) -> str:
    text = re.sub(r'(name="csrf_token" value=")[^"]*"', r'\1CSRF"', text)
    text = re.sub(r'(<meta name="csrf-token" content=")[^"]*"', r'\1CSRF"', text)
    text = re.sub(r'(name="idempotency_key" value=")[^"]*"', r'\1KEY"', text)
    text = re.sub(r'nonce="[^"]*"', 'nonce="NONCE"', text)
    text = re.sub(r'(/static/[^"\'?\s]+)\?v=[^"\'\s&]+', r"\1?v=STATIC", text)
    for pattern in _today_patterns():
        text = pattern.sub("TODAY", text)
    return text


def page_paths(client) -> list[str]:
    """Every page of the sitemap (the public pages and each seeded zone), plus EXTRA_PAGES."""
    xml = client.get("/sitemap.xml").text
    paths = []
    for loc in re.findall(r"<loc>([^<]+)</loc>", xml):
        path = re.sub(r"^https?://[^/]+/(vi|en)", "", loc) or "/"
        if path not in paths:
            paths.append(path)
    return paths + [p for p in EXTRA_PAGES if p not in paths]


def snapshot_name(lang: str, path: str) -> str:
    slug = path.strip("/").replace("/", "__") or "home"
    return f"pages/{lang}/{slug}.html"


def take(client) -> dict[str, str]:
    """{file name: normalised content} for the OpenAPI document and every page in both languages."""
    out: dict[str, str] = {}
    spec = client.get("/api/openapi.json")
    spec.raise_for_status()
    out["openapi.json"] = json.dumps(spec.json(), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    for path in page_paths(client):
        for lang in ("vi", "en"):
            response = client.get(f"/{lang}{path}")
            out[snapshot_name(lang, path)] = f"<!-- {response.status_code} -->\n" + normalise(response.text)
    return out


def stored() -> dict[str, str]:
    return {
        str(p.relative_to(GOLDEN_DIR)): p.read_text(encoding="utf-8")
        for p in sorted(GOLDEN_DIR.rglob("*"))
        if p.is_file()
    }


def write(files: dict[str, str]) -> None:
    for old in GOLDEN_DIR.rglob("*"):
        if old.is_file() and str(old.relative_to(GOLDEN_DIR)) not in files:
            old.unlink()
    for name, content in files.items():
        target = GOLDEN_DIR / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
