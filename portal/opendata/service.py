"""Open data: the rows of the plot, sector and registry exports, the data dictionary of every export,
and the list of public pages for the sitemap.

The licence is a constant of the code, not a setting: the portal's data is published under CC BY 4.0.
The resolutions the figures come from are public documents.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from portal.catalogue import service as catalogue
from portal.catalogue.models import Plot, Zone
from portal.i18n import N_
from portal.registry.models import Project
from portal.registry.schemas import PUBLISHED_FIELDS, published_values
from portal.spreadsheets import csv_text

LICENCE_NAME = "Creative Commons Attribution 4.0 International (CC BY 4.0)"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"


# --- rows ---------------------------------------------------------------------------------------

PLOT_COLUMNS = [
    "zone",
    "code",
    "area_ha",
    "status",
    "price_amount",
    "price_currency",
    "price_unit",
    "has_geometry",
    "source",
    "source_ref",
    "verified_on",
    "updated_at",
]
SECTOR_COLUMNS = [
    "code",
    "name_vi",
    "name_en",
    "priority",
    "sensitive",
    "pollution_risk",
    "pollution_risk_confirmed",
    "sources",
]
REGISTRY_COLUMNS = ["id", *PUBLISHED_FIELDS, "updated_at"]  # the registry page's fields, no other figure


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def list_plots(session: Session) -> tuple[list[dict], list[datetime | None]]:
    """Plots of published zones (rows with `geometry` as an object, for JSON) and their updated_at."""
    rows = session.exec(
        select(Plot, Zone.slug)
        .join(Zone, col(Zone.id) == Plot.zone_id)
        .where(Zone.published == True)  # noqa: E712
        .order_by(Zone.slug, Plot.code)
    ).all()
    out = []
    for plot, slug in rows:
        out.append(
            {
                "zone": slug,
                "code": plot.code,
                "area_ha": plot.area_ha,
                "status": plot.status,
                "price_amount": plot.price_amount,
                "price_currency": plot.price_currency,
                "price_unit": plot.price_unit,
                "has_geometry": plot.geometry is not None,
                "source": plot.source,
                "source_ref": plot.source_ref,
                "verified_on": _iso(plot.verified_on),
                "updated_at": _iso(plot.updated_at),
                "geometry": plot.geometry,
            }
        )
    return out, [p.updated_at for p, _ in rows]


#: rows read per round trip while an export streams
STREAM_BATCH = 1000


def _plot_rows(session: Session, *, with_geometry: bool):
    """Core rows (plain tuples: no ORM entity or Row mapping) of the plots of published zones, in the order of
    PLOT_COLUMNS (then the geometry), read STREAM_BATCH at a time."""
    columns = [
        Zone.slug,
        Plot.code,
        Plot.area_ha,
        Plot.status,
        Plot.price_amount,
        Plot.price_currency,
        Plot.price_unit,
        col(Plot.geometry).is_not(None).label("has_geometry"),
        Plot.source,
        Plot.source_ref,
        Plot.verified_on,
        Plot.updated_at,
    ]
    if with_geometry:
        columns.append(Plot.geometry)
    stmt = (
        select(*columns)
        .join(Zone, col(Zone.id) == Plot.zone_id)
        .where(Zone.published == True)  # noqa: E712
        .order_by(Zone.slug, Plot.code)
        .execution_options(yield_per=STREAM_BATCH)
    )
    return session.connection().execute(stmt)


def iter_plots(session: Session, *, with_geometry: bool) -> Iterator[dict]:
    """The rows of `list_plots`, read STREAM_BATCH at a time from the columns they show (no Plot object)."""
    for r in _plot_rows(session, with_geometry=with_geometry):
        row = {
            "zone": r[0],
            "code": r[1],
            "area_ha": r[2],
            "status": r[3],
            "price_amount": r[4],
            "price_currency": r[5],
            "price_unit": r[6],
            "has_geometry": bool(r[7]),
            "source": r[8],
            "source_ref": r[9],
            "verified_on": _iso(r[10]),
            "updated_at": _iso(r[11]),
        }
        if with_geometry:
            row["geometry"] = r[12]
        yield row


def iter_plot_cells(session: Session) -> Iterator[list[str]]:
    """The CSV cells of `iter_plots` rows (PLOT_COLUMNS, each through `csv_text`), without a dict per row."""
    for zone, code, area, status, price, currency, unit, has_geometry, source, ref, verified, updated in _plot_rows(
        session, with_geometry=False
    ):
        yield [
            csv_text(zone),
            csv_text(code),
            csv_text(area),
            csv_text(status),
            csv_text(price),
            csv_text(currency),
            csv_text(unit),
            "True" if has_geometry else "False",
            csv_text(source),
            csv_text(ref),
            "" if verified is None else csv_text(verified.isoformat()),
            "" if updated is None else csv_text(updated.isoformat()),
        ]


def list_sectors(session: Session) -> list[dict]:
    return [
        {
            "code": s.code,
            "name_vi": s.name_vi,
            "name_en": s.name_en,
            "name_en_source": s.name_en_source,
            "priority": s.priority,
            "sensitive": s.sensitive,
            "sensitive_basis": s.sensitive_basis,
            "pollution_risk": s.pollution_risk,
            "pollution_risk_confirmed": s.pollution_risk_confirmed,
            "sources": list(s.sources or []),
        }
        for s in catalogue.list_sectors(session)
    ]


def sources_cell(sources: list[dict]) -> str:
    """[{source, ref, …}] → "nq-cn-2020-2025 II.2.1; III.4 | …" for one CSV cell."""
    return " | ".join(f"{s.get('source', '')} {s.get('ref', '')}".strip() for s in sources if isinstance(s, dict))


def list_registry(session: Session) -> tuple[list[dict], list[datetime | None]]:
    """Published projects of published zones (never drafts), with the fields the registry page shows."""
    rows = session.exec(
        select(Project, Zone.slug)
        .join(Zone, col(Zone.id) == Project.zone_id)
        .where(Project.published == True, Zone.published == True)  # noqa: E712
        .order_by(Zone.slug, Project.id)
    ).all()
    out = [{"id": p.id, **published_values(p, zone_slug), "updated_at": _iso(p.updated_at)} for p, zone_slug in rows]
    return out, [p.updated_at for p, _ in rows]


# --- data dictionary ------------------------------------------------------------------------------

SRC_RESOLUTIONS = N_("The resolutions (document and section in source/source_ref and the JSON provenance)")
SRC_COMPUTED = N_("Computed by the portal from plots and the project registry")
SRC_STAFF = N_("Entered by the province's staff")
SRC_PORTAL = N_("Portal identifier")
SRC_SECTORS = N_("VSIC 2018; classes from Resolution 03-NQ/TU IV.7 and Decree 08/2022/ND-CP Appendix II")
SRC_REGISTRY = N_("Project registry kept by the province's staff")


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # text | number | integer | boolean | date | datetime | list | object
    unit: str | None
    meaning: str  # msgid
    source: str  # msgid


@dataclass(frozen=True)
class Export:
    key: str
    title: str  # msgid
    description: str  # msgid
    formats: tuple[tuple[str, str], ...]  # (format, url)
    columns: tuple[Column, ...]
    last_modified: str  # msgid: where Last-Modified comes from


ZONE_DICT = (
    Column("slug", "text", None, N_("Identifier of the zone, used in its page address"), SRC_PORTAL),
    Column(
        "kind",
        "text",
        None,
        N_("kcn = industrial park, ccn = industrial cluster, kkt = economic zone"),
        SRC_RESOLUTIONS,
    ),
    Column("name_vi", "text", None, N_("Name in Vietnamese"), SRC_RESOLUTIONS),
    Column("name_en", "text", None, N_("Name in English (portal translation)"), SRC_PORTAL),
    Column("status", "text", None, N_("operating, building, approved, planned or expansion_planned"), SRC_RESOLUTIONS),
    Column("locality", "text", None, N_("District, town or city (key); empty when not published"), SRC_RESOLUTIONS),
    Column("parent", "text", None, N_("Slug of the zone this one expands; empty otherwise"), SRC_RESOLUTIONS),
    Column("total_area_ha", "number", "ha", N_("Total area; empty when not published"), SRC_RESOLUTIONS),
    Column("industrial_land_ha", "number", "ha", N_("Land for factories; empty when not published"), SRC_STAFF),
    Column("leased_ha", "number", "ha", N_("Land leased to projects"), SRC_COMPUTED),
    Column("available_ha", "number", "ha", N_("Land still available"), SRC_COMPUTED),
    Column("fill_rate", "number", N_("ratio 0–1"), N_("Leased land / leasable land"), SRC_COMPUTED),
    Column(
        "wastewater_plant_status",
        "text",
        None,
        N_("working, building, planned or none; empty when not published"),
        SRC_STAFF,
    ),
    Column(
        "wastewater_plant_capacity_m3_day",
        "number",
        N_("m³/day"),
        N_("Capacity of the wastewater treatment plant"),
        SRC_STAFF,
    ),
    Column(
        "latitude",
        "number",
        N_("degrees (WGS 84)"),
        N_("Latitude; empty when the location is not published"),
        SRC_STAFF,
    ),
    Column(
        "longitude",
        "number",
        N_("degrees (WGS 84)"),
        N_("Longitude; empty when the location is not published"),
        SRC_STAFF,
    ),
    Column("location_approximate", "boolean", None, N_("True when the location is approximate"), SRC_STAFF),
    Column("source", "text", None, N_("Key of the document the record comes from"), SRC_RESOLUTIONS),
    Column("source_ref", "text", None, N_("Section of that document"), SRC_RESOLUTIONS),
    Column("verified_on", "date", None, N_("Date the record was last checked against its sources"), SRC_STAFF),
)
PLOT_DICT = (
    Column("zone", "text", None, N_("Slug of the zone the plot belongs to"), SRC_PORTAL),
    Column("code", "text", None, N_("Plot code within the zone"), SRC_STAFF),
    Column("area_ha", "number", "ha", N_("Area of the plot"), SRC_STAFF),
    Column("status", "text", None, N_("available, reserved or leased"), SRC_STAFF),
    Column("price_amount", "number", None, N_("Lease price; empty when not published"), SRC_STAFF),
    Column("price_currency", "text", "ISO 4217", N_("Currency of the price"), SRC_STAFF),
    Column("price_unit", "text", None, N_("What the price is for, e.g. m2_year (per m² per year)"), SRC_STAFF),
    Column("has_geometry", "boolean", None, N_("True when the plot's shape is in plots.geojson"), SRC_STAFF),
    Column("source", "text", None, N_("Where the plot record comes from"), SRC_STAFF),
    Column("source_ref", "text", None, N_("Reference within that source"), SRC_STAFF),
    Column("verified_on", "date", None, N_("Date the record was last checked"), SRC_STAFF),
    Column("updated_at", "datetime", "UTC", N_("Last change of the record"), SRC_PORTAL),
)
SECTOR_DICT = (
    Column("code", "text", None, N_("VSIC 2018 code (4 digits)"), SRC_SECTORS),
    Column("name_vi", "text", None, N_("Name in Vietnamese"), SRC_SECTORS),
    Column("name_en", "text", None, N_("Name in English"), SRC_SECTORS),
    Column("priority", "boolean", None, N_("A sector the province favours"), SRC_SECTORS),
    Column(
        "sensitive", "boolean", None, N_("Environmentally sensitive sector (Resolution 03-NQ/TU IV.7)"), SRC_SECTORS
    ),
    Column(
        "pollution_risk", "boolean", None, N_("Production type with a risk of pollution (Decree 08/2022)"), SRC_SECTORS
    ),
    Column(
        "pollution_risk_confirmed",
        "boolean",
        None,
        N_("False where the match with the decree's list is not yet confirmed"),
        SRC_SECTORS,
    ),
    Column(
        "sources",
        "list",
        None,
        N_("Documents and sections the classes come from (CSV: “key section | …”)"),
        SRC_SECTORS,
    ),
)
_REGISTRY_DICT = (
    Column("id", "integer", None, N_("Identifier of the project in the registry"), SRC_PORTAL),
    Column("zone", "text", None, N_("Slug of the zone the project is in"), SRC_REGISTRY),
    Column("name_vi", "text", None, N_("Project name in Vietnamese"), SRC_REGISTRY),
    Column("name_en", "text", None, N_("Project name in English"), SRC_REGISTRY),
    Column("investor_name", "text", None, N_("Investor"), SRC_REGISTRY),
    Column("sector_code", "text", None, N_("VSIC 2018 code of the project's activity"), SRC_REGISTRY),
    Column("land_ha", "number", "ha", N_("Land the project uses"), SRC_REGISTRY),
    Column("jobs", "integer", N_("workers"), N_("Jobs the project reports"), SRC_REGISTRY),
    Column("status", "text", None, N_("in_principle, licensed, building or operating"), SRC_REGISTRY),
    Column("updated_at", "datetime", "UTC", N_("Last change of the record"), SRC_PORTAL),
)
REGISTRY_DICT = tuple(sorted(_REGISTRY_DICT, key=lambda c: REGISTRY_COLUMNS.index(c.name)))
GEOJSON_DICT = (
    Column(
        "geometry",
        "object",
        N_("degrees (WGS 84)"),
        N_("Point (longitude, latitude) of the zone; null when the location is not published (RFC 7946 §3.2)"),
        SRC_STAFF,
    ),
    Column(
        "properties",
        "object",
        None,
        N_(
            "The zone's fields as in zones.json (names, labels and locality in both languages, areas in ha, "
            "fill rate 0–1, source, source_ref, location_approximate, url_vi, url_en)"
        ),
        SRC_RESOLUTIONS,
    ),
)
_UPDATED = N_("Newest updated_at of the rows")

EXPORTS: tuple[Export, ...] = (
    Export(
        "zones",
        N_("Zones"),
        N_(
            "Industrial parks, clusters and the economic zone, one row per published zone. "
            "The JSON version adds the source of every figure."
        ),
        (("CSV", "/api/v1/zones.csv"), ("JSON", "/api/v1/zones.json")),
        ZONE_DICT,
        _UPDATED,
    ),
    Export(
        "zones-geojson",
        N_("Zones on a map (GeoJSON)"),
        N_("Every published zone as a GeoJSON Feature; zones without a published location have no geometry."),
        (("GeoJSON", "/api/v1/zones.geojson"),),
        GEOJSON_DICT,
        _UPDATED,
    ),
    Export(
        "plots",
        N_("Plots"),
        N_(
            "Plots listed in the published zones. The JSON version and plots.geojson add the "
            "plot's shape where staff entered it."
        ),
        (("CSV", "/api/v1/plots.csv"), ("JSON", "/api/v1/plots.json"), ("GeoJSON", "/api/v1/plots.geojson")),
        PLOT_DICT,
        _UPDATED,
    ),
    Export(
        "sectors",
        N_("Sectors"),
        N_("Economic sectors (the 495 VSIC 2025 classes) with the province's priority and environmental classes."),
        (("CSV", "/api/v1/sectors.csv"), ("JSON", "/api/v1/sectors.json")),
        SECTOR_DICT,
        N_("Not sent: sector records carry no change date"),
    ),
    Export(
        "registry",
        N_("Project registry"),
        N_("Investment projects accepted in the zones, published ones only."),
        (("CSV", "/api/v1/registry.csv"), ("JSON", "/api/v1/registry.json")),
        REGISTRY_DICT,
        _UPDATED,
    ),
)

EXPORT_PATHS = tuple(url for e in EXPORTS for _, url in e.formats)


# --- sitemap --------------------------------------------------------------------------------------

STATIC_PAGES = (
    "/",
    "/zones",
    "/map",
    "/compare",
    "/sectors",
    "/rules",
    "/targets",
    "/registry",
    "/open-data",
    "/precheck",
    "/match",
    "/proposals/new",
    "/search",
)


@dataclass(frozen=True)
class SitemapPage:
    path: str  # without the language prefix, e.g. "/zones/kcn-tran-de"
    lastmod: datetime | None = None


def sitemap_pages(session: Session) -> list[SitemapPage]:
    pages = [SitemapPage(p) for p in STATIC_PAGES]
    pages += [SitemapPage(f"/zones/{z.slug}", z.updated_at) for z in catalogue.zone_stamps(session)]
    pages += [SitemapPage(f"/sectors/{code}") for code in catalogue.sectors_with_pages(session)]
    return pages
