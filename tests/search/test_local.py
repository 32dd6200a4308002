"""LocalEngine specifics the shared contract cannot see: broad-query ordering, snapshot freshness
across engine instances (other processes), the query plan, and WAL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from search.local import LocalEngine
from tests.search.search_fixtures import DOCUMENTS


def test_broad_queries_put_title_matches_first_in_title_order(tmp_path: Path) -> None:
    engine = LocalEngine(tmp_path / "s.db", exact_rank_limit=2)  # force the broad path
    engine.index(DOCUMENTS)
    titled = engine.query("tran", per_page=100)  # prefix: Trần in three titles, "transport" in a text
    assert [(h.id, h.score) for h in titled.hits] == [
        ("zone:kcn-tran-de", 3.0),  # title (weight 3); title order: "khu cong nghiep…" < "khu kinh te…" < "lo a1…"
        ("zone:kkt-tran-de", 3.0),
        ("plot:kcn-tran-de:a1", 3.0),
        ("zone:kcn-dai-ngai", 1.0),  # body only (weight 1)
    ]
    assert engine.query("tran", filters={"type": ["zone"]}).total == 3
    pages = [engine.query("tran", page=p, per_page=1) for p in range(1, titled.total + 1)]
    assert [p.hits[0].id for p in pages] == [h.id for h in titled.hits]


def test_a_second_engine_on_the_same_file_sees_writes(tmp_path: Path) -> None:
    """Another process writing bumps the generation; the in-memory snapshot is rebuilt."""
    reader = LocalEngine(tmp_path / "s.db")
    writer = LocalEngine(tmp_path / "s.db")
    writer.index(DOCUMENTS)
    assert reader.query("", facets=["kind"]).facets["kind"]["kcn"] == 4
    writer.delete(["zone:kcn-song-hau"])
    result = reader.query("", facets=["kind"])
    assert result.facets["kind"]["kcn"] == 3
    assert result.total == len(DOCUMENTS) - 1


def test_wal_and_schema(tmp_path: Path) -> None:
    engine = LocalEngine(tmp_path / "s.db")
    engine.index(DOCUMENTS[:1])
    con = sqlite3.connect(tmp_path / "s.db")
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"docs", "doc_sectors", "fts", "fts_title", "meta"} <= tables


def test_a_file_from_another_schema_version_is_rebuilt_empty(tmp_path: Path) -> None:
    """Derived data: an index made by an older layout is dropped (the sync worker then reindexes an
    empty index), never read with tables missing."""
    from search.local import SCHEMA_VERSION

    old = sqlite3.connect(tmp_path / "s.db")
    old.executescript(
        "CREATE TABLE docs (rid INTEGER PRIMARY KEY, id TEXT, doc TEXT);"
        "INSERT INTO docs VALUES (1, 'zone:old', '{}');"
        "CREATE VIRTUAL TABLE fts USING fts5(title, body); PRAGMA user_version = 1;"
    )
    old.close()
    engine = LocalEngine(tmp_path / "s.db")
    assert engine.count() == 0
    engine.index(DOCUMENTS)
    assert engine.query("tran").total == 4
    con = sqlite3.connect(tmp_path / "s.db")
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    engine.close()
    again = LocalEngine(tmp_path / "s.db")  # the current version is kept as it is
    assert again.count() == len(DOCUMENTS)


def _as_list(value: object) -> list:
    return value if isinstance(value, list) else [value]


def _ranking_docs() -> list[dict]:
    """Documents whose bm25 scores tie in groups (same texts), titles in scrambled order."""
    docs = []
    for i in range(40):
        words = "cang bien " * (1 + i % 3)  # three score groups in the body
        docs.append(
            dict(
                DOCUMENTS[0],
                id=f"zone:r{i}",
                slug=f"r{i}",
                title_vi=f"Khu {(i * 17) % 40:02d}" + (" cang" if i % 7 == 0 else ""),  # some in the title
                title_en=f"Zone {(i * 17) % 40:02d}",
                text_vi=words,
                text_en="",
                kind=["kcn", "ccn"][i % 2],
                available_ha=float(i),
            )
        )
    return docs


@pytest.mark.parametrize(
    "filters", [{}, {"kind": ["kcn"]}, {"min_available_ha": 25}, {"kind": ["ccn"], "sectors": ["1020"]}]
)
def test_exact_ranking_is_bm25_over_the_filtered_matches_with_ties_in_title_order(
    tmp_path: Path, filters: dict
) -> None:
    from search.query import sort_title

    docs = _ranking_docs()
    engine = LocalEngine(tmp_path / "s.db")
    engine.index(docs)
    con = sqlite3.connect(tmp_path / "s.db")
    score = {rid: rank for rid, rank in con.execute("SELECT rowid, rank FROM fts WHERE fts MATCH '\"cang\"'")}
    rid_of = dict(con.execute("SELECT id, rid FROM docs"))
    kept = [
        d
        for d in docs
        if all(set(_as_list(d[name])) & set(values) for name, values in filters.items() if name != "min_available_ha")
        and d["available_ha"] >= filters.get("min_available_ha", 0)
    ]
    expected = sorted(kept, key=lambda d: (score[rid_of[d["id"]]], sort_title(d["title_vi"]), d["id"]))
    pages = [engine.query("cang", filters=filters, page=p, per_page=7) for p in range(1, 8)]
    assert [h.id for page in pages for h in page.hits] == [d["id"] for d in expected]
    assert pages[0].total == len(expected)


def test_exact_ranking_scans_fts_once_and_never_probes_it_per_row(tmp_path: Path) -> None:
    """The ranked page is one FTS5 scan sorted by SQLite; a plan driving from `docs` would re-run
    MATCH per candidate row."""
    engine = LocalEngine(tmp_path / "s.db")
    engine.index(_ranking_docs())
    engine.query("")  # open the connection
    statements: list[str] = []
    engine._local.con.set_trace_callback(statements.append)
    engine.query("cang", filters={"kind": ["kcn"]})
    ranked = next(sql for sql in statements if "-rank FROM fts WHERE" in sql)
    plan = " | ".join(row[3] for row in engine._local.con.execute(f"EXPLAIN QUERY PLAN {ranked}"))
    assert "SCAN fts VIRTUAL TABLE" in plan
    assert "USE TEMP B-TREE FOR ORDER BY" in plan  # not FTS5's rank-everything ORDER BY rank mode
    assert "docs" not in plan


def test_bitmap_helpers_agree_with_plain_python() -> None:
    import random

    import numpy as np

    from search.local import _pack, _set_bits

    rng = random.Random(3)
    for size in (0, 1, 7, 8, 9, 63, 64, 65, 1000, 4099):
        chosen = sorted(rng.sample(range(size), size // 3))
        flags = np.zeros(size, dtype=np.bool_)
        flags[chosen] = True
        bits = _pack(flags)
        assert bits == sum(1 << i for i in chosen)
        for skip, limit in ((0, 5), (3, 20), (10, 100), (len(chosen) - 1, 5), (len(chosen) + 5, 5), (40, 30)):
            assert _set_bits(bits, max(0, skip), limit, size) == chosen[max(0, skip) : max(0, skip) + limit]


def test_min_available_is_exact_at_every_threshold(tmp_path: Path) -> None:
    """Unknown areas never pass; equal areas do; the documents by area are a sorted prefix."""
    docs = [
        dict(DOCUMENTS[0], id=f"zone:{i}", slug=f"z{i}", available_ha=None if i % 5 == 0 else float(i % 13))
        for i in range(60)
    ]
    engine = LocalEngine(tmp_path / "s.db")
    engine.index(docs)
    for minimum in (-1, 0, 0.5, 3, 7, 12, 12.5, 100):
        expected = {d["id"] for d in docs if d["available_ha"] is not None and d["available_ha"] >= minimum}
        result = engine.query("", filters={"min_available_ha": minimum}, per_page=100)
        assert result.total == len(expected)
        assert {h.id for h in result.hits} == expected
