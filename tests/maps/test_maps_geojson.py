import json

import geojson
import pytest
from shapely.geometry import shape

from portal.maps.service import geometry_problem
from tests.opendata.factories import locate, make_plot, square


def _validate(text: str) -> dict:
    obj = geojson.loads(text)
    assert obj.is_valid, obj.errors()
    data = json.loads(text)
    assert data["type"] == "FeatureCollection"
    for feature in data["features"]:
        assert feature["type"] == "Feature"
        if feature["geometry"] is not None:
            geom = shape(feature["geometry"])
            assert geom.is_valid and not geom.is_empty
    return data


def test_zones_geojson_is_valid_and_lists_every_published_zone(client):
    response = client.get("/api/v1/zones.geojson")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/geo+json")
    data = _validate(response.text)
    assert len(data["features"]) == 21
    tran_de = next(f for f in data["features"] if f["id"] == "kcn-tran-de")
    # the sources give no coordinates: the park is at its commune's reference point, approximate
    assert tran_de["geometry"] == {"type": "Point", "coordinates": [106.1759, 9.5141]}
    assert tran_de["properties"]["approximate"] is True
    assert tran_de["properties"]["location_source"]["place_vi"] == "Xã Trần Đề (2025)"
    assert tran_de["properties"]["location_source"]["source"].startswith("GEOVN92 code 31673")
    my_thanh = next(f for f in data["features"] if f["id"] == "kcn-my-thanh")
    assert my_thanh["geometry"] is None and my_thanh["properties"]["approximate"] is None  # commune not stated
    props = tran_de["properties"]
    assert props["name_vi"] == "Khu công nghiệp Trần Đề" and props["name_en"] == "Trần Đề Industrial Park"
    assert props["kind_label_vi"] == "Khu công nghiệp (KCN)" and props["kind_label_en"] == "Industrial park (KCN)"
    assert props["total_area_ha"] == 160
    assert props["available_ha"] is None  # not published, never 0
    assert props["source"] == "nq-03-2021" and props["source_ref"] == "III.1"
    assert props["url_en"].endswith("/en/zones/kcn-tran-de")


def test_a_located_zone_is_a_point_lon_lat_with_its_approximation(client, session):
    locate(session, "kcn-tran-de", lat=9.5123, lon=106.1987)
    data = _validate(client.get("/api/v1/zones.geojson").text)
    feature = next(f for f in data["features"] if f["id"] == "kcn-tran-de")
    assert feature["geometry"] == {"type": "Point", "coordinates": [106.1987, 9.5123]}
    point = shape(feature["geometry"])
    assert (point.x, point.y) == (106.1987, 9.5123)
    assert feature["properties"]["location_approximate"] is True
    assert feature["properties"]["location_source"]["source"] == "staff"


def test_every_zone_whose_commune_is_known_has_an_approximate_point_with_its_source(client):
    from portal.places import service as places

    data = _validate(client.get("/api/v1/zones.geojson").text)
    by_slug = {f["id"]: f for f in data["features"]}
    known = [slug for slug, p in places.all_zone_places().items() if p.new]
    assert len(known) >= 8
    for slug in known:
        feature = by_slug[slug]
        assert feature["geometry"]["type"] == "Point", slug
        assert feature["properties"]["approximate"] is True
        assert feature["properties"]["location_source"]["source"]
        assert feature["properties"]["commune_2025_vi"] and feature["properties"]["city_en"] == "Cần Thơ city"


def test_plots_geojson_lists_plots_with_a_valid_geometry_only(client, session):
    make_plot(session, "kcn-tran-de", code="A1", geometry=square())
    make_plot(session, "kcn-tran-de", code="A2")  # no geometry
    make_plot(session, "kcn-tran-de", code="A3", geometry={"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]})
    data = _validate(client.get("/api/v1/plots.geojson").text)
    assert [f["properties"]["code"] for f in data["features"]] == ["A1"]
    assert data["features"][0]["properties"]["zone"] == "kcn-tran-de"
    assert data["features"][0]["properties"]["status_label_vi"] == "Còn trống"


@pytest.mark.parametrize(
    ("geometry", "problem"),
    [
        ("POLYGON((0 0))", "GeoJSON object"),
        ({"type": "Blob", "coordinates": []}, "unknown geometry type"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1]]]}, "at least 4"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}, "not valid"),
        ({"type": "Point", "coordinates": [500, 9]}, "longitude, latitude"),
        ({"type": "Point", "coordinates": ["a", 9]}, "not GeoJSON"),
    ],
)
def test_geometry_problem_names_the_problem(geometry, problem):
    assert problem in (geometry_problem(geometry) or "")


def test_geometry_problem_accepts_good_shapes():
    assert geometry_problem(square()) is None
    assert geometry_problem({"type": "Point", "coordinates": [106.2, 9.5]}) is None
    assert geometry_problem({"type": "Feature", "geometry": square(), "properties": {}}) is None


def test_geojson_exports_answer_304_to_a_matching_etag(client, session):
    first = client.get("/api/v1/zones.geojson")
    etag = first.headers["etag"]
    assert first.headers["last-modified"].endswith("GMT")
    assert client.get("/api/v1/zones.geojson", headers={"If-None-Match": etag}).status_code == 304
    locate(session, "kcn-song-hau")
    changed = client.get("/api/v1/zones.geojson", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
