"""Request and response shapes of the catalogue. Filters are parsed once here for both the page
(bad values ignored with a message) and the API (422 naming the field)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from pydantic import BaseModel

from portal.catalogue.models import ZoneKind, ZoneStatus
from portal.i18n import N_
from portal.numbers import parse_decimal

SORT_KEYS = ("kind", "name", "area_desc", "area_asc")
MAX_AREA_HA = 100_000


@dataclass(frozen=True)
class ZoneFilters:
    kind: tuple[str, ...] = ()
    locality: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    sector: tuple[str, ...] = ()
    min_area_ha: float | None = None
    sort: str | None = None
    zone: tuple[str, ...] = ()  # zone slugs: one zone's page links its own list (and its land alert)

    def without(self, name: str) -> ZoneFilters:
        return replace(self, **{name: ()})

    def query_items(self) -> list[tuple[str, str]]:
        items: list[tuple[str, str]] = []
        for name in ("kind", "locality", "status", "sector", "zone"):
            items += [(name, v) for v in getattr(self, name)]
        if self.min_area_ha is not None:
            items.append(("min_area", f"{self.min_area_ha:g}"))
        if self.sort:
            items.append(("sort", self.sort))
        return items


@dataclass
class FilterError:
    field: str
    value: str
    message: str  # English msgid, translated where shown


@dataclass
class ParsedFilters:
    filters: ZoneFilters
    errors: list[FilterError] = field(default_factory=list)


def parse_zone_filters(params: list[tuple[str, str]], *, known: dict[str, set[str]]) -> ParsedFilters:
    """Parse repeated query parameters. Unknown values become errors; valid ones are kept."""
    allowed = {
        "kind": {k.value for k in ZoneKind},
        "status": {s.value for s in ZoneStatus},
        "locality": known.get("locality", set()),
        "sector": known.get("sector", set()),
        "zone": known.get("zone", set()),
    }
    values: dict[str, list[str]] = {k: [] for k in allowed}
    errors: list[FilterError] = []
    min_area = None
    sort = None
    for name, raw in params:
        value = raw.strip()
        if name in allowed:
            if not value:
                continue
            if value in allowed[name]:
                if value not in values[name]:
                    values[name].append(value)
            else:
                errors.append(FilterError(name, value, N_("Unknown value")))
        elif name == "min_area":
            if not value:
                continue
            try:
                number = parse_decimal(value)
            except ValueError:
                errors.append(FilterError(name, value, N_("Not a number")))
                continue
            if not 0 <= number <= MAX_AREA_HA or number != number:
                errors.append(FilterError(name, value, N_("Must be between 0 and 100,000 ha")))
                continue
            min_area = number
        elif name == "sort":
            if value in SORT_KEYS:
                sort = value
            elif value:
                errors.append(FilterError(name, value, N_("Unknown sort order")))
    return ParsedFilters(
        ZoneFilters(
            tuple(values["kind"]),
            tuple(values["locality"]),
            tuple(values["status"]),
            tuple(values["sector"]),
            min_area,
            sort,
            zone=tuple(values["zone"]),
        ),
        errors,
    )


# --- API responses ----------------------------------------------------------------------------


class Provenance(BaseModel):
    source: str
    source_title: str
    ref: str
    quote: str | None = None
    derived: bool = False
    note: str | None = None


class Figure(BaseModel):
    """A number with its origin. value null = not published."""

    value: float | None
    unit: str = "ha"
    provenance: Provenance | None = None


class LocalityPublic(BaseModel):
    key: str
    name_vi: str
    name_en: str


class SectorPublic(BaseModel):
    code: str
    name_vi: str
    name_en: str
    priority: bool
    sensitive: bool
    pollution_risk: bool


class ZonePublic(BaseModel):
    slug: str
    kind: str
    name_vi: str
    name_en: str
    status: str
    locality: LocalityPublic | None
    parent: str | None
    total_area_ha: Figure
    industrial_land_ha: Figure
    leased_ha: Figure
    available_ha: Figure
    fill_rate: Figure
    wastewater_plant_status: str | None
    wastewater_plant_capacity_m3_day: float | None
    latitude: float | None
    longitude: float | None
    location_approximate: bool
    priority_sectors: list[SectorPublic]
    description_vi: str | None
    description_en: str | None
    contact_org_vi: str | None
    contact_org_en: str | None
    contact_phone: str | None
    contact_email: str | None
    source: str
    source_ref: str
    verified_on: date | None
    provenance: dict[str, Provenance]
    url_vi: str
    url_en: str


class ZoneList(BaseModel):
    total: int
    page: int
    pages: int
    items: list[ZonePublic]
    facets: dict[str, dict[str, int]]
