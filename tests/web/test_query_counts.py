"""SELECTs per public page: a fixed number, on the seeded data and on a catalogue ten times larger, and no
query whose parameters grow with the catalogue (no `IN (…)` list of every zone id). A regression (a query
per row, a whole-catalogue list in a query) fails here before it shows in `make bench`."""

from __future__ import annotations

from sqlalchemy import event

from portal.catalogue.demo import add_synthetic
from portal.catalogue.service import MAX_IN
from portal.events import public_data_changed

#: path → the most SELECTs it may take on the seeded data (today's count: a new query per page shows here)
BUDGET = {
    "/vi/": 2,
    # total, facets and order, the page's land sums and zone sectors, kept per generation (and filters, zone ids): the
    # generation, the page's zones, their facts
    "/vi/zones": 3,
    "/en/zones?kind=kcn&sort=name": 3,
    "/vi/zones/kcn-tran-de": 5,
    "/vi/map": 2,  # the order of every zone and the page's land sums per generation: the generation, the zones
    "/vi/targets": 4,
    "/vi/compare?zones=kcn-tran-de,kcn-an-nghiep": 5,
    "/vi/sectors": 1,
    "/vi/open-data": 0,
    "/sitemap.xml": 2,  # the zones, and the sectors with a page (one UNION)
    "/api/v1/zones": 5,
    "/api/v1/zones/kcn-tran-de": 2,
    "/api/v1/compare?zones=kcn-tran-de,kcn-an-nghiep": 4,
    "/api/v1/zones.csv": 9,  # the generation (for the ETag), then the body
    "/api/v1/zones.json": 9,
    "/api/v1/plots.csv": 3,  # the generation, the newest plot, the rows (streamed)
    "/api/v1/plots.json": 3,
    "/api/v1/zones.geojson": 6,
    "/api/v1/plots.geojson": 3,
    "/api/v1/sectors.json": 1,
    "/vi/search?q=kcn": 2,  # the generation and (once per generation) the sectors; the hits come from the index
    "/vi/match": 1,  # the sector catalogue's summary (its rows cached per generation), no zone
    # the catalogue's summary, the generation, the shown zones' public facts (sectors, every zone's ranking data
    # and the land sums per generation)
    "/vi/match?sectors=1020&land_ha=5": 3,
    "POST /api/v1/match": 3,
}
#: the body of each POST in BUDGET
BODIES = {"POST /api/v1/match": {"sectors": ["1020"], "land_ha": 5}}
PAGES = list(BUDGET)


class Queries:
    def __init__(self) -> None:
        self.statements: list[tuple[str, int]] = []

    def __call__(self, _conn, _cursor, statement, parameters, _context, _executemany) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            size = len(parameters) if isinstance(parameters, (list, tuple, dict)) else 0
            self.statements.append((statement, size))


def _measure(client, db_engine, path: str) -> tuple[int, int]:
    queries = Queries()
    event.listen(db_engine, "before_cursor_execute", queries)
    try:
        response = client.post(path[5:], json=BODIES[path]) if path in BODIES else client.get(path)
    finally:
        event.remove(db_engine, "before_cursor_execute", queries)
    assert response.status_code == 200, (path, response.status_code)
    return len(queries.statements), max((n for _, n in queries.statements), default=0)


def _all(client, db_engine) -> dict[str, tuple[int, int]]:
    for path in PAGES:  # first requests warm what is cached per catalogue generation
        client.post(path[5:], json=BODIES[path]) if path in BODIES else client.get(path)
    return {path: _measure(client, db_engine, path) for path in PAGES}


def _grow(db, zones: int) -> None:
    with db.write() as w:
        add_synthetic(w, zones=zones, plots=zones * 10, seed=zones)
        public_data_changed(w, ["catalogue:test"])


def test_selects_per_page_do_not_grow_with_the_catalogue(client, db, db_engine):
    seeded = _all(client, db_engine)
    over = {p: n for p, (n, _) in seeded.items() if n > BUDGET[p]}
    assert not over, f"more SELECTs than the page's budget on the seeded data: {over}"
    _grow(db, 60)  # every kind of zone and branch of the pages present (operating zones, plots, sectors)
    medium = _all(client, db_engine)
    _grow(db, 540)  # ten times as many
    large = _all(client, db_engine)
    report = "\n".join(f"{p}: {seeded[p]} / {medium[p]} / {large[p]} (selects, most parameters)" for p in PAGES)
    grown = [p for p in PAGES if large[p][0] > medium[p][0] or large[p][1] > max(medium[p][1], MAX_IN + 5)]
    assert not grown, f"grows with the catalogue (seeded / +60 zones / +600 zones):\n{report}"
