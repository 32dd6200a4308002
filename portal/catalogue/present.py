"""Zone → public JSON shape (API, exports), with the provenance of every figure."""

from __future__ import annotations

from portal import data as refdata
from portal.catalogue.models import Sector, Zone
from portal.catalogue.schemas import Figure, LocalityPublic, Provenance, SectorPublic, ZonePublic
from portal.catalogue.service import LandFigures

DERIVED_NOTE = {
    "leased_ha": "Computed from plots marked leased and registry projects",
    "available_ha": "Computed: plots marked available, or industrial land minus leased land",
    "fill_rate": "Computed: leased land / leasable land",
}


def provenance(zone: Zone, field: str, lang: str = "en") -> Provenance | None:
    fact = (zone.facts or {}).get(field)
    if not fact:
        return None
    return Provenance(
        source=fact["source"],
        source_title=refdata.source_title(fact["source"], lang),
        ref=str(fact.get("ref", "")),
        quote=fact.get("quote"),
        derived=bool(fact.get("derived", False)),
        note=fact.get(f"note_{lang}"),
    )


def _computed(value: float | None, field: str, unit: str = "ha") -> Figure:
    if value is None:
        return Figure(value=None, unit=unit)
    return Figure(
        value=round(value, 4),
        unit=unit,
        provenance=Provenance(
            source="portal",
            source_title="Sóc Trăng investment portal",
            ref=field,
            derived=True,
            note=DERIVED_NOTE[field],
        ),
    )


def sector_public(s: Sector) -> SectorPublic:
    return SectorPublic(
        code=s.code,
        name_vi=s.name_vi,
        name_en=s.name_en,
        priority=s.priority,
        sensitive=s.sensitive,
        pollution_risk=s.pollution_risk,
    )


def zone_public(
    zone: Zone, land: LandFigures, sectors: list[Sector], *, parent_slug: str | None, base_url: str = ""
) -> ZonePublic:
    loc = None
    if zone.locality:
        names = refdata.localities().get(zone.locality, {"vi": zone.locality, "en": zone.locality})
        loc = LocalityPublic(key=zone.locality, name_vi=names["vi"], name_en=names["en"])
    facts = {k: p for k in (zone.facts or {}) if (p := provenance(zone, k)) is not None}
    return ZonePublic(
        slug=zone.slug,
        kind=zone.kind,
        name_vi=zone.name_vi,
        name_en=zone.name_en,
        status=zone.status,
        locality=loc,
        parent=parent_slug,
        total_area_ha=Figure(value=zone.total_area_ha, provenance=provenance(zone, "total_area_ha")),
        industrial_land_ha=Figure(value=zone.industrial_land_ha, provenance=provenance(zone, "industrial_land_ha")),
        leased_ha=_computed(land.leased_ha, "leased_ha"),
        available_ha=_computed(land.available_ha, "available_ha"),
        fill_rate=_computed(land.fill_rate, "fill_rate", unit="ratio"),
        wastewater_plant_status=zone.wastewater_status,
        wastewater_plant_capacity_m3_day=zone.wastewater_capacity_m3_day,
        latitude=zone.lat,
        longitude=zone.lon,
        location_approximate=zone.location_approximate,
        priority_sectors=[sector_public(s) for s in sectors],
        description_vi=zone.description_vi,
        description_en=zone.description_en,
        contact_org_vi=zone.contact_org_vi,
        contact_org_en=zone.contact_org_en,
        contact_phone=zone.contact_phone,
        contact_email=zone.contact_email,
        source=zone.source,
        source_ref=zone.source_ref,
        verified_on=zone.verified_on,
        provenance=facts,
        url_vi=f"{base_url}/vi/zones/{zone.slug}",
        url_en=f"{base_url}/en/zones/{zone.slug}",
    )
