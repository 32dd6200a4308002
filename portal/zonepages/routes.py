"""Catalogue pages (/{lang}/…) and API (/api/v1/zones…), with the public facts and places of each zone. Thin:
parse, call the services, render."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response

from portal.catalogue import labels, service
from portal.catalogue.present import zone_public
from portal.catalogue.schemas import SORT_KEYS, ZoneFilters, ZoneList, ZonePublic, parse_zone_filters
from portal.collation import sort_key
from portal.data import load
from portal.db import SessionDep
from portal.facts import present as facts_present
from portal.facts import service as facts_service
from portal.i18n import N_, Lang, translate
from portal.places import service as places
from portal.spreadsheets import csv_text
from portal.web.caching import (
    cached_response,
    catalogue_generation,
    generation_etag,
    json_array_chunks,
    not_modified,
    streamed_response,
)
from portal.web.render import render
from portal.zonepages.present import zone_rows

router = APIRouter(prefix="/{lang}", include_in_schema=False)
api = APIRouter(tags=["catalogue"])


def _label_context() -> dict:
    return {"labels": labels}


@router.get("/")
def home(request: Request, lang: Lang, session: SessionDep):
    counts = service.count_by_kind(session)
    figures = {f["key"]: f for f in load("targets")["key_figures"]}
    return render(
        request,
        lang,
        "catalogue/home.html",
        {
            "figures": figures,
            "targets": load("targets")["targets"],
            "counts": counts,
            "merger_facts": _merger_facts(session, lang),
            **_label_context(),
        },
    )


#: the facts the home page cites for the merger (first fact of each topic)
MERGER_TOPICS = (
    "national_assembly_resolution",
    "new_government_operational_date",
    "district_level_abolished",
    "management_board_after_merger",
)


def _merger_facts(session, lang: str) -> list:
    facts = facts_service.scope_facts(session, scope="merger")
    first = {}
    for f in facts:
        if f.topic in MERGER_TOPICS and f.topic not in first:
            first[f.topic] = f
    return [facts_present.view(first[t], lang) for t in MERGER_TOPICS if t in first]


@router.get("/zones")
def zone_list(request: Request, lang: Lang, session: SessionDep, page: int = 1):
    parsed = parse_zone_filters(list(request.query_params.multi_items()), known=service.known_values(session))
    result = service.list_zones(
        session, filters=parsed.filters, lang=lang, page=page, columns=service.ZONE_LIST_COLUMNS
    )
    fill_rates = facts_service.first_fact_by_zone(session, [z.id for z in result.zones], topic="fill_rate")
    occupancy = {zone_id: facts_present.view(f, lang) for zone_id, f in fill_rates.items()}
    columns = _list_columns(result, occupancy, show_all=request.query_params.get("columns") == "all", lang=lang)
    # translated once per render, not once per row
    kind_labels = {key: translate(lang, msgid) for key, msgid in labels.KIND.items()}
    status_labels = {key: translate(lang, msgid) for key, msgid in labels.STATUS.items()}
    return render(
        request,
        lang,
        "catalogue/zones.html",
        {
            "result": result,
            "filters": parsed.filters,
            "errors": parsed.errors,
            "priority_sectors": service.priority_sector_names(session, lang),
            "sort_keys": SORT_KEYS,
            **_label_context(),
            "locality_options": sorted(set(result.facets["locality"]) | set(parsed.filters.locality)),
            "rows": zone_rows(result, occupancy, lang, kind_labels, status_labels),
            **columns,
        },
    )


#: optional columns of the zone list: (key, label msgid); a column unknown for every zone shown is hidden
OPTIONAL_COLUMNS = (
    ("total_area", N_("Total area")),
    ("occupancy", N_("Occupancy")),
    ("available", N_("Available land")),
)


def _list_columns(result, occupancy: dict, *, show_all: bool, lang: str) -> dict:
    known = {
        "total_area": any(z.total_area_ha is not None for z in result.zones),
        "occupancy": bool(occupancy) or any(result.land[z.id].fill_rate is not None for z in result.zones),
        "available": any(result.land[z.id].available_ha is not None for z in result.zones),
    }
    hidden = [key for key, _label in OPTIONAL_COLUMNS if not known[key]]
    return {
        "columns": {key for key, _label in OPTIONAL_COLUMNS if known[key] or show_all},
        "hidden_columns": [translate(lang, label) for key, label in OPTIONAL_COLUMNS if key in hidden],
        "show_all_columns": show_all,
    }


@router.get("/zones/{slug}")
def zone_detail(request: Request, lang: Lang, slug: str, session: SessionDep):
    zone = service.get_zone(session, slug=slug)
    if zone is None:
        raise HTTPException(status_code=404)
    land = service.land_figures(session, [zone])[zone.id]
    plots = service.plots_of(session, zone=zone)
    public = facts_present.zone_page(
        zone, land, facts_service.zone_facts(session, zone=zone), lang=lang, has_plots=bool(plots)
    )
    place_ctx = _place_context(zone, lang, public)
    return render(
        request,
        lang,
        "catalogue/zone.html",
        {
            "zone": zone,
            "land": land,
            "sectors": service.zone_sectors(session, [zone.id])[zone.id],
            "parent": service.parent(session, zone=zone),
            "children": service.children(session, zone=zone),
            "plots": plots,
            **public,
            **place_ctx,
            "schema_place": _schema_place(zone, place_ctx["place"], lang, request.app.state.settings.base_url),
            "province_priorities": service.priority_sector_names(session, lang),
            "alert_filters": ZoneFilters(zone=(zone.slug,)),  # the land alert for this zone (portal/alerts)
            **_label_context(),
        },
    )


def _place_context(zone, lang: str, public: dict) -> dict:
    """The 2025 merger on the zone page: old and new units, Cần Thơ city, the authority."""
    place = places.zone_place(zone.slug)
    authority = places.authority(zone.kind)
    if place is None or not place.new:
        public["unknown"].insert(0, translate(lang, "2025 commune"))
    if authority is None:
        public["unknown"].append(translate(lang, "authority since 2025"))
    return {
        "place": place,
        "authority": authority,
        "authority_date": date.fromisoformat(places.AUTHORITY["source_date"]),
        "city_name": places.city_name(lang),
        "places_before_vi": places.AUTHORITY["before_vi"],
        "unit": lambda name: places.unit_name(name, lang),
    }


def _schema_place(zone, place, lang: str, base_url: str) -> dict:
    """schema.org Place for search engines: the address since 2025; geo only for a location staff set
    as exact (a commune's reference point is not the zone's site)."""
    locality = place.new_label(lang) if place and place.new else (place.old_label(lang) if place else None)
    data: dict = {
        "@context": "https://schema.org",
        "@type": "Place",
        "name": getattr(zone, f"name_{lang}"),
        "url": f"{base_url.rstrip('/')}/{lang}/zones/{zone.slug}",
        "address": {
            "@type": "PostalAddress",
            "addressRegion": places.city_name(lang),
            "addressCountry": "VN",
            **({"addressLocality": locality} if locality else {}),
        },
        "containedInPlace": {"@type": "City", "name": places.city_name(lang)},
    }
    description = getattr(zone, f"description_{lang}")
    if description:
        data["description"] = description
    if zone.lat is not None and zone.lon is not None and not zone.location_approximate:
        data["geo"] = {"@type": "GeoCoordinates", "latitude": zone.lat, "longitude": zone.lon}
    return data


@router.get("/sectors")
def sectors_page(request: Request, lang: Lang, session: SessionDep):
    return render(request, lang, "catalogue/sectors.html", {"sectors": service.sector_infos(session)})


@router.get("/sectors/{code}")
def sector_page(request: Request, lang: Lang, code: str, session: SessionDep):
    """One VSIC class: what the resolutions say of it, and the zones that name it as a priority."""
    sector = service.get_sector(session, code=code)
    if sector is None:
        raise HTTPException(status_code=404)
    zones = sorted(service.sector_zones(session, code=code), key=lambda z: sort_key(getattr(z, f"name_{lang}"), lang))
    return render(request, lang, "catalogue/sector.html", {"sector": sector, "zones": zones, **_label_context()})


# --- API --------------------------------------------------------------------------------------

FILTER_DOC = {
    "kind": Query(None, description="kcn, ccn or kkt; repeat for several"),
    "locality": Query(None, description="locality key, e.g. ke-sach; repeat for several"),
    "status": Query(None, description="operating, building, approved, planned, expansion_planned"),
    "sector": Query(None, description="VSIC code the zone lists as a priority"),
    "zone": Query(None, description="zone slug, e.g. kcn-an-nghiep; repeat for several"),
}


def _api_filters(request: Request, session):
    parsed = parse_zone_filters(list(request.query_params.multi_items()), known=service.known_values(session))
    if parsed.errors:
        detail = [
            {"loc": ["query", e.field], "msg": f"{e.message}: {e.value!r}", "type": "value_error"}
            for e in parsed.errors
        ]
        raise HTTPException(status_code=422, detail=detail)
    return parsed.filters


def _public_list(request: Request, session, zones) -> list[ZonePublic]:
    land = service.land_figures(session, zones)
    sectors = service.zone_sectors(session, [z.id for z in zones])
    slugs = service.parent_slugs(session, zones)
    base = request.app.state.settings.base_url
    return [zone_public(z, land[z.id], sectors[z.id], parent_slug=slugs.get(z.parent_id), base_url=base) for z in zones]


NOT_MODIFIED = {304: {"description": "Not modified (the client's ETag / Last-Modified is current)"}}


@api.get(
    "/zones", response_model=ZoneList, summary="List zones (same filters as the zone list page)", responses=NOT_MODIFIED
)
def api_zones(
    request: Request,
    session: SessionDep,
    kind: list[str] | None = FILTER_DOC["kind"],
    locality: list[str] | None = FILTER_DOC["locality"],
    status: list[str] | None = FILTER_DOC["status"],
    sector: list[str] | None = FILTER_DOC["sector"],
    zone: list[str] | None = FILTER_DOC["zone"],
    min_area: float | None = Query(None, ge=0, le=100_000, description="minimum total area, ha"),
    sort: str | None = Query(None, description="kind, name, area_desc, area_asc"),
    lang: str = Query("en", pattern="^(vi|en)$", description="language used to sort by name"),
    page: int = Query(1, ge=1, le=10_000),
    per_page: int = Query(50, ge=1, le=200),
):
    filters = _api_filters(request, session)
    result = service.list_zones(session, filters=filters, lang=lang, page=page, per_page=per_page)
    body = ZoneList(
        total=result.total,
        page=result.page,
        pages=result.pages,
        items=_public_list(request, session, result.zones),
        facets=result.facets,
    )
    return cached_response(request, body.model_dump_json(), "application/json", service.last_modified(session))


EXPORT_COLUMNS = [
    "slug",
    "kind",
    "name_vi",
    "name_en",
    "status",
    "locality",
    "parent",
    "total_area_ha",
    "industrial_land_ha",
    "leased_ha",
    "available_ha",
    "fill_rate",
    "wastewater_plant_status",
    "wastewater_plant_capacity_m3_day",
    "latitude",
    "longitude",
    "location_approximate",
    "source",
    "source_ref",
    "verified_on",
]


def export_rows(items: list[ZonePublic]) -> list[dict]:
    rows = []
    for z in items:
        rows.append(
            {
                "slug": z.slug,
                "kind": z.kind,
                "name_vi": z.name_vi,
                "name_en": z.name_en,
                "status": z.status,
                "locality": z.locality.key if z.locality else None,
                "parent": z.parent,
                "total_area_ha": z.total_area_ha.value,
                "industrial_land_ha": z.industrial_land_ha.value,
                "leased_ha": z.leased_ha.value,
                "available_ha": z.available_ha.value,
                "fill_rate": z.fill_rate.value,
                "wastewater_plant_status": z.wastewater_plant_status,
                "wastewater_plant_capacity_m3_day": z.wastewater_plant_capacity_m3_day,
                "latitude": z.latitude,
                "longitude": z.longitude,
                "location_approximate": z.location_approximate,
                "source": z.source,
                "source_ref": z.source_ref,
                "verified_on": z.verified_on.isoformat() if z.verified_on else None,
            }
        )
    return rows


def _unchanged(request: Request, session, name: str):
    """(etag, last modified, the 304 when the client's copy is current): asked before any body is built."""
    etag = generation_etag(catalogue_generation(session), name)
    modified = service.last_modified(session)
    return etag, modified, not_modified(request, etag, modified)


def iter_public_zones(request: Request, session) -> Iterator[ZonePublic]:
    """Every published zone as the API shows it, in `all_zones` order, one at a time: a fixed number of
    queries (land sums, sectors, slugs, then the zones `batch` rows per round trip), constant memory."""
    land = service.land_sums(session, None)
    sectors = service.all_zone_sectors(session)
    slugs = service.zone_slugs(session)
    base = request.app.state.settings.base_url
    for z in service.iter_zones(session):
        yield zone_public(z, land.of(z), sectors[z.id], parent_slug=slugs.get(z.parent_id), base_url=base)


def _streamed_zones(request: Request, session, name: str, media_type: str, chunks, disposition: str) -> Response:
    """A whole-catalogue export streamed as `chunks(session)` yields it (its own read-only session), with the
    generation ETag: a 304 is answered before anything is built."""
    etag, modified, unchanged = _unchanged(request, session, name)
    if unchanged is not None:
        return unchanged
    db = request.app.state.db

    def body():
        with db.session(read_only=True) as s:
            yield from chunks(s)

    return streamed_response(
        request,
        body,
        media_type,
        etag=etag,
        last_modified=modified,
        headers={"Content-Disposition": f'{disposition}; filename="{name}"'},
    )


#: zones per chunk of zones.csv
CSV_BATCH = 200


@api.get(
    "/zones.csv",
    summary="All published zones as CSV (open data)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}, **NOT_MODIFIED},
)
def api_zones_csv(request: Request, session: SessionDep):
    def chunks(s):
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
        buf.write("\ufeff")
        writer.writeheader()
        yield buf.getvalue()  # the BOM and the header before any query
        batch: list[ZonePublic] = []
        for zone in iter_public_zones(request, s):
            batch.append(zone)
            if len(batch) == CSV_BATCH:
                yield _csv_rows(writer, buf, batch)
                batch = []
        yield _csv_rows(writer, buf, batch)

    return _streamed_zones(request, session, "zones.csv", "text/csv; charset=utf-8", chunks, "attachment")


def _csv_rows(writer: csv.DictWriter, buf: io.StringIO, zones: list[ZonePublic]) -> str:
    buf.seek(0)
    buf.truncate()
    for row in export_rows(zones):
        writer.writerow({k: csv_text(v) for k, v in row.items()})
    return buf.getvalue()


@api.get(
    "/zones.json",
    summary="All published zones as JSON with provenance (open data)",
    response_class=Response,
    responses={200: {"content": {"application/json": {"schema": {"type": "object"}}}}, **NOT_MODIFIED},
)
def api_zones_json(request: Request, session: SessionDep):
    def chunks(s):
        yield from json_array_chunks("zones", (z.model_dump(mode="json") for z in iter_public_zones(request, s)))

    return _streamed_zones(request, session, "zones.json", "application/json", chunks, "inline")


@api.get(
    "/zones/{slug}",
    response_model=ZonePublic,
    summary="One zone with the provenance of every figure",
    responses={404: {"description": "No published zone has this slug"}},
)
def api_zone(request: Request, slug: str, session: SessionDep):
    zone = service.get_zone(session, slug=slug)
    if zone is None:
        return JSONResponse({"detail": "Zone not found"}, status_code=404)
    return _public_list(request, session, [zone])[0]
