"""Embedded engine: an SQLite file of its own with an FTS5 index (derived data; delete to rebuild).

Layout:
  docs         one row per document: facet/filter/sort columns + the original document as JSON
  doc_sectors  (sector, rid) for the multi-valued `sectors` field
  fts          FTS5 over folded words: `title` (both titles + slug) and `body` (both texts + sector
               codes); bm25 weights 10:1 so a title match outranks a body match
  meta         a generation counter bumped by every write (invalidates the in-memory snapshot)

Query plan: FTS5 gives the match set first (rowids; or a MATERIALIZED CTE with ranks, CROSS JOINed
to `docs` for filters), so the planner never probes FTS5 once per candidate row. The match set is
turned into a bitmap once; filters, facet counts and pages in a stored order are then bitmap operations
against per-value bitmaps kept in memory (`_Snapshot`, `_Space`), rebuilt when the generation changes.
See `tests/bench/search_bench.py` for figures.

Relevance is bm25 (title 10 : body 1) computed by FTS5 over the whole filtered match set, which
costs ~1 µs per match. Above `exact_rank_limit` matches (default 5,000: "khu công nghiệp" over a
large index) bm25 is skipped: documents whose title has every word come first, then the others,
each group in title order. At that breadth bm25 differences are noise, and the page stays fast.

Facets are disjunctive: the counts of a field are computed with every filter EXCEPT that field's
own, so a user who picked "kcn" still sees how many "ccn" there are. Fields without a filter of their
own share one grouped pass, whose counts sum to `total`. Documents with no value are not counted.
"""

from __future__ import annotations

import bisect
import json
import sqlite3
import threading
from array import array
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import compress, count, islice
from pathlib import Path
from typing import Any

from search.engine import Filters, SearchResult, SearchUnavailable
from search.query import (
    FilterSpec,
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


class LocalEngine:
    """`SearchEngine` on SQLite FTS5. One connection per thread (WAL lets readers run in parallel)."""

    def __init__(self, path: Path | str, *, timeout: float = 5.0, exact_rank_limit: int = 5_000) -> None:
        self.path = Path(path)
        self.exact_rank_limit = exact_rank_limit
        self._timeout = timeout
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        self._schema_ready = False
        self._snap: _Snapshot | None = None

    # --- connections ------------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=self._timeout, check_same_thread=False, isolation_level=None)
        try:
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=NORMAL")
            con.execute("PRAGMA temp_store=MEMORY")
            con.execute("PRAGMA cache_size=-32000")
            con.execute("PRAGMA mmap_size=1073741824")  # read pages without a copy into the cache
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
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")

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
        offset = (page - 1) * per_page
        match = fts_match(terms) if terms else None
        with self._db() as con:
            con.execute("BEGIN")  # one read snapshot: generation, FTS and rows agree
            try:
                snap = self._snapshot(con)
                space = snap.space(con, "title" if order == "relevance" else order, lang)
                rids = None if match is None else _match_rids(con, match)
                selection = snap.select(space, rids, spec, wanted)
                # bm25 costs ~1 µs per FTS match (before filters): the raw match count decides.
                if order == "relevance" and rids is not None and len(rids) <= self.exact_rank_limit:
                    ranked = _ranked_page(con, match, spec, lang, per_page, offset)
                elif order == "relevance" and rids is not None:
                    in_title = space.bitmap(_match_rids(con, f"{{title}} : ({match})"))
                    ranked = _broad_page(selection, in_title, per_page, offset)
                else:
                    ranked = [(rid, 0.0) for rid in space.page(selection.bits, per_page, offset)]
                docs = _load_docs(con, [rid for rid, _ in ranked])
            finally:
                con.execute("COMMIT")
        hits = [build_hit(json.loads(docs[rid]), terms, lang, score) for rid, score in ranked if rid in docs]
        return SearchResult(hits, selection.total, selection.facets, page, per_page)

    def _snapshot(self, con: sqlite3.Connection) -> _Snapshot:
        """The facet columns of every row, in memory, rebuilt when the generation moves on."""
        generation = con.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0]
        snap = self._snap
        if snap is None or snap.generation != generation:
            snap = _Snapshot.load(con, generation)
            with self._lock:
                if self._snap is None or self._snap.generation < generation:
                    self._snap = snap
        return snap


@dataclass(frozen=True)
class _Selection:
    space: _Space
    bits: int  # the selected documents, as a bitmap over `space` positions
    total: int
    facets: dict[str, dict[str, int]]


class _Snapshot:
    """Per-row facet values loaded once per index generation, and bitmaps built from them.

    Why: exact (disjunctive) facet counts need one look at every matching row. Per row in SQL that is
    a b-tree lookup (~1 µs); per row in Python ~60 ns. Instead every facet value is a bitmap (a Python
    `int`, bit i = document i) and a count is `(match & value).bit_count()`: ~4 µs per value at 100,000
    documents, whatever the size of the match set. The match set is turned into a bitmap once (~15 ns a
    row). Bit positions follow a sort order (`_Space`), so a page in that order is the lowest set bits.
    """

    def __init__(self, generation: int) -> None:
        self.generation = generation
        self.combos: list[tuple[str | None, ...]] = [(None, None, None, None)]  # 0 = no row
        self.combo_of: list[int] = [0]
        self.sectors_of: list[tuple[str, ...]] = [()]
        self.available_of: list[float] = [_NONE]
        self.all_rids: list[int] = []
        self._spaces: dict[str, _Space] = {}
        self._lock = threading.Lock()

    @classmethod
    def load(cls, con: sqlite3.Connection, generation: int) -> _Snapshot:
        snap = cls(generation)
        size = (con.execute("SELECT max(rid) FROM docs").fetchone()[0] or 0) + 1
        snap.combo_of = [0] * size
        snap.sectors_of = [()] * size
        snap.available_of = [_NONE] * size
        ids: dict[tuple[str | None, ...], int] = {}
        rows = con.execute("SELECT rid, type, kind, locality, status, available_ha FROM docs ORDER BY rid")
        for rid, *combo, available in rows:
            key = tuple(combo)
            code = ids.get(key)
            if code is None:
                code = ids[key] = len(snap.combos)
                snap.combos.append(key)
            snap.combo_of[rid] = code
            snap.available_of[rid] = _NONE if available is None else available
            snap.all_rids.append(rid)
        grouped: dict[int, list[str]] = {}
        for rid, sector in con.execute("SELECT rid, sector FROM doc_sectors ORDER BY rid, sector"):
            grouped.setdefault(rid, []).append(sector)
        for rid, sectors in grouped.items():
            snap.sectors_of[rid] = tuple(sectors)
        return snap

    def space(self, con: sqlite3.Connection, order: str, lang: str) -> _Space:
        """The bitmaps laid out in one sort order (built on first use, then kept for the generation)."""
        key = f"{order}:{lang}"
        with self._lock:
            space = self._spaces.get(key)
            if space is None:
                sql = f"SELECT d.rid FROM docs d ORDER BY {_SORT_SQL[order].format(lang=lang)}"  # noqa: S608
                space = self._spaces[key] = _Space(self, [rid for (rid,) in con.execute(sql)])
        return space

    # --- filtering and counting -----------------------------------------------------------------

    def select(self, space: _Space, rids: list[int] | None, spec: FilterSpec, wanted: list[str]) -> _Selection:
        """Filter the match set (`None`: every document) and count facets. Facets are disjunctive:
        a field's own filter is left out of its counts."""
        base = space.all if rids is None else space.bitmap(rids)
        if spec.min_available_ha is not None:
            base &= space.at_least(spec.min_available_ha)
        accepted = {name: space.any_of(name, values) for name, values in spec.terms.items()}
        final = base
        for bits in accepted.values():
            final &= bits
        facets: dict[str, dict[str, int]] = {}
        for name in wanted:
            scope = base
            for field, bits in accepted.items():
                if field != name:
                    scope &= bits
            counts = ((value, (scope & bits).bit_count()) for value, bits in space.values[name].items())
            facets[name] = dict(sorted(((v, n) for v, n in counts if n), key=lambda kv: (-kv[1], kv[0])))
        return _Selection(space, final, final.bit_count(), facets)


class _Space:
    """Bitmaps over the documents in one sort order: bit i is the i-th document of `ordered`."""

    def __init__(self, snap: _Snapshot, ordered: list[int]) -> None:
        self.snap = snap
        self.ordered = ordered
        self.size = len(ordered)
        position = [0] * len(snap.combo_of)
        for index, rid in enumerate(ordered):
            position[rid] = index
        # The same numbers re-created in rowid order: FTS5 hands rowids in ascending order, so `bitmap`
        # then reads them from consecutive memory (~30% faster than chasing ints made in title order).
        self.position = array("q", position).tolist()
        self.all = (1 << self.size) - 1
        flags: dict[str, dict[str, bytearray]] = {name: {} for name in (*_SCALAR_FACETS, "sectors")}
        combos, combo_of, sectors_of = snap.combos, snap.combo_of, snap.sectors_of
        for index, rid in enumerate(ordered):
            for name, value in zip(_SCALAR_FACETS, combos[combo_of[rid]], strict=True):
                if value is not None:
                    _flags_of(flags[name], value, self.size)[index] = 1
            for sector in sectors_of[rid]:
                _flags_of(flags["sectors"], sector, self.size)[index] = 1
        self.values = {name: {v: _pack(f) for v, f in by_value.items()} for name, by_value in flags.items()}
        self._by_available: tuple[list[float], list[int], list[int]] | None = None

    def bitmap(self, rids: list[int]) -> int:
        flags = bytearray(self.size)
        position = self.position
        for rid in rids:
            flags[position[rid]] = 1
        return _pack(flags)

    def any_of(self, name: str, values: tuple[str, ...]) -> int:
        known = self.values[name]
        bits = 0
        for value in values:
            bits |= known.get(value, 0)
        return bits

    def at_least(self, minimum: float) -> int:
        """Documents with `available_ha >= minimum`: a prefix of the documents by area, descending,
        i.e. a precomputed bitmap every `_STEP` documents plus at most `_STEP - 1` single bits."""
        if self._by_available is None:
            with self.snap._lock:
                if self._by_available is None:
                    self._by_available = self._available_prefixes()
        negated, positions, prefixes = self._by_available
        count = bisect.bisect_right(negated, -minimum)
        step = count // _STEP
        packed = bytearray(-(-self.size // 8))
        for index in positions[step * _STEP : count]:
            packed[index >> 3] |= 1 << (index & 7)
        return prefixes[step] | int.from_bytes(packed, "little")

    def _available_prefixes(self) -> tuple[list[float], list[int], list[int]]:
        available_of = self.snap.available_of
        known = [(-available_of[rid], index) for index, rid in enumerate(self.ordered) if available_of[rid] != _NONE]
        known.sort()
        negated = [n for n, _ in known]
        positions = [index for _, index in known]
        prefixes = [0]
        for start in range(0, len(positions) - _STEP + 1, _STEP):
            flags = bytearray(self.size)
            for index in positions[start : start + _STEP]:
                flags[index] = 1
            prefixes.append(prefixes[-1] | _pack(flags))
        return negated, positions, prefixes

    def page(self, bits: int, limit: int, offset: int) -> list[int]:
        """The rids of set bits number `offset` … `offset + limit - 1`, lowest first."""
        return [self.ordered[i] for i in _set_bits(bits, offset, limit, self.size)]


def _flags_of(by_value: dict[str, bytearray], value: str, size: int) -> bytearray:
    flags = by_value.get(value)
    if flags is None:
        flags = by_value[value] = bytearray(size)
    return flags


_STEP = 1024
_MASKS: dict[int, tuple[int, int, int]] = {}


def _pack(flags: bytearray) -> int:
    """One byte per document (0/1) → a bitmap. Three shift-or steps gather the eight flags of each
    64-bit word into its lowest byte; the slice keeps those bytes. All big-int operations, no loop."""
    words = -(-len(flags) // 8)
    flags.extend(bytes(words * 8 - len(flags)))
    masks = _MASKS.get(words)
    if masks is None:
        masks = _MASKS[words] = tuple(
            int.from_bytes(unit.to_bytes(period // 8, "little") * (words * 64 // period), "little")
            for unit, period in ((0x3, 16), (0xF, 32), (0xFF, 64))
        )
    x = int.from_bytes(flags, "little")
    x = (x | (x >> 7)) & masks[0]
    x = (x | (x >> 14)) & masks[1]
    x = (x | (x >> 28)) & masks[2]
    return int.from_bytes(x.to_bytes(words * 8, "little")[::8], "little")


_UNPACK = [bytes((byte >> bit) & 1 for byte in range(256)) for bit in range(8)]


def _set_bits(bits: int, skip: int, limit: int, size: int) -> list[int]:
    """Positions of set bits number `skip` … `skip + limit - 1`. A few: peel the lowest bit off;
    many (a deep page): unpack to one byte per position and let `compress` scan in C."""
    if skip + limit <= 64:
        found: list[int] = []
        while bits and len(found) < skip + limit:
            low = bits & -bits
            found.append(low.bit_length() - 1)
            bits ^= low
        return found[skip:]
    packed = bits.to_bytes(-(-size // 8), "little")
    flags = bytearray(len(packed) * 8)
    for bit in range(8):
        flags[bit::8] = packed.translate(_UNPACK[bit])
    return list(islice(compress(count(), flags), skip, skip + limit))


_NONE = float("-inf")
"""Unknown available area: never >= any finite minimum."""


def _broad_page(selection: _Selection, in_title: int, limit: int, offset: int) -> list[tuple[int, float]]:
    """Relevance for a very broad query: title matches first, then the rest, each in title order."""
    space, bits = selection.space, selection.bits
    first = bits & in_title
    page = [(rid, 1.0) for rid in space.page(first, limit, offset)]
    if len(page) < limit:
        skip = max(0, offset - first.bit_count())
        page += [(rid, 0.5) for rid in space.page(bits & ~in_title, limit - len(page), skip)]
    return page


def _match_rids(con: sqlite3.Connection, match: str) -> list[int]:
    """All matching rowids. One JSON array decoded in C is ~2x faster than a row per rowid."""
    row = con.execute("SELECT json_group_array(rowid) FROM fts WHERE fts MATCH ?", (match,)).fetchone()
    return json.loads(row[0])


def _where(spec: FilterSpec) -> tuple[str, list[Any]]:
    """SQL for the filters (alias `d`), used when bm25 order has to be computed in SQLite."""
    clauses: list[str] = []
    params: list[Any] = []
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


def _ranked_page(
    con: sqlite3.Connection, match: str, spec: FilterSpec, lang: str, limit: int, offset: int
) -> list[tuple[int, float]]:
    """bm25 order. Unfiltered: FTS5 alone. Filtered: the ranked match set is MATERIALIZED first and
    then joined to `docs` (CROSS JOIN keeps that order): letting the planner drive from `docs` and probe
    FTS5 per row (`rowid = ?` / `rowid IN (…)`) re-runs MATCH per candidate, thousands of times slower."""
    if not spec.terms and spec.min_available_ha is None:
        sql = "SELECT rowid, -rank FROM fts WHERE fts MATCH ? ORDER BY rank LIMIT ? OFFSET ?"
        return con.execute(sql, (match, limit, offset)).fetchall()
    where, params = _where(spec)
    sql = (
        "WITH m(rid, score) AS MATERIALIZED (SELECT rowid, rank FROM fts WHERE fts MATCH ?)"  # noqa: S608
        f" SELECT d.rid, -m.score FROM m CROSS JOIN docs d ON d.rid = m.rid WHERE {where}"
        f" ORDER BY m.score, d.sort_{lang}, d.id LIMIT ? OFFSET ?"
    )
    return con.execute(sql, [match, *params, limit, offset]).fetchall()


def _load_docs(con: sqlite3.Connection, rids: list[int]) -> dict[int, str]:
    if not rids:
        return {}
    marks = ", ".join("?" * len(rids))
    return dict(con.execute(f"SELECT rid, doc FROM docs WHERE rid IN ({marks})", rids))  # noqa: S608


def _number(value: Any) -> float | None:
    return None if value is None else float(value)
