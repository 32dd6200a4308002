"""Map page (/{lang}/map) and the GeoJSON exports (/api/v1/zones.geojson, /api/v1/plots.geojson)."""

from __future__ import annotations

import json
from urllib.parse import urlparse

from fastapi import APIRouter, Request
from fastapi.responses import Response

from portal.catalogue import labels
from portal.db import SessionDep
from portal.i18n import Lang
from portal.maps import service
from portal.web.caching import cached_response, export_responses, last_modified
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


def _geojson_response(request: Request, collection: dict, rows, filename: str):
    body = json.dumps(collection, ensure_ascii=False)
    return cached_response(
        request,
        body,
        GEOJSON,
        last_modified(r.updated_at for r in rows),
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
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
    collection, zones = service.zones_geojson(session, base_url=request.app.state.settings.base_url)
    return _geojson_response(request, collection, zones, "zones.geojson")


@api.get(
    "/plots.geojson",
    response_class=Response,
    responses=export_responses(GEOJSON, json_body=True),
    summary="Plots with a drawn or imported geometry as GeoJSON (open data)",
    description="Only plots (of published zones) whose geometry staff entered; every plot is in plots.csv/json.",
)
def plots_geojson(request: Request, session: SessionDep):
    collection, plots = service.plots_geojson(session)
    return _geojson_response(request, collection, plots, "plots.geojson")
