import csv
import io
import json
import re
from urllib.robotparser import RobotFileParser
from xml.etree import ElementTree

import pytest

from portal.opendata import service
from portal.web.caching import etag_for
from tests.opendata.factories import at, make_plot, make_project, square

EXPORTS = [
    "/api/v1/zones.geojson",
    "/api/v1/plots.csv",
    "/api/v1/plots.json",
    "/api/v1/plots.geojson",
    "/api/v1/sectors.csv",
    "/api/v1/sectors.json",
    "/api/v1/registry.csv",
    "/api/v1/registry.json",
]


def _csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_open_data_page_documents_every_export_and_the_licence(client, lang):
    html = client.get(f"/{lang}/open-data").text
    assert "Creative Commons Attribution 4.0 International (CC BY 4.0)" in html
    assert 'rel="license"' in html
    for export in service.EXPORTS:
        section = html[html.index(f'id="{export.key}"') :]
        section = section[: section.index("</section>")]
        for _fmt, url in export.formats:
            assert f'href="{url}"' in section
        for column in export.columns:
            assert f"<code>{column.name}</code>" in section
    assert ("Từ điển dữ liệu" if lang == "vi" else "Data dictionary") in html


@pytest.mark.parametrize(
    ("url", "columns"),
    [
        ("/api/v1/zones.csv", [c.name for c in service.ZONE_DICT]),
        ("/api/v1/plots.csv", [c.name for c in service.PLOT_DICT]),
        ("/api/v1/sectors.csv", [c.name for c in service.SECTOR_DICT]),
        ("/api/v1/registry.csv", [c.name for c in service.REGISTRY_DICT]),
    ],
)
def test_the_dictionary_matches_the_csv_header(client, url, columns):
    header = client.get(url).text.lstrip("\ufeff").splitlines()[0].split(",")
    assert header == columns


def test_plots_export_lists_plots_of_published_zones(client, session):
    make_plot(session, "kcn-tran-de", code="B2", area_ha=2.5, status="leased", geometry=square())
    make_plot(session, "kcn-tran-de", code='=HYPERLINK("x")', area_ha=1.0)
    rows = _csv(client.get("/api/v1/plots.csv").text)
    assert {r["code"] for r in rows} == {"B2", '\'=HYPERLINK("x")'}  # formula neutralised
    b2 = next(r for r in rows if r["code"] == "B2")
    assert b2["zone"] == "kcn-tran-de" and b2["area_ha"] == "2.5" and b2["has_geometry"] == "True"
    data = client.get("/api/v1/plots.json").json()["plots"]
    assert next(p for p in data if p["code"] == "B2")["geometry"]["type"] == "Polygon"


def test_sectors_export(client):
    rows = _csv(client.get("/api/v1/sectors.csv").text)
    fish = next(r for r in rows if r["code"] == "1020")
    # the class's own source (Decision 36/2025's list) first, then the resolution that makes it a priority
    assert fish["priority"] == "True" and fish["sources"] == "vsic-2025 1020 | nq-cn-2020-2025 II.2.1"
    data = client.get("/api/v1/sectors.json").json()["sectors"]
    assert len(data) == 495
    sources = next(s for s in data if s["code"] == "1020")["sources"]
    assert [s["source"] for s in sources] == ["vsic-2025", "nq-cn-2020-2025"]


def test_registry_export_has_published_projects_only(client, session):
    shown = make_project(session, "kcn-tran-de", jobs=250, investor_name="@Acme", name_en="Fish plant")
    make_project(session, "kcn-tran-de", jobs=999, published=False, name_en="Secret draft")
    rows = _csv(client.get("/api/v1/registry.csv").text)
    assert [r["name_en"] for r in rows] == ["Fish plant"]
    assert rows[0]["investor_name"] == "'@Acme" and rows[0]["jobs"] == "250" and rows[0]["zone"] == "kcn-tran-de"
    data = client.get("/api/v1/registry.json").json()["projects"]
    assert [p["id"] for p in data] == [shown.id]
    assert "Secret draft" not in client.get("/api/v1/registry.json").text


@pytest.mark.parametrize("url", EXPORTS)
def test_exports_have_etag_and_answer_304(client, url):
    first = client.get(url)
    assert first.status_code == 200
    etag = first.headers["etag"]
    # a strong ETag: the body's hash, or (streamed and catalogue exports) the catalogue generation's
    assert etag == etag_for(first.content) or re.fullmatch(r'"g\d+-[0-9a-f]{12}"', etag), etag
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    assert client.get(url, headers={"If-None-Match": f'"x", W/{etag}'}).status_code == 304


def test_last_modified_is_the_newest_row_and_if_modified_since_works(client, session):
    make_plot(session, "kcn-tran-de", code="C1", updated_at=at(2024, 3, 1))
    make_plot(session, "kcn-tran-de", code="C2", updated_at=at(2025, 6, 30))
    response = client.get("/api/v1/plots.csv")
    assert response.headers["last-modified"] == "Mon, 30 Jun 2025 12:00:00 GMT"
    since = client.get("/api/v1/plots.csv", headers={"If-Modified-Since": "Tue, 01 Jul 2025 00:00:00 GMT"})
    assert since.status_code == 304
    older = client.get("/api/v1/plots.csv", headers={"If-Modified-Since": "Sun, 01 Jun 2025 00:00:00 GMT"})
    assert older.status_code == 200
    project = make_project(session, "kcn-tran-de", updated_at=at(2026, 2, 3))
    assert client.get("/api/v1/registry.json").headers["last-modified"] == "Tue, 03 Feb 2026 12:00:00 GMT"
    assert project.id


def test_sitemap_lists_every_public_page_in_both_languages_with_hreflang(client):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/xml")
    root = ElementTree.fromstring(response.content)  # noqa: S314 - our own output
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    urls = root.findall("s:url", ns)
    locs = {u.find("s:loc", ns).text for u in urls}
    base = "http://127.0.0.1:8000"
    for path in [
        "/",
        "/zones",
        "/zones/kcn-tran-de",
        "/map",
        "/compare",
        "/targets",
        "/open-data",
        "/registry",
        "/sectors",
        "/rules",
        "/precheck",
        "/match",
        "/proposals/new",
        "/search",
    ]:
        assert f"{base}/vi{path}" in locs and f"{base}/en{path}" in locs
    sector_pages = [loc for loc in locs if "/sectors/" in loc]  # the sectors with something to say
    assert f"{base}/en/sectors/1020" in locs and len(sector_pages) == 2 * 9  # 7 province-wide + 2 named by a zone
    assert len(urls) == 2 * (len(service.STATIC_PAGES) + 21 + 9)
    for url in urls:
        links = {link.get("hreflang"): link.get("href") for link in url.findall("x:link", ns)}
        assert set(links) == {"vi", "en", "x-default"}
        assert url.find("s:loc", ns).text in (links["vi"], links["en"])
    assert not any("/staff" in loc or "/review" in loc or "/proposals/status" in loc for loc in locs)


def test_robots_keeps_staff_review_and_tracking_out_but_lets_exports_in(client):
    text = client.get("/robots.txt").text
    assert "Sitemap: http://127.0.0.1:8000/sitemap.xml" in text
    parser = RobotFileParser()
    parser.parse(text.splitlines())
    for lang in ("vi", "en"):
        for path in ("staff/login", "review/cases/1", "admin/users", "proposals/status/abc123"):
            assert not parser.can_fetch("*", f"/{lang}/{path}")
        for path in ("", "zones", "zones/kcn-tran-de", "map", "open-data"):
            assert parser.can_fetch("*", f"/{lang}/{path}")
    assert not parser.can_fetch("*", "/api/v1/zones")
    for url in [*EXPORTS, "/api/v1/zones.csv", "/api/v1/zones.json"]:
        assert parser.can_fetch("*", url), url


def test_export_json_is_utf8_and_parses(client):
    body = client.get("/api/v1/sectors.json").content
    assert "Chế biến".encode() in body
    assert json.loads(body)["sectors"]
    assert re.match(rb"\xef\xbb\xbfcode,", client.get("/api/v1/sectors.csv").content)


def test_favicon_is_no_content_not_a_redirect_to_a_404(client):
    response = client.get("/favicon.ico", follow_redirects=False)
    assert response.status_code == 204 and response.content == b""


@pytest.mark.parametrize("url", ["/api/v1/plots.csv", "/api/v1/plots.json", "/api/v1/plots.geojson"])
def test_a_plot_change_moves_the_export_etag(client, session, url):
    etag = client.get(url).headers["etag"]
    make_plot(session, code="ETAG-1")
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag


def test_plot_exports_stream_the_same_bytes_as_a_whole_body(client, db):
    """Streamed (no Content-Length: never built whole in memory) and byte for byte what json.dumps and the
    CSV writer give for the same rows."""
    from portal.catalogue.demo import add_synthetic
    from portal.events import public_data_changed
    from portal.opendata.routes import csv_body

    with db.write() as w:
        add_synthetic(w, zones=30, plots=2500)
        public_data_changed(w, ["catalogue:test"])
    with db.session() as s:
        rows, _stamps = service.list_plots(s)
    as_json = client.get("/api/v1/plots.json")
    assert "content-length" not in as_json.headers
    assert as_json.text == json.dumps({"plots": rows}, ensure_ascii=False)
    as_csv = client.get("/api/v1/plots.csv")
    assert "content-length" not in as_csv.headers
    assert as_csv.text == csv_body(service.PLOT_COLUMNS, rows)
    assert len(as_csv.text.splitlines()) == len(rows) + 1 > 2500
    from portal.maps import service as maps

    with db.session() as s:
        collection, _plots = maps.plots_geojson(s)
    as_geojson = client.get("/api/v1/plots.geojson")
    assert "content-length" not in as_geojson.headers
    assert as_geojson.text == json.dumps(collection, ensure_ascii=False)


def test_zone_exports_stream_the_same_bytes_as_the_whole_bodies_they_replace(client, db, session):
    """zones.csv, zones.json and zones.geojson stream (no Content-Length) and give, byte for byte, what the
    whole-body builds gave: all_zones + _public_list (land, sectors, parents by bounded id lists) + csv/json.
    Seeded zones (with parents and a registry project's leased land) and 120 synthetic ones: more zones than
    one `IN` list, more than one CSV chunk."""
    from portal.catalogue import service as catalogue
    from portal.catalogue.demo import add_synthetic
    from portal.catalogue.present import zone_public
    from portal.events import public_data_changed
    from portal.maps import service as maps
    from portal.spreadsheets import csv_text
    from portal.zonepages.routes import EXPORT_COLUMNS, export_rows

    make_project(session, "kcn-tran-de")
    with db.write() as w:
        add_synthetic(w, zones=450, plots=2000)
        public_data_changed(w, ["catalogue:test"])
    base = client.app.state.settings.base_url
    with db.session() as s:
        zones = catalogue.all_zones(s)
        land = catalogue.land_figures(s, zones)
        sectors = catalogue.zone_sectors(s, [z.id for z in zones])
        slugs = catalogue.parent_slugs(s, zones)
        items = [
            zone_public(z, land[z.id], sectors[z.id], parent_slug=slugs.get(z.parent_id), base_url=base) for z in zones
        ]
        collection, _zones = maps.zones_geojson(s, base_url=base)
    assert any(i.parent for i in items) and any(i.priority_sectors for i in items) and len(items) > 450
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in export_rows(items):
        writer.writerow({k: csv_text(v) for k, v in row.items()})
    expected = {
        "/api/v1/zones.csv": "\ufeff" + buf.getvalue(),
        "/api/v1/zones.json": json.dumps({"zones": [i.model_dump(mode="json") for i in items]}, ensure_ascii=False),
        "/api/v1/zones.geojson": json.dumps(collection, ensure_ascii=False),
    }
    for url, body in expected.items():
        response = client.get(url)
        assert response.status_code == 200
        assert "content-length" not in response.headers, url  # streamed
        assert response.content == body.encode("utf-8"), url
        again = client.get(url, headers={"If-None-Match": response.headers["etag"]})
        assert again.status_code == 304 and again.content == b""


def test_plots_geojson_from_stored_text_is_the_checked_whole_body(client, db, session):
    """plots.geojson concatenates each plot's stored geometry text (set when it was written): byte for byte the
    collection built by checking every outline now, with outlines left out for being invalid, outlines
    wrapped in a Feature, non-ASCII text, prices, a verification date and every plot status."""
    from datetime import date

    from portal.catalogue.demo import add_synthetic
    from portal.events import public_data_changed
    from portal.maps import service as maps
    from tests.test_migration_0012 import CASES

    for n, (geometry, _text) in enumerate(CASES.values()):
        make_plot(session, code=f"GJ-{n}", geometry=geometry, status=["available", "reserved", "leased"][n % 3])
    make_plot(
        session,
        code="GJ-Ư",
        geometry=square(),
        price_amount=55.5,
        price_currency="USD",
        price_unit="m2_year",
        verified_on=date(2026, 3, 4),
        source_ref='lô "A" — Sóc Trăng',
    )
    with db.write() as w:
        add_synthetic(w, zones=40, plots=1500)
        public_data_changed(w, ["catalogue:test"])
    with db.session() as s:
        collection, _plots = maps.plots_geojson(s)
    ids = {f["id"] for f in collection["features"]}
    assert "kcn-tran-de/GJ-0" in ids and "kcn-tran-de/GJ-2" not in ids and "kcn-tran-de/GJ-Ư" in ids
    response = client.get("/api/v1/plots.geojson")
    assert "content-length" not in response.headers
    assert response.content == json.dumps(collection, ensure_ascii=False).encode("utf-8")
