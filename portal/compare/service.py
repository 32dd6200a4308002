"""Side-by-side comparison of 2 to 4 published zones.

`parse_slugs` reads `?zones=a,b,c`; `check` names every problem (too few, too many, unknown,
listed twice); `compare` builds one row per fact with the values of each zone and whether they
differ. Values stay raw (numbers, enum keys, None = not published); the template formats them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from portal.catalogue import service as catalogue
from portal.catalogue.models import Zone
from portal.catalogue.service import LandFigures
from portal.collation import sort_key
from portal.facts import service as facts_service
from portal.i18n import N_
from portal.places import service as places

MIN_ZONES = 2
MAX_ZONES = 4
MAX_PARAM_LENGTH = 1000


@dataclass(frozen=True)
class CompareProblem:
    code: str  # too_few | too_many | unknown | duplicate | too_long
    message: str  # English msgid with %(…)s placeholders, translated where shown
    params: dict[str, Any] = field(default_factory=dict)
    slugs: tuple[str, ...] = ()


def parse_slugs(raw: str | None) -> list[str]:
    """`a, b,,c` → ["a", "b", "c"] (blank entries dropped, order kept, duplicates kept for `check`)."""
    if not raw:
        return []
    return [s.strip() for s in raw[:MAX_PARAM_LENGTH].split(",") if s.strip()]


def published_slugs(session: Session, slugs: list[str]) -> set[str]:
    if not slugs:
        return set()
    rows = session.exec(select(Zone.slug).where(col(Zone.slug).in_(slugs), Zone.published == True)).all()  # noqa: E712
    return set(rows)


def check(slugs: list[str], known: set[str]) -> list[CompareProblem]:
    """Every problem with the list, in a stable order. Empty list = fine."""
    problems: list[CompareProblem] = []
    seen: set[str] = set()
    twice = []
    for s in slugs:
        if s in seen and s not in twice:
            twice.append(s)
        seen.add(s)
    if twice:
        problems.append(
            CompareProblem(
                "duplicate",
                N_("Listed more than once: %(slugs)s. Each zone can appear only once."),
                {"slugs": ", ".join(twice)},
                tuple(twice),
            )
        )
    unknown = [s for s in dict.fromkeys(slugs) if s not in known]
    if unknown:
        problems.append(
            CompareProblem(
                "unknown",
                N_("No published zone has this identifier: %(slugs)s."),
                {"slugs": ", ".join(unknown)},
                tuple(unknown),
            )
        )
    count = len(dict.fromkeys(slugs))
    if count < MIN_ZONES:
        problems.append(
            CompareProblem(
                "too_few",
                N_("Choose at least %(min)d zones to compare; %(count)d chosen."),
                {"min": MIN_ZONES, "count": count},
            )
        )
    elif count > MAX_ZONES:
        problems.append(
            CompareProblem(
                "too_many",
                N_("Choose at most %(max)d zones to compare; %(count)d chosen."),
                {"max": MAX_ZONES, "count": count},
            )
        )
    return problems


@dataclass
class Row:
    key: str
    label: str  # English msgid
    fmt: str  # area | pct | num | kind | status | wastewater | locality | sectors | location | source | text | date
    values: list[Any]
    differs: bool


@dataclass
class Comparison:
    zones: list[Zone]
    land: dict[int, LandFigures]
    rows: list[Row]


def _comparable(value: Any) -> Any:
    if hasattr(value, "quote") and hasattr(value, "source_url"):  # a public fact
        return (value.value, value.staff_value)
    if hasattr(value, "new") and hasattr(value, "old"):  # a zone's place
        return tuple(value.new)
    if isinstance(value, list):
        return tuple(getattr(v, "code", v) for v in value)
    if isinstance(value, float):
        return round(value, 6)
    return value


def _row(key: str, label: str, fmt: str, values: list[Any]) -> Row:
    return Row(key, label, fmt, values, len({repr(_comparable(v)) for v in values}) > 1)


def compare(session: Session, *, slugs: list[str]) -> Comparison:
    """The comparison of `slugs` (already checked), zones in the order given."""
    found = {z.slug: z for z in session.exec(select(Zone).where(col(Zone.slug).in_(slugs), Zone.published == True))}  # noqa: E712
    zones = [found[s] for s in slugs if s in found]
    land = catalogue.land_figures(session, zones)
    sectors = catalogue.zone_sectors(session, [z.id for z in zones])
    lf = [land[z.id] for z in zones]

    def location(z: Zone):
        return (z.lat, z.lon, z.location_approximate) if z.lat is not None and z.lon is not None else None

    zone_places = [places.zone_place(z.slug) for z in zones]
    public = facts_service.facts_by_zone(session, [z.id for z in zones])

    def first_fact(z: Zone, *topics: str):
        """The first public fact on `topics` (shown with its source kind and date)."""
        return next((f for f in public.get(z.id, []) if f.topic in topics), None)

    rows = [
        _row("kind", N_("Type"), "kind", [z.kind for z in zones]),
        _row("status", N_("Status"), "status", [z.status for z in zones]),
        _row(
            "commune_2025",
            N_("Location since 1 July 2025"),
            "commune",
            [p if p and p.new else None for p in zone_places],
        ),
        _row("locality", N_("District before 2025"), "locality", [z.locality for z in zones]),
        _row("authority", N_("Authority"), "authority", [places.authority(z.kind) for z in zones]),
        _row("total_area_ha", N_("Total area"), "area", [z.total_area_ha for z in zones]),
        _row(
            "public_area", N_("Total area (public facts)"), "fact", [first_fact(z, "total_area", "area") for z in zones]
        ),
        _row("public_occupancy", N_("Occupancy (public facts)"), "fact", [first_fact(z, "fill_rate") for z in zones]),
        _row("public_wwtp", N_("Wastewater plant (public facts)"), "fact", [first_fact(z, "wwtp") for z in zones]),
        _row("public_developer", N_("Developer (public facts)"), "fact", [first_fact(z, "developer") for z in zones]),
        _row("industrial_land_ha", N_("Industrial land"), "area", [z.industrial_land_ha for z in zones]),
        _row("leased_ha", N_("Leased land"), "area", [x.leased_ha for x in lf]),
        _row("available_ha", N_("Available land"), "area", [x.available_ha for x in lf]),
        _row("fill_rate", N_("Fill rate"), "pct", [x.fill_rate for x in lf]),
        _row("wastewater_status", N_("Wastewater treatment plant"), "wastewater", [z.wastewater_status for z in zones]),
        _row("wastewater_capacity", N_("Plant capacity"), "capacity", [z.wastewater_capacity_m3_day for z in zones]),
        _row("priority_sectors", N_("Priority sectors"), "sectors", [sectors[z.id] for z in zones]),
        _row("location", N_("Coordinates"), "location", [location(z) for z in zones]),
        _row(
            "infrastructure",
            N_("Infrastructure"),
            "localised",
            [
                (z.infrastructure_vi, z.infrastructure_en) if z.infrastructure_vi or z.infrastructure_en else None
                for z in zones
            ],
        ),
        _row(
            "contact_org",
            N_("Organisation"),
            "localised",
            [(z.contact_org_vi, z.contact_org_en) if z.contact_org_vi or z.contact_org_en else None for z in zones],
        ),
        _row("contact_phone", N_("Phone"), "text", [z.contact_phone for z in zones]),
        _row("contact_email", N_("Email"), "email", [z.contact_email for z in zones]),
        _row("source", N_("Record source"), "source", [(z.source, z.source_ref) for z in zones]),
        _row("verified_on", N_("Checked against the sources on"), "date", [z.verified_on for z in zones]),
    ]
    return Comparison(zones, land, rows)


def unknown_rows(comparison: Comparison) -> list[Row]:
    """Rows no source gives for any of the zones compared (the page hides them behind a control)."""
    return [r for r in comparison.rows if all(v is None or v == [] for v in r.values)]


def differing_fields(comparison: Comparison) -> list[str]:
    return [r.key for r in comparison.rows if r.differs]


def add_slug(slugs: list[str], add: str | None) -> list[str]:
    """The list with `add` appended (when given); duplicates are left for `check` to name."""
    extra = (add or "").strip()
    return [*slugs, extra] if extra else list(slugs)


def options(session: Session, *, exclude: list[str], lang: str) -> list:
    """Zones that can still be added, by kind then name (rows of slug, kind and both names: no zone object;
    the order kept per catalogue generation in a request's session)."""

    def build(s: Session) -> tuple:
        rows = s.exec(
            select(Zone.slug, Zone.kind, Zone.name_vi, Zone.name_en)
            .where(Zone.published == True)  # noqa: E712
            .order_by(Zone.kind, Zone.slug)
        ).all()
        return tuple(sorted(rows, key=lambda z: (z.kind, sort_key(getattr(z, f"name_{lang}"), lang))))

    ordered = (
        catalogue.per_generation(session, f"compare.options.{lang}", build)
        if session.info.get("read_only")
        else build(session)
    )
    return [z for z in ordered if z.slug not in exclude]
