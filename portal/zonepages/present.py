"""The zone list's rows as the table shows them: every label and figure of a row worked out here, once, so
the template's row loop only writes them out (a call from a template costs far more than the same in Python)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from portal.data import locality_name
from portal.i18n import fmt_area, fmt_percent
from portal.places import service as places


@dataclass(frozen=True, slots=True)
class ZoneRow:
    slug: str
    name: str
    kind: str  # the type's label
    status: str  # the status's label
    place: str | None  # the commune(s) since 2025, when known
    locality: str | None  # else the locality's name before 2025, when the zone has one
    total_area: str | None  # formatted, None when not published
    fill_rate: str | None  # the land figures' fill rate, formatted
    fact: dict | None  # else the first fill-rate fact (facts.present.view), for fact_brief
    available: str | None  # formatted


@lru_cache(maxsize=4096)
def new_place_label(slug: str, lang: str) -> str | None:
    """The zone's commune(s) since 2025 (reference data, read once per process), or None."""
    place = places.zone_place(slug)
    return place.new_label(lang) if place is not None and place.new else None


def zone_rows(result, occupancy: dict, lang: str, kind_labels: dict, status_labels: dict) -> list[ZoneRow]:
    """One row per zone of `result` (catalogue.service.list_zones), in its order."""
    rows = []
    for z in result.zones:
        land = result.land[z.id]
        rows.append(
            ZoneRow(
                slug=z.slug,
                name=getattr(z, f"name_{lang}", None),
                kind=kind_labels[z.kind],
                status=status_labels[z.status],
                place=new_place_label(z.slug, lang),
                locality=locality_name(z.locality, lang) if z.locality else None,
                total_area=fmt_area(z.total_area_ha, lang),
                fill_rate=fmt_percent(land.fill_rate, lang),
                fact=occupancy.get(z.id),
                available=fmt_area(land.available_ha, lang),
            )
        )
    return rows
