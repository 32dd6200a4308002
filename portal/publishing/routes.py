"""Staff publishing pages under /{lang}/staff/: dashboard, zones, plots, revisions, import and export.

Thin: parse the form (schemas), call the service, render. Every route needs a staff (or admin) user.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from fastapi import APIRouter, HTTPException, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from portal import clock
from portal import data as refdata
from portal.accounts.deps import StaffUser
from portal.audit.service import client_address
from portal.catalogue import labels as catalogue_labels
from portal.catalogue import service as catalogue
from portal.catalogue.models import Plot, Zone
from portal.db import DatabaseDep, SessionDep
from portal.i18n import Lang, translate
from portal.maps.service import location
from portal.places.service import reference_places
from portal.publishing import exports, importer, imports, labels, plots, service, zones
from portal.publishing.importer import PlanRow
from portal.publishing.schemas import (
    CURRENCIES,
    PLOT_FIELDS,
    PRICE_UNITS,
    ZONE_SCALAR_FIELDS,
    Parsed,
    form_value,
    parse_plot_form,
    parse_zone_form,
)
from portal.versioning import service as versioning
from portal.web import forms as web_forms
from portal.web.formdata import FormDep
from portal.web.render import render

router = APIRouter(prefix="/{lang}", include_in_schema=False)


def _ctx(**extra: Any) -> dict[str, Any]:
    return {"labels": labels, "clabels": catalogue_labels, "local_time": clock.local_time, **extra}


def _stale_message(lang: str, err: versioning.StaleEdit) -> str:
    when = clock.local_time(err.at)
    if err.deleted:
        return translate(
            lang,
            "Deleted by %(who)s at %(when)s — go back to the list.",
            who=err.by or "?",
            when=when.strftime("%Y-%m-%d %H:%M") if when else "?",
        )
    return translate(
        lang,
        "Changed by %(who)s at %(when)s — reload the page to see their version.",
        who=err.by or translate(lang, "another user"),
        when=when.strftime("%Y-%m-%d %H:%M") if when else "?",
    )


def _service_error(lang: str, err: service.PublishingError) -> str:
    return translate(lang, err.message, **err.params)


def _on_top(session, form: FormData, data, *, version: int, object_type: str, object_id, current: Callable[[], dict]):
    """(expected version, data to save). When the user read the other changes and saves on top of them
    (`confirm_version` newer than the form's version), their untouched fields keep the other's values."""
    confirm = form.get("confirm_version")
    if confirm and str(confirm).isdigit() and int(str(confirm)) > version:
        merged = versioning.merge_on_top(
            session,
            object_type=object_type,
            object_id=object_id,
            base_version=version,
            current=current(),
            mine=data.model_dump(),
        )
        return int(str(confirm)), type(data)(**merged)
    return version, data


def _zone_or_404(session, slug: str) -> Zone:
    zone = zones.get_zone(session, slug=slug)
    if zone is None:
        raise HTTPException(status_code=404)
    return zone


# --- zones ------------------------------------------------------------------------------------------


@router.get("/staff/zones")
def zone_list(request: Request, lang: Lang, session: SessionDep, user: StaffUser):
    rows = zones.list_zones(session)
    return render(request, lang, "publishing/zones.html", _ctx(zones=rows, land=catalogue.land_figures(session, rows)))


def _zone_form_page(
    request,
    lang,
    session,
    zone: Zone,
    *,
    values: dict[str, Any],
    errors: dict[str, list[str]],
    version: int,
    status_code: int = 200,
    stale: str | None = None,
    theirs=None,
    saved: str | None = None,
):
    return render(
        request,
        lang,
        "publishing/zone_edit.html",
        _ctx(
            zone=zone,
            values=values,
            errors=errors,
            version=version,
            stale=stale,
            theirs=theirs or [],
            saved=saved,
            sectors=catalogue.list_sectors(session),
            status_options=[(k, translate(lang, v)) for k, v in catalogue_labels.STATUS.items()],
            wastewater_options=[(k, translate(lang, v)) for k, v in catalogue_labels.WASTEWATER.items()],
            locality_options=[(k, refdata.locality_name(k, lang)) for k in refdata.localities()],
            names=versioning.actor_names(session, theirs or []),
            map_point=location(zone),
            default_point=dict(reference_places()).get("soc-trang"),
            tile_url=request.app.state.settings.tile_url,
        ),
        status_code=status_code,
    )


@router.get("/staff/zones/{slug}/edit")
def zone_edit(request: Request, lang: Lang, slug: str, session: SessionDep, user: StaffUser, saved: str | None = None):
    zone = _zone_or_404(session, slug)
    current = zones.zone_values(session, zone)
    values: dict[str, Any] = {k: form_value(v) for k, v in current.items() if k != "priority_sectors"}
    values["priority_sectors"] = current["priority_sectors"]
    return _zone_form_page(
        request,
        lang,
        session,
        zone,
        values=values,
        errors={},
        version=zone.version,
        saved=saved if saved in ("draft", "published", "unchanged") else None,
    )


@router.post("/staff/zones/{slug}/edit")
def zone_save(
    request: Request, lang: Lang, slug: str, session: SessionDep, db: DatabaseDep, user: StaffUser, form: FormDep
):
    zone = _zone_or_404(session, slug)
    version = web_forms.version(form)
    raw = {k: form.get(k) for k in ZONE_SCALAR_FIELDS}
    sectors = [str(s) for s in form.getlist("priority_sectors")]
    parsed: Parsed = parse_zone_form(
        raw,
        sectors=sectors,
        localities=refdata.localities(),
        known_sectors=catalogue.sector_codes(session),
        today=clock.today(),
    )
    page = partial(_zone_form_page, request, lang, session)
    if parsed.errors:
        return page(zone, values=parsed.values, errors=parsed.errors.localize(lang), version=version, status_code=422)
    expected, data = _on_top(
        session,
        form,
        parsed.value,
        version=version,
        object_type="zone",
        object_id=zone.id,
        current=lambda: zones.zone_values(session, zone),
    )
    publish = form.get("action") == "publish"
    try:
        with db.write() as w:
            changes = zones.update_zone(
                w,
                zone=w.get(Zone, zone.id),
                data=data,
                expected_version=expected,
                actor=user,
                publish=publish,
                address=client_address(request),
            )
    except versioning.StaleEdit as err:
        session.rollback()  # end the read snapshot: show the version that won
        zone = _zone_or_404(session, slug)
        theirs = versioning.revisions_since(session, object_type="zone", object_id=zone.id, version=version)
        stale = _stale_message(lang, err)
        return page(zone, values=parsed.values, errors={}, version=version, status_code=409, stale=stale, theirs=theirs)
    state = ("published" if publish else "draft") if changes else "unchanged"
    return RedirectResponse(f"/{lang}/staff/zones/{zone.slug}/edit?saved={state}", status_code=303)


@router.get("/staff/zones/{slug}/history")
def zone_history(request: Request, lang: Lang, slug: str, session: SessionDep, user: StaffUser):
    zone = _zone_or_404(session, slug)
    revs = versioning.revisions(session, object_type="zone", object_id=zone.id)
    return render(
        request,
        lang,
        "publishing/history.html",
        _ctx(zone=zone, plot=None, revisions=revs, names=versioning.actor_names(session, revs)),
    )


# --- plots ------------------------------------------------------------------------------------------


@router.get("/staff/zones/{slug}/plots")
def plot_list(request: Request, lang: Lang, slug: str, session: SessionDep, user: StaffUser, saved: str | None = None):
    zone = _zone_or_404(session, slug)
    return render(
        request,
        lang,
        "publishing/plots.html",
        _ctx(
            zone=zone,
            plots=plots.list_plots(session, zone=zone),
            land=catalogue.land_figures(session, [zone])[zone.id],
            units=PRICE_UNITS,
            saved=saved if saved in ("created", "updated", "deleted", "unchanged") else None,
        ),
    )


def _plot_form_page(
    request,
    lang,
    session,
    zone: Zone,
    plot: Plot | None,
    *,
    values,
    errors,
    version=None,
    status_code=200,
    stale=None,
    theirs=None,
):
    return render(
        request,
        lang,
        "publishing/plot_form.html",
        _ctx(
            zone=zone,
            plot=plot,
            values=values,
            errors=errors,
            version=version,
            stale=stale,
            theirs=theirs or [],
            names=versioning.actor_names(session, theirs or []),
            currencies=CURRENCIES,
            units=PRICE_UNITS,
        ),
        status_code=status_code,
    )


def _plot_or_404(session, zone: Zone, plot_id: int) -> Plot:
    plot = plots.get_plot(session, zone=zone, plot_id=plot_id)
    if plot is None:
        raise HTTPException(status_code=404)
    return plot


def _plot_to_change(w, plot_id: int) -> Plot:
    """The plot as the write transaction sees it; deleted since the page was read → StaleEdit."""
    plot = w.get(Plot, plot_id)
    if plot is None:
        by, at = versioning.last_change(w, object_type="plot", object_id=plot_id)
        raise versioning.StaleEdit(
            object_type="plot", object_id=plot_id, current_version=None, by=by, at=at, deleted=True
        )
    return plot


@router.get("/staff/zones/{slug}/plots/new")
def plot_new(request: Request, lang: Lang, slug: str, session: SessionDep, user: StaffUser):
    zone = _zone_or_404(session, slug)
    values = {k: "" for k in PLOT_FIELDS} | {"status": "available"}
    return _plot_form_page(request, lang, session, zone, None, values=values, errors={})


@router.post("/staff/zones/{slug}/plots/new")
def plot_create(
    request: Request, lang: Lang, slug: str, session: SessionDep, db: DatabaseDep, user: StaffUser, form: FormDep
):
    zone = _zone_or_404(session, slug)
    parsed = parse_plot_form({k: form.get(k) for k in PLOT_FIELDS})
    page = partial(_plot_form_page, request, lang, session)
    if parsed.errors:
        return page(zone, None, values=parsed.values, errors=parsed.errors.localize(lang), status_code=422)
    try:
        with db.write() as w:
            plots.create_plot(
                w, zone=w.get(Zone, zone.id), data=parsed.value, actor=user, address=client_address(request)
            )
    except service.PublishingError as err:
        session.rollback()  # end the read snapshot
        zone = _zone_or_404(session, slug)
        return page(zone, None, values=parsed.values, errors={err.field: [_service_error(lang, err)]}, status_code=422)
    return RedirectResponse(f"/{lang}/staff/zones/{zone.slug}/plots?saved=created", status_code=303)


@router.get("/staff/zones/{slug}/plots/{plot_id}/edit")
def plot_edit(request: Request, lang: Lang, slug: str, plot_id: int, session: SessionDep, user: StaffUser):
    zone = _zone_or_404(session, slug)
    plot = _plot_or_404(session, zone, plot_id)
    values = {k: form_value(v) for k, v in plots.plot_values(plot).items()}
    return _plot_form_page(request, lang, session, zone, plot, values=values, errors={}, version=plot.version)


@router.post("/staff/zones/{slug}/plots/{plot_id}/edit")
def plot_save(
    request: Request,
    lang: Lang,
    slug: str,
    plot_id: int,
    session: SessionDep,
    db: DatabaseDep,
    user: StaffUser,
    form: FormDep,
):
    zone = _zone_or_404(session, slug)
    plot = _plot_or_404(session, zone, plot_id)
    version = web_forms.version(form)
    parsed = parse_plot_form({k: form.get(k) for k in PLOT_FIELDS})
    page = partial(_plot_form_page, request, lang, session, values=parsed.values, version=version)
    if parsed.errors:
        return page(zone, plot, errors=parsed.errors.localize(lang), status_code=422)
    expected, data = _on_top(
        session,
        form,
        parsed.value,
        version=version,
        object_type="plot",
        object_id=plot.id,
        current=lambda: plots.plot_values(plot),
    )
    try:
        with db.write() as w:
            changes = plots.update_plot(
                w,
                plot=_plot_to_change(w, plot.id),
                data=data,
                expected_version=expected,
                actor=user,
                address=client_address(request),
            )
    except versioning.StaleEdit as err:
        session.rollback()  # end the read snapshot: show the version that won
        zone = _zone_or_404(session, slug)
        current = plots.get_plot(session, zone=zone, plot_id=plot_id)
        theirs = versioning.revisions_since(session, object_type="plot", object_id=plot_id, version=version)
        return page(zone, current or plot, errors={}, status_code=409, stale=_stale_message(lang, err), theirs=theirs)
    except service.PublishingError as err:
        session.rollback()  # end the read snapshot
        zone = _zone_or_404(session, slug)
        return page(zone, plot, errors={err.field: [_service_error(lang, err)]}, status_code=422)
    return RedirectResponse(
        f"/{lang}/staff/zones/{zone.slug}/plots?saved={'updated' if changes else 'unchanged'}", status_code=303
    )


@router.get("/staff/zones/{slug}/plots/{plot_id}/delete")
def plot_delete_confirm(request: Request, lang: Lang, slug: str, plot_id: int, session: SessionDep, user: StaffUser):
    zone = _zone_or_404(session, slug)
    plot = _plot_or_404(session, zone, plot_id)
    return render(request, lang, "publishing/plot_delete.html", _ctx(zone=zone, plot=plot, error=None))


@router.post("/staff/zones/{slug}/plots/{plot_id}/delete")
def plot_delete(
    request: Request,
    lang: Lang,
    slug: str,
    plot_id: int,
    session: SessionDep,
    db: DatabaseDep,
    user: StaffUser,
    form: FormDep,
):
    zone = _zone_or_404(session, slug)
    plot = _plot_or_404(session, zone, plot_id)
    version = web_forms.version(form)
    try:
        with db.write() as w:
            plots.delete_plot(
                w,
                plot=_plot_to_change(w, plot.id),
                expected_version=version,
                actor=user,
                address=client_address(request),
            )
    except versioning.StaleEdit as err:
        session.rollback()  # end the read snapshot
        zone = _zone_or_404(session, slug)
        plot = _plot_or_404(session, zone, plot_id) if not err.deleted else plot
        return render(
            request,
            lang,
            "publishing/plot_delete.html",
            _ctx(zone=zone, plot=plot, error=_stale_message(lang, err)),
            status_code=409,
        )
    except service.PublishingError as err:
        session.rollback()  # end the read snapshot
        zone = _zone_or_404(session, slug)
        plot = _plot_or_404(session, zone, plot_id)
        return render(
            request,
            lang,
            "publishing/plot_delete.html",
            _ctx(zone=zone, plot=plot, error=_service_error(lang, err)),
            status_code=409,
        )
    return RedirectResponse(f"/{lang}/staff/zones/{zone.slug}/plots?saved=deleted", status_code=303)


@router.get("/staff/zones/{slug}/plots/{plot_id}/history")
def plot_history(request: Request, lang: Lang, slug: str, plot_id: int, session: SessionDep, user: StaffUser):
    zone = _zone_or_404(session, slug)
    revs = versioning.revisions(session, object_type="plot", object_id=plot_id)
    plot = plots.get_plot(session, zone=zone, plot_id=plot_id)
    if plot is None and not revs:
        raise HTTPException(status_code=404)
    return render(
        request,
        lang,
        "publishing/history.html",
        _ctx(zone=zone, plot=plot, plot_id=plot_id, revisions=revs, names=versioning.actor_names(session, revs)),
    )


# --- import / export ----------------------------------------------------------------------------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(body: bytes, filename: str, media_type: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


def _import_page(request, lang, *, kind="plots", problems=None, status_code=200, result=None):
    return render(
        request,
        lang,
        "publishing/import.html",
        _ctx(
            kind=kind,
            problems=problems or [],
            columns=importer.COLUMNS,
            help=importer.COLUMN_HELP,
            max_mb=importer.MAX_BYTES // (1024 * 1024),
            result=result,
        ),
        status_code=status_code,
    )


@router.get("/staff/import")
def import_form(request: Request, lang: Lang, user: StaffUser, kind: str = "plots", done: str | None = None):
    result = None
    if done:
        parts = done.split("-")
        if len(parts) == 4 and all(p.isdigit() for p in parts):
            result = dict(zip(("created", "updated", "unchanged", "skipped"), map(int, parts), strict=True))
    return _import_page(request, lang, kind=kind if kind in importer.KINDS else "plots", result=result)


@router.post("/staff/import")
def import_upload(request: Request, lang: Lang, session: SessionDep, db: DatabaseDep, user: StaffUser, form: FormDep):
    kind = web_forms.text(form, "kind", 40)
    upload = form.get("file")
    if kind not in importer.KINDS:
        return _import_page(
            request, lang, problems=[translate(lang, "Choose what the file contains.")], status_code=422
        )
    if not isinstance(upload, UploadFile) and not hasattr(upload, "read"):
        return _import_page(
            request,
            lang,
            kind=kind,
            status_code=422,
            problems=[translate(lang, "Choose a CSV or XLSX file to upload.")],
        )
    data = upload.file.read(importer.MAX_BYTES + 1)
    try:  # the dry run reads and parses outside the write; only its plan is stored
        plan = imports.plan_upload(session, data=data, kind=kind)
    except importer.ImportRefused as err:
        status = 413 if len(data) > importer.MAX_BYTES else 422
        return _import_page(request, lang, kind=kind, problems=[p.text(lang) for p in err.problems], status_code=status)
    with db.write() as w:
        pending = imports.create_pending_import(
            w, plan=plan, kind=kind, filename=getattr(upload, "filename", "") or "", owner=user
        )
    return RedirectResponse(f"/{lang}/staff/import/{pending.id}", status_code=303)


def _template_rows(kind: str) -> list[str]:
    return importer.COLUMNS[kind]


@router.get("/staff/import/template.csv")
def import_template_csv(lang: Lang, user: StaffUser, kind: str = "plots"):
    kind = kind if kind in importer.KINDS else "plots"
    return _download(importer.write_csv(_template_rows(kind), []), f"{kind}-template.csv", "text/csv; charset=utf-8")


@router.get("/staff/import/template.xlsx")
def import_template_xlsx(lang: Lang, user: StaffUser, kind: str = "plots"):
    kind = kind if kind in importer.KINDS else "plots"
    help_rows = [(c, translate(lang, importer.COLUMN_HELP[c])) for c in importer.COLUMNS[kind]]
    body = importer.write_xlsx(
        _template_rows(kind), [], help_rows=help_rows, sheet=kind, help_title=translate(lang, "Columns")
    )
    return _download(body, f"{kind}-template.xlsx", XLSX)


def _pending_or_404(session, import_id: str, user):
    pending = imports.get_pending_import(session, import_id=import_id, owner=user)
    if pending is None:
        raise HTTPException(status_code=404, detail=None)
    return pending


def _preview(request, lang, pending, *, problems=None, status_code=200):
    plan = [PlanRow.from_json(r) for r in pending.rows]
    summary: dict[str, int] = {}
    for row in plan:
        summary[row.action] = summary.get(row.action, 0) + 1
    return render(
        request,
        lang,
        "publishing/import_preview.html",
        _ctx(
            pending=pending,
            plan=plan,
            summary=summary,
            problems=problems or [],
            has_errors=any(r.action == "error" for r in plan),
        ),
        status_code=status_code,
    )


@router.get("/staff/import/{import_id}")
def import_preview(request: Request, lang: Lang, import_id: str, session: SessionDep, user: StaffUser):
    return _preview(request, lang, _pending_or_404(session, import_id, user))


@router.post("/staff/import/{import_id}/apply")
def import_apply(
    request: Request, lang: Lang, import_id: str, session: SessionDep, db: DatabaseDep, user: StaffUser, form: FormDep
):
    pending = _pending_or_404(session, import_id, user)
    skip = web_forms.checked(form, "skip_bad_rows")
    kind = pending.kind
    try:
        with db.write() as w:
            result = imports.apply_pending_import(
                w,
                pending=_pending_or_404(w, import_id, user),
                actor=user,
                skip_bad_rows=skip,
                address=client_address(request),
            )
    except imports.ImportBlocked as err:
        session.rollback()  # end the read snapshot
        pending = _pending_or_404(session, import_id, user)
        texts = [(p.row, p.field, p.text(lang)) for p in err.problems]
        return _preview(request, lang, pending, problems=texts, status_code=409)
    done = f"{result.created}-{result.updated}-{result.unchanged}-{result.skipped}"
    return RedirectResponse(f"/{lang}/staff/import?kind={kind}&done={done}", status_code=303)


@router.post("/staff/import/{import_id}/discard")
def import_discard(request: Request, lang: Lang, import_id: str, db: DatabaseDep, user: StaffUser):
    with db.write() as w:
        pending = _pending_or_404(w, import_id, user)
        imports.discard_pending_import(w, pending=pending)
    return RedirectResponse(f"/{lang}/staff/import?kind={pending.kind}", status_code=303)


@router.get("/staff/export/plots.csv")
def export_plots_csv(lang: Lang, session: SessionDep, user: StaffUser):
    return _download(
        importer.write_csv(importer.PLOT_COLUMNS, exports.export_plot_rows(session)),
        "plots.csv",
        "text/csv; charset=utf-8",
    )


@router.get("/staff/export/plots.xlsx")
def export_plots_xlsx(lang: Lang, session: SessionDep, user: StaffUser):
    return _download(
        importer.write_xlsx(importer.PLOT_COLUMNS, exports.export_plot_rows(session), sheet="plots"), "plots.xlsx", XLSX
    )


@router.get("/staff/export/zones.csv")
def export_zones_csv(lang: Lang, session: SessionDep, user: StaffUser):
    return _download(
        importer.write_csv(importer.ZONE_EXPORT_COLUMNS, exports.export_zone_rows(session)),
        "zones.csv",
        "text/csv; charset=utf-8",
    )


@router.get("/staff/export/zones.xlsx")
def export_zones_xlsx(lang: Lang, session: SessionDep, user: StaffUser):
    return _download(
        importer.write_xlsx(importer.ZONE_EXPORT_COLUMNS, exports.export_zone_rows(session), sheet="zones"),
        "zones.xlsx",
        XLSX,
    )
