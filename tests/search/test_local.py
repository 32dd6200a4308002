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
        ("zone:kcn-tran-de", 1.0),  # title order: "khu cong nghiep…" < "khu kinh te…" < "lo a1…"
        ("zone:kkt-tran-de", 1.0),
        ("plot:kcn-tran-de:a1", 1.0),
        ("zone:kcn-dai-ngai", 0.5),  # body only
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
    assert {"docs", "doc_sectors", "fts", "meta"} <= tables


def test_filtered_ranking_drives_from_fts(tmp_path: Path) -> None:
    """The ranked match set is materialized first; docs is only probed by primary key."""
    engine = LocalEngine(tmp_path / "s.db")
    engine.index(DOCUMENTS)
    con = sqlite3.connect(tmp_path / "s.db")
    plan = " | ".join(
        row[3]
        for row in con.execute(
            "EXPLAIN QUERY PLAN WITH m(rid, score) AS MATERIALIZED"
            " (SELECT rowid, rank FROM fts WHERE fts MATCH ?)"
            " SELECT d.rid FROM m CROSS JOIN docs d ON d.rid = m.rid WHERE d.kind IN (?)"
            " ORDER BY m.score LIMIT 20",
            ('"tran"', "kcn"),
        )
    )
    assert "MATERIALIZE m" in plan
    assert "SCAN m" in plan
    assert "SEARCH d USING INTEGER PRIMARY KEY" in plan


def test_bitmap_helpers_agree_with_plain_python() -> None:
    import random

    from search.local import _pack, _set_bits

    rng = random.Random(3)
    for size in (0, 1, 7, 8, 9, 63, 64, 65, 1000, 4099):
        chosen = sorted(rng.sample(range(size), size // 3))
        flags = bytearray(size)
        for i in chosen:
            flags[i] = 1
        bits = _pack(flags)
        assert bits == sum(1 << i for i in chosen)
        for skip, limit in ((0, 5), (3, 20), (10, 100), (len(chosen) - 1, 5), (len(chosen) + 5, 5)):
            assert _set_bits(bits, max(0, skip), limit, size) == chosen[max(0, skip) : max(0, skip) + limit]


def test_min_available_uses_prefix_bitmaps_exactly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Above `_STEP` documents the area filter is a precomputed prefix plus single bits: same answer."""
    import search.local

    monkeypatch.setattr(search.local, "_STEP", 4)
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
