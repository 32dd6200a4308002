"""Compare 2–4 zones side by side: /{lang}/compare?zones=a,b,c (stable, shareable) and
GET /api/v1/compare?zones=a,b,c.

Building a list without JavaScript: `?pick=a,b&add=c` (the "add to compare" links and the form on
the page) redirects to `?zones=a,b,c` once two or more zones are chosen, and shows the picker
(status 200) while fewer are. A `zones=` list that is wrong answers 400 naming the problem.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse

from portal.catalogue import labels
from portal.catalogue import service as catalogue
from portal.catalogue.present import zone_public
from portal.compare import service
from portal.compare.service import MAX_ZONES, CompareProblem
from portal.db import SessionDep
from portal.facts import present as facts_present
from portal.i18n import Lang, translate
from portal.places.service import AUTHORITY
from portal.web.render import render

router = APIRouter(prefix="/{lang}", include_in_schema=False)
api = APIRouter(tags=["compare"])


def compare_url(lang: str, slugs: list[str]) -> str:
    if len(slugs) >= service.MIN_ZONES:
        return f"/{lang}/compare?zones={quote(','.join(slugs), safe=',')}"
    if slugs:
        return f"/{lang}/compare?pick={quote(','.join(slugs), safe=',')}"
    return f"/{lang}/compare"


def _page(
    request: Request,
    lang: str,
    session,
    *,
    chosen: list[str],
    problems: list[CompareProblem],
    comparison=None,
    status_code: int = 200,
):
    unique = list(dict.fromkeys(chosen))
    names = {z.slug: z for z in catalogue.zones_by_slug(session, unique[: MAX_ZONES * 2])}
    chosen_zones = [names[s] for s in unique if s in names]
    chosen_slugs = [z.slug for z in chosen_zones]
    removal = {s: compare_url(lang, [x for x in chosen_slugs if x != s]) for s in chosen_slugs}
    unknown = service.unknown_rows(comparison) if comparison else []
    here = compare_url(lang, chosen_slugs)
    return render(
        request,
        lang,
        "compare/compare.html",
        {
            "comparison": comparison,
            "problems": problems,
            "chosen": chosen_zones,
            "removal": removal,
            "pick": ",".join(chosen_slugs),
            "max_zones": MAX_ZONES,
            "labels": labels,
            "options": service.options(session, exclude=chosen_slugs, lang=lang),
            "share_url": request.app.state.settings.base_url + compare_url(lang, chosen_slugs) if comparison else None,
            "hidden_rows": [translate(lang, r.label) for r in unknown],
            "hidden_keys": {r.key for r in unknown},
            "show_all": request.query_params.get("rows") == "all",
            "all_url": here + "&rows=all#compare-hidden",
            "less_url": here,
            "fact_view": lambda f: facts_present.view(f, lang),
            "old_authority": AUTHORITY["before_vi"],
        },
        status_code=status_code,
    )


@router.get("/compare")
def compare_page(
    request: Request,
    lang: Lang,
    session: SessionDep,
    zones: str | None = None,
    pick: str | None = None,
    add: str | None = None,
):
    params = request.query_params
    if "pick" in params or "add" in params:
        merged = service.add_slug(service.parse_slugs(pick if pick is not None else zones), add)
        known = service.published_slugs(session, merged)
        problems = [p for p in service.check(merged, known) if p.code != "too_few"]
        if problems:
            return _page(
                request, lang, session, chosen=[s for s in merged if s in known], problems=problems, status_code=400
            )
        if len(merged) >= service.MIN_ZONES:
            return RedirectResponse(compare_url(lang, merged), status_code=303)
        return _page(request, lang, session, chosen=merged, problems=[])
    if zones is None:
        return _page(request, lang, session, chosen=[], problems=[])
    slugs = service.parse_slugs(zones)
    known = service.published_slugs(session, slugs)
    problems = service.check(slugs, known)
    if problems:
        return _page(
            request,
            lang,
            session,
            chosen=[s for s in slugs if s in known][:MAX_ZONES],
            problems=problems,
            status_code=400,
        )
    comparison = service.compare(session, slugs=slugs)
    return _page(request, lang, session, chosen=slugs, problems=[], comparison=comparison)


@api.get(
    "/compare",
    summary="Compare 2 to 4 published zones",
    description="`zones`: 2 to 4 zone slugs separated by commas, each once. A wrong list answers 400 "
    "with one entry per problem (too_few, too_many, unknown, duplicate) naming the slugs.",
    responses={400: {"description": "The list of zones is wrong; `detail` names each problem"}},
)
def api_compare(
    request: Request,
    session: SessionDep,
    zones: str = Query(..., max_length=service.MAX_PARAM_LENGTH, description="e.g. kcn-tran-de,kcn-song-hau"),
):
    slugs = service.parse_slugs(zones)
    problems = service.check(slugs, service.published_slugs(session, slugs))
    if problems:
        return JSONResponse(
            {
                "detail": [
                    {"loc": ["query", "zones"], "type": p.code, "msg": p.message % p.params, "slugs": list(p.slugs)}
                    for p in problems
                ]
            },
            status_code=400,
        )
    comparison = service.compare(session, slugs=slugs)
    sectors = catalogue.zone_sectors(session, [z.id for z in comparison.zones])
    slugs_by_id = catalogue.parent_slugs(session, comparison.zones)
    base = request.app.state.settings.base_url
    items = [
        zone_public(
            z, comparison.land[z.id], sectors[z.id], parent_slug=slugs_by_id.get(z.parent_id), base_url=base
        ).model_dump(mode="json")
        for z in comparison.zones
    ]
    return {
        "zones": items,
        "differing_fields": service.differing_fields(comparison),
        "url_vi": base + compare_url("vi", slugs),
        "url_en": base + compare_url("en", slugs),
    }
