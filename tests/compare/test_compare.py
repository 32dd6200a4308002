import re

import pytest

from portal.compare.service import check, parse_slugs
from tests.opendata.factories import locate, update_zone

TWO = "kcn-tran-de,kcn-song-hau"
FOUR = "kcn-tran-de,kcn-song-hau,kcn-dai-ngai,ccn-nga-nam"


def test_parse_slugs_drops_blanks_and_keeps_order():
    assert parse_slugs(" a, b,,c ,") == ["a", "b", "c"]
    assert parse_slugs(None) == [] and parse_slugs("") == []


def test_check_names_every_problem():
    codes = [p.code for p in check(["a", "a", "b", "c", "d", "e"], known={"a", "b", "c", "d"})]
    assert codes == ["duplicate", "unknown", "too_many"]
    assert [p.code for p in check(["a"], known={"a"})] == ["too_few"]
    assert check(["a", "b"], known={"a", "b"}) == []


@pytest.mark.parametrize("zones", [TWO, "kcn-tran-de,kcn-song-hau,kcn-dai-ngai", FOUR])
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_two_to_four_zones_compare_side_by_side(client, zones, lang):
    response = client.get(f"/{lang}/compare?zones={zones}")
    assert response.status_code == 200
    html = response.text
    header = html[html.index("<thead>") : html.index("</thead>")]
    assert header.count('<th scope="col">') == len(zones.split(",")) + 1
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    total = len(ROWS)
    hidden = html[html.index('id="compare-hidden"') :].split("</p>")[0]
    named = hidden.count('<span class="row-name">')  # the rows no source gives for any of these zones, named once
    assert body.count("<tr") == total - named and named >= 3
    assert ("Phone" if lang == "en" else "Điện thoại") in hidden
    visible = re.sub(r'<span class="visually-hidden">[^<]*</span>', "", body)
    assert ("not published" if lang == "en" else "chưa công bố") not in visible  # said once, not per cell
    assert '<span class="unknown">—' in body
    every = client.get(f"/{lang}/compare?zones={zones}&rows=all").text
    assert every[every.index("<tbody>") : every.index("</tbody>")].count("<tr") == total


ROWS = [
    "kind",
    "status",
    "commune_2025",
    "locality",
    "authority",
    "total_area_ha",
    "public_area",
    "public_occupancy",
    "public_wwtp",
    "public_developer",
    "industrial_land_ha",
    "leased_ha",
    "available_ha",
    "fill_rate",
    "wastewater_status",
    "wastewater_capacity",
    "priority_sectors",
    "location",
    "infrastructure",
    "contact_org",
    "contact_phone",
    "contact_email",
    "source",
    "verified_on",
]


def test_the_comparison_has_these_rows(session):
    from portal.compare.service import compare

    assert [r.key for r in compare(session, slugs=TWO.split(",")).rows] == ROWS


def test_differences_are_highlighted_with_text_for_screen_readers(client, session):
    update_zone(session, "kcn-tran-de", contact_phone="0299 000 000")
    update_zone(session, "kcn-song-hau", contact_phone="0299 000 000")
    html = client.get(f"/en/compare?zones={TWO}&rows=all").text
    rows = {label.strip(): cls for cls, label in re.findall(r'<tr( class="differs")?>\s*<th scope="row">([^<]+)', html)}
    assert len(rows) == len(ROWS)
    assert rows["Total area"] == ' class="differs"'  # 160 vs 286
    assert rows["Type"] == ""  # both industrial parks
    assert rows["Phone"] == ""  # the same number
    assert rows["District before 2025"] == ' class="differs"'  # not published vs Kế Sách
    assert rows["Location since 1 July 2025"] == ' class="differs"'  # xã Trần Đề vs xã An Lạc Thôn
    assert html.count('<span class="visually-hidden"> (differs)</span>') == list(rows.values()).count(
        ' class="differs"'
    )
    vi = client.get(f"/vi/compare?zones={TWO}").text
    assert "(khác nhau)" in vi


def test_compare_shows_location_when_known(client, session):
    locate(session, "kcn-song-hau", lat=9.9, lon=105.9)
    html = client.get(f"/en/compare?zones={TWO}").text
    assert "9.9; 105.9 (approximate)" in html


@pytest.mark.parametrize(
    ("zones", "vi", "en"),
    [
        (
            "kcn-tran-de",
            "Hãy chọn ít nhất 2 khu để so sánh; mới chọn 1 khu.",
            "Choose at least 2 zones to compare; 1 chosen.",
        ),
        (
            FOUR + ",ccn-xay-da-b",
            "Chỉ so sánh được tối đa 4 khu; đã chọn 5 khu.",
            "Choose at most 4 zones to compare; 5 chosen.",
        ),
        (
            "kcn-tran-de,khong-co",
            "Không có khu nào đã công bố mang mã này: khong-co.",
            "No published zone has this identifier: khong-co.",
        ),
        (
            "kcn-tran-de,kcn-song-hau,kcn-tran-de",
            "Được chọn nhiều lần: kcn-tran-de.",
            "Listed more than once: kcn-tran-de.",
        ),
    ],
)
def test_bad_lists_are_400_with_the_problem_named_in_both_languages(client, zones, vi, en):
    for lang, message in (("vi", vi), ("en", en)):
        response = client.get(f"/{lang}/compare?zones={zones}")
        assert response.status_code == 400
        assert message in response.text
        assert 'role="alert"' in response.text
        assert 'id="choose-title"' in response.text  # the picker is there to fix it


@pytest.mark.parametrize(
    ("zones", "code", "slugs"),
    [
        ("kcn-tran-de", "too_few", []),
        (FOUR + ",ccn-xay-da-b", "too_many", []),
        ("kcn-tran-de,nope", "unknown", ["nope"]),
        ("kcn-tran-de,kcn-tran-de", "duplicate", ["kcn-tran-de"]),
    ],
)
def test_api_refuses_bad_lists_with_400_naming_the_problem(client, zones, code, slugs):
    response = client.get(f"/api/v1/compare?zones={zones}")
    assert response.status_code == 400
    problems = response.json()["detail"]
    assert code in [p["type"] for p in problems]
    problem = next(p for p in problems if p["type"] == code)
    assert problem["loc"] == ["query", "zones"] and problem["slugs"] == slugs and problem["msg"]


def test_api_compares_and_names_differing_fields(client):
    data = client.get(f"/api/v1/compare?zones={TWO}").json()
    assert [z["slug"] for z in data["zones"]] == ["kcn-tran-de", "kcn-song-hau"]
    assert "total_area_ha" in data["differing_fields"] and "kind" not in data["differing_fields"]
    assert data["url_en"].endswith(f"/en/compare?zones={TWO}")


def test_unpublished_zone_is_unknown(client, session):
    update_zone(session, "kcn-song-hau", published=False)
    assert client.get(f"/en/compare?zones={TWO}").status_code == 400


def test_picking_builds_a_stable_url_without_javascript(client):
    first = client.get("/en/compare?add=kcn-tran-de")  # from a zone page: one zone, no error yet
    assert first.status_code == 200 and "Choose at least one more zone." in first.text
    assert 'name="pick" value="kcn-tran-de"' in first.text
    second = client.get("/en/compare?pick=kcn-tran-de&add=kcn-song-hau", follow_redirects=False)
    assert second.status_code == 303 and second.headers["location"] == f"/en/compare?zones={TWO}"
    page = client.get(second.headers["location"]).text
    assert f"http://127.0.0.1:8000/en/compare?zones={TWO}" in page  # the link to share
    assert 'href="/en/compare?pick=kcn-song-hau"' in page  # removing one leaves a pick list
    assert client.get(f"/en/compare?pick={FOUR}&add=ccn-xay-da-b").status_code == 400


def test_landing_page_offers_the_picker(client):
    response = client.get("/vi/compare")
    assert response.status_code == 200 and 'name="add"' in response.text and "Chưa chọn khu nào." in response.text


def test_compare_link_macro(app):
    from portal.web.render import environment

    macro = environment("en").get_template("compare/macros.html").module.compare_link
    assert 'href="/en/compare?add=kcn-tran-de"' in str(macro("kcn-tran-de", ""))
    assert 'href="/en/compare?pick=kcn-song-hau&amp;add=kcn-tran-de"' in str(macro("kcn-tran-de", "kcn-song-hau"))
    assert "In the comparison" in str(macro("kcn-tran-de", ["kcn-tran-de"]))
    assert "full" in str(macro("x", FOUR)) and "href" not in str(macro("x", FOUR))
