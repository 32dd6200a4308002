"""Zones and plots as GeoJSON (RFC 7946), and the data of the map page.

Decisions:
- `zones.geojson` lists EVERY published zone. A zone with no known location is a Feature with
  `"geometry": null` (RFC 7946 §3.2 allows it), so the file is the whole catalogue and a client can
  tell "no location" from "no zone". Located zones are Points [lon, lat]: where staff set one, that
  point; else the reference point of the zone's commune (data/zone_places.yaml, from
  places-approximate.yaml), always `approximate: true` with the point's source. The sources give
  no zone's exact site.
- `plots.geojson` lists only plots whose geometry staff drew or imported (a plot without a shape adds
  nothing to a map; all plots are in plots.csv/json). A stored geometry that is not valid GeoJSON is
  left out rather than served broken.
- Names and labels come in both languages (`*_vi`, `*_en`); figures are numbers in ha or ratios,
  `null` when not published.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from math import isfinite
from typing import Any

from sqlmodel import Session, col, select

from portal import data as refdata
from portal.catalogue import labels, service
from portal.catalogue.geometry import GEOMETRY_TYPES, geometry_problem, outline  # noqa: F401  (re-exported)
from portal.catalogue.models import Plot, Zone
from portal.catalogue.service import LandFigures
from portal.collation import sort_key
from portal.i18n import LOCALES, translate
from portal.places import service as places

# Marker colours by kind (the legend on the page uses the same values; contrast ≥ 4.5:1 on white).
KIND_COLOURS = {"kcn": "#0b5cad", "ccn": "#a34700", "kkt": "#2d6a2f"}


def plot_geometry(plot: Plot) -> dict | None:
    """The plot's geometry object when it is valid, else None (checked now: `Plot.geometry_text` is the
    same check made when the plot was written)."""
    geometry = outline(plot.geometry)
    if geometry is None or geometry_problem(geometry) is not None:
        return None
    return geometry


def _both(msgid: str | None, name: str) -> dict[str, str | None]:
    return {f"{name}_{lang}": (translate(lang, msgid) if msgid else None) for lang in LOCALES}


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


@dataclass(frozen=True)
class Location:
    lat: float
    lon: float
    approximate: bool
    by_staff: bool
    place_vi: str | None  # the reference place a commune point stands for
    place_en: str | None
    source: str
    confidence: str | None


def location(zone: Zone) -> Location | None:
    """Where the map puts a zone: the staff's point, else its commune's reference point, else nowhere."""
    if zone.lat is not None and zone.lon is not None:
        return Location(zone.lat, zone.lon, bool(zone.location_approximate), True, None, None, "staff", None)
    place = places.zone_place(zone.slug)
    if place is None or place.point is None:
        return None
    p = place.point
    return Location(p.lat, p.lon, True, False, p.name_vi, p.name_en, p.source, p.confidence)


def is_located(zone: Zone) -> bool:
    return location(zone) is not None


def zone_feature(zone: Zone, land: LandFigures, *, base_url: str = "") -> dict:
    where = location(zone)
    geometry = {"type": "Point", "coordinates": [where.lon, where.lat]} if where else None
    place = places.zone_place(zone.slug)
    locality = refdata.localities().get(zone.locality or "", None)
    props: dict[str, Any] = {
        "slug": zone.slug,
        "kind": zone.kind,
        **_both(labels.KIND.get(zone.kind), "kind_label"),
        "name_vi": zone.name_vi,
        "name_en": zone.name_en,
        "status": zone.status,
        **_both(labels.STATUS.get(zone.status), "status_label"),
        "locality": zone.locality,
        "locality_vi": locality["vi"] if locality else zone.locality,
        "locality_en": locality["en"] if locality else zone.locality,
        "total_area_ha": zone.total_area_ha,
        "industrial_land_ha": zone.industrial_land_ha,
        "leased_ha": _round(land.leased_ha),
        "available_ha": _round(land.available_ha),
        "fill_rate": _round(land.fill_rate),
        "approximate": where.approximate if where else None,
        "location_approximate": where.approximate if where else None,
        "location_source": (
            ((zone.facts or {}).get("location") or {"source": "staff"})
            if where and where.by_staff
            else (
                {
                    "source": where.source,
                    "place_vi": where.place_vi,
                    "place_en": where.place_en,
                    "confidence": where.confidence,
                }
                if where
                else None
            )
        ),
        "commune_2025_vi": place.new_label("vi") if place else None,
        "commune_2025_en": place.new_label("en") if place else None,
        "city_vi": places.city_name("vi"),
        "city_en": places.city_name("en"),
        "source": zone.source,
        "source_ref": zone.source_ref,
        "source_title_vi": refdata.source_title(zone.source, "vi"),
        "source_title_en": refdata.source_title(zone.source, "en"),
        "verified_on": zone.verified_on.isoformat() if zone.verified_on else None,
        "marker_colour": KIND_COLOURS.get(zone.kind),
        "url_vi": f"{base_url}/vi/zones/{zone.slug}",
        "url_en": f"{base_url}/en/zones/{zone.slug}",
    }
    return {"type": "Feature", "id": zone.slug, "geometry": geometry, "properties": props}


def iter_zone_features(session: Session, *, base_url: str = "") -> Iterator[dict]:
    """The features of `zones_geojson`, one at a time: a fixed number of queries (the land sums, then the
    zones `batch` rows per round trip), constant memory."""
    land = service.land_sums(session, None)
    for zone in service.iter_zones(session):
        yield zone_feature(zone, land.of(zone), base_url=base_url)


def zones_geojson(session: Session, *, base_url: str = "") -> tuple[dict, list[Zone]]:
    """FeatureCollection of every published zone (and the zones), built whole: `iter_zone_features` is what
    the export streams; this stays as the reference its bytes are tested against."""
    zones = service.all_zones(session)
    land = service.land_figures(session, zones)
    features = [zone_feature(z, land[z.id], base_url=base_url) for z in zones]
    return {"type": "FeatureCollection", "features": features}, zones


def _json(value: Any) -> str:
    """`value` (a column's str, float, int, bool or None) exactly as json.dumps(ensure_ascii=False) writes it."""
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if value is None:
        return "null"
    if kind is float and isfinite(value):
        return float.__repr__(value)
    return json.dumps(value, ensure_ascii=False)


def iter_plot_features(session: Session, *, batch: int = 1000) -> Iterator[str]:
    """The features of `plots_geojson` as JSON text (what json.dumps(feature, ensure_ascii=False) writes),
    one at a time, read `batch` rows per round trip from the columns they show: the geometry is the text
    stored when the plot was written (`Plot.geometry_text`, only for a valid outline), so no outline is
    parsed or checked here; a zone's part of the properties is written once per zone."""
    stmt = (
        select(
            Zone.slug,
            Zone.name_vi,
            Zone.name_en,
            Plot.code,
            Plot.area_ha,
            Plot.status,
            Plot.price_amount,
            Plot.price_currency,
            Plot.price_unit,
            Plot.source,
            Plot.source_ref,
            Plot.verified_on,
            Plot.geometry_text,
        )
        .join(Zone, col(Zone.id) == Plot.zone_id)
        .where(Zone.published == True, col(Plot.geometry_text).is_not(None))  # noqa: E712
        .order_by(Zone.slug, Plot.code)
    )
    no_label = _both(None, "status_label")
    status_labels = {key: _both(msgid, "status_label") for key, msgid in labels.PLOT_STATUS.items()}
    after_status: dict[str, str] = {}  # status → its labels and the key after them
    zone_slug, zone_props = None, ""
    enc = _json
    rows = session.connection().execute(stmt.execution_options(yield_per=batch))  # Core rows: plain tuples
    for slug, name_vi, name_en, code, area, status, price, currency, unit, source, ref, verified, text in rows:
        if slug != zone_slug:
            zone_slug = slug
            zone_props = f'"zone": {enc(slug)}, "zone_name_vi": {enc(name_vi)}, '
            zone_props += f'"zone_name_en": {enc(name_en)}, "code": '
        labels_text = after_status.get(status)
        if labels_text is None:
            names = status_labels.get(status, no_label)
            labels_text = "".join(f", {enc(k)}: {enc(v)}" for k, v in names.items()) + ', "price_amount": '
            after_status[status] = labels_text
        yield "".join(
            (
                '{"type": "Feature", "id": ',
                enc(f"{slug}/{code}"),
                ', "geometry": ',
                text,
                ', "properties": {',
                zone_props,
                enc(code),
                ', "area_ha": ',
                enc(area),
                ', "status": ',
                enc(status),
                labels_text,
                enc(price),
                ', "price_currency": ',
                enc(currency),
                ', "price_unit": ',
                enc(unit),
                ', "source": ',
                enc(source),
                ', "source_ref": ',
                enc(ref),
                ', "verified_on": ',
                enc(verified.isoformat()) if verified is not None else "null",
                "}}",
            )
        )


def plots_geojson(session: Session) -> tuple[dict, list[Plot]]:
    """FeatureCollection of the plots (of published zones) that have a valid geometry, built whole and
    checked now: `iter_plot_features` is what the export streams; this stays as the reference its bytes
    are tested against."""
    rows = session.exec(
        select(Plot, Zone)
        .join(Zone, col(Zone.id) == Plot.zone_id)
        .where(Zone.published == True, col(Plot.geometry).is_not(None))  # noqa: E712
        .order_by(Zone.slug, Plot.code)
    ).all()
    features, plots = [], []
    for plot, zone in rows:
        geometry = plot_geometry(plot)
        if geometry is None:
            continue
        plots.append(plot)
        features.append(
            {
                "type": "Feature",
                "id": f"{zone.slug}/{plot.code}",
                "geometry": geometry,
                "properties": {
                    "zone": zone.slug,
                    "zone_name_vi": zone.name_vi,
                    "zone_name_en": zone.name_en,
                    "code": plot.code,
                    "area_ha": plot.area_ha,
                    "status": plot.status,
                    **_both(labels.PLOT_STATUS.get(plot.status), "status_label"),
                    "price_amount": plot.price_amount,
                    "price_currency": plot.price_currency,
                    "price_unit": plot.price_unit,
                    "source": plot.source,
                    "source_ref": plot.source_ref,
                    "verified_on": plot.verified_on.isoformat() if plot.verified_on else None,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}, plots


#: zones per page of the map (its markers and its tables): the page stays small at any catalogue size
MAP_PAGE = 50


@dataclass
class MapData:
    located: list[Zone]
    unlocated: list[Zone]
    land: dict[int, LandFigures]
    locations: dict[int, Location] = field(default_factory=dict)
    reference: list = field(default_factory=list)  # [(key, places.Point)]
    page: int = 1
    pages: int = 1
    total: int = 0

    @property
    def kinds(self) -> list[str]:
        """Kinds present among the located zones, in legend order."""
        present = {z.kind for z in self.located}
        return [k for k in KIND_COLOURS if k in present]


def map_data(session: Session, *, lang: str, page: int = 1) -> MapData:
    """One page of zones (by kind, then name in the language's collation): only the columns the order
    needs are read for every zone; the page's zones are loaded whole."""

    def build(s: Session) -> tuple[int, ...]:
        names = (
            select(Zone.id, Zone.kind, getattr(Zone, f"name_{lang}"))
            .where(Zone.published == True)  # noqa: E712
            .order_by(Zone.kind, Zone.slug)
        )
        return tuple(r.id for r in sorted(s.exec(names).all(), key=lambda r: (r.kind, sort_key(r[2], lang))))

    # every zone's place in the order, kept per catalogue generation in a request's (read-only) session
    read_only = session.info.get("read_only")
    ordered = service.per_generation(session, f"maps.order.{lang}", build) if read_only else build(session)
    pages = max((len(ordered) + MAP_PAGE - 1) // MAP_PAGE, 1)
    page = min(max(page, 1), pages)
    ids = list(ordered[(page - 1) * MAP_PAGE : page * MAP_PAGE])
    by_id = {z.id: z for z in session.exec(select(Zone).where(col(Zone.id).in_(ids))).all()} if ids else {}
    zones = [by_id[i] for i in ids]
    land = service.land_figures(session, zones)
    where = {z.id: loc for z in zones if (loc := location(z)) is not None}
    return MapData(
        [z for z in zones if z.id in where],
        [z for z in zones if z.id not in where],
        land,
        where,
        places.reference_places(),
        page,
        pages,
        len(ordered),
    )
