"""One contract for every engine (see conftest: local always, Meilisearch when MEILI_URL is set)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from search.engine import SearchEngine, SearchResult, SearchUnavailable
from search.factory import make_engine
from search.local import LocalEngine
from search.meili import MeiliEngine
from search.text import fold
from tests.search.search_fixtures import DOCUMENTS

ALL_IDS = {d["id"] for d in DOCUMENTS}
TRAN_DE = {"zone:kcn-tran-de", "zone:kkt-tran-de", "plot:kcn-tran-de:a1"}


def ids(result: SearchResult) -> list[str]:
    return [h.id for h in result.hits]


def id_set(engine: SearchEngine, text: str, **kwargs: Any) -> set[str]:
    return set(ids(engine.query(text, per_page=100, **kwargs)))


# --- folding --------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["tran de", "Trần Đề", "TRAN ĐE", "trần đề", "Tran  De!", "TRẦN ĐỀ"])
def test_diacritics_and_d_fold_in_the_query(engine: SearchEngine, text: str) -> None:
    assert id_set(engine, text) == TRAN_DE


def test_folding_works_from_unaccented_documents_too(engine: SearchEngine) -> None:
    engine.index([{**DOCUMENTS[0], "id": "zone:plain", "slug": "plain", "title_vi": "Khu cong nghiep Dai Ngai 2"}])
    assert id_set(engine, "Đại Ngãi") == {"zone:kcn-dai-ngai", "zone:plain"}
    assert id_set(engine, "dai ngai") == {"zone:kcn-dai-ngai", "zone:plain"}


def test_nfd_query_matches_nfc_document(engine: SearchEngine) -> None:
    import unicodedata

    assert id_set(engine, unicodedata.normalize("NFD", "Sông Hậu")) >= {"zone:kcn-song-hau"}


def test_english_words_are_searchable_in_either_language(engine: SearchEngine) -> None:
    assert id_set(engine, "molluscs", lang="vi") == {"sector:1020"}
    assert id_set(engine, "nhuộm", lang="en") == {"sector:1313"}


# --- prefix and literal tokens ----------------------------------------------------------------


def test_last_token_is_a_prefix(engine: SearchEngine) -> None:
    assert id_set(engine, "dai ng") == {"zone:kcn-dai-ngai"}
    assert id_set(engine, "Sôn") == {"zone:kcn-song-hau", "zone:kcn-dai-ngai"}  # Sông Hậu; "sông Hậu"
    assert id_set(engine, "xay da") == {"zone:ccn-xay-da-b"}


def test_one_character_last_token_is_not_a_prefix(engine: SearchEngine) -> None:
    assert id_set(engine, "tran d") == set()
    assert id_set(engine, "xay da b") == {"zone:ccn-xay-da-b"}


def test_only_the_last_token_is_a_prefix(engine: SearchEngine) -> None:
    assert id_set(engine, "tra de") == set()
    assert id_set(engine, "tran de") == TRAN_DE


def test_all_words_are_required(engine: SearchEngine) -> None:
    assert id_set(engine, "an lac thon") == {"zone:ccn-an-lac-thon-1"}
    assert id_set(engine, "an lac dai ngai") == set()


HOSTILE = [
    '"',
    "*",
    "NEAR",
    "a -b",
    "'; DROP TABLE x; --",
    "\u0301",
    "x" * 500,
    "AND OR NOT",
    "((",
    "%_",
    'tran" OR "de',
    "tran*",
    "title:tran",
    "NEAR(tran de, 2)",
    "-tran",
    "^tran",
    "\x00tran",
    "🏭 tran",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_is_searched_literally(engine: SearchEngine, text: str) -> None:
    result = engine.query(text, facets=["type"])
    assert isinstance(result, SearchResult)
    assert result.total >= len(result.hits)
    assert engine.count() == len(DOCUMENTS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"', ALL_IDS),  # no word: browse
        ("((", ALL_IDS),
        ("%_", ALL_IDS),  # never a LIKE wildcard
        ("\u0301", ALL_IDS),  # a lone combining mark folds to nothing
        ("*", ALL_IDS),
        ("NEAR", set()),  # the word "near", not an operator
        ("'; DROP TABLE x; --", set()),
        ("x" * 500, set()),
        ("AND OR NOT", set()),
        ("processing AND", {"sector:1020", "zone:kcn-tran-de"}),  # "and" is a plain word
        ('tran" OR "de', set()),  # quotes cannot break out: the words tran, or, de (no "or")
        ("title:tran", set()),  # not a column filter: the words title, tran
        ("NEAR(tran de, 2)", set()),
        ("-tran de", TRAN_DE),  # "-" is not NOT
        ("🏭 tran de", TRAN_DE),
    ],
)
def test_hostile_input_results(engine: SearchEngine, text: str, expected: set[str]) -> None:
    assert id_set(engine, text) == expected


# --- filters --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"type": ["sector"]}, {"sector:1020", "sector:1313"}),
        ({"kind": ["ccn"]}, {"zone:ccn-an-lac-thon-1", "zone:ccn-xay-da-b"}),
        ({"kind": "kkt"}, {"zone:kkt-tran-de"}),
        ({"locality": ["tran-de"]}, TRAN_DE),
        (
            {"status": ["operating", "building"]},
            {"zone:kcn-tran-de", "zone:ccn-an-lac-thon-1", "zone:kcn-dai-ngai"},
        ),
        (
            {"sectors": ["1313"]},
            {"zone:kcn-tran-de", "zone:kcn-dai-ngai", "zone:ccn-an-lac-thon-1", "sector:1313"},
        ),
        (
            {"sectors": ["1020", "1313"], "type": ["zone"]},
            {"zone:kcn-tran-de", "zone:kkt-tran-de", "zone:kcn-dai-ngai", "zone:ccn-an-lac-thon-1"},
        ),
        ({"kind": ["kcn"], "locality": ["tran-de"]}, {"zone:kcn-tran-de", "plot:kcn-tran-de:a1"}),
        ({"kind": ["kcn", "ccn"], "status": ["operating"]}, {"zone:kcn-tran-de", "zone:ccn-an-lac-thon-1"}),
        ({"min_available_ha": 5}, {"zone:kcn-tran-de", "zone:kcn-dai-ngai", "zone:ccn-an-lac-thon-1"}),
        (
            {"min_available_ha": 0},
            {
                "zone:kcn-tran-de",
                "zone:kcn-dai-ngai",
                "zone:ccn-an-lac-thon-1",
                "zone:ccn-xay-da-b",
                "plot:kcn-tran-de:a1",
            },
        ),
        ({"min_available_ha": 5, "kind": ["kcn"]}, {"zone:kcn-tran-de", "zone:kcn-dai-ngai"}),
        ({"kind": ["nope"]}, set()),
        ({"kind": [], "locality": None}, ALL_IDS),  # empty filters filter nothing
        ({"locality": ['tran-de" OR kind = "kcn']}, set()),  # values are literals
    ],
)
def test_filters_browse(engine: SearchEngine, filters: dict[str, Any], expected: set[str]) -> None:
    result = engine.query("", filters=filters, per_page=100)
    assert set(ids(result)) == expected
    assert result.total == len(expected)


def test_filters_apply_to_text_queries(engine: SearchEngine) -> None:
    assert id_set(engine, "tran de", filters={"type": ["zone"]}) == {"zone:kcn-tran-de", "zone:kkt-tran-de"}
    assert id_set(engine, "cong nghiep", filters={"min_available_ha": 10}) == {
        "zone:kcn-tran-de",
        "zone:kcn-dai-ngai",
    }
    assert id_set(engine, "tran de", filters={"sectors": ["1313"]}) == {"zone:kcn-tran-de"}


def test_unknown_filter_is_a_programming_error(engine: SearchEngine) -> None:
    with pytest.raises(ValueError):
        engine.query("", filters={"drop table": ["x"]})


# --- facets ---------------------------------------------------------------------------------------

FACETS = ["type", "kind", "locality", "status", "sectors"]


def test_facet_counts_browse(engine: SearchEngine) -> None:
    result = engine.query("", facets=FACETS)
    assert result.total == len(DOCUMENTS)
    assert result.facets["type"] == {"zone": 6, "plot": 1, "sector": 2}
    assert result.facets["kind"] == {"kcn": 4, "ccn": 2, "kkt": 1}
    assert result.facets["locality"] == {"tran-de": 3, "long-phu": 1, "chau-thanh": 2, "ke-sach": 1}
    assert result.facets["sectors"] == {"1020": 3, "1313": 4}
    assert sum(result.facets["type"].values()) == result.total


def test_facet_counts_follow_the_text_query(engine: SearchEngine) -> None:
    result = engine.query("tran de", facets=FACETS)
    assert result.total == 3
    assert result.facets["type"] == {"zone": 2, "plot": 1}
    assert result.facets["kind"] == {"kcn": 2, "kkt": 1}
    assert result.facets["status"] == {"operating": 1, "approved": 1, "available": 1}
    for name in ("type", "kind", "locality", "status"):
        assert sum(result.facets[name].values()) == result.total


def test_facets_are_disjunctive(engine: SearchEngine) -> None:
    """A field's own filter does not narrow its counts (alternatives stay visible); others do."""
    result = engine.query("", filters={"kind": ["kcn"], "locality": ["tran-de"]}, facets=["kind", "locality", "type"])
    assert result.total == 2
    assert result.facets["kind"] == {"kcn": 2, "kkt": 1}  # locality=tran-de applied, kind not
    assert result.facets["locality"] == {"tran-de": 2, "long-phu": 1, "chau-thanh": 1}  # kind=kcn applied
    assert result.facets["type"] == {"zone": 1, "plot": 1}  # both applied
    assert sum(result.facets["type"].values()) == result.total


def test_only_requested_facets(engine: SearchEngine) -> None:
    assert set(engine.query("cong", facets=["status"]).facets) == {"status"}
    assert engine.query("cong").facets == {}


# --- pagination and sorting ------------------------------------------------------------------------


def test_pagination_covers_everything_once(engine: SearchEngine) -> None:
    pages = [engine.query("", page=p, per_page=4) for p in (1, 2, 3)]
    seen = [i for page in pages for i in ids(page)]
    assert [len(p.hits) for p in pages] == [4, 4, 1]
    assert sorted(seen) == sorted(ALL_IDS)
    assert all(p.total == len(DOCUMENTS) and p.per_page == 4 for p in pages)
    assert pages[1].page == 2


def test_page_beyond_the_end(engine: SearchEngine) -> None:
    result = engine.query("tran de", page=50, per_page=10)
    assert result.hits == []
    assert result.total == 3
    assert result.page == 50


def test_browse_is_sorted_by_title_in_the_asked_language(engine: SearchEngine) -> None:
    vi = engine.query("", per_page=100, lang="vi")
    en = engine.query("", per_page=100, lang="en")
    assert [fold(h.title) for h in vi.hits] == sorted(fold(d["title_vi"]) for d in DOCUMENTS)
    assert [fold(h.title) for h in en.hits] == sorted(fold(d["title_en"]) for d in DOCUMENTS)
    assert ids(vi)[:2] == ["sector:1020", "zone:ccn-an-lac-thon-1"]  # "Chế biến…", "Cụm công nghiệp An…"
    assert ids(en)[:2] == ["zone:ccn-an-lac-thon-1", "zone:kcn-dai-ngai"]  # "An Lac…", "Dai Ngai…"


def test_sort_title_with_text(engine: SearchEngine) -> None:
    result = engine.query("cong nghiep", sort="title", per_page=100)
    titles = [fold(h.title) for h in result.hits]
    assert titles == sorted(titles)
    assert len(titles) == 6  # five zones (not the economic zone) and the plot


def test_sort_available_desc_puts_unknown_last(engine: SearchEngine) -> None:
    result = engine.query("", sort="available_desc", per_page=100)
    assert ids(result)[:5] == [
        "zone:kcn-dai-ngai",
        "zone:kcn-tran-de",
        "zone:ccn-an-lac-thon-1",
        "plot:kcn-tran-de:a1",
        "zone:ccn-xay-da-b",
    ]
    assert all(h.data.get("available_ha") is None for h in result.hits[5:])
    assert len(result.hits) == len(DOCUMENTS)


def test_sort_total_desc(engine: SearchEngine) -> None:
    result = engine.query("cong nghiep", sort="total_desc")
    assert ids(result)[:3] == ["zone:kcn-song-hau", "zone:kcn-dai-ngai", "zone:kcn-tran-de"]


def test_relevance_prefers_title_matches(engine: SearchEngine) -> None:
    result = engine.query("thuy san")
    assert ids(result)[0] == "sector:1020"  # title; the Trần Đề park only mentions it in its text
    assert set(ids(result)) == {"sector:1020", "zone:kcn-tran-de"}
    assert result.hits[0].score >= result.hits[1].score


def test_unknown_sort_is_rejected(engine: SearchEngine) -> None:
    with pytest.raises(ValueError):
        engine.query("", sort="price; DROP TABLE docs")


# --- writes ------------------------------------------------------------------------------------


def test_delete(engine: SearchEngine) -> None:
    engine.delete(["zone:kcn-dai-ngai", "zone:does-not-exist"])
    assert engine.count() == len(DOCUMENTS) - 1
    assert id_set(engine, "dai ngai") == set()
    assert engine.query("", facets=["sectors"]).facets["sectors"] == {"1020": 3, "1313": 3}


def test_reindexing_an_id_replaces_it(engine: SearchEngine) -> None:
    changed = {
        **DOCUMENTS[2],
        "title_vi": "Khu công nghiệp Long Phú",
        "title_en": "Long Phu Industrial Park",
        "text_vi": "Đổi tên.",
        "text_en": "Renamed.",
        "sectors": ["1020"],
        "available_ha": None,
    }
    engine.index([changed])
    engine.index([changed])
    assert engine.count() == len(DOCUMENTS)
    assert id_set(engine, "long phu") == {"zone:kcn-dai-ngai"}
    assert id_set(engine, "van tai thuy") == set()  # the old text is gone
    result = engine.query("", facets=["sectors"], filters={"min_available_ha": 50})
    assert result.total == 0
    assert result.facets["sectors"] == {}
    assert engine.query("", facets=["sectors"]).facets["sectors"] == {"1020": 4, "1313": 3}


def test_clear(engine: SearchEngine) -> None:
    engine.clear()
    assert engine.count() == 0
    result = engine.query("", facets=["type"])
    assert (result.total, result.hits, result.facets) == (0, [], {"type": {}})


def test_empty_engine_answers(empty_engine: SearchEngine) -> None:
    assert empty_engine.count() == 0
    assert empty_engine.query("tran de").total == 0
    assert empty_engine.query("").hits == []


# --- hits --------------------------------------------------------------------------------------


def test_title_in_the_asked_language(engine: SearchEngine) -> None:
    vi = engine.query("dai ngai", lang="vi").hits[0]
    en = engine.query("dai ngai", lang="en").hits[0]
    assert (vi.title, en.title) == ("Khu công nghiệp Đại Ngãi", "Dai Ngai Industrial Park")
    assert vi.slug == en.slug == "kcn-dai-ngai"
    assert vi.type == "zone"
    assert vi.data["kind"] == "kcn"
    assert vi.data["total_ha"] == 200


def test_snippet_marks_the_original_words(engine: SearchEngine) -> None:
    hit = engine.query("ven bien thi tran", lang="vi").hits[0]
    assert hit.id == "zone:kcn-tran-de"
    assert "<mark>ven</mark> <mark>biển</mark>" in hit.snippet
    assert "<mark>Trần</mark>" in hit.snippet
    en = engine.query("port", lang="en").hits
    assert {h.id for h in en} == {"zone:kcn-tran-de", "zone:kkt-tran-de"}
    assert all("<mark>port</mark>" in h.snippet for h in en)


def test_snippet_is_escaped(engine: SearchEngine) -> None:
    hit = engine.query("xay da b", lang="vi").hits[0]
    assert hit.id == "zone:ccn-xay-da-b"
    assert "<script>" not in hit.snippet
    assert "&lt;script&gt;alert(&#x27;xss&#x27;)&lt;/script&gt; &amp;" in hit.snippet
    script = engine.query("script alert", lang="en").hits[0]
    assert "&lt;<mark>script</mark>&gt;<mark>alert</mark>(" in script.snippet


# --- failures ----------------------------------------------------------------------------------


def test_local_unreachable_path(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    engine = LocalEngine(blocker / "search.db")
    with pytest.raises(SearchUnavailable):
        engine.query("tran de")
    with pytest.raises(SearchUnavailable):
        engine.index(DOCUMENTS)


def test_local_corrupted_file(tmp_path: Path) -> None:
    path = tmp_path / "search.db"
    path.write_bytes(b"this is not an SQLite database at all" * 200)
    engine = LocalEngine(path)
    with pytest.raises(SearchUnavailable):
        engine.count()
    with pytest.raises(SearchUnavailable):
        engine.query("")


def test_meili_unreachable() -> None:
    engine = MeiliEngine("http://127.0.0.1:9", index_uid="portal", timeout=2)
    with pytest.raises(SearchUnavailable):
        engine.query("tran de")
    with pytest.raises(SearchUnavailable):
        engine.index(DOCUMENTS)
    with pytest.raises(SearchUnavailable):
        engine.count()


def test_make_engine(tmp_path: Path) -> None:
    default = tmp_path / "default.db"
    assert isinstance(make_engine("", default_path=default), LocalEngine)
    local = make_engine(f"sqlite:///{tmp_path}/other.db", default_path=default)
    assert isinstance(local, LocalEngine) and local.path == tmp_path / "other.db"
    meili = make_engine("http://127.0.0.1:9#zones", meili_key="k", default_path=default)
    assert isinstance(meili, MeiliEngine) and meili.index_uid == "zones"
    with pytest.raises(ValueError):
        make_engine("ftp://x", default_path=default)


def test_local_engine_is_thread_safe(engine: SearchEngine) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def work(i: int) -> set[str]:
        if i % 5 == 0:
            engine.index([DOCUMENTS[i % len(DOCUMENTS)]])
        return id_set(engine, "tran de")

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(40)))
    assert all(r == TRAN_DE for r in results)
    assert engine.count() == len(DOCUMENTS)
