"""Load the reference data (sectors, zones) into the database. Idempotent: re-running updates
seeded records in place only while staff have not edited them (version 1), and never deletes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from portal.catalogue.models import Sector, Zone, ZoneSector
from portal.data import load

SEED_FIELDS = (
    "kind",
    "name_vi",
    "name_en",
    "locality",
    "status",
    "total_area_ha",
    "description_vi",
    "description_en",
    "source",
    "source_ref",
)
CONTACT_ORG_VI = "Ban Quản lý các khu công nghiệp tỉnh Sóc Trăng"
CONTACT_ORG_EN = "Management Board of Sóc Trăng Industrial Parks"
CONTACT_FACT = {
    "source": "vp-3361-2021",
    "ref": "1",
    "quote": "Giao Ban Quản lý các khu công nghiệp chủ trì, phối hợp Sở Công Thương và các cơ quan có liên quan",
}


@dataclass
class SeedReport:
    sectors_added: int = 0
    sectors_updated: int = 0
    zones_added: int = 0
    zones_updated: int = 0
    zones_kept: int = 0


def seed(session: Session, *, on_change=None) -> SeedReport:
    """Insert or refresh the reference data. `on_change(zone)` is called for each zone written
    (the search outbox hooks in there)."""
    report = SeedReport()
    existing_sectors = {s.code: s for s in session.exec(select(Sector)).all()}
    data = load("sectors")
    for row in data["sectors"] if isinstance(data, dict) else data:
        values = sector_values(row)
        sector = existing_sectors.get(row["code"])
        if sector is None:
            session.add(Sector(code=row["code"], **values))
            report.sectors_added += 1
        elif any(getattr(sector, name) != value for name, value in values.items()):
            # Sectors are reference data (the VSIC 2025 classes): staff do not edit them, a new data
            # release replaces them in place.
            for name, value in values.items():
                setattr(sector, name, value)
            session.add(sector)
            report.sectors_updated += 1
    session.flush()

    data = load("zones")
    verified_on: date = data["verified_on"]
    by_slug = {z.slug: z for z in session.exec(select(Zone)).all()}
    for row in data["zones"]:
        zone = by_slug.get(row["slug"])
        facts = dict(row.get("facts") or {})
        facts.setdefault("contact_org", CONTACT_FACT)
        if zone is None:
            zone = Zone(
                slug=row["slug"],
                facts=facts,
                verified_on=verified_on,
                contact_org_vi=CONTACT_ORG_VI,
                contact_org_en=CONTACT_ORG_EN,
                **{f: row.get(f) for f in SEED_FIELDS},
            )
            session.add(zone)
            report.zones_added += 1
        elif zone.version == 1:
            for f in SEED_FIELDS:
                setattr(zone, f, row.get(f))
            zone.facts = facts
            report.zones_updated += 1
        else:
            report.zones_kept += 1
            continue
        session.flush()
        by_slug[zone.slug] = zone
        if on_change:
            on_change(zone)
    for row in data["zones"]:
        zone = by_slug[row["slug"]]
        if row.get("parent"):
            zone.parent_id = by_slug[row["parent"]].id
        linked = {zs.sector_code for zs in session.exec(select(ZoneSector).where(ZoneSector.zone_id == zone.id))}
        for code in row.get("priority_sectors", []):
            if code not in linked:
                fact = facts_of(row, "priority_sectors")
                session.add(
                    ZoneSector(
                        zone_id=zone.id,
                        sector_code=code,
                        relation="priority",
                        source=fact.get("source", row["source"]),
                        source_ref=fact.get("ref", row["source_ref"]),
                    )
                )
    session.flush()
    return report


def sector_values(row: dict) -> dict:
    return {
        "name_vi": row["name_vi"],
        "name_en": row["name_en"],
        "priority": row.get("priority", False),
        "sensitive": row.get("sensitive", False),
        "sensitive_basis": row.get("sensitive_basis"),
        "pollution_risk": row.get("pollution_risk", False),
        "pollution_risk_confirmed": row.get("pollution_risk_confirmed", False),
        "name_en_source": row.get("name_en_source", "portal"),
        "isic_code": row.get("isic"),
        "keywords": list(row.get("keywords") or []),
        "sources": row.get("sources", []),
    }


def facts_of(row: dict, field: str) -> dict:
    return (row.get("facts") or {}).get(field) or {}


def is_empty(session: Session) -> bool:
    return session.exec(select(Zone.id).limit(1)).first() is None
