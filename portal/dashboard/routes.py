"""Targets dashboard: /{lang}/targets — each resolution target, its citation, and the current value
computed from the catalogue and the registry (or why it cannot be computed yet)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from portal.dashboard import present, service
from portal.db import SessionDep
from portal.facts.service import today
from portal.i18n import Lang
from portal.web.render import render

router = APIRouter(prefix="/{lang}", include_in_schema=False)


@router.get("/targets")
def targets_page(request: Request, lang: Lang, session: SessionDep):
    targets = service.list_targets(session)
    groups = present.grouped(targets, lang, year=today().year, measured=service.measured_metrics(session))
    return render(request, lang, "dashboard/targets.html", {"groups": groups, "year": today().year})
