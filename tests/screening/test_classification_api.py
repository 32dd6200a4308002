"""POST /api/v1/screening with the national classification: every VSIC 2025 class, subclasses, VSIC 2018
codes through the crosswalk, capacity units, regimes by `as_of`, and the bad-input answers (422 naming
the field, with the classes to choose from; never a 500)."""

from __future__ import annotations

import pytest

from portal.screening import SECTORS_PATH, load_sectors
from tests.intake.factories import facts

CODES = sorted(load_sectors(SECTORS_PATH).sectors)


def post(client, body, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return client.post(f"/api/v1/screening{'?' + query if query else ''}", json=body)


def detail(r) -> list[dict]:
    assert r.status_code == 422, r.text
    return r.json()["detail"]


def test_all_495_classes_are_accepted_with_a_classification(client):
    assert len(CODES) == 495
    for code in CODES:
        r = post(client, {"sectors": [code]})
        assert r.status_code == 200, (code, r.text)
        body = r.json()
        assert body["classification"]["regime"]["id"], code
        assert body["sectors"][0]["code"] == code


def test_a_five_digit_subclass_is_read_as_its_class(client):
    body = post(client, facts(sectors=["13130"])).json()
    assert body["sectors"][0]["basis"] == "subclass"
    assert "sensitive-sector-conditional" in [f["rule"] for f in body["findings"]]


def test_the_classification_answer_has_the_issue_fields(client):
    body = post(
        client,
        facts(sectors=["2011"], capacity={"amount": 6000, "unit": "t_product", "per": "year"}),
        as_of="2025-06-01",
    ).json()
    c = body["classification"]
    assert set(c) >= {
        "group",
        "determined",
        "regime",
        "appendix_ii",
        "procedures",
        "authority",
        "time_limit_days",
        "reasons",
    }
    assert (
        c["group"] == "I"
        and c["determined"] is True
        and c["appendix_ii"] == {**c["appendix_ii"], "row": "4", "level": "large"}
    )
    assert set(c["procedures"]) <= {"eia", "environmental_permit", "environmental_registration"}
    assert all(r["citation"] is None or r["citation"]["section"] for r in c["reasons"])
    assert body["verdict"] == "refuse"
    refusal = next(f for f in body["findings"] if f["rule"] == "group-i-pollution-refused")
    assert refusal["citation"]["section"] == "IV.7" and "nguy cơ cao gây ô nhiễm" in refusal["citation"]["quote"]


def test_both_regimes_by_as_of(client):
    body = facts(sectors=["2592"], capacity={"amount": 5000, "unit": "t_product", "per": "year"})
    r1 = post(client, body, as_of="2025-06-01").json()["classification"]
    r2 = post(client, body, as_of="2026-06-01").json()["classification"]
    assert r1["regime"]["id"] == "lep2020-nd08-nd05" and r1["determined"] is False
    assert r2["regime"]["id"] == "lep146-nd48" and (r2["group"], r2["appendix_ii"]["level"]) == ("II", "medium")
    assert post(client, body, as_of="2020-01-01").status_code == 422
    assert ["query", "as_of"] in [e["loc"] for e in detail(post(client, body, as_of="2020-01-01"))]


def test_vietnamese_answer_has_no_english_quote(client):
    body = post(
        client,
        facts(sectors=["2011"], capacity={"amount": 6000, "unit": "t_product", "per": "year"}),
        as_of="2025-06-01",
    ).json()
    for reason in body["classification"]["reasons"]:
        if reason["citation"] and reason["citation"]["quote_lang"] == "en":
            assert reason["citation"]["quote"] is None
    assert "Appendix II" not in str(body["classification"]) and "Phụ lục II" in str(body["classification"])


def test_unknown_code_names_the_field_and_suggests_classes(client):
    errors = detail(post(client, facts(sectors=["1078"])))
    error = next(e for e in errors if e["loc"] == ["body", "sectors", 0])
    assert error["type"] == "unknown_sector" and "1079" in error["ctx"]["options"]


def test_a_name_instead_of_a_code_suggests_the_classes_by_name(client):
    for text, expected in (("thuy san", "1020"), ("seafood", "1020"), ("dệt nhuộm", "1313")):
        error = detail(post(client, facts(sectors=[text])))[0]
        assert error["loc"] == ["body", "sectors", 0] and error["type"] == "not_a_code"
        assert error["ctx"]["options"][0] == expected, text


def test_vsic_2018_codes_through_the_crosswalk(client):
    body = post(client, facts(sectors=["3512"], classification="vsic-2018")).json()
    assert body["sectors"][0] == {**body["sectors"][0], "given": "3512", "code": "3513", "basis": "crosswalk"}
    same = post(client, facts(sectors=["1313"], classification="vsic-2018")).json()
    assert same["sectors"][0]["basis"] == "same-number"


def test_an_ambiguous_2018_code_asks_which(client):
    error = detail(post(client, facts(sectors=["3511"], classification="vsic-2018")))[0]
    assert error["type"] == "ambiguous_sector" and error["ctx"]["options"] == ["3511", "3512"]
    error = detail(post(client, facts(sectors=["2610"], classification="vsic-2018")))[0]
    assert error["ctx"]["options"] == ["2611", "2619"]


def test_mixed_2018_and_2025_codes_are_refused_explaining(client):
    errors = detail(post(client, facts(sectors=["1313", "2611"], classification="vsic-2018")))
    assert [e["loc"] for e in errors] == [["body", "sectors", 1]] and errors[0]["type"] == "mixed_classification"
    errors = detail(post(client, facts(sectors=["3100"])))
    assert errors[0]["type"] == "mixed_classification" and "vsic-2018" in errors[0]["msg"]


@pytest.mark.parametrize(
    ("capacity", "loc"),
    [
        ({"amount": 5000}, ["body", "capacity", "unit"]),
        ({"amount": -1, "unit": "m2", "per": "year"}, ["body", "capacity", "amount"]),
        ({"amount": 5e12, "unit": "m2", "per": "year"}, ["body", "capacity"]),
        ({"amount": 50, "unit": "mw", "per": "day"}, ["body", "capacity"]),
        ({"amount": 5000, "unit": "t_product", "per": "year"}, ["body", "capacity", "unit"]),  # dyeing counts m²
        ({"amount": 20000, "unit": "m2", "per": "day"}, ["body", "capacity", "operating_days"]),
        ({"amount": "lots", "unit": "m2", "per": "year"}, ["body", "capacity", "amount"]),
    ],
)
def test_bad_capacity_is_422_with_the_reason(client, capacity, loc):
    errors = detail(post(client, facts(capacity=capacity), as_of="2025-06-01"))
    assert loc in [e["loc"] for e in errors], errors
    assert all(e["msg"] for e in errors)


def test_the_row_unit_error_names_the_units(client):
    error = detail(post(client, facts(capacity={"amount": 5000, "unit": "t_product", "per": "year"})))[0]
    assert error["ctx"]["units"] == "m2"


def test_never_a_500_on_odd_input(client):
    odd = [
        {"sectors": [None]},
        {"sectors": ["1313"], "capacity": "5000 t"},
        {"sectors": ["1313"], "capacity": {"amount": 1, "unit": "m2", "per": "year", "extra": 1}},
        {"sectors": ["1313"], "sensitive_factors": "forest"},
        {"sectors": ["1313"] * 30},
        {"sectors": ["1" * 100]},
        {"sectors": ["１３１３"]},
    ]
    for body in odd:
        assert post(client, body).status_code == 422, body
