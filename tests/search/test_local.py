"""LocalEngine specifics the shared contract cannot see: broad-query ordering, snapshot freshness
across engine instances (other processes), the query plan, and WAL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

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
