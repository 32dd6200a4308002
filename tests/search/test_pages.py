"""The search page, the search API and the outbox, on the real database and the local engine."""

import pytest
from sqlmodel import select

from portal.catalogue.changes import plot_changed, zone_changed
from portal.catalogue.models import Plot, Zone
from portal.searchindex.models import SearchOutbox
from search.factory import make_engine


@pytest.fixture
def indexed(app, client):
    worker = app.state.search_worker
    worker.needs_reindex = True
    worker.drain_now()
    return worker


def ids(client, **params):
    response = client.get("/api/v1/search", params=params)
    assert response.status_code == 200, response.text
    return [h["id"] for h in response.json()["hits"]]


def test_tran_de_finds_the_park_and_the_economic_zone_first(indexed, client):
    first = ids(client, q="tran de")[:4]
    assert "zone:kcn-tran-de" in first and "zone:kkt-tran-de" in first


@pytest.mark.parametrize("q", ["dai ngai", "Đại Ngãi", "DAI NGÃI", "đai ngai"])
def test_diacritics_and_d_bar_are_ignored(indexed, client, q):
    assert ids(client, q=q)[0] == "zone:kcn-dai-ngai"


def test_folded_and_accented_queries_are_the_same(indexed, client):
    assert ids(client, q="chế biến") == ids(client, q="che bien") != []


def test_english_words_find_sectors(indexed, client):
    assert "sector:1020" in ids(client, q="seafood processing", lang="en")


def test_last_token_is_a_prefix(indexed, client):
    assert "zone:kcn-song-hau" in ids(client, q="song ha")


def test_facets_add_up_to_the_total(indexed, client):
    data = client.get("/api/v1/search", params={"q": "khu"}).json()
    assert data["total"] > 0
    assert sum(data["facets"]["type"].values()) == data["total"]


def test_filters_and_unknown_values(indexed, client):
    assert set(ids(client, q="tran de", kind="kkt")) == {"zone:kkt-tran-de"}
    bad = client.get("/api/v1/search", params={"q": "x", "kind": "nope"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "kind"]
    page = client.get("/en/search", params={"q": "tran", "kind": "nope"})
    assert page.status_code == 200 and "were not understood" in page.text


@pytest.mark.parametrize(
    "q",
    [
        '"',
        "*",
        "NEAR",
        "a -b",
        "'; DROP TABLE zone; --",
        "\u0301",
        "x" * 500,
        "AND OR NOT",
        "((",
        "%_",
        "\x00",
        "\u202e",
    ],
)
def test_hostile_queries_never_fail(indexed, client, q):
    assert client.get("/api/v1/search", params={"q": q}).status_code == 200
    assert client.get("/vi/search", params={"q": q}).status_code == 200


def test_empty_query_browses_with_facets(indexed, client):
    data = client.get("/api/v1/search").json()
    assert data["total"] == indexed.engine.count()
    html = client.get("/vi/search").text
    assert "Khu công nghiệp" in html


def test_results_page_in_both_languages(indexed, client):
    vi = client.get("/vi/search", params={"q": "tran de"}).text
    en = client.get("/en/search", params={"q": "tran de"}).text
    assert "Khu công nghiệp Trần Đề" in vi and "Trần Đề Industrial Park" in en
    assert "<mark>" in vi
    none = client.get("/en/search", params={"q": "zzzqqq"}).text
    assert "Nothing found" in none


def test_engine_down_keeps_the_site_working(settings, db):
    """PORTAL_SEARCH_URL pointing at a closed port: pages work, search says so politely."""
    from fastapi.testclient import TestClient

    from portal.app import create_app

    down = settings.model_copy(update={"search_url": "http://127.0.0.1:9"})
    with TestClient(create_app(down, db=db)) as client:
        assert client.get("/vi/zones").status_code == 200
        assert client.get("/en/zones/kcn-tran-de").status_code == 200
        page = client.get("/en/search", params={"q": "tran de"})
        assert page.status_code == 200 and "temporarily unavailable" in page.text
        api = client.get("/api/v1/search", params={"q": "tran de"})
        assert api.status_code == 503 and api.headers["retry-after"]


def test_outbox_catches_up_after_the_engine_returns(app, session, settings, tmp_path):
    """A write while the engine is down stays in the outbox; once it is back the change is applied."""
    worker = app.state.search_worker
    zone = session.exec(select(Zone).where(Zone.slug == "kcn-my-thanh")).one()
    zone.name_en = "Mỹ Thanh Industrial Park Riverside"
    plot = Plot(zone_id=zone.id, code="MT-01", area_ha=12.5, status="available")
    session.add_all([zone, plot])
    session.flush()
    zone_changed(session, zone)
    plot_changed(session, plot)
    session.commit()

    worker._engine = make_engine("http://127.0.0.1:9", default_path=tmp_path / "unused.db")  # engine down
    assert worker.drain_now() == -1
    session.expire_all()
    rows = session.exec(select(SearchOutbox)).all()
    assert rows and all(r.attempts == 1 and r.last_error for r in rows)

    worker._engine = make_engine(settings.search_url, default_path=settings.search_path)  # back
    assert worker.drain_now() == len(rows)
    session.expire_all()
    assert session.exec(select(SearchOutbox)).all() == []
    hits = worker.engine.query("riverside", lang="en").hits
    assert {h.id for h in hits} == {"zone:kcn-my-thanh", f"plot:{plot.id}"}  # the plot shows its zone name
    assert worker.engine.query("MT-01", lang="vi").hits[0].id == f"plot:{plot.id}"


def test_answers_are_kept_per_generation_by_the_folded_query(indexed, client, session, monkeypatch):
    """ "Trần Đề" and "tran  de" are one engine answer while nothing changes; a change waiting for the index
    is never answered from the store, and once indexed the new answer is asked for."""
    engine = indexed.engine
    asked = []
    real = engine.query

    def counting(*args, **kwargs):
        asked.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "query", counting)
    first = ids(client, q="Trần Đề")
    assert ids(client, q="tran  de") == ids(client, q="TRAN ĐE") == first
    assert len(asked) == 1
    zone = session.exec(select(Zone).where(Zone.slug == "kcn-tran-de")).one()
    zone.name_en = "Tran De Renamed Park"
    session.add(zone)
    session.flush()
    zone_changed(session, zone)
    session.commit()
    ids(client, q="tran de")
    ids(client, q="tran de")
    assert len(asked) == 3  # changes pending for the index: asked each time
    indexed.drain_now()
    titles = [h["title"] for h in client.get("/api/v1/search", params={"q": "tran de", "lang": "en"}).json()["hits"]]
    assert "Tran De Renamed Park" in titles and len(asked) == 4
    page = client.get("/en/search", params={"q": "Trần Đề"})
    again = client.get("/en/search", params={"q": "tran de"})
    assert "Tran De Renamed Park" in page.text and "Tran De Renamed Park" in again.text
    assert 'value="Trần Đề"' in page.text and 'value="tran de"' in again.text  # each echoes its own words
