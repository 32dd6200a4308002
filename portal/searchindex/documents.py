"""Database records → search documents carrying both languages' fields and the facet fields."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, func, select

from portal.catalogue import labels, service
from portal.catalogue.models import Plot, Sector, Zone
from portal.data import locality_name
from portal.i18n import LOCALES, translate
from portal.places.service import unit_name, zone_place


def _join(*parts: str | None) -> str:
    return " · ".join(p for p in parts if p)


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
        }
        for lang in LOCALES:
            doc[f"title_{lang}"] = getattr(zone, f"name_{lang}")
            doc[f"text_{lang}"] = _join(
                getattr(zone, f"name_{lang}"),  # so a snippet in the asked language can show the name
                translate(lang, labels.KIND[zone.kind]),
                translate(lang, labels.STATUS[zone.status]),
                locality_name(zone.locality, lang),
                *_place_terms(zone.slug, lang),
                getattr(zone, f"description_{lang}"),
                getattr(zone, f"infrastructure_{lang}"),
                *(f"{s.code} {getattr(s, f'name_{lang}')}" for s in sectors[zone.id]),
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
        }
        for lang in LOCALES:
            doc[f"title_{lang}"] = f"{sector.code} {getattr(sector, f'name_{lang}')}"
            doc[f"text_{lang}"] = _join(
                *(translate(lang, label) for attr, label in SECTOR_CLASSES if getattr(sector, attr)),
                *(getattr(sector, "keywords", None) or ()),  # words people search by ("seafood", "điện gió")
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
