"""Land matching: the pure scoring (weights as data) and the page and API on the seeded catalogue."""

from __future__ import annotations

import dataclasses
import re

import pytest
from sqlmodel import select

from portal.catalogue.models import Zone
from portal.intake.matching import TEXTS, WEIGHTS, Candidate, Need, rank, score


def zone(slug="kcn-a", **overrides) -> Candidate:
    base = Candidate(
        slug=slug,
        kind="kcn",
        name_vi=f"KCN {slug}",
        name_en=f"Park {slug}",
        status="operating",
        total_area_ha=100.0,
        available_ha=None,
        wastewater_plant="working",
        priority_sectors=frozenset({"1020"}),
        province_priorities=frozenset({"1020", "1410"}),
        verdict="eligible",
    )
    return dataclasses.replace(base, **overrides)


def keys(match) -> set[str]:
    return {r.key for r in match.reasons}


NEED = Need(sectors=("1020",), land_ha=10, wastewater_m3_day=50)


def test_every_reason_has_a_text_and_a_weight():
    assert set(TEXTS) == set(WEIGHTS)


def test_total_area_fit_is_said_to_be_total_only():
    m = score(NEED, zone())
    assert "area_total_fits" in keys(m)
    assert "area_available_fits" not in keys(m)


def test_published_available_land_decides_over_total():
    assert "area_available_fits" in keys(score(NEED, zone(available_ha=12)))
    small = score(NEED, zone(available_ha=3))
    assert "area_too_small" in keys(small)
    assert next(r for r in small.reasons if r.key == "area_too_small").tone == "bad"


def test_unknown_area_is_unknown_not_a_fit():
    m = score(NEED, zone(total_area_ha=None))
    reason = next(r for r in m.reasons if r.key.startswith("area_"))
    assert reason.key == "area_unknown" and reason.tone == "unknown" and reason.points == 0
    assert m.score < score(NEED, zone()).score


def test_area_not_asked():
    m = score(Need(sectors=("1020",)), zone())
    assert "area_not_asked" in keys(m)


@pytest.mark.parametrize(
    ("zone_priorities", "expected"),
    [
        (frozenset({"1020"}), "zone_priority"),
        (frozenset({"2220"}), "province_priority"),
        (frozenset(), "province_priority"),
    ],
)
def test_sector_priority(zone_priorities, expected):
    assert expected in keys(score(NEED, zone(priority_sectors=zone_priorities)))


def test_sector_not_a_priority():
    m = score(Need(sectors=("2511",), land_ha=1), zone())
    assert "not_priority" in keys(m)


def test_five_digit_code_matches_its_class():
    assert "zone_priority" in keys(score(Need(sectors=("10201",)), zone()))


@pytest.mark.parametrize(
    ("plant", "key", "tone"),
    [
        ("working", "plant_working", "good"),
        ("building", "plant_not_working", "bad"),
        ("none", "plant_not_working", "bad"),
        (None, "plant_unknown", "unknown"),
    ],
)
def test_wastewater_plant(plant, key, tone):
    m = score(NEED, zone(wastewater_plant=plant))
    reason = next(r for r in m.reasons if r.key.startswith("plant_"))
    assert (reason.key, reason.tone) == (key, tone)


def test_no_wastewater_does_not_weigh_the_plant():
    need = Need(sectors=("1020",), land_ha=10, wastewater_m3_day=0)
    assert score(need, zone(wastewater_plant="none")).score == score(need, zone(wastewater_plant="working")).score


def test_status_order():
    scores = [score(NEED, zone(status=s)).score for s in ("operating", "building", "approved", "planned")]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == 4


def test_refused_zones_come_last_whatever_their_score():
    best_but_refused = zone("kcn-refused", verdict="refuse", available_ha=500)
    modest = zone(
        "ccn-modest", status="planned", total_area_ha=None, wastewater_plant=None, verdict="needs_information"
    )
    ranked = rank(NEED, [best_but_refused, modest])
    assert [m.candidate.slug for m in ranked] == ["ccn-modest", "kcn-refused"]
    assert "verdict_refuse" in keys(ranked[-1])


def test_planned_zones_are_flagged():
    assert zone(status="expansion_planned").planned and zone(status="planned").planned
    assert not zone(status="building").planned


def test_weights_are_data():
    flat = dict.fromkeys(WEIGHTS, 0)
    assert score(NEED, zone()).score > 0
    assert score(NEED, zone(), flat).score == 0
    favour_unknown = {**flat, "area_unknown": 5}
    ranked = rank(NEED, [zone("a"), zone("b", total_area_ha=None)], favour_unknown)
    assert ranked[0].candidate.slug == "b"


def test_rank_is_stable():
    zones = [zone(s) for s in ("c", "a", "b")]
    assert [m.candidate.slug for m in rank(NEED, zones)] == ["a", "b", "c"]


# --- page and API --------------------------------------------------------------------------------------


def test_api_ranks_published_zones_with_reasons(client, session):
    r = client.post(
        "/api/v1/match?lang=en",
        json={"sectors": ["1020"], "land_ha": 50, "wastewater_m3_day": 100, "include_planned": True, "per_page": 50},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    published = session.exec(select(Zone.slug).where(Zone.published == True)).all()  # noqa: E712
    assert {z["slug"] for z in body["zones"]} == set(published)
    assert body["total"] == len(published) and body["pages"] == 1 and body["planned_hidden"] == 0
    assert "unknown" in body["note"].lower()
    first = body["zones"][0]
    assert {r["key"] for r in first["reasons"]} >= {"verdict_needs_information"} or first["verdict"]
    for z in body["zones"]:
        assert z["reasons"] and all(r["text"] for r in z["reasons"])
        assert z["planned"] == (z["status"] in ("planned", "expansion_planned"))
    # no wastewater plant state is published in the seed: said to be unknown, never "working"
    assert all("plant_working" not in {r["key"] for r in z["reasons"]} for z in body["zones"])


def test_api_plant_not_working_weighs_against_the_zone(client, session):
    """A zone whose plant is not working is conditional on connection (IV.7 as written), not a refusal:
    the zone loses points and says why."""
    zone_row = session.exec(select(Zone).where(Zone.slug == "kcn-an-nghiep")).one()
    zone_row.wastewater_status = "none"
    session.add(zone_row)
    session.commit()
    body = client.post(
        "/api/v1/match?lang=en", json={"sectors": ["1020"], "wastewater_m3_day": 100, "per_page": 50}
    ).json()
    zone = next(z for z in body["zones"] if z["slug"] == "kcn-an-nghiep")
    assert "plant_not_working" in {r["key"] for r in zone["reasons"]}
    assert "zone-wastewater-plant-not-working" in {f["rule"] for f in zone["findings"]}
    assert zone["verdict"] != "refuse"
    assert zone["score"] < max(z["score"] for z in body["zones"])


def test_api_a_refused_project_is_refused_in_every_zone(client):
    body = client.post(
        "/api/v1/match?lang=en",
        json={"sectors": ["1020"], "technology_level": "outdated", "include_planned": True, "per_page": 50},
    ).json()
    assert {z["verdict"] for z in body["zones"]} == {"refuse"} and len(body["zones"]) == body["total"]


def test_api_unpublished_zones_are_left_out(client, session):
    zone_row = session.exec(select(Zone).where(Zone.slug == "kcn-an-nghiep")).one()
    zone_row.published = False
    session.add(zone_row)
    session.commit()
    body = client.post("/api/v1/match", json={"sectors": ["1020"], "per_page": 50, "include_planned": True}).json()
    assert "kcn-an-nghiep" not in {z["slug"] for z in body["zones"]}


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"sectors": ["9999"]}, ["body", "sectors", 0]),
        ({"sectors": []}, ["body", "sectors"]),
        ({"sectors": ["1020"], "land_ha": 20000}, ["body", "land_ha"]),
        ({"sectors": ["1020"], "technology_level": "magic"}, ["body", "technology_level"]),
        ({"sectors": ["1020"], "per_page": 51}, ["body", "per_page"]),
        ({"sectors": ["1020"], "page": 0}, ["body", "page"]),
    ],
)
def test_api_bad_input(client, body, loc):
    r = client.post("/api/v1/match", json=body)
    assert r.status_code == 422
    assert loc in [e["loc"] for e in r.json()["detail"]]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_match_page(client, lang):
    empty = client.get(f"/{lang}/match")
    assert empty.status_code == 200 and "matches" not in empty.text
    r = client.get(f"/{lang}/match", params={"sectors": "1020", "land_ha": "50", "wastewater_m3_day": "100"})
    assert r.status_code == 200
    assert r.text.count('<li class="match') == 5  # the top five; the rest behind "more"
    assert 'rel="next"' in r.text and "page=2" in r.text
    assert "/zones/kcn-an-nghiep" in r.text
    assert 'class="notice"' in r.text
    assert re.search(r'<option value="1020" selected[ >]', r.text)


def test_match_page_labels_planned_zones(client):
    hidden = client.get("/en/match", params={"sectors": "1020"})
    assert "— not open yet</span>" not in hidden.text and "Show planned zones</a>" in hidden.text
    assert "include_planned=yes" in hidden.text
    shown = "".join(
        client.get("/en/match", params={"sectors": "1020", "include_planned": "yes", "page": str(p)}).text
        for p in range(1, 6)
    )
    assert "Planned expansion" in shown and "— not open yet</span>" in shown


def test_match_page_errors_by_the_field(client):
    r = client.get("/en/match", params={"sectors": "9999", "land_ha": "-3"})
    assert r.status_code == 422
    assert 'id="f-sectors-error"' in r.text and 'id="f-land_ha-error"' in r.text
    assert 'value="-3"' in r.text
    assert '<li class="match' not in r.text
