"""Catalogue queries. Takes a Session, returns plain results; no web types here."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from functools import lru_cache

from sqlalchemy import bindparam, case, func, union
from sqlmodel import Session, col, select

from portal.catalogue import ports
from portal.catalogue.models import Plot, PlotStatus, Sector, Zone, ZoneSector
from portal.catalogue.schemas import ZoneFilters
from portal.collation import sort_key
from portal.web.caching import StampedLRU, catalogue_generation

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


#: at most this many ids in an `IN (…)` list; more (a whole-catalogue page) reads every zone's sums in one
#: grouped query instead, so no query's parameters grow with the catalogue (SQLite caps them at 32,766)
MAX_IN = 50


def bounded_ids(zone_ids: list[int]) -> list[int] | None:
    """`zone_ids` when short enough for an `IN (…)` list, else None ("every zone": filter afterwards)."""
    return zone_ids if len(zone_ids) <= MAX_IN else None


def _area_of(status: str):
    return func.coalesce(func.sum(case((col(Plot.status) == status, Plot.area_ha))), 0.0)


#: built once (building a statement costs more than running it on SQLite); the ids are bound at each call
_PLOT_SUMS = select(
    Plot.zone_id,
    func.count(),
    func.coalesce(func.sum(Plot.area_ha), 0.0),
    _area_of(PlotStatus.available),
    _area_of(PlotStatus.leased),
).group_by(Plot.zone_id)
_PLOT_SUMS_OF = _PLOT_SUMS.where(col(Plot.zone_id).in_(bindparam("ids", expanding=True)))


def _plot_sums(session: Session, zone_ids: list[int] | None) -> dict[int, dict[str, float]]:
    """zone id → its plots' count, area and the area available and leased (one row per zone)."""
    out: dict[int, dict[str, float]] = {}
    if zone_ids is not None and not zone_ids:
        return out
    if zone_ids is None:
        rows = session.exec(_PLOT_SUMS).all()
    else:
        rows = session.exec(_PLOT_SUMS_OF, params={"ids": zone_ids}).all()
    for zone_id, count, total, available, leased in rows:
        out[zone_id] = {"count": count, "area": float(total), "available": float(available), "leased": float(leased)}
    return out


def extra_leased(session: Session, zone_ids: list[int] | None) -> dict[int, float]:
    """Leased land recorded outside plots (the registry owns this figure: catalogue/ports.py)."""
    return ports.leased_outside_plots(session, zone_ids)


@dataclass(frozen=True)
class LandSums:
    """Plot sums (zone id → status → ha, and "count") and leased land outside plots (zone id → ha) of some
    zones, or of every zone: `of(zone)` makes a zone's LandFigures from them."""

    plots: dict[int, dict[str, float]]
    extra: dict[int, float]

    def of(self, zone) -> LandFigures:
        sums = self.plots.get(zone.id, {})
        count = int(sums.get("count", 0))
        plots_ha = sums["area"] if count else None
        leased = None
        if count or zone.id in self.extra:
            leased = sums.get("leased", 0.0) + self.extra.get(zone.id, 0.0)
        if count:
            available = sums["available"]
        elif zone.industrial_land_ha is not None and leased is not None:
            available = max(zone.industrial_land_ha - leased, 0.0)
        else:
            available = None
        leasable = zone.industrial_land_ha if zone.industrial_land_ha is not None else plots_ha
        fill = (leased / leasable) if (leased is not None and leasable) else None
        return LandFigures(zone.total_area_ha, zone.industrial_land_ha, plots_ha, leased, available, fill, count)


def land_sums(session: Session, zone_ids: list[int] | None) -> LandSums:
    """The sums behind the land figures of `zone_ids` (a bounded list), or of every zone (None): two
    grouped queries whatever the catalogue's size."""
    return LandSums(_plot_sums(session, zone_ids), extra_leased(session, zone_ids))


def land_figures(session: Session, zones: list) -> dict[int, LandFigures]:
    """Land of `zones` (Zone objects or rows with id, total_area_ha, industrial_land_ha). In a request's
    (read-only) session the sums are kept per catalogue generation and zone ids: every write to a plot,
    a zone or a registry project's land moves the generation (catalogue.changes)."""
    ids = bounded_ids([z.id for z in zones if z.id is not None])
    if session.info.get("read_only"):
        key = ("land_sums", tuple(ids) if ids is not None else None)
        sums = per_generation_keyed(session, key, lambda s: land_sums(s, ids))
    else:
        sums = land_sums(session, ids)
    return {zone.id: sums.of(zone) for zone in zones}


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
FACETS = ("kind", "status", "locality")

SORTS = {
    "area_desc": lambda lang: [col(Zone.total_area_ha).is_(None), col(Zone.total_area_ha).desc(), Zone.slug],
    "area_asc": lambda lang: [col(Zone.total_area_ha).is_(None), col(Zone.total_area_ha).asc(), Zone.slug],
}
NAME_SORTS = {
    "name": lambda lang: lambda z: (sort_key(z[2], lang), z.slug),
    # parks, then the economic zone, then clusters; by name within each
    "kind": lambda lang: lambda z: (KIND_ORDER.get(z.kind, 9), sort_key(z[2], lang), z.slug),
}


#: the columns the zone list page shows of each zone (rows, not Zone objects: `list_zones(columns=…)`)
ZONE_LIST_COLUMNS = (
    Zone.id,
    Zone.slug,
    Zone.kind,
    Zone.name_vi,
    Zone.name_en,
    Zone.locality,
    Zone.status,
    Zone.total_area_ha,
    Zone.industrial_land_ha,
)


def list_zones(
    session: Session,
    *,
    filters: ZoneFilters,
    lang: str,
    page: int = 1,
    per_page: int = PAGE_SIZE,
    include_unpublished: bool = False,
    columns: tuple | None = None,
) -> ZonePage:
    """One page of the zones matching `filters`, with the total, the facets and the page's land figures.
    `columns`: the page's zones as rows of these columns (id, total_area_ha and industrial_land_ha among
    them, for the land figures) instead of Zone objects. The total, the facets and the collated order of
    the published zones matching `filters` are kept per catalogue generation (`per_generation_keyed`)."""
    what = columns if columns is not None else _ZONE
    statements = _list_statements(filters, include_unpublished, lang, what)
    if include_unpublished or not session.info.get("read_only"):
        # kept only for a request's (read-only) session of the public list: unpublished zones do not move
        # the generation, and a write session may see its own changes before they move it
        summary = _list_summary(session, statements, filters, lang)
    else:
        key = ("zone_list", filters, lang)
        summary = per_generation_keyed(session, key, lambda s: _list_summary(s, statements, filters, lang))
    total, facets, order = summary
    pages = max((total + per_page - 1) // per_page, 1)
    page = min(max(page, 1), pages)
    if order is not None:  # names in the language's collation (ICU), which SQL cannot do portably
        # only the page's zones are loaded
        ids = list(order[(page - 1) * per_page : page * per_page])
        rows = session.exec(statements.by_ids, params={"ids": ids}).all() if ids else []
        by_id = {z.id: z for z in rows}
        zones = [by_id[i] for i in ids]
    else:
        zones = list(session.exec(statements.ordered.offset((page - 1) * per_page).limit(per_page)).all())
    return ZonePage(zones, land_figures(session, zones), total, page, pages, facets)


def _list_summary(
    session: Session, statements: _ListStatements, filters: ZoneFilters, lang: str
) -> tuple[int, dict[str, dict[str, int]], tuple[int, ...] | None]:
    """(total, facets, the matching zones' ids in the collated order of a name sort, else None)."""
    grid = session.exec(statements.grid).all()
    chosen = {name: set(getattr(filters, name)) for name in FACETS}

    def matches(row, skip: str | None) -> bool:
        values = dict(zip(FACETS, row[:3], strict=True))
        return all(not chosen[n] or values[n] in chosen[n] for n in FACETS if n != skip)

    total = sum(row[3] for row in grid if matches(row, None))
    facets: dict[str, dict[str, int]] = {}
    for i, name in enumerate(FACETS):  # each facet counted with the other filters only
        counts: dict[str, int] = {}
        for row in grid:
            if row[i] is not None and matches(row, name):
                counts[str(row[i])] = counts.get(str(row[i]), 0) + row[3]
        facets[name] = dict(sorted(counts.items()))
    sort = filters.sort or "kind"
    order = None
    if sort in NAME_SORTS:  # sort the few columns the order needs
        order = tuple(row.id for row in sorted(session.exec(statements.names).all(), key=NAME_SORTS[sort](lang)))
    return total, facets, order


_ZONE = (Zone,)


@dataclass(frozen=True)
class _ListStatements:
    grid: object  # kind, status, locality, count of the zones matching all but those three filters
    names: object  # id, slug, name, kind of the matching zones (the collated sorts)
    by_ids: object  # the page's zones by id (bound: ids)
    ordered: object  # the matching zones in SQL order (the area sorts; offset and limit added)


@lru_cache(maxsize=256)
def _list_statements(filters: ZoneFilters, include_unpublished: bool, lang: str, what: tuple) -> _ListStatements:
    """The zone list's statements for these filters, built once (a hit costs less than building them)."""
    conds = _conditions(filters, include_unpublished=include_unpublished)
    # One grouped query gives the total and the three facets: the zones matching every filter but kind,
    # status and locality, counted per (kind, status, locality); each facet then applies the other two.
    base = _conditions(
        filters.without("kind").without("status").without("locality"), include_unpublished=include_unpublished
    )
    grid = select(Zone.kind, Zone.status, Zone.locality, func.count()).where(*base)
    sort = filters.sort or "kind"
    return _ListStatements(
        grid=grid.group_by(Zone.kind, Zone.status, Zone.locality),
        names=select(Zone.id, Zone.slug, getattr(Zone, f"name_{lang}"), Zone.kind).where(*conds),
        by_ids=select(*what).where(col(Zone.id).in_(bindparam("ids", expanding=True))),
        ordered=select(*what).where(*conds).order_by(*SORTS[sort](lang)) if sort in SORTS else None,
    )


def zone_stamps(session: Session) -> list:
    """(slug, updated_at) of every published zone, by kind and slug (the sitemap: no zone object)."""
    stmt = select(Zone.slug, Zone.updated_at).where(col(Zone.published).is_(True)).order_by(Zone.kind, Zone.slug)
    return list(session.exec(stmt).all())


def all_zones(session: Session, *, include_unpublished: bool = False) -> list[Zone]:
    stmt = select(Zone).order_by(Zone.kind, Zone.slug)
    if not include_unpublished:
        stmt = stmt.where(Zone.published == True)  # noqa: E712
    return list(session.exec(stmt).all())


def published_rows(session: Session, *columns) -> list:
    """`columns` of every published zone, as rows (no zone object), by kind and slug."""
    stmt = select(*columns).where(col(Zone.published).is_(True)).order_by(Zone.kind, Zone.slug)
    return list(session.exec(stmt).all())


def iter_zones(session: Session, *, batch: int = 500) -> Iterator[Zone]:
    """Every published zone in `all_zones` order, read `batch` rows per round trip (constant memory): for
    the streamed exports. Read what else they need (`land_sums(session, None)`, `all_zone_sectors`,
    `zone_slugs`) before iterating."""
    stmt = (
        select(Zone)
        .where(Zone.published == True)  # noqa: E712
        .order_by(Zone.kind, Zone.slug)
        .execution_options(yield_per=batch)
    )
    yield from session.exec(stmt)


def zone_slugs(session: Session) -> dict[int, str]:
    """id → slug of every zone (two plain columns): the parents' slugs of a whole-catalogue export."""
    return dict(session.exec(select(Zone.id, Zone.slug)).all())


def parent_slugs(session: Session, zones: list) -> dict[int, str]:
    """id → slug of the zones' parents (ids and slugs only; no zone object is built)."""
    ids = sorted({z.parent_id for z in zones if z.parent_id is not None})
    if not ids:
        return {}
    stmt = select(Zone.id, Zone.slug)
    bounded = bounded_ids(ids)
    if bounded is not None:
        stmt = stmt.where(col(Zone.id).in_(bounded))
    return dict(session.exec(stmt).all())


def zones_by_slug(session: Session, slugs: list[str]) -> list[Zone]:
    """The published zones of `slugs` (a short list: a comparison's zones)."""
    if not slugs:
        return []
    return list(session.exec(select(Zone).where(col(Zone.slug).in_(slugs), col(Zone.published).is_(True))).all())


def count_by_kind(session: Session) -> dict[str, int]:
    """kind → number of published zones (counted in the database)."""
    stmt = select(Zone.kind, func.count()).where(col(Zone.published).is_(True)).group_by(Zone.kind)
    rows = session.exec(stmt.order_by(Zone.kind))
    return {kind: n for kind, n in rows.all()}


_ZONE_BY_SLUG = select(Zone).where(Zone.slug == bindparam("slug"))  # built once, as the statements below
_PUBLISHED_ZONE_BY_SLUG = _ZONE_BY_SLUG.where(Zone.published == True)  # noqa: E712


def get_zone(session: Session, *, slug: str, include_unpublished: bool = False) -> Zone | None:
    stmt = _ZONE_BY_SLUG if include_unpublished else _PUBLISHED_ZONE_BY_SLUG
    return session.exec(stmt, params={"slug": slug}).first()


_ZONE_SECTORS = select(ZoneSector.zone_id, ZoneSector.sector_code).order_by(ZoneSector.sector_code)
_ZONE_SECTORS_OF = _ZONE_SECTORS.where(col(ZoneSector.zone_id).in_(bindparam("ids", expanding=True)))


def all_zone_sectors(session: Session) -> defaultdict[int, list[SectorInfo]]:
    """zone id → its priority sectors by code, for every zone (one query; a zone without any: [])."""
    by_code = sectors_by_code(session)  # per catalogue generation
    out: defaultdict[int, list[SectorInfo]] = defaultdict(list)
    stmt = select(ZoneSector.zone_id, ZoneSector.sector_code).order_by(ZoneSector.sector_code)
    for zone_id, code in session.exec(stmt).all():
        if code in by_code:
            out[zone_id].append(by_code[code])
    return out


def zone_sectors(session: Session, zone_ids: list[int]) -> dict[int, list[SectorInfo]]:
    """zone id → its priority sectors by code (plain data from `sector_infos`: only the pairs are read)."""
    out: dict[int, list[SectorInfo]] = {zid: [] for zid in zone_ids}
    if not zone_ids:
        return out
    by_code = sectors_by_code(session)  # per catalogue generation
    bounded = bounded_ids(zone_ids)
    if session.info.get("read_only"):  # the pairs per generation and zone ids in a request's session
        key = ("zone_sectors", tuple(bounded) if bounded is not None else None)
        rows = per_generation_keyed(session, key, lambda s: _zone_sector_pairs(s, bounded))
    else:
        rows = _zone_sector_pairs(session, bounded)
    for zone_id, code in rows:
        if zone_id in out and code in by_code:
            out[zone_id].append(by_code[code])
    return out


def _zone_sector_pairs(session: Session, bounded: list[int] | None) -> tuple[tuple[int, str], ...]:
    """(zone id, sector code) of the zones `bounded` (None: every zone), by code."""
    if bounded is None:
        rows = session.exec(_ZONE_SECTORS).all()
    else:
        rows = session.exec(_ZONE_SECTORS_OF, params={"ids": bounded}).all()
    return tuple((zone_id, code) for zone_id, code in rows)


_CHILDREN = select(Zone).where(Zone.parent_id == bindparam("parent"), Zone.published == True)  # noqa: E712


def children(session: Session, *, zone: Zone) -> list[Zone]:
    return list(session.exec(_CHILDREN, params={"parent": zone.id}).all())


def parent(session: Session, *, zone: Zone) -> Zone | None:
    return session.get(Zone, zone.parent_id) if zone.parent_id else None


_PLOTS_OF = select(Plot).where(Plot.zone_id == bindparam("zone")).order_by(Plot.code)


def plots_of(session: Session, *, zone: Zone) -> list[Plot]:
    return list(session.exec(_PLOTS_OF, params={"zone": zone.id}).all())


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
    named = select(ZoneSector.sector_code.label("code"))
    priority = select(Sector.code).where(Sector.priority == True)  # noqa: E712
    return sorted(session.exec(union(named, priority)).scalars().all())


def list_sectors(session: Session) -> list[Sector]:
    return list(session.exec(select(Sector).order_by(Sector.code)).all())


def sector_codes(session: Session) -> set[str]:
    return set(session.exec(select(Sector.code)).all())


# --- reference data, read once per catalogue generation ------------------------------------------

_per_generation: dict[str, tuple[int, object]] = {}


#: values kept per generation under keys made of request parameters (the zone list's filters, the zone ids
#: of a page's land sums): the most recently used KEYED_ENTRIES, so a crawler's combinations cannot grow it
KEYED_ENTRIES = 1024
_per_generation_keyed = StampedLRU(KEYED_ENTRIES)


def clear_reference_cache() -> None:
    """Forget the reference data kept per generation. Production never needs it (a generation number
    readers see is only ever reached by a commit); tests roll back, so a number comes round again."""
    _per_generation.clear()
    _per_generation_keyed.clear()


def _generation(session: Session) -> int:
    """The catalogue generation, read once per session (request)."""
    if "catalogue.generation" not in session.info:
        session.info["catalogue.generation"] = catalogue_generation(session)
    return session.info["catalogue.generation"]


def per_generation(session: Session, name: str, build):
    """`build(session)`, kept until the catalogue generation moves on (every public-data change moves it).
    The value must be plain data (no ORM object: it outlives the session)."""
    generation = _generation(session)
    hit = _per_generation.get(name)
    if hit is not None and hit[0] == generation:
        return hit[1]
    value = build(session)
    _per_generation[name] = (generation, value)
    return value


def per_generation_keyed(session: Session, key: tuple, build):
    """`build(session)` kept under `key` (hashable: e.g. the filters) until the catalogue generation moves
    on, among the KEYED_ENTRIES most recently used keys. Plain data only, as `per_generation`."""
    return _per_generation_keyed.fetch(key, _generation(session), lambda: build(session))


@dataclass(frozen=True)
class SectorInfo:
    """A sector's columns as plain data (what pages show; cached per generation)."""

    code: str
    name_vi: str
    name_en: str
    priority: bool
    sensitive: bool
    pollution_risk: bool
    pollution_risk_confirmed: bool
    sources: tuple
    sensitive_basis: str | None
    name_en_source: str
    isic_code: str | None
    keywords: tuple


def sector_infos(session: Session) -> tuple[SectorInfo, ...]:
    """Every sector by code, as plain data, read once per catalogue generation."""

    def build(s: Session) -> tuple[SectorInfo, ...]:
        columns = [getattr(Sector, f.name) for f in fields(SectorInfo)]
        rows = s.exec(select(*columns).order_by(Sector.code)).all()
        return tuple(SectorInfo(*(tuple(v) if isinstance(v, list) else v for v in row)) for row in rows)

    return per_generation(session, "sectors", build)


def priority_sector_names(session: Session, lang: str) -> tuple[tuple[str, str | None], ...]:
    """(code, name in `lang`) of the province-wide priority sectors, by code, once per catalogue generation
    (the zone list's sector filter, the zone page's list: not a pass over every sector per request)."""

    def build(s: Session) -> tuple[tuple[str, str | None], ...]:
        return tuple((x.code, getattr(x, f"name_{lang}", None)) for x in sector_infos(s) if x.priority)

    return per_generation(session, f"priority_sector_names.{lang}", build)


def sectors_by_code(session: Session) -> dict[str, SectorInfo]:
    """Every sector (plain data) by its code, built once per catalogue generation."""
    return per_generation(session, "sectors_by_code", lambda s: {x.code: x for x in sector_infos(s)})


def known_values(session: Session) -> dict[str, set[str]]:
    """Allowed filter values (for validating query strings), read once per catalogue generation."""

    def build(s: Session) -> dict[str, frozenset[str]]:
        localities = frozenset(x for x in s.exec(select(Zone.locality).distinct()).all() if x)
        return {
            "locality": localities,
            "sector": frozenset(x.code for x in sector_infos(s)),
            "zone": frozenset(s.exec(select(Zone.slug)).all()),
        }

    return per_generation(session, "known_values", build)


def plots_modified(session: Session):
    """The newest updated_at of the plots of published zones (the plot exports' Last-Modified)."""
    return session.exec(
        select(func.max(Plot.updated_at)).join(Zone, col(Zone.id) == Plot.zone_id).where(col(Zone.published).is_(True))
    ).one()


def last_modified(session: Session):
    """When the public catalogue last changed (zones and plots), for Last-Modified headers."""
    from sqlalchemy import func as f

    zone = session.exec(select(f.max(Zone.updated_at))).one()
    plot = session.exec(select(f.max(Plot.updated_at))).one()
    stamps = [x for x in (zone, plot) if x is not None]
    return max(stamps, key=lambda d: d.replace(tzinfo=None)) if stamps else None
