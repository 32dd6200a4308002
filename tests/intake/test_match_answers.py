"""With the page cache on, a ranking already answered at this catalogue generation is answered again from
a `StampedLRU` per generation (`intake.service.match_page`): the same body as computing it, and a catalogue
change shows at once."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from portal.app import create_app
from portal.intake import matching
from portal.intake import service as intake
from portal.web.caching import StampedLRU
from tests.opendata.factories import update_zone

BODIES = [
    {"sectors": ["1020"], "land_ha": 5},
    {"sectors": ["1020"], "land_ha": 50, "wastewater_m3_day": 100, "include_planned": True, "per_page": 50},
    {"sectors": ["3512"], "near_port": True, "page": 2},
]


@pytest.fixture
def cached_client(settings, db):
    with TestClient(create_app(settings.model_copy(update={"page_cache": True}), db=db)) as client:
        yield client


def _calls(monkeypatch) -> list:
    calls: list = []
    compute = intake._match_page

    def counted(*args, **kwargs):
        calls.append(kwargs["request"])
        return compute(*args, **kwargs)

    monkeypatch.setattr(intake, "_match_page", counted)
    return calls


def test_a_kept_answer_is_the_computed_one(cached_client, client, monkeypatch):
    calls = _calls(monkeypatch)
    for body in BODIES:
        for lang in ("vi", "en"):
            computed = client.post(f"/api/v1/match?lang={lang}", json=body)  # page cache off: always computed
            first = cached_client.post(f"/api/v1/match?lang={lang}", json=body)
            again = cached_client.post(f"/api/v1/match?lang={lang}", json=body)
            assert computed.status_code == first.status_code == again.status_code == 200
            assert computed.content == first.content == again.content
    # cache off: every request; cache on: once per body (both languages present the same ranking)
    assert len(calls) == 2 * len(BODIES) + len(BODIES)
    page = cached_client.get("/en/match?sectors=1020&land_ha=5")
    assert page.status_code == 200 and len(calls) == 2 * len(BODIES) + len(BODIES)  # the page reuses the API's
    assert page.text == client.get("/en/match?sectors=1020&land_ha=5").text


def test_a_catalogue_change_is_ranked_at_once(cached_client, client, session):
    body = {"sectors": ["1020"], "land_ha": 50, "wastewater_m3_day": 100, "include_planned": True, "per_page": 50}
    before = cached_client.post("/api/v1/match?lang=en", json=body).json()
    plant = {z["slug"]: {r["key"] for r in z["reasons"]} for z in before["zones"]}["kcn-an-nghiep"]
    assert "plant_not_working" not in plant
    update_zone(session, "kcn-an-nghiep", wastewater_status="none")  # the generation moves on
    after = cached_client.post("/api/v1/match?lang=en", json=body)
    assert after.json() != before
    plant = {z["slug"]: {r["key"] for r in z["reasons"]} for z in after.json()["zones"]}["kcn-an-nghiep"]
    assert "plant_not_working" in plant
    assert after.content == client.post("/api/v1/match?lang=en", json=body).content


def test_a_refused_request_is_not_kept(cached_client, monkeypatch):
    calls = _calls(monkeypatch)
    for _ in range(2):
        assert cached_client.post("/api/v1/match", json={"sectors": ["9999"]}).status_code == 422
    assert len(calls) == 2


def test_the_answers_are_bounded_least_recently_used_first_out_and_stamped_with_the_sector_catalogue():
    store, catalog, other = StampedLRU(2), object(), object()  # match_page's store: StampedLRU(ANSWERS_KEPT)
    pages = [matching.MatchPage([], n, 1, 5, 0) for n in range(3)]
    built: list[int] = []

    def build(n):
        return lambda: built.append(n) or pages[n]

    assert store.fetch("a", catalog, build(0)) is pages[0]
    assert store.fetch("b", catalog, build(1)) is pages[1]
    assert store.fetch("a", catalog, build(0)) is pages[0]  # kept: "a" used, "b" is now the oldest
    assert store.fetch("c", catalog, build(2)) is pages[2]  # "b" goes
    assert store.fetch("b", catalog, build(1)) is pages[1] and built == [0, 1, 2, 1]
    assert store.fetch("c", catalog, build(2)) is pages[2] and built == [0, 1, 2, 1]
    assert store.fetch("c", other, build(0)) is pages[0]  # kept for another sector catalogue: not this one's
    assert built == [0, 1, 2, 1, 0]

    def refused():
        raise ValueError("refused by the pre-check")

    with pytest.raises(ValueError):
        store.fetch("d", catalog, refused)
    assert store.fetch("d", catalog, build(1)) is pages[1]  # nothing was kept for the refused one
