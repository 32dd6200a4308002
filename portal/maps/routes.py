"""Map page (/{lang}/map) and the GeoJSON exports (/api/v1/zones.geojson, /api/v1/plots.geojson)."""

from __future__ import annotations

from urllib.parse import urlparse

from fastapi import APIRouter, Request
from fastapi.responses import Response

from portal.catalogue import labels
from portal.catalogue import service as catalogue
from portal.db import SessionDep
from portal.i18n import Lang
from portal.maps import service
from portal.web.caching import (
    catalogue_generation,
    export_responses,
    generation_etag,
    json_array_chunks,
    last_modified,
    streamed_response,
)
from portal.web.render import render

router = APIRouter(prefix="/{lang}", include_in_schema=False)
api = APIRouter(tags=["open data"])

GEOJSON = "application/geo+json"


@router.get("/map")
def map_page(request: Request, lang: Lang, session: SessionDep, page: int = 1):
    data = service.map_data(session, lang=lang, page=page)
    tile_url = request.app.state.settings.tile_url
    return render(
        request,
        lang,
        "maps/map.html",
        {
            "data": data,
            "labels": labels,
            "colours": service.KIND_COLOURS,
            "tile_url": tile_url,
            "tile_host": urlparse(tile_url.replace("{s}", "a")).netloc if tile_url else "",
        },
    )


@api.get(
    "/zones.geojson",
    response_class=Response,
    responses=export_responses(GEOJSON, json_body=True),
    summary="Published zones as a GeoJSON FeatureCollection (open data)",
    description="Every published zone is a Feature; zones whose location is not published have "
    "`geometry: null` (RFC 7946 §3.2). Located zones are Points (longitude, latitude, WGS 84), "
    "approximate when `location_approximate` is true. Properties in Vietnamese and English, "
    "with the source of each record.",
)
def zones_geojson(request: Request, session: SessionDep):
    db = request.app.state.db
    base_url = request.app.state.settings.base_url

    def chunks():
        with db.session(read_only=True) as s:
            features = service.iter_zone_features(s, base_url=base_url)
            yield from json_array_chunks("features", features, head='"type": "FeatureCollection", ')

    return streamed_response(
        request,
        chunks,
        GEOJSON,
        etag=generation_etag(catalogue_generation(session), "zones.geojson"),
        last_modified=catalogue.last_modified(session),
        headers={"Content-Disposition": 'inline; filename="zones.geojson"'},
    )


@api.get(
    "/plots.geojson",
    response_class=Response,
    responses=export_responses(GEOJSON, json_body=True),
    summary="Plots with a drawn or imported geometry as GeoJSON (open data)",
    description="Only plots (of published zones) whose geometry staff entered; every plot is in plots.csv/json.",
)
def plots_geojson(request: Request, session: SessionDep):
    db, cache = request.app.state.db, request.app.state.export_cache
    generation = catalogue_generation(session)
    modified = cache.last_modified(
        session, "plots", generation, lambda: last_modified([catalogue.plots_modified(session)])
    )

    def build(s):
        features = service.iter_plot_features(s)
        return json_array_chunks("features", features, head='"type": "FeatureCollection", ', encoded=True)

    def chunks():
        with db.session(read_only=True) as s:
            yield from cache.chunks(s, "plots.geojson", lambda: build(s), modified=modified)

    return streamed_response(
        request,
        chunks,
        GEOJSON,
        etag=generation_etag(generation, "plots.geojson"),
        last_modified=modified,
        headers={"Content-Disposition": 'inline; filename="plots.geojson"'},
    )
