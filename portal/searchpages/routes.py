"""`/{lang}/search` and `GET /api/v1/search`: parse, query the engine, render. The engine being down
is not an error for the rest of the site: the page says so politely, the API answers 503."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from portal.catalogue import labels
from portal.catalogue import service as catalogue
from portal.catalogue.models import PlotStatus, ZoneKind, ZoneStatus
from portal.db import SessionDep, release
from portal.i18n import N_, Lang
from portal.numbers import parse_decimal
from portal.web import pagecache
from portal.web.caching import StampedLRU
from portal.web.render import render
from search.engine import SearchUnavailable
from search.text import tokens

router = APIRouter(prefix="/{lang}", include_in_schema=False)
api = APIRouter(tags=["search"])

FACETS = ["type", "kind", "locality", "status", "sectors"]
PER_PAGE = 20
MAX_QUERY = 500
#: Sector facet entries shown at once; the rest are behind "More sectors".
SECTOR_FACET_TOP = 8
#: The document types that carry the sectors of the catalogue (a sector's own page only names itself).
CATALOGUE_TYPES = ("zone", "plot")


@dataclass
class ParsedSearch:
    filters: dict = field(default_factory=dict)
    errors: list[tuple[str, str, str]] = field(default_factory=list)


def parse_search(params: list[tuple[str, str]], *, localities: set[str], sectors: set[str]) -> ParsedSearch:
    allowed = {
        "type": {"zone", "plot", "sector"},
        "kind": {k.value for k in ZoneKind},
        "status": {s.value for s in ZoneStatus} | {p.value for p in PlotStatus},
        "locality": localities,
        "sector": sectors,
    }
    out = ParsedSearch()
    for name, raw in params:
        value = raw.strip()
        if not value:
            continue
        if name in allowed:
            if value in allowed[name]:
                key = "sectors" if name == "sector" else name
                out.filters.setdefault(key, [])
                if value not in out.filters[key]:
                    out.filters[key].append(value)
            else:
                out.errors.append((name, value, N_("Unknown value")))
        elif name == "min_available_ha":
            try:
                number = parse_decimal(value)
            except ValueError:
                out.errors.append((name, value, N_("Not a number")))
                continue
            if not 0 <= number <= 100_000:
                out.errors.append((name, value, N_("Must be between 0 and 100,000 ha")))
                continue
            out.filters["min_available_ha"] = number
    return out


def _engine(request: Request):
    return request.app.state.search_worker.engine


def _rebuild_if_damaged(request: Request) -> None:
    """A damaged index is rebuilt by the sync worker; wake it now rather than at its next round."""
    worker = request.app.state.search_worker
    if getattr(worker.engine, "corrupt", False):
        worker.kick()


def sector_facet(engine, q: str, filters: dict, result, lang: str) -> dict[str, int]:
    """The sector facet of the page: how many parks, clusters, the economic zone and plots among the results
    have each sector (the sectors that occur in the catalogue's results, not one entry per VSIC class). When
    only sector pages are asked for, their own counts."""
    types = filters.get("type")
    primary = dict(result.facets.get("sectors", {}))
    if types and all(t in CATALOGUE_TYPES for t in types):
        return primary  # the results are zones and plots only
    carrying = [t for t in (types or CATALOGUE_TYPES) if t in CATALOGUE_TYPES]
    if not carrying:
        return primary  # only sector pages were asked for
    counted = engine.query(q, filters={**filters, "type": carrying}, facets=["sectors"], per_page=1, lang=lang)
    return dict(counted.facets.get("sectors", {}))


def split_sectors(counts: dict[str, int], active: list[str], top: int = SECTOR_FACET_TOP):
    """(shown, more): the most frequent sectors first (then by code), the chosen ones always shown."""
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    shown = ordered[:top] + [kv for kv in ordered[top:] if kv[0] in active]
    more = [kv for kv in ordered[top:] if kv[0] not in active]
    return shown, more


class Answers:
    """The engine's answers kept per catalogue generation, keyed by the query as the engines read it (its
    folded words: "Trần Đề", "tran  de" and "TRAN ĐE" are one entry) with the filters, page and language.
    An answer is kept only for a generation the index is current for (`settled`), and served only at it."""

    def __init__(self, max_entries: int = 512) -> None:
        self._entries = StampedLRU(max_entries)

    @staticmethod
    def key(kind: str, q: str, filters: dict, page: int, lang: str) -> tuple:
        folded = tuple((k, tuple(sorted(v)) if isinstance(v, list) else v) for k, v in sorted(filters.items()))
        return kind, " ".join(tokens(q)), folded, page, lang

    def answer(self, key: tuple, settled: int | None, ask):
        """`ask()`'s value, from the store when it holds one for generation `settled`."""
        if settled is None:
            return ask()
        return self._entries.fetch(key, settled, ask)


def _answers(request: Request) -> Answers:
    """The app's store of answers (one per app: its engine, its database)."""
    answers = getattr(request.app.state, "search_answers", None)
    if answers is None:
        answers = request.app.state.search_answers = Answers()
    return answers


def _worker_settled(request: Request, session) -> int | None:
    """The catalogue generation the index is current for (no change waiting for it), else None."""
    return request.app.state.search_worker.settled_generation(session)


def _confirm(request: Request, settled: int | None) -> None:
    """The engine answered from an index holding every change up to generation `settled`: the page cache may
    keep the page for that generation (not when changes were still waiting for the index)."""
    if settled is not None:
        pagecache.store_at_generation(request, settled)


def _known(session):
    known = catalogue.known_values(session)
    return known["locality"], known["sector"]


@router.get("/search")
def search_page(request: Request, lang: Lang, session: SessionDep, q: str = "", page: int = 1):
    q = q[:MAX_QUERY]
    localities, sectors = _known(session)
    parsed = parse_search(list(request.query_params.multi_items()), localities=localities, sectors=sectors)
    sector_names = catalogue.sectors_by_code(session)
    settled = _worker_settled(request, session)
    release(session)  # no database connection is held while the engine answers (or hangs)
    result, unavailable, sectors_shown, sectors_more = None, False, [], []
    page = min(max(page, 1), 1000)

    def ask():
        engine = _engine(request)
        found = engine.query(q, filters=parsed.filters, facets=FACETS, page=page, per_page=PER_PAGE, lang=lang)
        return found, sector_facet(engine, q, parsed.filters, found, lang)

    try:
        result, counts = _answers(request).answer(Answers.key("page", q, parsed.filters, page, lang), settled, ask)
        sectors_shown, sectors_more = split_sectors(counts, parsed.filters.get("sectors", []))
    except SearchUnavailable:
        unavailable = True
        _rebuild_if_damaged(request)
    else:
        _confirm(request, settled)
    keep = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]
    return render(
        request,
        lang,
        "search/results.html",
        {
            "query": q,
            "result": result,
            "unavailable": unavailable,
            "errors": parsed.errors,
            "filters": parsed.filters,
            "keep": keep,
            "labels": labels,
            "sector_names": sector_names,
            "sectors_shown": sectors_shown,
            "sectors_more": sectors_more,
        },
        status_code=200,
    )


class HitOut(BaseModel):
    id: str
    type: str
    title: str
    snippet: str
    score: float
    url: str


class SearchOut(BaseModel):
    query: str
    total: int
    page: int
    pages: int
    hits: list[HitOut]
    facets: dict[str, dict[str, int]]


def hit_url(hit, lang: str) -> str:
    if hit.type == "sector":
        return f"/{lang}/sectors/{hit.slug}"
    if hit.type == "plot":
        return f"/{lang}/zones/{hit.slug}#plots"
    return f"/{lang}/zones/{hit.slug}"


@api.get(
    "/search",
    response_model=SearchOut,
    summary="Full-text search with facets (diacritics ignored)",
    responses={503: {"description": "Search engine temporarily unavailable"}},
)
def search_api(
    request: Request,
    session: SessionDep,
    q: str = Query("", max_length=MAX_QUERY, description="words; the last one matches as a prefix"),
    type: list[str] | None = Query(None, description="zone, plot or sector"),
    kind: list[str] | None = Query(None),
    locality: list[str] | None = Query(None),
    status: list[str] | None = Query(None),
    sector: list[str] | None = Query(None),
    min_available_ha: float | None = Query(None, ge=0, le=100_000),
    lang: str = Query("vi", pattern="^(vi|en)$"),
    page: int = Query(1, ge=1, le=1000),
):
    localities, sectors = _known(session)
    parsed = parse_search(list(request.query_params.multi_items()), localities=localities, sectors=sectors)
    if parsed.errors:
        raise HTTPException(
            status_code=422,
            detail=[
                {"loc": ["query", name], "msg": f"{message}: {value!r}", "type": "value_error"}
                for name, value, message in parsed.errors
            ],
        )
    settled = _worker_settled(request, session)
    release(session)  # no database connection is held while the engine answers (or hangs)

    def ask():
        return _engine(request).query(q, filters=parsed.filters, facets=FACETS, page=page, per_page=PER_PAGE, lang=lang)

    try:
        result = _answers(request).answer(Answers.key("api", q, parsed.filters, page, lang), settled, ask)
    except SearchUnavailable:
        _rebuild_if_damaged(request)
        return JSONResponse(
            {"detail": "Search temporarily unavailable"}, status_code=503, headers={"Retry-After": "30"}
        )
    _confirm(request, settled)
    return SearchOut(
        query=q,
        total=result.total,
        page=result.page,
        pages=result.pages,
        facets=result.facets,
        hits=[
            HitOut(id=h.id, type=h.type, title=h.title, snippet=h.snippet, score=h.score, url=hit_url(h, lang))
            for h in result.hits
        ],
    )
