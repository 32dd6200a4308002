"""Read a public-facts file (the format of `reference/data/zone-public-facts.yaml`) into rows, and
refuse the rows the portal must not show: no source, a page dated in the future, a coordinate
outside the former province, an unknown confidence or zone. Every refusal names the row and why.

Pure functions: no database. `facts.service.import_facts` writes what this accepts.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from portal import data as refdata
from portal.i18n import N_, text_language

#: scopes that are not zones: facts about the province and the 2025 merger
PROVINCE_SCOPES = ("merger", "province_context")
CONFIDENCE = ("high", "medium", "low")

#: the research file's source kinds → the portal's provenance kinds
SOURCE_KINDS = {
    "news": "press",
    "news-translation": "press",
    "news-reprint": "press",
    "news-mirror": "press",
    "official": "public_record",
    "legal-text": "public_record",
    "dataset": "dataset",
    "aggregator": "aggregator",
    "listing": "aggregator",
    "developer": "company",
}

_ISO = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?\b")
_YEAR = re.compile(r"\b(19\d{2}|20\d{2})\b")
_JA = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@dataclass(frozen=True)
class Refusal:
    row: str  # "kcn-an-nghiep / total_area #2"
    reason: str  # msgid (English), translated where shown
    params: dict = field(default_factory=dict)


@dataclass
class Parsed:
    rows: list[dict[str, Any]]
    refused: list[Refusal]


@cache
def province_bounds() -> tuple[float, float, float, float]:
    """(min lat, min lon, max lat, max lon) of the former province: the envelope of the reference
    points for its communes, towns, districts and Trần Đề port (`data/places.yaml`), widened by
    0.1° (about 11 km) since those points are centres, not the edge."""
    points = [
        (p["lat"], p["lon"])
        for p in refdata.load("places")["places"]
        if p.get("lat") is not None and p.get("kind") in ("commune", "town", "district", "port")
    ]
    lats, lons = [p[0] for p in points], [p[1] for p in points]
    return min(lats) - 0.1, min(lons) - 0.1, max(lats) + 0.1, max(lons) + 0.1


def inside_province(lat: float, lon: float) -> bool:
    s, w, n, e = province_bounds()
    return s <= lat <= n and w <= lon <= e


def read_date(text: Any) -> tuple[str | None, int | None]:
    """("2023-11", None) for a dated page; (None, 2020) for "not shown (c. 2020)"; (None, None)."""
    if isinstance(text, date):
        return text.isoformat(), None
    text = str(text or "").strip()
    m = _ISO.match(text)
    if m and (m.group(2) is None or 1 <= int(m.group(2)) <= 12):
        return "-".join(g for g in m.groups() if g), None
    years = _YEAR.findall(text)
    return None, (int(years[-1]) if years else None)


def quote_language(quote: str) -> str:
    if _JA.search(quote):
        return "ja"
    return text_language(quote)


def fact_key(scope: str, topic: str, source_url: str, quote: str) -> str:
    digest = hashlib.sha256(f"{source_url}\n{quote}".encode()).hexdigest()[:12]
    return f"{scope}:{topic}:{digest}"[:120]


def _kinds(data: dict) -> dict[str, str]:
    return {s["url"]: s.get("kind", "") for s in data.get("sources") or [] if s.get("url")}


def provenance_kind(url: str, source_kinds: dict[str, str]) -> str:
    kind = SOURCE_KINDS.get(source_kinds.get(url, ""))
    if kind:
        return kind
    if "github" in url.lower() or not url.startswith("http"):
        return "dataset"
    return "press"


def _future(published_on: str | None, today: date) -> bool:
    if not published_on:
        return False
    parts = [int(p) for p in published_on.split("-")]
    start = date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    return start > today


def _coordinate(value: Any) -> tuple[float, float] | None:
    if isinstance(value, dict) and "lat" in value and "lon" in value:
        try:
            return float(value["lat"]), float(value["lon"])
        except (TypeError, ValueError):
            return None
    return None


def parse(data: Any, *, zone_slugs: set[str], today: date) -> Parsed:
    """Rows for every acceptable fact of `data`; a Refusal for each other one."""
    rows: list[dict[str, Any]] = []
    refused: list[Refusal] = []
    if not isinstance(data, dict):
        return Parsed([], [Refusal("-", N_("The file is not a public-facts file (a mapping of zones to facts)."))])
    kinds = _kinds(data)
    for scope, entry in data.items():
        if scope in ("meta", "sources") or not isinstance(entry, dict):
            continue
        if scope in PROVINCE_SCOPES:
            topics, zone_scope = entry, False
        else:
            topics, zone_scope = entry.get("facts") or {}, True
        if zone_scope and scope not in zone_slugs:
            if topics:
                refused.append(Refusal(scope, N_("No zone with this key in the catalogue.")))
            continue
        for topic, facts in topics.items():
            for n, fact in enumerate(facts or [], start=1):
                label = f"{scope} / {topic} #{n}"
                problem = _problem(fact, today)
                if problem:
                    refused.append(Refusal(label, *problem))
                    continue
                url, quote = str(fact["source_url"]).strip(), str(fact["quote"]).strip()
                published_on, circa = read_date(fact.get("source_date"))
                rows.append(
                    {
                        "key": fact_key(scope, topic, url, quote),
                        "scope": "province" if scope == "province_context" else scope,
                        "topic": topic,
                        "position": n,
                        "value": fact.get("value"),
                        "unit": (str(fact["unit"])[:80] if fact.get("unit") is not None else None),
                        "quote": quote,
                        "quote_lang": quote_language(quote),
                        "source_url": url[:500],
                        "source_title": str(fact["source_title"]).strip()[:500],
                        "source_date": str(fact.get("source_date") or "")[:200],
                        "published_on": published_on,
                        "circa_year": circa,
                        "kind": provenance_kind(url, kinds),
                        "confidence": fact["confidence"],
                        "note": fact.get("note"),
                    }
                )
    return Parsed(rows, refused)


def _problem(fact: Any, today: date) -> tuple[str, dict] | None:
    if not isinstance(fact, dict):
        return N_("Not a fact (expected value, quote and source)."), {}
    for name in ("source_url", "source_title", "quote"):
        if not str(fact.get(name) or "").strip():
            return N_("No source: %(field)s is missing."), {"field": name}
    if "value" not in fact:
        return N_("No value."), {}
    if fact.get("confidence") not in CONFIDENCE:
        return N_("Confidence must be high, medium or low (got %(value)s)."), {"value": fact.get("confidence")}
    published_on, _ = read_date(fact.get("source_date"))
    if _future(published_on, today):
        return N_("The page's date %(date)s is in the future."), {"date": published_on}
    point = _coordinate(fact.get("value"))
    if point is not None and not inside_province(*point):
        return N_("The coordinate %(lat)s, %(lon)s is outside the former Sóc Trăng province."), {
            "lat": point[0],
            "lon": point[1],
        }
    return None
