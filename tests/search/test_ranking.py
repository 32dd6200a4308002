"""Search that sells: a sector word finds the zones that seek that sector first, then the sector; a place
name ranks the zones before their planned expansions. All of it from the documents' data (focus, boost),
on the seeded catalogue and the local engine, and at engine level on hand-made documents."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from portal.catalogue.models import Zone, ZoneSector
from portal.searchindex import documents
from search.local import LocalEngine


@pytest.fixture
def indexed(app, client):
    worker = app.state.search_worker
    worker.needs_reindex = True
    worker.drain_now()
    return worker


def hits(client, q: str, lang: str = "vi") -> list[dict]:
    response = client.get("/api/v1/search", params={"q": q, "lang": lang})
    assert response.status_code == 200, response.text
    return response.json()["hits"]


def zones_naming(session, code: str) -> set[str]:
    rows = session.exec(
        select(Zone.slug).join(ZoneSector, ZoneSector.zone_id == Zone.id).where(ZoneSector.sector_code == code)
    ).all()
    return {f"zone:{slug}" for slug in rows}


def assert_zones_first(found: list[dict]) -> None:
    types = [h["type"] for h in found]
    assert "zone" in types and "sector" in types, types
    first_sector = types.index("sector")
    assert all(t == "zone" for t in types[:first_sector]), types
    assert "zone" not in types[first_sector:], types


@pytest.mark.parametrize(("q", "lang"), [("seafood", "en"), ("thủy sản", "vi"), ("thuy san", "en")])
def test_a_seafood_search_gives_the_zones_seeking_seafood_then_the_sector(indexed, client, session, q, lang):
    found = hits(client, q, lang)
    assert_zones_first(found)
    seeking = zones_naming(session, "1020")
    assert seeking, "the seed names at least one zone with seafood processing as a priority"
    zone_ids = [h["id"] for h in found if h["type"] == "zone"]
    assert seeking <= set(zone_ids[: len(seeking)])  # every zone that names it, at the top
    assert "sector:1020" in [h["id"] for h in found]
    kkt = next(h for h in found if h["id"] == "zone:kkt-tran-de")
    assert "<mark>" in kkt["snippet"]  # the snippet shows why it matched


def test_a_textile_search_gives_the_park_whose_public_facts_name_textiles(indexed, client):
    """KCN Đại Ngãi: a public fact (zoning plan 2024) says it seeks "dệt may"; then the sectors."""
    found = hits(client, "dệt may")
    assert_zones_first(found)
    assert found[0]["id"] == "zone:kcn-dai-ngai"
    assert {"sector:1410", "sector:1430"} <= {h["id"] for h in found}


def test_tran_de_ranks_the_park_and_the_economic_zone_above_the_expansion(indexed, client):
    order = [h["id"] for h in hits(client, "tran de")]
    expansion = order.index("zone:kcn-tran-de-mo-rong")
    assert order.index("zone:kcn-tran-de") < expansion
    assert order.index("zone:kkt-tran-de") < expansion
    scores = [h["score"] for h in hits(client, "tran de")]
    assert scores == sorted(scores, reverse=True)


def test_a_phrase_ranks_above_the_same_words_apart(indexed, client):
    """ "thủy sản" is a phrase in the fishing sectors; glass ("thủy tinh", "sản xuất") has both words apart."""
    order = [h["id"] for h in hits(client, "thủy sản") if h["type"] == "sector"]
    assert "sector:2310" in order
    assert order.index("sector:1020") < order.index("sector:2310")


def test_zone_boosts_follow_the_status_order(session):
    zones = {z.slug: z for z in session.exec(select(Zone)).all()}
    boost = {slug: documents.zone_boost(z) for slug, z in zones.items()}
    assert boost["kcn-tran-de"] > boost["kkt-tran-de"] > boost["kcn-tran-de-mo-rong"]
    assert documents.STATUS_BOOST["operating"] > documents.STATUS_BOOST["approved"]
    assert documents.STATUS_BOOST["planned"] > documents.STATUS_BOOST["expansion_planned"]


def test_changing_a_zones_status_moves_it_in_the_results(app, client, db, indexed):
    """The order comes from data: the same query, once the expansion is operating, puts it first."""
    before = [h["id"] for h in hits(client, "tran de")]
    assert before[0] == "zone:kcn-tran-de"
    from portal.catalogue.changes import zone_changed

    with db.write() as w:
        zone = w.exec(select(Zone).where(Zone.slug == "kcn-tran-de-mo-rong")).one()
        zone.status = "operating"
        w.add(zone)
        zone_changed(w, zone)
    indexed.drain_now()
    after = [h["id"] for h in hits(client, "tran de")]
    assert after.index("zone:kcn-tran-de-mo-rong") < after.index("zone:kkt-tran-de")


def test_the_zone_documents_carry_focus_and_boost(session):
    zones = list(session.exec(select(Zone).where(Zone.slug.in_(["kkt-tran-de", "kcn-dai-ngai"]))).all())
    docs = {d["slug"]: d for d in documents.zone_documents(session, zones)}
    assert "seafood" in docs["kkt-tran-de"]["focus_en"] and "1020" in docs["kkt-tran-de"]["focus_vi"]
    assert "dệt may" in docs["kcn-dai-ngai"]["focus_vi"]
    assert docs["kcn-dai-ngai"]["boost"] == documents.zone_boost(
        zones[0] if zones[0].slug == "kcn-dai-ngai" else zones[1]
    )


# --- engine level: the weights are the documents' data, whatever the words -------------------------


def _doc(i: str, title: str, text: str = "", **extra) -> dict:
    return {"id": f"zone:{i}", "type": "zone", "slug": i, "title_vi": title, "title_en": title, "text_vi": text,
            "text_en": "", "sectors": [], **extra}  # fmt: skip


@pytest.mark.parametrize("limit", [5_000, 1])  # exact (bm25 within a class) and broad paths
def test_engine_orders_by_field_weight_times_boost(tmp_path: Path, limit: int) -> None:
    engine = LocalEngine(tmp_path / "s.db", exact_rank_limit=limit)
    engine.index(
        [
            _doc("body", "Alpha", "ca ngu ca ngu ca ngu"),  # the words in the text only: weight 1
            _doc("focus", "Beta", focus_vi="ca ngu"),  # in the focus: weight 2 (+ phrase)
            _doc("title", "Ca ngu"),  # in the title: weight 3 (+ phrase)
            _doc("title-low", "Ca ngu nho", boost=0.5),  # title, but a boost of 0.5: (3 + 0.5) x 0.5
            _doc("apart", "Ca", "ngu"),  # both words, apart: weight 1, no phrase bonus
        ]
    )
    order = [h.id for h in engine.query("ca ngu", per_page=10).hits]
    assert order == ["zone:title", "zone:focus", "zone:title-low", "zone:body", "zone:apart"]
    engine.index([_doc("title-low", "Ca ngu nho", boost=2.0)])  # the same document, another boost
    assert engine.query("ca ngu").hits[0].id == "zone:title-low"


def test_a_boost_out_of_range_is_refused(tmp_path: Path) -> None:
    engine = LocalEngine(tmp_path / "s.db")
    for bad in (0, -1, 1000):
        with pytest.raises(ValueError):
            engine.index([_doc("x", "X", boost=bad)])
    assert engine.count() == 0


# --- the sector page ---------------------------------------------------------------------------


def test_a_sector_page_lists_the_zones_that_name_it(indexed, client, session):
    page = client.get("/en/sectors/1020")
    assert page.status_code == 200
    for doc_id in zones_naming(session, "1020"):
        assert f'href="/en/zones/{doc_id.split(":", 1)[1]}"' in page.text
    assert "province-wide priority" in page.text
    assert 'href="/en/match?sectors=1020"' in page.text
    assert client.get("/vi/sectors/1020").status_code == 200
    assert client.get("/en/sectors/0000").status_code == 404


def test_a_sector_without_zones_says_so(client):
    page = client.get("/en/sectors/0111")
    assert page.status_code == 200 and "No zone names it as its own priority." in page.text


def test_sector_hits_and_the_sector_list_link_to_the_sector_page(indexed, client):
    found = hits(client, "seafood", "en")
    sector = next(h for h in found if h["id"] == "sector:1020")
    assert sector["url"] == "/en/sectors/1020"
    assert 'href="/en/sectors/1020"' in client.get("/en/search", params={"q": "seafood"}).text
    assert 'href="/en/sectors/1020"' in client.get("/en/sectors").text
    assert "/sectors/1020</loc>" in client.get("/sitemap.xml").text
