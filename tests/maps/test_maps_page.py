import re

import pytest

from portal.places import service as places
from tests.opendata.factories import locate, update_zone


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("vi", "Chưa có khu nào được công bố vị trí"),
        ("en", "No zone has a published location yet."),
    ],
)
def test_without_located_zones_the_page_is_a_list_with_a_message(client, session, lang, message):
    # no coordinates at all: hide every zone whose commune gives a point
    hidden = [slug for slug, p in places.all_zone_places().items() if p.point]
    for slug in hidden:
        update_zone(session, slug, published=False)
    html = client.get(f"/{lang}/map").text
    assert message in html
    assert 'id="map"' not in html and "leaflet.js" not in html  # no empty box, no script
    assert html.count('<th scope="row">') == 21 - len(hidden) > 0  # every published zone listed
    assert ("location not published" if lang == "en" else "chưa công bố vị trí") in html


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_zones_without_staff_coordinates_are_at_their_commune_point_marked_approximate(client, lang):
    html = client.get(f"/{lang}/map").text
    assert 'id="map"' in html
    point = places.zone_place("kcn-dai-ngai").point
    marker = re.search(
        rf'<li data-slug="kcn-dai-ngai" data-kind="kcn" data-lat="{point.lat}" data-lon="{point.lon}" '
        r'data-colour="#[0-9a-f]{6}" data-label="[^"]+" data-approximate="1">',
        html,
    )
    assert marker
    popup = html[marker.end() : html.index("</li>", marker.end())]
    place = point.name_vi if lang == "vi" else point.name_en
    assert ("gần đúng: một điểm trong " if lang == "vi" else "approximate: a point in ") + place in popup
    # the reference places are drawn and listed, without a tile server
    refs = html[html.index('id="map-places"') :]
    for name in ("Cảng Trần Đề", "TP Sóc Trăng (cũ)") if lang == "vi" else ("Trần Đề port", "Sóc Trăng (former city)"):
        assert name in refs
    assert "data-tile-url" not in html


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_located_zone_gets_marker_data_and_the_rest_are_listed_beside(client, session, lang):
    locate(session, "kcn-song-hau", lat=9.9876, lon=105.9012)
    html = client.get(f"/{lang}/map").text
    assert 'id="map"' in html
    assert "/static/vendor/leaflet/leaflet.js" in html and "/static/js/map.js" in html
    marker = re.search(
        r'<li data-slug="kcn-song-hau" data-kind="kcn" data-lat="9.9876" data-lon="105.9012" '
        r'data-colour="#[0-9a-f]{6}" data-label="[^"]+" data-approximate="1">',
        html,
    )
    assert marker
    popup = html[marker.end() : html.index("</li>", marker.end())]
    assert ("Sông Hậu Industrial Park" if lang == "en" else "Khu công nghiệp Sông Hậu") in popup
    assert "286\u00a0ha" in popup
    assert 'id="unlocated-title"' in html
    aside = html[html.index('id="unlocated-title"') :]
    assert "kcn-my-thanh" in aside and "kcn-song-hau" not in aside and 'zones/kcn-tran-de"' not in aside
    assert "9,9876" in html if lang == "vi" else "9.9876" in html


def test_no_tile_layer_and_no_external_url_without_a_tile_setting(client, session):
    locate(session, "kcn-song-hau")
    html = client.get("/en/map").text
    assert "data-tile-url" not in html
    assert not re.search(r'(src|href)="https?://(?!127\.0\.0\.1)', html.replace('href="http://creativecommons', ""))


def test_tile_url_is_passed_to_the_script_when_set(app, client, session):
    app.state.settings.tile_url = "https://tiles.example.org/{z}/{x}/{y}.png"
    locate(session, "kcn-song-hau")
    html = client.get("/vi/map").text
    assert 'data-tile-url="https://tiles.example.org/{z}/{x}/{y}.png"' in html
    assert "tiles.example.org" in html


def test_map_script_and_leaflet_are_served_locally(client):
    assert client.get("/static/vendor/leaflet/leaflet.js").status_code == 200
    assert client.get("/static/vendor/leaflet/leaflet.css").status_code == 200
    script = client.get("/static/js/map.js").text
    assert "http" not in script  # no CDN, no hard-coded URL
    assert not re.search(r'"[A-Z][a-z]+ [a-z]+', script)  # no English sentence in the script


def test_zone_editor_has_a_map_to_click_opened_at_the_commune_point(client, session):
    from tests.factories import login

    login(client, session, roles=["staff"])
    html = client.get("/en/staff/zones/kcn-dai-ngai/edit").text
    point = places.zone_place("kcn-dai-ngai").point
    assert 'id="locate-map" class="locate-map" hidden role="application"' in html
    assert f'data-lat="{point.lat}" data-lon="{point.lon}"' in html
    assert "/static/js/locate.js" in html and 'id="f-lat"' in html and 'id="f-lon"' in html
    script = client.get("/static/js/locate.js").text
    assert "http" not in script and "toFixed(5)" in script


@pytest.mark.parametrize("lang, words", [("vi", "chưa công bố"), ("en", "not published")])
def test_the_zone_table_says_not_published_once_and_scrolls_in_its_box(client, lang, words):
    text = client.get(f"/{lang}/map").text
    tables = re.findall(
        r'<div class="table-scroll">\s*<table class="zones">(.*?)</table>\s*</div>\s*<p class="small">(.*?)</p>',
        text,
        re.S,
    )
    assert tables, "the zone table is not in its scroll box with its note"
    for body, note in tables:
        assert words not in body and '<span class="unknown">—</span>' in body  # a dash in the cells
        assert note == f"“—”: {words}."  # said once, under the table
