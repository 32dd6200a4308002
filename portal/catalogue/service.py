"""Catalogue queries. Takes a Session, returns plain results; no web types here."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import Session, col, select

from portal.catalogue import ports
from portal.catalogue.models import Plot, PlotStatus, Sector, Zone, ZoneSector
from portal.catalogue.schemas import ZoneFilters
from portal.collation import sort_key

PAGE_SIZE = 20


@dataclass(frozen=True)
class LandFigures:
    """Land of a zone. `None` = the portal does not know (not published).

    leased_ha      sum of leased plots (+ registry projects on land outside any plot, see registry/)
    available_ha   sum of plots marked available when the zone has plots, else industrial − leased
    fill_rate      leased / leasable land (industrial land when published, else all plots' area)
    """

    total_ha: float | None
    industrial_ha: float | None
    plots_ha: float | None
    leased_ha: float | None
    available_ha: float | None
    fill_rate: float | None
    plot_count: int = 0


def _plot_sums(session: Session, zone_ids: list[int]) -> dict[int, dict[str, float]]:
    out: dict[int, dict[str, float]] = {}
    if not zone_ids:
        return out
    rows = session.exec(
        select(Plot.zone_id, Plot.status, func.sum(Plot.area_ha), func.count())
        .where(col(Plot.zone_id).in_(zone_ids))
        .group_by(Plot.zone_id, Plot.status)
    ).all()
    for zone_id, status, area, count in rows:
        sums = out.setdefault(zone_id, {"count": 0})
        sums[status] = float(area or 0)
        sums["count"] += count
    return out


def extra_leased(session: Session, zone_ids: list[int]) -> dict[int, float]:
    """Leased land recorded outside plots (the registry owns this figure: catalogue/ports.py)."""
    return ports.leased_outside_plots(session, zone_ids)


def land_figures(session: Session, zones: list[Zone]) -> dict[int, LandFigures]:
    ids = [z.id for z in zones if z.id is not None]
    plots = _plot_sums(session, ids)
    extra = extra_leased(session, ids)
    out = {}
    for zone in zones:
        sums = plots.get(zone.id, {})
        count = int(sums.get("count", 0))
        plots_ha = sum(v for k, v in sums.items() if k != "count") if count else None
        leased = None
        if count or zone.id in extra:
            leased = sums.get(PlotStatus.leased, 0.0) + extra.get(zone.id, 0.0)
        if count:
            available = sums.get(PlotStatus.available, 0.0)
        elif zone.industrial_land_ha is not None and leased is not None:
            available = max(zone.industrial_land_ha - leased, 0.0)
        else:
            available = None
        leasable = zone.industrial_land_ha if zone.industrial_land_ha is not None else plots_ha
        fill = (leased / leasable) if (leased is not None and leasable) else None
        out[zone.id] = LandFigures(
            zone.total_area_ha, zone.industrial_land_ha, plots_ha, leased, available, fill, count
        )
    return out


@dataclass
class ZonePage:
    zones: list[Zone]
    land: dict[int, LandFigures]
    total: int
    page: int
    pages: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


def _conditions(filters: ZoneFilters, *, include_unpublished: bool = False) -> list:
    conds = [] if include_unpublished else [col(Zone.published).is_(True)]
    if filters.kind:
        conds.append(col(Zone.kind).in_(filters.kind))
    if filters.locality:
        conds.append(col(Zone.locality).in_(filters.locality))
    if filters.status:
        conds.append(col(Zone.status).in_(filters.status))
    if filters.sector:
        sub = select(ZoneSector.zone_id).where(col(ZoneSector.sector_code).in_(filters.sector))
        conds.append(col(Zone.id).in_(sub))
    if filters.min_area_ha is not None:
        conds.append(col(Zone.total_area_ha) >= filters.min_area_ha)
    if filters.zone:
        conds.append(col(Zone.slug).in_(filters.zone))
    return conds


def matching_zone_ids(session: Session, *, filters: ZoneFilters, zone_ids: list[int]) -> set[int]:
    """Which of `zone_ids` the public zone list shows for `filters` (the list's own conditions)."""
    if not zone_ids:
        return set()
    conds = [*_conditions(filters), col(Zone.id).in_(zone_ids)]
    return set(session.exec(select(Zone.id).where(*conds)).all())


KIND_ORDER = {"kcn": 0, "kkt": 1, "ccn": 2}

SORTS = {
    "area_desc": lambda lang: [col(Zone.total_area_ha).is_(None), col(Zone.total_area_ha).desc(), Zone.slug],
    "area_asc": lambda lang: [col(Zone.total_area_ha).is_(None), col(Zone.total_area_ha).asc(), Zone.slug],
}
NAME_SORTS = {
    "name": lambda lang: lambda z: (sort_key(getattr(z, f"name_{lang}"), lang), z.slug),
    # parks, then the economic zone, then clusters; by name within each
    "kind": lambda lang: lambda z: (KIND_ORDER.get(z.kind, 9), sort_key(getattr(z, f"name_{lang}"), lang), z.slug),
}


def list_zones(
    session: Session,
    *,
    filters: ZoneFilters,
    lang: str,
    page: int = 1,
    per_page: int = PAGE_SIZE,
    include_unpublished: bool = False,
) -> ZonePage:
    conds = _conditions(filters, include_unpublished=include_unpublished)
    total = session.exec(select(func.count()).select_from(Zone).where(*conds)).one()
    pages = max((total + per_page - 1) // per_page, 1)
    page = min(max(page, 1), pages)
    sort = filters.sort or "kind"
    if sort in NAME_SORTS:  # names in the language's collation (ICU), which SQL cannot do portably
        matching = sorted(session.exec(select(Zone).where(*conds)).all(), key=NAME_SORTS[sort](lang))
        zones = matching[(page - 1) * per_page : page * per_page]
    else:
        stmt = select(Zone).where(*conds).order_by(*SORTS[sort](lang)).offset((page - 1) * per_page).limit(per_page)
        zones = list(session.exec(stmt).all())
    facets = {}
    for name in ("kind", "status", "locality"):  # each facet counted with the other filters only
        column = getattr(Zone, name)
        others = _conditions(filters.without(name), include_unpublished=include_unpublished)
        rows = session.exec(select(column, func.count()).where(*others).group_by(column)).all()
        facets[name] = {str(k): n for k, n in rows if k is not None}
    return ZonePage(zones, land_figures(session, zones), total, page, pages, facets)


def all_zones(session: Session, *, include_unpublished: bool = False) -> list[Zone]:
    stmt = select(Zone).order_by(Zone.kind, Zone.slug)
    if not include_unpublished:
        stmt = stmt.where(Zone.published == True)  # noqa: E712
    return list(session.exec(stmt).all())


def get_zone(session: Session, *, slug: str, include_unpublished: bool = False) -> Zone | None:
    stmt = select(Zone).where(Zone.slug == slug)
    if not include_unpublished:
        stmt = stmt.where(Zone.published == True)  # noqa: E712
    return session.exec(stmt).first()


def zone_sectors(session: Session, zone_ids: list[int]) -> dict[int, list[Sector]]:
    out: dict[int, list[Sector]] = {zid: [] for zid in zone_ids}
    if not zone_ids:
        return out
    rows = session.exec(
        select(ZoneSector.zone_id, Sector)
        .join(Sector, col(Sector.code) == ZoneSector.sector_code)
        .where(col(ZoneSector.zone_id).in_(zone_ids))
        .order_by(Sector.code)
    ).all()
    for zone_id, sector in rows:
        out[zone_id].append(sector)
    return out


def children(session: Session, *, zone: Zone) -> list[Zone]:
    return list(session.exec(select(Zone).where(Zone.parent_id == zone.id, Zone.published == True)).all())  # noqa: E712


def parent(session: Session, *, zone: Zone) -> Zone | None:
    return session.get(Zone, zone.parent_id) if zone.parent_id else None


def plots_of(session: Session, *, zone: Zone) -> list[Plot]:
    return list(session.exec(select(Plot).where(Plot.zone_id == zone.id).order_by(Plot.code)).all())


def get_sector(session: Session, *, code: str) -> Sector | None:
    return session.get(Sector, code)


def sector_zones(session: Session, *, code: str) -> list[Zone]:
    """The published zones that name this sector as one of their own priorities."""
    stmt = (
        select(Zone)
        .join(ZoneSector, col(ZoneSector.zone_id) == Zone.id)
        .where(ZoneSector.sector_code == code, Zone.published == True)  # noqa: E712
    )
    return list(session.exec(stmt).all())


def sectors_with_pages(session: Session) -> list[str]:
    """Codes whose sector page has something to say (a province-wide priority, or named by a zone)."""
    named = set(session.exec(select(ZoneSector.sector_code).distinct()).all())
    priority = set(session.exec(select(Sector.code).where(Sector.priority == True)).all())  # noqa: E712
    return sorted(named | priority)


def list_sectors(session: Session) -> list[Sector]:
    return list(session.exec(select(Sector).order_by(Sector.code)).all())


def sector_codes(session: Session) -> set[str]:
    return set(session.exec(select(Sector.code)).all())


def known_values(session: Session) -> dict[str, set[str]]:
    """Allowed filter values (for validating query strings)."""
    localities = {x for x in session.exec(select(Zone.locality).distinct()).all() if x}
    return {"locality": localities, "sector": sector_codes(session), "zone": set(session.exec(select(Zone.slug)).all())}


def last_modified(session: Session):
    """When the public catalogue last changed (zones and plots), for Last-Modified headers."""
    from sqlalchemy import func as f

    zone = session.exec(select(f.max(Zone.updated_at))).one()
    plot = session.exec(select(f.max(Plot.updated_at))).one()
    stamps = [x for x in (zone, plot) if x is not None]
    return max(stamps, key=lambda d: d.replace(tzinfo=None)) if stamps else None
