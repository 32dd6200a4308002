"""Public pipeline page /{lang}/pipeline and its CSV /api/v1/pipeline.csv. Thin."""

from __future__ import annotations

import csv
import io

from fastapi import APIRouter, Request
from fastapi.responses import Response

from portal.db import SessionDep
from portal.i18n import Lang, fmt_number, translate
from portal.intake import labels as intake_labels
from portal.pipeline import service
from portal.web.render import render

router = APIRouter(prefix="/{lang}", include_in_schema=False)
api = APIRouter(tags=["open data"])


def _figures(request: Request, session) -> service.Pipeline:
    return service.figures(session, holidays=frozenset(request.app.state.settings.review_holidays))


def _label(lang: str, key: str) -> str:
    year, number = key.split("-Q")
    return translate(lang, "Q%(n)s %(year)s", n=number, year=year)


@router.get("/pipeline")
def pipeline_page(request: Request, lang: Lang, session: SessionDep):
    pipeline = _figures(request, session)
    quarters = pipeline.quarters
    charts = {
        "received": service.bar_chart(
            "received",
            translate(lang, "Proposals received"),
            [(_label(lang, r.key), r.received, fmt_number(r.received, lang)) for r in quarters],
        ),
        "refused": service.bar_chart(
            "refused",
            translate(lang, "Refused by the pre-screening"),
            [
                (_label(lang, r.key), r.verdicts.get("refuse", 0), fmt_number(r.verdicts.get("refuse", 0), lang))
                for r in quarters
            ],
        ),
        "accepted": service.bar_chart(
            "accepted",
            translate(lang, "Accepted in principle"),
            [(_label(lang, r.key), r.accepted, fmt_number(r.accepted, lang)) for r in quarters],
        ),
        "median": service.bar_chart(
            "median",
            translate(lang, "Median working days to a decision"),
            [
                (
                    _label(lang, r.key),
                    r.median_days,
                    fmt_number(r.median_days, lang, 1) if r.median_days is not None else "—",
                )
                for r in quarters
            ],
        ),
    }
    return render(
        request,
        lang,
        "pipeline/pipeline.html",
        {
            "pipeline": pipeline,
            "charts": charts,
            "quarter_label": lambda key: _label(lang, key),
            "verdict_labels": intake_labels.VERDICT,
        },
    )


@api.get(
    "/pipeline.csv",
    summary="Proposals, verdicts, refusals by rule, acceptances and time to decision per quarter",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "One row per quarter (Vietnam time)"}},
)
def pipeline_csv(request: Request, session: SessionDep):
    rows = service.csv_rows(_figures(request, session))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=service.CSV_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="pipeline.csv"'},
    )
