"""The 2025 merger: every zone page names Cần Thơ city and the zone's 2025 commune (or says it is not
published), the data agree with the official 2025 units and with the public facts, and search finds a
zone by its old or its new place names."""

from __future__ import annotations

import re

import pytest

from portal import data as refdata
from portal.places import service as places

ZONES = [z["slug"] for z in refdata.load("zones")["zones"]]


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_every_zone_has_a_place_entry():
    assert set(places.all_zone_places()) == set(ZONES)


def test_2025_communes_are_units_of_can_tho_with_their_official_codes():
    from vietnam_provinces import Ward

    for place in places.all_zone_places().values():
        for name, code in zip(place.new, place.new_codes, strict=True):
            ward = Ward.from_code(code)
            assert ward.name == name and int(ward.province_code) == 92, (place.slug, name)


def test_2025_communes_agree_with_the_public_facts_that_state_them():
    facts = refdata.load("public_facts")
    stated = {
        "kcn-an-nghiep": ["Xã An Ninh", "Xã Thuận Hòa", "Phường Sóc Trăng"],
        "kcn-tran-de": ["Xã Trần Đề"],
        "kcn-dai-ngai": ["Xã Đại Ngãi"],
        "ccn-xay-da-b": ["Xã Hồ Đắc Kiện"],
        "ccn-long-duc-1": ["Xã Đại Ngãi"],
    }
    for slug, names in stated.items():
        assert places.zone_place(slug).new == names
        quoted = " ".join(str(f["value"]) for f in facts[slug]["facts"]["location_post_merger"])
        for name in names:  # the research file says the same (spelling of the tone mark aside)
            assert name.split(" ", 1)[1].replace("Hòa", "Hòa") in quoted, (slug, name)


def test_a_zone_without_a_stated_commune_gets_no_point():
    for slug in ("kcn-my-thanh", "ccn-ap-nhi", "kcn-moi-nga-nam", "ccn-an-lac-thon-2"):
        place = places.zone_place(slug)
        assert place.new == [] and place.point is None


def test_points_come_from_the_reference_places_with_their_source():
    ref = {p["name_vi"]: p for p in refdata.load("places")["places"]}
    for place in places.all_zone_places().values():
        if place.point:
            src = ref[place.point.name_vi]
            assert (src["lat"], src["lon"]) == (place.point.lat, place.point.lon)
            assert place.point.source == (src.get("source") or src.get("source_url"))


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_zone_page_names_can_tho_city_and_its_2025_commune_or_says_unpublished(client, lang):
    city = "Thành phố Cần Thơ" if lang == "vi" else "Cần Thơ city"
    for slug in ZONES:
        page = text_of(client.get(f"/{lang}/zones/{slug}").text)
        assert city in page, slug
        place = places.zone_place(slug)
        if place.new:
            assert places.unit_name(place.new[0], lang) in page, slug
        else:
            assert ("xã, phường năm 2025" if lang == "vi" else "2025 commune") in page, slug


def test_an_nghiep_page_gives_old_and_new_units_and_the_authority(client):
    page = text_of(client.get("/en/zones/kcn-an-nghiep").text)
    assert "An Ninh commune, Thuận Hòa commune, Sóc Trăng ward — Cần Thơ city" in page
    assert "An Hiệp commune, Phú Tân commune (Châu Thành district); Ward 7 (Sóc Trăng city)" in page
    assert "Cần Thơ Export Processing and Industrial Zones Authority — press, December 6, 2025" in page
    vi = text_of(client.get("/vi/zones/kcn-an-nghiep").text)
    assert "Xã An Ninh, Xã Thuận Hòa, Phường Sóc Trăng — Thành phố Cần Thơ" in vi


def test_a_cluster_does_not_claim_the_parks_authority(client):
    page = text_of(client.get("/en/zones/ccn-xay-da-b").text)
    assert "Cần Thơ Export Processing and Industrial Zones Authority —" not in page
    assert "authority since 2025" in page


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_home_page_explains_the_merger(client, lang):
    page = text_of(client.get(f"/{lang}/").text)
    assert "202/2025/QH15" in page
    assert ("1/7/2025" if lang == "vi" else "1 July 2025") in page


@pytest.fixture
def indexed(app, client):
    worker = app.state.search_worker
    worker.needs_reindex = True
    worker.drain_now()
    return worker


@pytest.mark.parametrize(
    ("q", "slug"),
    [
        ("Long Đức", "kcn-dai-ngai"),
        ("An Ninh", "kcn-an-nghiep"),
        ("an hiep", "kcn-an-nghiep"),
        ("Hồ Đắc Kiện", "ccn-xay-da-b"),
    ],
)
def test_search_finds_a_zone_by_old_or_new_place_name(indexed, client, q, slug):
    hits = [h["id"] for h in client.get("/api/v1/search", params={"q": q}).json()["hits"]]
    assert f"zone:{slug}" in hits[:5], hits
