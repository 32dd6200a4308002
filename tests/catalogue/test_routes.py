import csv
import io
import re

import pytest

PUBLIC_PAGES = ["/{lang}/", "/{lang}/zones", "/{lang}/zones/kcn-an-nghiep", "/{lang}/sectors", "/{lang}/rules"]


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("page", PUBLIC_PAGES)
def test_public_pages_render_with_hreflang_and_switch(client, lang, page):
    url = page.format(lang=lang)
    response = client.get(url)
    assert response.status_code == 200
    html = response.text
    assert f'<html lang="{lang}">' in html
    other = "en" if lang == "vi" else "vi"
    assert f'hreflang="vi" href="{url.replace("/" + lang + "/", "/vi/", 1)}"' in html
    assert f'hreflang="en" href="{url.replace("/" + lang + "/", "/en/", 1)}"' in html
    assert f'class="lang" href="{url.replace("/" + lang + "/", "/" + other + "/", 1)}"' in html


def test_language_switch_keeps_the_query(client):
    html = client.get("/vi/zones?kind=kcn&sort=name").text
    assert 'href="/en/zones?kind=kcn&amp;sort=name"' in html


@pytest.mark.parametrize(
    ("header", "target"),
    [
        ("en-US,en;q=0.9", "/en/"),
        ("vi-VN,vi;q=0.9,en;q=0.5", "/vi/"),
        ("fr-FR", "/vi/"),
        (None, "/vi/"),
        ("fr;q=1, en;q=0.5", "/en/"),
        ("en;q=0.2, vi;q=0.8", "/vi/"),
    ],
)
def test_root_redirects_by_accept_language(client, header, target):
    headers = {"Accept-Language": header} if header else {}
    response = client.get("/", headers=headers, follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"] == target


def test_zone_list_lists_every_zone_in_both_languages(client):
    vi = client.get("/vi/zones?sort=name").text
    en = client.get("/en/zones?sort=name").text
    assert "21 khu" in vi and "21 zones" in en
    assert "Khu công nghiệp Trần Đề" in vi
    assert "Trần Đề Industrial Park" in en


def test_numbers_are_formatted_per_locale(client):
    assert "1.106" in client.get("/vi/").text
    assert "1,106" in client.get("/en/").text
    assert "1.106\u00a0ha" in client.get("/vi/").text


def test_unknown_values_say_not_published(client):
    assert "chưa công bố" in client.get("/vi/zones/kcn-tran-de").text
    assert "not published" in client.get("/en/zones/kcn-tran-de").text


def test_zone_page_shows_provenance_and_rules(client):
    html = client.get("/en/zones/kcn-an-nghiep").text
    assert "derived" in html and "Resolution 03-NQ/TU (2021)" in html
    assert "1,106 ha (all 5 parks" in html
    # the plant is reported by public pages; the authority has not published its present state
    assert "Public pages report a central wastewater treatment plant here" in html
    assert "wastewater treatment plant is not published" in client.get("/en/zones/kcn-my-thanh").text


def test_bad_filters_are_ignored_with_a_message(client):
    response = client.get("/en/zones?kind=xyz&min_area=abc&kind=kcn")
    assert response.status_code == 200
    assert "were not understood" in response.text
    assert "“xyz”" in response.text
    assert "5 zones" in response.text or "10 zones" in response.text


def test_unknown_slug_is_a_localised_404(client):
    vi = client.get("/vi/zones/khong-co")
    en = client.get("/en/zones/does-not-exist")
    assert vi.status_code == en.status_code == 404
    assert "Không tìm thấy trang" in vi.text
    assert "Page not found" in en.text


def test_unknown_language_prefix_is_404(client):
    assert client.get("/fr/zones").status_code == 404
    assert client.get("/de/").status_code == 404


def test_api_filters_and_provenance(client):
    data = client.get("/api/v1/zones", params={"kind": "kcn", "status": "approved"}).json()
    assert data["total"] == 5
    assert sum(z["total_area_ha"]["value"] for z in data["items"]) == 1106
    an = next(z for z in data["items"] if z["slug"] == "kcn-an-nghiep")
    assert an["total_area_ha"]["provenance"]["derived"] is True
    assert an["leased_ha"]["value"] is None


def test_api_bad_filter_is_422_naming_the_field(client):
    response = client.get("/api/v1/zones", params={"kind": "nope"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "kind"]
    assert client.get("/api/v1/zones", params={"min_area": "-3"}).status_code == 422
    assert client.get("/api/v1/zones", params={"page": "0"}).status_code == 422


def test_api_zone_detail_and_404(client):
    codes = [s["code"] for s in client.get("/api/v1/zones/kkt-tran-de").json()["priority_sectors"]]
    assert codes == ["1020", "3011", "3315", "3512"]  # marine-economy industries and clean energy (III.3)
    missing = client.get("/api/v1/zones/nope")
    assert missing.status_code == 404 and missing.json() == {"detail": "Zone not found"}


def test_exports(client):
    response = client.get("/api/v1/zones.csv")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert len(rows) == 21
    assert next(r for r in rows if r["slug"] == "kcn-my-thanh")["total_area_ha"] == "217.0"
    data = client.get("/api/v1/zones.json").json()
    assert len(data["zones"]) == 21


def test_no_untranslated_english_on_vietnamese_pages(client):
    """Spot check: the navigation and headings are Vietnamese on /vi/."""
    html = client.get("/vi/zones").text
    for english in ("Parks and clusters", "Environmental rules", "Apply filters", "Available land"):
        assert english not in html
    assert re.search(r"Khu, cụm công nghiệp", html)
