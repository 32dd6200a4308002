"""Targets dashboard: /{lang}/targets — each resolution target, its citation, and the current value
computed from the catalogue and the registry (or why it cannot be computed yet); and the staff overview
(/{lang}/staff/)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from portal import clock
from portal.accounts.deps import StaffUser
from portal.catalogue import labels as catalogue_labels
from portal.dashboard import present, service, staff
from portal.db import SessionDep
from portal.facts.service import today
from portal.i18n import Lang
from portal.publishing import labels as publishing_labels
from portal.web.render import render

router = APIRouter(prefix="/{lang}", include_in_schema=False)


@router.get("/targets")
def targets_page(request: Request, lang: Lang, session: SessionDep):
    targets = service.list_targets(session)
    groups = present.grouped(targets, lang, year=today().year, measured=service.measured_metrics(session))
    return render(request, lang, "dashboard/targets.html", {"groups": groups, "year": today().year})


@router.get("/staff/")
def staff_dashboard(request: Request, lang: Lang, session: SessionDep, user: StaffUser):
    return render(
        request,
        lang,
        "publishing/dashboard.html",
        {
            "labels": publishing_labels,
            "clabels": catalogue_labels,
            "local_time": clock.local_time,
            "counts": staff.counts(session),
            "events": staff.recent_changes(session),
            "user": user,
        },
    )
