"""Embedded engine: an SQLite file of its own with an FTS5 index (derived data; delete to rebuild).

Layout:
  docs         one row per document: facet/filter/sort columns + the original document as JSON
  doc_sectors  (sector, rid) for the multi-valued `sectors` field
  fts          FTS5 over folded words: `title` (both titles + slug) and `body` (both texts + sector
               codes); bm25 weights 10:1 so a title match outranks a body match
  meta         a generation counter bumped by every write (invalidates the browse facet cache)

Query plan: the FTS match set is computed first (`rid IN (SELECT rowid FROM fts WHERE fts MATCH ?)`
or a MATERIALIZED CTE when ranks are needed) and only then joined with `docs` for filters, so the
planner can never run MATCH once per candidate row. See `tests/bench/search_bench.py` for figures.

Facets are disjunctive: the counts of a field are computed with every filter EXCEPT that field's
own, so a user who picked "kcn" still sees how many "ccn" there are. Fields without a filter of their
own share one grouped pass, whose counts sum to `total`. Documents with no value are not counted.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from search.engine import Filters, Hit, SearchResult, SearchUnavailable
from search.query import (
    FilterSpec,
    Terms,
    build_hit,
    clamp_page,
    fts_match,
    index_text,
    parse_filters,
    parse_terms,
    requested_facets,
    resolve_lang,
    resolve_sort,
    sort_title,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    kind TEXT,
    locality TEXT,
    status TEXT,
    available_ha REAL,
    total_ha REAL,
    sort_vi TEXT NOT NULL,
    sort_en TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS docs_type ON docs(type);
CREATE INDEX IF NOT EXISTS docs_kind ON docs(kind);
CREATE INDEX IF NOT EXISTS docs_locality ON docs(locality);
CREATE INDEX IF NOT EXISTS docs_status ON docs(status);
CREATE INDEX IF NOT EXISTS docs_available ON docs(available_ha);
CREATE INDEX IF NOT EXISTS docs_total ON docs(total_ha);
CREATE INDEX IF NOT EXISTS docs_sort_vi ON docs(sort_vi, id);
CREATE INDEX IF NOT EXISTS docs_sort_en ON docs(sort_en, id);
CREATE TABLE IF NOT EXISTS doc_sectors (
    sector TEXT NOT NULL,
    rid INTEGER NOT NULL,
    PRIMARY KEY (sector, rid)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS doc_sectors_rid ON doc_sectors(rid);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(title, body, prefix='2 3 4', tokenize='unicode61');
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta VALUES ('generation', 0);
"""
_RANK = "INSERT INTO fts(fts, rank) VALUES ('rank', 'bm25(10.0, 1.0)')"

_SCALAR_FACETS = ("type", "kind", "locality", "status")
_SORT_SQL = {
    "title": "d.sort_{lang}, d.id",
    "available_desc": "d.available_ha IS NULL, d.available_ha DESC, d.sort_{lang}, d.id",
    "total_desc": "d.total_ha IS NULL, d.total_ha DESC, d.sort_{lang}, d.id",
}
SMALL_MATCH = 2000
"""Below this many matches, sort the match set; above it, walk the sort index and test membership."""


class LocalEngine:
    """`SearchEngine` on SQLite FTS5. One connection per thread (WAL lets readers run in parallel)."""

    def __init__(self, path: Path | str, *, timeout: float = 5.0) -> None:
        self.path = Path(path)
        self._timeout = timeout
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        self._schema_ready = False
        self._browse_cache: dict[tuple[Any, ...], tuple[int, dict[str, dict[str, int]], int]] = {}

    # --- connections ------------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=self._timeout, check_same_thread=False, isolation_level=None)
        try:
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=NORMAL")
            con.execute("PRAGMA temp_store=MEMORY")
            con.execute("PRAGMA cache_size=-32000")
            with self._lock:
                if not self._schema_ready:
                    con.executescript(_SCHEMA)
                    con.execute(_RANK)
                    self._schema_ready = True
                self._connections.append(con)
        except BaseException:
            con.close()
            raise
        return con

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection; any SQLite failure becomes `SearchUnavailable`."""
        try:
            con = getattr(self._local, "con", None)
            if con is None:
                con = self._local.con = self._connect()
            yield con
        except sqlite3.DatabaseError as exc:  # OperationalError, corrupt file, disk full, locked …
            self._drop_thread_connection()
            raise SearchUnavailable(f"local search index {self.path}: {exc}") from exc

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._db() as con:
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
                con.execute("UPDATE meta SET value = value + 1 WHERE key = 'generation'")
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise

    def _drop_thread_connection(self) -> None:
        con = getattr(self._local, "con", None)
        self._local.con = None
        if con is not None:
            with self._lock:
                if con in self._connections:
                    self._connections.remove(con)
            con.close()

    def close(self) -> None:
        with self._lock:
            connections, self._connections = self._connections, []
        for con in connections:
            con.close()
        self._local = threading.local()

    # --- writes -----------------------------------------------------------------------------------

    def index(self, documents: Iterable[dict[str, Any]]) -> None:
        """Upsert in one transaction: a re-indexed id replaces its row, FTS entry and sectors."""
        with self._write() as con:
            for doc in documents:
                self._upsert(con, doc)

    def _upsert(self, con: sqlite3.Connection, doc: dict[str, Any]) -> None:
        row = con.execute("SELECT rid FROM docs WHERE id = ?", (doc["id"],)).fetchone()
        values = (
            doc["type"],
            doc.get("kind"),
            doc.get("locality"),
            doc.get("status"),
            _number(doc.get("available_ha")),
            _number(doc.get("total_ha")),
            sort_title(doc.get("title_vi") or doc.get("title_en") or ""),
            sort_title(doc.get("title_en") or doc.get("title_vi") or ""),
            json.dumps(doc, ensure_ascii=False),
        )
        if row is None:
            rid = con.execute(
                "INSERT INTO docs (type, kind, locality, status, available_ha, total_ha, sort_vi, sort_en,"
                " doc, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*values, doc["id"]),
            ).lastrowid
        else:
            rid = row[0]
            con.execute(
                "UPDATE docs SET type = ?, kind = ?, locality = ?, status = ?, available_ha = ?,"
                " total_ha = ?, sort_vi = ?, sort_en = ?, doc = ? WHERE rid = ?",
                (*values, rid),
            )
            con.execute("DELETE FROM fts WHERE rowid = ?", (rid,))
            con.execute("DELETE FROM doc_sectors WHERE rid = ?", (rid,))
        sectors = sorted({str(s) for s in doc.get("sectors") or ()})
        con.executemany("INSERT INTO doc_sectors (sector, rid) VALUES (?, ?)", [(s, rid) for s in sectors])
        con.execute(
            "INSERT INTO fts (rowid, title, body) VALUES (?, ?, ?)",
            (
                rid,
                index_text(doc.get("title_vi"), doc.get("title_en"), doc.get("slug")),
                index_text(doc.get("text_vi"), doc.get("text_en"), " ".join(sectors)),
            ),
        )

    def delete(self, ids: Iterable[str]) -> None:
        with self._write() as con:
            for doc_id in ids:
                row = con.execute("DELETE FROM docs WHERE id = ? RETURNING rid", (doc_id,)).fetchone()
                if row is not None:
                    con.execute("DELETE FROM fts WHERE rowid = ?", row)
                    con.execute("DELETE FROM doc_sectors WHERE rid = ?", row)

    def clear(self) -> None:
        with self._write() as con:
            con.execute("DELETE FROM docs")
            con.execute("DELETE FROM doc_sectors")
            con.execute("DELETE FROM fts")

    def count(self) -> int:
        with self._db() as con:
            return con.execute("SELECT count(*) FROM docs").fetchone()[0]

    def optimize(self) -> None:
        """Merge FTS5 segments and refresh planner statistics (after a full reindex)."""
        with self._db() as con:
            con.execute("INSERT INTO fts(fts) VALUES ('optimize')")
            con.execute("ANALYZE")

    # --- reads ------------------------------------------------------------------------------------

    def query(
        self,
        text: str,
        *,
        filters: Filters | None = None,
        facets: list[str] | None = None,
        sort: str | None = None,
        page: int = 1,
        per_page: int = 20,
        lang: str = "vi",
    ) -> SearchResult:
        terms = parse_terms(text)
        spec = parse_filters(filters)
        order = resolve_sort(sort, terms)
        lang = resolve_lang(lang)
        page, per_page = clamp_page(page, per_page)
        wanted = requested_facets(facets)
        with self._db() as con:
            plan = _Plan(con, fts_match(terms) if terms else None)
            total, facet_counts = self._counts(con, plan, spec, wanted)
            rows = plan.page(spec, order, lang, total, per_page, (page - 1) * per_page) if total else []
        hits = [self._hit(doc, score, terms, lang) for doc, score in rows]
        return SearchResult(hits, total, facet_counts, page, per_page)

    @staticmethod
    def _hit(doc_json: str, score: float, terms: Terms, lang: str) -> Hit:
        return build_hit(json.loads(doc_json), terms, lang, score)

    def _counts(
        self, con: sqlite3.Connection, plan: _Plan, spec: FilterSpec, wanted: list[str]
    ) -> tuple[int, dict[str, dict[str, int]]]:
        """Total and facet counts. The unfiltered browse case (the landing page) is cached per generation."""
        if plan.match is not None or spec.terms or spec.min_available_ha is not None:
            return plan.counts(spec, wanted)
        generation = con.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0]
        key = tuple(wanted)
        cached = self._browse_cache.get(key)
        if cached is None or cached[0] != generation:
            total, counts = plan.counts(spec, wanted)
            cached = self._browse_cache[key] = (generation, counts, total)
        return cached[2], {f: dict(c) for f, c in cached[1].items()}


class _Plan:
    """SQL for one query: the match set (if any) first, then filters, counts, facets and one page."""

    def __init__(self, con: sqlite3.Connection, match: str | None) -> None:
        self.con = con
        self.match = match

    def _where(self, spec: FilterSpec, *, with_match: bool = True) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if with_match and self.match is not None:
            clauses.append("d.rid IN (SELECT rowid FROM fts WHERE fts MATCH ?)")
            params.append(self.match)
        for name, values in spec.terms.items():
            marks = ", ".join("?" * len(values))
            if name == "sectors":
                clauses.append(f"d.rid IN (SELECT rid FROM doc_sectors WHERE sector IN ({marks}))")  # noqa: S608
            else:
                clauses.append(f"d.{name} IN ({marks})")
            params.extend(values)
        if spec.min_available_ha is not None:
            clauses.append("d.available_ha >= ?")
            params.append(spec.min_available_ha)
        return (" AND ".join(clauses) or "1"), params

    def counts(self, spec: FilterSpec, wanted: list[str]) -> tuple[int, dict[str, dict[str, int]]]:
        """Disjunctive facet counts; `total` falls out of the shared grouped pass when there is one."""
        own_filter = [f for f in wanted if f in spec.terms]
        shared = [f for f in _SCALAR_FACETS if f in wanted and f not in spec.terms]
        facets: dict[str, dict[str, int]] = {}
        total = self._grouped(spec, shared, facets)
        if "sectors" in wanted and "sectors" not in spec.terms:
            facets["sectors"] = self._sector_counts(spec)
        for name in own_filter:
            others = spec.without(name)
            if name == "sectors":
                facets[name] = self._sector_counts(others)
            else:
                self._grouped(others, [name], facets)
        return total, {f: facets.get(f, {}) for f in wanted}

    def _grouped(self, spec: FilterSpec, fields: list[str], into: dict[str, dict[str, int]]) -> int:
        """One pass grouped by several columns; per-field counts are summed in Python."""
        where, params = self._where(spec)
        if not fields and self.match is not None and where.count("?") == 1:
            return self.con.execute("SELECT count(*) FROM fts WHERE fts MATCH ?", params).fetchone()[0]
        columns = ", ".join(f"d.{f}" for f in fields)
        select = f"{columns}, count(*)" if fields else "count(*)"
        group = f" GROUP BY {columns}" if fields else ""
        rows = self.con.execute(f"SELECT {select} FROM docs d WHERE {where}{group}", params).fetchall()  # noqa: S608
        counters = {f: Counter[str]() for f in fields}
        total = 0
        for row in rows:
            n = row[-1]
            total += n
            for f, value in zip(fields, row, strict=False):
                if value is not None:
                    counters[f][value] += n
        for f in fields:
            into[f] = dict(counters[f].most_common())
        return total

    def _sector_counts(self, spec: FilterSpec) -> dict[str, int]:
        where, params = self._where(spec)
        rows = self.con.execute(
            "SELECT s.sector, count(*) FROM docs d JOIN doc_sectors s ON s.rid = d.rid"  # noqa: S608
            f" WHERE {where} GROUP BY s.sector ORDER BY count(*) DESC, s.sector",
            params,
        ).fetchall()
        return dict(rows)

    def page(
        self, spec: FilterSpec, order: str, lang: str, total: int, limit: int, offset: int
    ) -> list[tuple[str, float]]:
        if order == "relevance" and self.match is not None:
            return self._ranked(spec, lang, limit, offset)
        where, params = self._where(spec)
        order_sql = _SORT_SQL[order].format(lang=lang)
        if self.match is not None and total <= SMALL_MATCH:
            # Few matches: drive from the match set and sort it (the `+` stops the sort index walk).
            order_sql = ", ".join(f"+{part.strip()}" for part in order_sql.split(","))
        sql = f"SELECT d.doc, 0.0 FROM docs d WHERE {where} ORDER BY {order_sql} LIMIT ? OFFSET ?"  # noqa: S608
        return self.con.execute(sql, [*params, limit, offset]).fetchall()

    def _ranked(self, spec: FilterSpec, lang: str, limit: int, offset: int) -> list[tuple[str, float]]:
        """bm25 order: FTS5 computes the ranked match set first (MATERIALIZED), then filters join it."""
        where, params = self._where(spec, with_match=False)
        sql = (
            "WITH m(rid, score) AS MATERIALIZED (SELECT rowid, rank FROM fts WHERE fts MATCH ?)"  # noqa: S608
            f" SELECT d.doc, -m.score FROM m CROSS JOIN docs d ON d.rid = m.rid WHERE {where}"
            f" ORDER BY m.score, d.sort_{lang}, d.id LIMIT ? OFFSET ?"
        )
        return self.con.execute(sql, [self.match, *params, limit, offset]).fetchall()


def _number(value: Any) -> float | None:
    return None if value is None else float(value)
