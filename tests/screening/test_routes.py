"""The public pre-check: POST /api/v1/screening and the /{lang}/precheck form (nothing stored)."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from portal.catalogue.models import Zone
from tests.conftest import count_rows
from tests.intake.factories import facts


def set_plant(session, slug: str, state: str | None) -> None:
    zone = session.exec(select(Zone).where(Zone.slug == slug)).one()
    zone.wastewater_status = state
    session.add(zone)
    session.commit()


def rules(body: dict) -> list[str]:
    return [f["rule"] for f in body["findings"]]


def test_dyeing_with_standard_technology_is_refused_citing_iv7(client):
    r = client.post("/api/v1/screening", json=facts(technology_level="standard"))
    assert r.status_code == 200
    body = r.json()
    assert body["verdict"] == "refuse"
    refused = [f for f in body["findings"] if f["outcome"] == "refuse"]
    assert "sensitive-sector-refused" in rules(body)
    assert all(f["citation"]["section"] == "IV.7" for f in refused)
    assert body["ruleset"]["id"] == "resolution-03-iv7" and body["ruleset"]["version"]
    assert set(body["findings"][0]) == {"rule", "outcome", "title", "message", "citation"}


def test_dyeing_with_high_technology_treatment_and_measures_is_conditional(client, session):
    set_plant(session, "kcn-an-nghiep", "working")
    r = client.post("/api/v1/screening", json=facts())
    assert r.status_code == 200
    body = r.json()
    assert body["verdict"] == "conditional"
    assert "sensitive-sector-conditional" in rules(body)
    assert "sensitive-sector-refused" not in rules(body)


def test_unpublished_plant_state_is_for_the_zone_to_confirm(client):
    """The seed publishes no wastewater plant state: an advisory "to be confirmed by the zone", not a
    downgrade to needs_information (issue 12)."""
    body = client.post("/api/v1/screening", json=facts()).json()
    unknown = next(f for f in body["findings"] if f["rule"] == "zone-wastewater-plant-unknown")
    assert unknown["outcome"] == "advisory"
    assert "sensitive-sector-conditional" in rules(body)
    assert body["verdict"] != "needs_information" or "classification-needs-facts" in rules(body)


def test_plant_not_working_is_conditional_on_connection(client, session):
    set_plant(session, "kcn-an-nghiep", "building")
    body = client.post("/api/v1/screening", json=facts()).json()
    finding = next(f for f in body["findings"] if f["rule"] == "zone-wastewater-plant-not-working")
    assert finding["outcome"] == "conditional"
    assert body["verdict"] != "refuse" or any(f["outcome"] == "refuse" for f in body["findings"] if f is not finding)


def test_without_zone_is_conditional(client):
    body = client.post("/api/v1/screening", json=facts(zone=None)).json()
    assert body["verdict"] == "conditional"
    assert "zone-not-selected" in rules(body)


def test_language_of_the_answer(client):
    vi = client.post("/api/v1/screening", json=facts(technology_level="standard")).json()
    en = client.post("/api/v1/screening?lang=en", json=facts(technology_level="standard")).json()
    assert rules(vi) == rules(en)
    assert vi["findings"][0]["title"] != en["findings"][0]["title"]
    assert "IV.7" in en["findings"][0]["citation"]["section"]
    assert client.post("/api/v1/screening?lang=fr", json=facts()).status_code == 422


def test_nothing_is_stored(client, session):
    before = count_rows(session, "proposal"), count_rows(session, "auditevent")
    client.post("/api/v1/screening", json=facts())
    assert (count_rows(session, "proposal"), count_rows(session, "auditevent")) == before


@pytest.mark.parametrize(
    ("override", "loc"),
    [
        ({"sectors": ["9999"]}, ["body", "sectors", 0]),
        ({"sectors": ["131"]}, ["body", "sectors", 0]),
        ({"sectors": ["131300"]}, ["body", "sectors", 0]),
        ({"sectors": ["13a3"]}, ["body", "sectors", 0]),
        ({"sectors": []}, ["body", "sectors"]),
        ({"land_ha": 20000}, ["body", "land_ha"]),
        ({"land_ha": -1}, ["body", "land_ha"]),
        ({"equipment_year": 2999}, ["body", "equipment_year"]),
        ({"technology_level": "magic"}, ["body", "technology_level"]),
        ({"treatment": "prayer"}, ["body", "treatment"]),
        ({"zone": "nope"}, ["body", "zone"]),
        ({"wastewater_m3_day": 1e12}, ["body", "wastewater_m3_day"]),
        ({"sectors": ...}, ["body", "sectors"]),
        ({"colour": "red"}, ["body", "colour"]),
    ],
)
def test_bad_input_is_422_naming_the_field(client, override, loc):
    r = client.post("/api/v1/screening", json=facts(**override))
    assert r.status_code == 422, r.text
    locs = [e["loc"] for e in r.json()["detail"]]
    assert loc in locs, locs


def test_unknown_sector_and_zone_reported_together(client):
    r = client.post("/api/v1/screening", json=facts(sectors=["1313", "9999"], zone="nope"))
    assert r.status_code == 422
    locs = [e["loc"] for e in r.json()["detail"]]
    assert ["body", "sectors", 1] in locs and ["body", "zone"] in locs


def test_unpublished_zone_is_unknown(client, session):
    zone = session.exec(select(Zone).where(Zone.slug == "kcn-an-nghiep")).one()
    zone.published = False
    session.add(zone)
    session.commit()
    r = client.post("/api/v1/screening", json=facts())
    assert r.status_code == 422
    assert ["body", "zone"] in [e["loc"] for e in r.json()["detail"]]


def test_not_json_is_422(client):
    r = client.post("/api/v1/screening", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422


# --- the page ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_precheck_form_renders(client, lang):
    r = client.get(f"/{lang}/precheck")
    assert r.status_code == 200
    assert 'name="csrf_token"' in r.text
    assert '<select id="f-sectors" name="sectors" multiple' in r.text
    assert 'value="kcn-an-nghiep"' in r.text and 'value="_outside"' in r.text


def precheck(client, csrf, lang="en", **fields):
    data = {
        "csrf_token": csrf,
        "sectors": ["1313"],
        "location": "kcn-an-nghiep",
        "technology_level": "standard",
        "treatment": "basic",
        "environmental_measures": "yes",
        "wastewater_m3_day": "120",
        "equipment_condition": "new",
        "equipment_year": "2024",
        "hazardous_waste": "no",
        "land_ha": "5",
    }
    data.update(fields)
    return client.post(f"/{lang}/precheck", data=data)


def test_precheck_page_shows_result_and_keeps_the_form(client, csrf):
    r = precheck(client, csrf)
    assert r.status_code == 200
    assert "verdict-refuse" in r.text
    assert "Cannot be accepted" in r.text
    assert "IV.7" in r.text
    assert re.search(r'<option value="1313" selected[ >]', r.text)
    assert '<option value="standard" selected>' in r.text
    assert 'value="120"' in r.text


def test_precheck_page_in_vietnamese(client, csrf):
    r = precheck(client, csrf, lang="vi")
    assert r.status_code == 200
    assert "Không thể tiếp nhận" in r.text or "verdict-refuse" in r.text
    assert '<html lang="vi">' in r.text


@pytest.mark.parametrize(
    ("lang", "field", "value", "message"),
    [
        ("en", "land_ha", "20000", "Enter an area between 0 and 10,000 ha."),
        ("vi", "land_ha", "20000", "10.000"),
        ("en", "land_ha", "lots", "Enter a number."),
        ("en", "equipment_year", "2999", "Enter a year between 1900 and"),
        ("en", "technology_level", "magic", "Choose one of the options."),
        ("en", "location", "nope", "Choose a zone from the list."),
        ("en", "sectors", ["9999"], "Unknown sector code: 9999."),
        ("en", "sectors", [], "Choose at least one sector."),
    ],
)
def test_precheck_errors_next_to_the_field(client, csrf, lang, field, value, message):
    r = precheck(client, csrf, lang=lang, **{field: value})
    assert r.status_code == 422
    assert f'id="f-{field}-error"' in r.text
    error_at = r.text.index(f'id="f-{field}-error"')
    assert message in r.text[error_at : error_at + 200]
    assert "verdict-" not in r.text.split("<form")[0]  # no result when the input is wrong
    assert 'value="120"' in r.text  # other values kept


def test_precheck_errors_in_vietnamese(client, csrf):
    r = precheck(client, csrf, lang="vi", land_ha="abc")
    assert r.status_code == 422
    at = r.text.index('id="f-land_ha-error"')
    assert "Enter a number." not in r.text[at : at + 200]


def test_precheck_post_needs_csrf(client):
    r = client.post("/en/precheck", data={"sectors": ["1313"]})
    assert r.status_code == 403


def test_precheck_report_is_printable_in_the_readers_language(client, csrf):
    form = {
        "csrf_token": csrf,
        "sectors": "2011",
        "location": "kcn-an-nghiep",
        "capacity_amount": "6000",
        "capacity_unit": "t_product",
        "capacity_per": "year",
        "sensitive_none": "yes",
        "technology_level": "standard",
        "treatment": "advanced",
        "environmental_measures": "yes",
        "equipment_condition": "new",
        "wastewater_m3_day": "10",
        "hazardous_waste": "no",
    }
    for lang, words, foreign in (
        (
            "vi",
            ["Báo cáo sàng lọc", "Nhóm I", "Đánh giá tác động môi trường", "nguy cơ cao gây ô nhiễm"],
            ["Appendix II", "resolution-03-iv7", "Screening report"],
        ),
        (
            "en",
            ["Screening report", "Group I", "Environmental impact assessment", "nguy cơ cao gây ô nhiễm"],
            ["Báo cáo sàng lọc", "resolution-03-iv7"],
        ),
    ):
        r = client.post(f"/{lang}/precheck/report", data=form)
        assert r.status_code == 200, r.text[:500]
        for word in words:
            assert word in r.text, (lang, word)
        for word in foreign:
            assert word not in r.text, (lang, word)


def test_sector_filter_works_without_javascript(client, csrf):
    r = client.post("/en/precheck", data={"csrf_token": csrf, "sector_filter": "thuy san", "action": "filter"})
    assert r.status_code == 200
    assert re.search(r'<input type="checkbox" name="sectors" value="1020"', r.text)
    assert 'value="2310"' not in r.text  # glass ("thủy tinh") is not seafood
    r = client.get("/en/match?sector_filter=seafood")
    assert re.search(r'<input type="checkbox" name="sectors" value="1020"', r.text) and r.status_code == 200
