"""A plot outline's GeoJSON geometry: checked (`geometry_problem`, for importers and the export) and written as
the plots.geojson export writes it (`geometry_text`), kept beside the geometry at every write of a plot
(`Plot.geometry_text`, filled by the mapper events in catalogue/models.py, by demo data and by migration
0012) so the export concatenates stored text instead of checking every outline with shapely per request.

When the rules of `geometry_problem` change, a migration must refill `plot.geometry_text` (as 0012 does).
"""

from __future__ import annotations

import json
from typing import Any

GEOMETRY_TYPES = {
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
}


def geometry_problem(geometry: Any) -> str | None:
    """Why `geometry` is not a usable GeoJSON geometry (English), or None when it is fine.

    For importers (publishing) as well as the export: refuse a row with a message naming the problem.
    """
    if not isinstance(geometry, dict):
        return "geometry must be a GeoJSON object"
    if geometry.get("type") == "Feature":
        geometry = geometry.get("geometry")
        if not isinstance(geometry, dict):
            return "the Feature has no geometry"
    kind = geometry.get("type")
    if kind not in GEOMETRY_TYPES:
        return f"unknown geometry type {kind!r}"
    import geojson

    try:
        obj = geojson.GeoJSON.to_instance(geometry, strict=True)
    except (ValueError, TypeError, AttributeError, KeyError) as err:
        return f"not GeoJSON: {err}"
    if not obj.is_valid:
        errors = obj.errors()
        return (errors if isinstance(errors, str) else "; ".join(map(str, errors))) or "invalid GeoJSON geometry"
    from shapely.geometry import shape  # only when a geometry is checked

    try:
        shp = shape(geometry)
    except (ValueError, TypeError, AttributeError, KeyError, IndexError) as err:
        return f"not a geometry: {err}"
    if shp.is_empty:
        return "the geometry is empty"
    minx, miny, maxx, maxy = shp.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        return "coordinates must be longitude, latitude in degrees (WGS 84)"
    if not shp.is_valid:
        return "the shape is not valid (e.g. a self-intersecting polygon)"
    return None


def outline(geometry: Any) -> Any:
    """The geometry object a stored value stands for: a Feature's own geometry, else the value itself."""
    if isinstance(geometry, dict) and geometry.get("type") == "Feature":
        return geometry.get("geometry")
    return geometry


def geometry_text(geometry: Any) -> str | None:
    """The plot's geometry (a Feature's geometry member) as plots.geojson writes it (json.dumps,
    ensure_ascii=False), when it is a valid GeoJSON geometry; None when there is none or it is not valid
    (the export leaves such a plot out)."""
    shape_ = outline(geometry)
    if shape_ is None or geometry_problem(shape_) is not None:
        return None
    return json.dumps(shape_, ensure_ascii=False)
