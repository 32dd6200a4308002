"""Database records → search documents carrying both languages' fields and the facet fields.

Ranking is data set here, never a special case of a query (see `search.engine`): each document's
`boost` comes from what it is (`TYPE_BOOST`: a zone before a plot before a sector page; `STATUS_BOOST`:
an open zone before a planned one, an expansion behind the zone it extends), and a zone's `focus`
says what it is for (its priority sectors with the words people search them by, and the target
industries public facts name), which weighs more than the rest of its text.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, func, select

from portal.catalogue import labels, service
from portal.catalogue.models import Plot, Sector, Zone
from portal.data import locality_name
from portal.facts.models import PublicFact
from portal.facts.service import facts_by_zone
from portal.i18n import LOCALES, N_, text_language, translate
from portal.places.service import unit_name, zone_place


def _join(*parts: str | None) -> str:
    return " · ".join(p for p in parts if p)


TYPE_BOOST: dict[str, float] = {"zone": 1.0, "plot": 0.5, "sector": 0.3}
"""Who an investor is looking for first: the zones, then their plots, then the sector pages."""

PRIORITY_SECTOR_BOOST = 1.5
"""A sector the province's resolutions name as a priority comes before the other sector pages."""

STATUS_BOOST: dict[str, float] = {
    "operating": 1.0,
    "building": 1.0,
    "approved": 0.9,
    "planned": 0.8,
    "expansion_planned": 0.6,
}
"""Open zones before proposed ones; a planned expansion behind the zone it extends."""

FOCUS_TOPICS = ("target_industries",)
"""Public-fact topics that say what a zone is for (their words join the zone's focus)."""

PRIORITY_LABEL = N_("Priority sectors")
TARGET_LABEL = N_("Target industries (public sources)")


def zone_boost(zone: Zone) -> float:
    return round(TYPE_BOOST["zone"] * STATUS_BOOST.get(zone.status, STATUS_BOOST["planned"]), 4)


def keywords(sector: Sector, lang: str) -> list[str]:
    """The sector's search words in one language (the list holds both: a word written in ASCII letters
    only is English — "seafood"; one with Vietnamese letters is Vietnamese — "tôm", "dệt may")."""
    return [w for w in sector.keywords or () if (text_language(w) == "en" and w.isascii()) == (lang == "en")]


def _sector_words(sector: Sector, lang: str) -> str:
    """`1020 Processing … (seafood, shrimp, fish)`: the code, the name, the words people search by."""
    words = ", ".join(keywords(sector, lang))
    return f"{sector.code} {getattr(sector, f'name_{lang}')}" + (f" ({words})" if words else "")


def _focus(sectors: list[Sector], facts: list[PublicFact], lang: str) -> str:
    """What a zone is for, in one language: its priority sectors, then the target industries the
    public facts name (the quote in its own language, the researcher's English value in English)."""
    named = [
        f.quote if f.quote_lang == lang else str(f.value)
        for f in facts
        if f.topic in FOCUS_TOPICS and (f.quote_lang == lang or (lang == "en" and isinstance(f.value, str)))
    ]
    return _join(
        f"{translate(lang, PRIORITY_LABEL)}: {'; '.join(_sector_words(s, lang) for s in sectors)}" if sectors else None,
        f"{translate(lang, TARGET_LABEL)}: {'; '.join(named)}" if named else None,
    )


def _place_terms(slug: str, lang: str) -> list[str]:
    """Old and 2025 unit names, so a zone is found by either ("Long Đức" and "Đại Ngãi", "Cần Thơ")."""

    place = zone_place(slug)
    if place is None:
        return []
    names = place.search_terms()
    return [*names, *(unit_name(n, lang) for n in names if lang != "vi")]


def zone_documents(session: Session, zones: list[Zone]) -> list[dict[str, Any]]:
    land = service.land_figures(session, zones)
    sectors = service.zone_sectors(session, [z.id for z in zones])
    facts = facts_by_zone(session, [z.id for z in zones])
    docs = []
    for zone in zones:
        codes = [s.code for s in sectors[zone.id]]
        doc: dict[str, Any] = {
            "id": f"zone:{zone.slug}",
            "type": "zone",
            "slug": zone.slug,
            "kind": zone.kind,
            "locality": zone.locality,
            "status": zone.status,
            "sectors": codes,
            "available_ha": land[zone.id].available_ha,
            "total_ha": zone.total_area_ha,
            "boost": zone_boost(zone),
        }
        for lang in LOCALES:
            doc[f"title_{lang}"] = getattr(zone, f"name_{lang}")
            doc[f"focus_{lang}"] = _focus(sectors[zone.id], facts[zone.id], lang)
            doc[f"text_{lang}"] = _join(
                getattr(zone, f"name_{lang}"),  # so a snippet in the asked language can show the name
                translate(lang, labels.KIND[zone.kind]),
                translate(lang, labels.STATUS[zone.status]),
                locality_name(zone.locality, lang),
                *_place_terms(zone.slug, lang),
                getattr(zone, f"description_{lang}"),
                getattr(zone, f"infrastructure_{lang}"),
                doc[f"focus_{lang}"],  # so the snippet shows why a zone matched "seafood"
            )
        docs.append(doc)
    return docs


def plot_documents(session: Session, plots: list[Plot]) -> list[dict[str, Any]]:
    zone_ids = {p.zone_id for p in plots}
    zones = {z.id: z for z in session.exec(select(Zone).where(col(Zone.id).in_(zone_ids))).all()} if plots else {}
    docs = []
    for plot in plots:
        zone = zones[plot.zone_id]
        if not zone.published:
            continue
        doc: dict[str, Any] = {
            "id": f"plot:{plot.id}",
            "type": "plot",
            "slug": zone.slug,
            "kind": zone.kind,
            "locality": zone.locality,
            "status": plot.status,
            "sectors": [],
            "available_ha": plot.area_ha if plot.status == "available" else 0.0,
            "total_ha": plot.area_ha,
            "boost": round(TYPE_BOOST["plot"] * STATUS_BOOST.get(zone.status, STATUS_BOOST["planned"]), 4),
        }
        for lang in LOCALES:
            doc[f"title_{lang}"] = f"{translate(lang, 'Plot')} {plot.code} — {getattr(zone, f'name_{lang}')}"
            doc[f"text_{lang}"] = _join(
                translate(lang, labels.PLOT_STATUS[plot.status]), locality_name(zone.locality, lang)
            )
        docs.append(doc)
    return docs


SECTOR_CLASSES = (
    ("priority", labels.SECTOR_CLASS["priority"]),
    ("sensitive", labels.SECTOR_CLASS["sensitive"]),
    ("pollution_risk", labels.SECTOR_CLASS["pollution_risk"]),
)


def sector_documents(sectors: list[Sector]) -> list[dict[str, Any]]:
    docs = []
    for sector in sectors:
        doc: dict[str, Any] = {
            "id": f"sector:{sector.code}",
            "type": "sector",
            "slug": sector.code,
            "kind": None,
            "locality": None,
            "status": None,
            "sectors": [sector.code],
            "available_ha": None,
            "total_ha": None,
            "boost": round(TYPE_BOOST["sector"] * (PRIORITY_SECTOR_BOOST if sector.priority else 1.0), 4),
        }
        for lang in LOCALES:
            doc[f"title_{lang}"] = f"{sector.code} {getattr(sector, f'name_{lang}')}"
            doc[f"text_{lang}"] = _join(
                *(translate(lang, label) for attr, label in SECTOR_CLASSES if getattr(sector, attr)),
                *keywords(sector, lang),  # words people search by ("seafood", "điện gió")
            )
        docs.append(doc)
    return docs


def documents_for(session: Session, doc_ids: list[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """Build the current documents for ids; ids whose record is gone (or unpublished) are returned
    as deletions."""
    by_type: dict[str, list[str]] = {}
    for doc_id in doc_ids:
        kind, _, key = doc_id.partition(":")
        by_type.setdefault(kind, []).append(key)
    docs: list[dict[str, Any]] = []
    if by_type.get("zone"):
        zones = list(
            session.exec(select(Zone).where(col(Zone.slug).in_(by_type["zone"]), col(Zone.published).is_(True))).all()
        )
        docs += zone_documents(session, zones)
    if by_type.get("plot"):
        ids = [int(k) for k in by_type["plot"] if k.isdigit()]
        docs += plot_documents(session, list(session.exec(select(Plot).where(col(Plot.id).in_(ids))).all()))
    if by_type.get("sector"):
        docs += sector_documents(list(session.exec(select(Sector).where(col(Sector.code).in_(by_type["sector"])))))
    present = {d["id"] for d in docs}
    return docs, [i for i in doc_ids if i not in present]


def document_count(session: Session) -> int:
    """How many documents `all_documents` gives, counted in the database (to find an index that lost
    some: a crash, a copied or damaged file)."""
    published = col(Zone.published).is_(True)
    zones = session.exec(select(func.count()).select_from(Zone).where(published)).one()
    plots = session.exec(
        select(func.count()).select_from(Plot).join(Zone, col(Zone.id) == Plot.zone_id).where(published)
    ).one()
    sectors = session.exec(select(func.count()).select_from(Sector)).one()
    return zones + plots + sectors


def all_documents(session: Session) -> list[dict[str, Any]]:
    zones = service.all_zones(session)
    return (
        zone_documents(session, zones)
        + plot_documents(session, list(session.exec(select(Plot)).all()))
        + sector_documents(service.list_sectors(session))
    )
