"""Benchmark the local FTS5 engine against a plain `LIKE '%…%'` scan over the same rows.

    .venv/bin/python tests/bench/search_bench.py [--n 100000] [--rounds 2] [--like-budget 60]

1. Generates N synthetic documents (deterministic seed): Vietnamese-like names built from syllables
   with diacritics ("Khu công nghiệp Đại Ngãi 123"), plots and sectors, random kind, locality, status,
   sectors and areas, texts of 12–40 words in each language.
2. Indexes them into a LocalEngine in a temporary directory (prints time and docs/s).
3. Runs a fixed mixed query set (>= 200 queries: single words, two-word names with and without
   diacritics, prefixes, with and without filters, empty queries with facets), every query asking for
   all five facets and one page of 20, after one warm-up pass; prints p50/p95/p99/mean in ms.
4. Runs the same queries as the naive implementation: a plain table with the same folded text, each
   token `LIKE '%tok%'` AND-ed, filters in WHERE, COUNT(*), one page ORDER BY title, and one GROUP BY
   per facet. It is slow, so it runs within a time budget (--like-budget seconds) on an evenly spread
   subset; the speed-up compares the same subset of queries on both sides.

This is a script, not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from search.local import LocalEngine
from search.query import index_text, parse_filters, parse_terms, sort_title

FACETS = ["type", "kind", "locality", "status", "sectors"]


def _words(text: str) -> list[str]:
    return text.split()


SYLLABLES = _words(
    "An Lạc Thôn Trần Đề Đại Ngãi Sông Hậu Mỹ Xuyên Kế Sách Long Phú Châu Thành Vĩnh Ngã Năm Thạnh Trị "
    "Cù Lao Dung Xây Đá Hòa Tú Phước Lợi Bình Tân Hưng Khánh Gia Nhơn Đông Hải Liêu Lịch Hội Viên Kiến "
    "Hiệp Lai Thới Mỹ Phụng Hiệp Tài Văn Viên An Ba Trinh Nhu Gia Đôn Trung Thuận Hựu Quới"
)
WORDS_VI = _words(
    "khu công nghiệp cụm kinh tế cảng biển nước sâu hạ tầng giao thông đường bộ thủy điện gió "
    "nhà máy xử lý nước thải tập trung chế biến thủy sản nông sản lúa gạo tôm cá dệt may da giày "
    "cơ khí năng lượng tái tạo logistics kho bãi đất trống cho thuê giá ưu đãi đầu tư thuế "
    "doanh nghiệp lao động đào tạo nghề điện nước viễn thông tuyến quốc lộ ven sông quy hoạch "
    "mở rộng giai đoạn hoàn thành phê duyệt vận hành xây dựng bồi thường giải phóng mặt bằng"
)
WORDS_EN = _words(
    "industrial park cluster economic zone deep water port infrastructure road transport wind power "
    "plant wastewater treatment central seafood processing rice shrimp fish textile garment footwear "
    "mechanical renewable energy logistics warehouse vacant land lease price incentive investment tax "
    "enterprise labour vocational training electricity telecom national highway riverside planning "
    "expansion phase completed approved operating construction compensation site clearance"
)
SECTOR_NAMES = [
    ("Chế biến, bảo quản thủy sản", "Processing and preserving of fish"),
    ("Hoàn thiện sản phẩm dệt", "Finishing of textiles"),
    ("Sản xuất điện gió", "Wind power generation"),
    ("Xay xát và sản xuất bột thô", "Manufacture of grain mill products"),
    ("Sản xuất giày dép", "Manufacture of footwear"),
    ("Kho bãi và lưu giữ hàng hóa", "Warehousing and storage"),
]
ZONE_KINDS = [("kcn", "Khu công nghiệp", "Industrial Park"), ("ccn", "Cụm công nghiệp", "Industrial Cluster")]
ZONE_KINDS += [("kkt", "Khu kinh tế", "Economic Zone")]
LOCALITIES = "soc-trang chau-thanh ke-sach long-phu my-tu my-xuyen nga-nam thanh-tri tran-de vinh-chau cu-lao-dung"
STATUSES = ["operating", "building", "planned", "expansion-planned", "approved", "available", "leased"]
SECTOR_CODES = [f"{c:04d}" for c in range(1010, 3300, 47)]


# --- documents ------------------------------------------------------------------------------------


def generate(n: int, seed: int = 20240603) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    localities = LOCALITIES.split()
    for i in range(n):
        roll = rng.random()
        place = " ".join(rng.sample(SYLLABLES, 2))
        kind, kind_vi, kind_en = rng.choice(ZONE_KINDS)
        available = None if rng.random() < 0.3 else round(rng.uniform(0, 200), 1)
        doc: dict[str, Any] = {
            "kind": kind,
            "locality": rng.choice(localities),
            "status": rng.choice(STATUSES),
            "sectors": sorted(set(rng.sample(SECTOR_CODES, rng.randint(1, 3)))),
            "available_ha": available,
            "total_ha": round(rng.uniform(5, 500), 1) if rng.random() < 0.9 else None,
            "text_vi": " ".join(rng.choices(WORDS_VI + SYLLABLES, k=rng.randint(12, 40))),
            "text_en": " ".join(rng.choices(WORDS_EN, k=rng.randint(12, 40))),
        }
        if roll < 0.2:
            doc.update(type="zone", title_vi=f"{kind_vi} {place} {i}", title_en=f"{place} {kind_en} {i}")
        elif roll < 0.9:
            lot = f"{rng.choice('ABCDEFGH')}{rng.randint(1, 60)}"
            doc.update(
                type="plot", title_vi=f"Lô {lot} – {kind_vi} {place}", title_en=f"Plot {lot} – {place} {kind_en}"
            )
        else:
            vi, en = rng.choice(SECTOR_NAMES)
            doc.update(type="sector", title_vi=f"{vi} {place}", title_en=f"{en} {i}", kind=None, locality=None)
            doc.update(status=None, available_ha=None, total_ha=None)
        doc["slug"] = f"{doc['type']}-{i}"
        doc["id"] = f"{doc['type']}:{i}"
        yield doc


# --- queries ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    text: str
    filters: dict[str, Any]


def make_queries(seed: int = 7) -> list[Query]:
    rng = random.Random(seed)
    localities = LOCALITIES.split()
    texts: list[str] = []
    texts += rng.sample(SYLLABLES, 30)  # single words with diacritics ("Trần")
    texts += [index_text(s) for s in rng.sample(SYLLABLES, 20)]  # single words folded ("tran")
    texts += [" ".join(rng.sample(SYLLABLES, 2)) for _ in range(30)]  # two-word names
    texts += [index_text(" ".join(rng.sample(SYLLABLES, 2))) for _ in range(30)]  # … without diacritics
    texts += [index_text(s)[:3] for s in rng.sample(SYLLABLES, 15)]  # prefixes ("tra")
    texts += [f"{index_text(a)} {index_text(b)[:2]}" for a, b in (rng.sample(SYLLABLES, 2) for _ in range(15))]
    texts += ["khu công nghiệp", "cum cong nghiep", "thủy sản", "nuoc thai", "cang bien", "wind power"]
    texts += ["industrial park", "seafood", "kho bãi", "logistics", "dệt may", "điện gió", "lô a1", "đất trống"]
    queries = [Query(t, {}) for t in texts]
    for _ in range(50):  # with filters
        filters: dict[str, Any] = {}
        for name, values in (("kind", ["kcn", "ccn", "kkt"]), ("locality", localities), ("status", STATUSES)):
            if rng.random() < 0.4:
                filters[name] = rng.sample(values, rng.randint(1, 2))
        if rng.random() < 0.3:
            filters["sectors"] = [rng.choice(SECTOR_CODES)]
        if rng.random() < 0.3:
            filters["min_available_ha"] = rng.choice([5, 20, 50, 100])
        queries.append(Query(rng.choice(texts), filters or {"type": ["zone"]}))
    queries += [Query("", {})] * 2  # browse: landing page
    for _ in range(18):  # browse with filters
        queries.append(Query("", {"locality": [rng.choice(localities)], "type": [rng.choice(["zone", "plot"])]}))
    return queries


# --- the naive baseline ---------------------------------------------------------------------------


def build_plain(path: Path, docs: list[dict[str, Any]]) -> sqlite3.Connection:
    con = sqlite3.connect(path)
    con.executescript(
        "CREATE TABLE plain (rid INTEGER PRIMARY KEY, id TEXT, type TEXT, kind TEXT, locality TEXT,"
        " status TEXT, available_ha REAL, sort_vi TEXT, folded TEXT, doc TEXT);"
        "CREATE TABLE plain_sectors (sector TEXT, rid INTEGER);"
    )
    for rid, d in enumerate(docs, 1):
        folded = index_text(d["title_vi"], d["title_en"], d["slug"], d["text_vi"], d["text_en"])
        con.execute(
            "INSERT INTO plain VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (rid, d["id"], d["type"], d["kind"], d["locality"], d["status"], d["available_ha"],
             sort_title(d["title_vi"]), folded, repr(d)),
        )  # fmt: skip
        con.executemany("INSERT INTO plain_sectors VALUES (?, ?)", [(s, rid) for s in d["sectors"]])
    con.execute("CREATE INDEX plain_sectors_rid ON plain_sectors(rid)")
    con.commit()
    return con


def like_query(con: sqlite3.Connection, q: Query) -> int:
    """The "before" implementation: substring scans, COUNT, one page, GROUP BY per facet."""
    clauses, params = [], []
    for word in parse_terms(q.text).words:
        clauses.append("p.folded LIKE ?")
        params.append(f"%{word}%")
    spec = parse_filters(q.filters)
    for name, values in spec.terms.items():
        marks = ", ".join("?" * len(values))
        if name == "sectors":
            clauses.append(f"p.rid IN (SELECT rid FROM plain_sectors WHERE sector IN ({marks}))")  # noqa: S608
        else:
            clauses.append(f"p.{name} IN ({marks})")
        params += values
    if spec.min_available_ha is not None:
        clauses.append("p.available_ha >= ?")
        params.append(spec.min_available_ha)
    where = " AND ".join(clauses) or "1"
    total = con.execute(f"SELECT count(*) FROM plain p WHERE {where}", params).fetchone()[0]  # noqa: S608
    con.execute(f"SELECT doc FROM plain p WHERE {where} ORDER BY sort_vi LIMIT 20", params).fetchall()  # noqa: S608
    for field in FACETS[:4]:
        con.execute(f"SELECT {field}, count(*) FROM plain p WHERE {where} GROUP BY 1", params).fetchall()  # noqa: S608
    con.execute(
        "SELECT s.sector, count(*) FROM plain p JOIN plain_sectors s ON s.rid = p.rid"  # noqa: S608
        f" WHERE {where} GROUP BY 1",
        params,
    ).fetchall()
    return total


# --- measuring ------------------------------------------------------------------------------------


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def summary(label: str, ms: list[float]) -> str:
    return (
        f"{label:<28} n={len(ms):<4} p50={percentile(ms, 50):8.2f}  p95={percentile(ms, 95):8.2f}"
        f"  p99={percentile(ms, 99):8.2f}  mean={statistics.fmean(ms):8.2f}  max={max(ms):8.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000, help="number of synthetic documents")
    parser.add_argument("--rounds", type=int, default=2, help="timed passes over the query set")
    parser.add_argument("--like-budget", type=float, default=60.0, help="seconds for the LIKE baseline")
    parser.add_argument("--queries", type=int, default=0, help="use only the first N queries (0 = all)")
    args = parser.parse_args()

    print(f"SQLite {sqlite3.sqlite_version}, Python {sys.version.split()[0]}")
    docs = list(generate(args.n))
    queries = make_queries()
    if args.queries:
        queries = queries[: args.queries]
    with tempfile.TemporaryDirectory() as tmp:
        engine = LocalEngine(Path(tmp) / "search.db")
        seconds = timed(lambda: engine.index(docs)) / 1000
        print(f"indexed {len(docs)} docs in {seconds:.1f} s ({len(docs) / seconds:,.0f} docs/s)")
        seconds = timed(engine.optimize) / 1000
        print(f"optimize + ANALYZE: {seconds:.1f} s; index file {_size(Path(tmp))}")

        def run(q: Query) -> Any:
            return engine.query(q.text, filters=q.filters, facets=FACETS, per_page=20)

        totals = [run(q).total for q in queries]  # warm-up
        fts_ms: list[list[float]] = [[] for _ in queries]
        for _ in range(args.rounds):
            for i, q in enumerate(queries):
                fts_ms[i].append(timed(lambda q=q: run(q)))
        per_query = [min(ms) for ms in fts_ms]
        all_ms = [t for ms in fts_ms for t in ms]
        print(f"{len(queries)} queries x {args.rounds} rounds, all with 5 facets and a page of 20")
        print(f"  median matches per query: {statistics.median(totals):,.0f}; max {max(totals):,}")
        print(summary("FTS5 (all timed runs)", all_ms))
        for label, keep in (("<= 5,000 matches", lambda t: t <= 5_000), ("> 5,000 matches", lambda t: t > 5_000)):
            bucket = [t for ms, total in zip(fts_ms, totals, strict=True) if keep(total) for t in ms]
            if bucket:
                print(summary(f"  {label}", bucket))
        _slowest(queries, per_query, totals)
        engine.close()

        plain = build_plain(Path(tmp) / "plain.db", docs)
        step = 1
        first = timed(lambda: like_query(plain, queries[0]))
        expected = max(1, int(args.like_budget * 1000 / max(first, 1.0)))
        if expected < len(queries):
            step = -(-len(queries) // expected)
        subset = list(range(0, len(queries), step))
        like_ms: list[float] = []
        like_totals: list[int] = []
        for i in subset:
            like_ms.append(timed(lambda i=i: like_totals.append(like_query(plain, queries[i]))))
            assert like_totals[-1] >= totals[i], "LIKE (substring) matches a superset of FTS (words)"
        plain.close()
        note = "" if step == 1 else f" (every {step}th query: {len(subset)} of {len(queries)}, time budget)"
        print(f"LIKE baseline{note}")
        same = [per_query[i] for i in subset]
        print(summary("FTS5 same subset (best run)", same))
        print(summary("LIKE scan", like_ms))
        print(
            f"speed-up: p50 LIKE/FTS = {percentile(like_ms, 50) / percentile(same, 50):,.0f}x;"
            f" mean LIKE/FTS = {statistics.fmean(like_ms) / statistics.fmean(same):,.0f}x"
        )


def _slowest(queries: list[Query], per_query: list[float], totals: list[int]) -> None:
    worst = sorted(range(len(queries)), key=lambda i: per_query[i], reverse=True)[:5]
    for i in worst:
        print(f"    slow: {per_query[i]:7.2f} ms  {queries[i].text!r:<24} {queries[i].filters}  ({totals[i]:,} hits)")


def _size(directory: Path) -> str:
    return f"{sum(p.stat().st_size for p in directory.iterdir()) / 1e6:.0f} MB"


if __name__ == "__main__":
    main()
