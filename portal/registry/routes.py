"""Registry pages: staff list/add/edit under /{lang}/staff/registry, the public /{lang}/registry, and the
JSON /api/v1/registry/projects (published projects on published zones only)."""

from __future__ import annotations

from functools import partial
from types import SimpleNamespace
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from portal import clock
from portal.accounts.deps import StaffUser
from portal.audit.service import client_address
from portal.catalogue import service as catalogue
from portal.catalogue.models import Zone
from portal.db import DatabaseDep, SessionDep
from portal.i18n import Lang, translate
from portal.publishing import labels as publishing_labels
from portal.publishing.schemas import CURRENCIES, form_value
from portal.registry import labels, service
from portal.registry.schemas import FORM_FIELDS, ProjectList, countries, parse_project_form
from portal.versioning import service as versioning
from portal.web import forms
from portal.web.formdata import FormDep
from portal.web.forms import Errors
from portal.web.render import render

router = APIRouter(prefix="/{lang}", include_in_schema=False)
api = APIRouter(tags=["registry"])


def _ctx(session, lang: str, **extra) -> dict[str, Any]:
    zones = catalogue.all_zones(session, include_unpublished=True)
    return {
        "labels": labels,
        "plabels": publishing_labels,
        "local_time": clock.local_time,
        "zones": zones,
        "zone_by_id": {z.id: z for z in zones},
        "plot_options": service.plot_choices(session),
        "sectors": catalogue.list_sectors(session),
        "countries": countries(lang),
        "currencies": CURRENCIES,
        **extra,
    }


@router.get("/staff/registry")
def staff_list(request: Request, lang: Lang, session: SessionDep, user: StaffUser, saved: str | None = None):
    projects = service.list_projects(session)
    return render(
        request,
        lang,
        "registry/staff_list.html",
        _ctx(
            session,
            lang,
            projects=projects,
            saved=saved if saved in ("created", "updated", "unchanged") else None,
            totals=service.registry_totals(session, published_only=False),
            sector_names=service.sectors_by_code(session, {p.sector_code for p in projects}),
            cases=service.proposal_references(session, projects),
        ),
    )


def _form_page(request, lang, session, *, project, values, errors, version=None, status_code=200, stale=None):
    return render(
        request,
        lang,
        "registry/form.html",
        _ctx(
            session,
            lang,
            project=project,
            values=values,
            errors=errors,
            version=version,
            stale=stale,
            cases=service.proposal_references(session, [project] if project is not None else []),
        ),
        status_code=status_code,
    )


def _values_of(project) -> dict[str, str]:
    values = {k: form_value(getattr(project, k, None)) for k in FORM_FIELDS if k not in ("zone",)}
    return values


@router.get("/staff/registry/new")
def project_new(request: Request, lang: Lang, session: SessionDep, user: StaffUser):
    values = dict.fromkeys(FORM_FIELDS, "") | {"status": "licensed"}
    return _form_page(request, lang, session, project=None, values=values, errors={})


def _parse(session, form: FormData):
    zones, plots, sectors = service.form_choices(session)
    return parse_project_form({k: form.get(k) for k in FORM_FIELDS}, zones=zones, plots=plots, sectors=sectors)


def _error(lang: str, err: service.RegistryError) -> dict[str, list[str]]:
    return Errors.one(err.field, err.message, **err.params).localize(lang)


@router.post("/staff/registry/new")
def project_create(request: Request, lang: Lang, session: SessionDep, db: DatabaseDep, user: StaffUser, form: FormDep):
    parsed = _parse(session, form)
    page = partial(_form_page, request, lang, session, project=None, values=parsed.values)
    if parsed.errors:
        return page(errors=parsed.errors.localize(lang), status_code=422)
    try:
        with db.write() as w:
            project = service.create_project(w, data=parsed.value, actor=user, address=client_address(request))
    except service.RegistryError as err:
        return page(errors=_error(lang, err), status_code=422)
    return RedirectResponse(f"/{lang}/staff/registry?saved=created#project-{project.id}", status_code=303)


def _project_or_404(session, project_id: int):
    project = service.get_project(session, project_id=project_id)
    if project is None:
        raise HTTPException(status_code=404)
    return project


def _project_to_change(w, project_id: int):
    """The project as the write transaction sees it; deleted since the page was read → StaleEdit."""
    project = service.get_project(w, project_id=project_id)
    if project is None:
        by, at = versioning.last_change(w, object_type="project", object_id=project_id)
        raise versioning.StaleEdit(
            object_type="project", object_id=project_id, current_version=None, by=by, at=at, deleted=True
        )
    return project


@router.get("/staff/registry/{project_id}/edit")
def project_edit(request: Request, lang: Lang, project_id: int, session: SessionDep, user: StaffUser):
    project = _project_or_404(session, project_id)
    values = _values_of(project)
    zone = session.get(Zone, project.zone_id)
    values["zone"] = zone.slug if zone else ""
    return _form_page(request, lang, session, project=project, values=values, errors={}, version=project.version)


@router.post("/staff/registry/{project_id}/edit")
def project_save(
    request: Request, lang: Lang, project_id: int, session: SessionDep, db: DatabaseDep, user: StaffUser, form: FormDep
):
    project = _project_or_404(session, project_id)
    version = forms.version(form)
    parsed = _parse(session, form)
    page = partial(_form_page, request, lang, session, values=parsed.values, version=version)
    if parsed.errors:
        return page(project=project, errors=parsed.errors.localize(lang), status_code=422)
    try:
        with db.write() as w:
            changes = service.update_project(
                w,
                project=_project_to_change(w, project_id),
                data=parsed.value,
                expected_version=version,
                actor=user,
                address=client_address(request),
            )
    except versioning.StaleEdit as err:
        session.rollback()  # end the read snapshot: show the version that won
        project = _project_or_404(session, project_id)
        when = clock.local_time(err.at)
        message = translate(
            lang,
            "Changed by %(who)s at %(when)s — reload the page to see their version.",
            who=err.by or translate(lang, "another user"),
            when=when.strftime("%Y-%m-%d %H:%M") if when else "?",
        )
        return page(project=project, errors={}, status_code=409, stale=message)
    except service.RegistryError as err:
        return page(project=project, errors=_error(lang, err), status_code=422)
    state = "updated" if changes else "unchanged"
    return RedirectResponse(f"/{lang}/staff/registry?saved={state}#project-{project.id}", status_code=303)


@router.get("/staff/registry/{project_id}/history")
def project_history(request: Request, lang: Lang, project_id: int, session: SessionDep, user: StaffUser):
    project = _project_or_404(session, project_id)
    revs = versioning.revisions(session, object_type="project", object_id=project.id)
    merged = SimpleNamespace(FIELD={**publishing_labels.FIELD, **labels.FIELD}, ACTION=publishing_labels.ACTION)
    return render(
        request,
        lang,
        "registry/history.html",
        {
            "project": project,
            "revisions": revs,
            "names": versioning.actor_names(session, revs),
            "labels": merged,
            "local_time": clock.local_time,
        },
    )


@router.get("/registry")
def public_registry(request: Request, lang: Lang, session: SessionDep):
    groups = service.public_by_zone(session)
    codes = {p.sector_code for g in groups for p in g.projects}
    return render(
        request,
        lang,
        "registry/public.html",
        {
            "groups": groups,
            "sector_names": service.sectors_by_code(session, codes),
            "labels": labels,
            "totals": service.registry_totals(session),
        },
    )


@api.get(
    "/registry/projects",
    response_model=ProjectList,
    summary="Registered investment projects the province publishes (published projects only)",
)
def api_projects(session: SessionDep):
    items = service.public_projects(session)
    return ProjectList(total=len(items), items=items)
