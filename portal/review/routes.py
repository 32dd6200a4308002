"""Review pages (/{lang}/review/…, screeners and admins only) and the investor's answer / withdraw forms
(/{lang}/proposals/status/{token}/…, opened by the tracking token alone). Thin: parse → service → render.

Every state-changing form posts a CSRF token (checked app-wide). An illegal transition answers a 409 page
that says what state the case is in and what was attempted.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from functools import partial
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from portal.accounts.deps import ScreenerUser
from portal.accounts.schemas import local_time
from portal.audit.service import client_address
from portal.catalogue.models import Zone
from portal.db import DatabaseDep, SessionDep
from portal.i18n import N_, Lang, translate
from portal.intake import labels as intake_labels
from portal.intake import service as intake
from portal.intake import uploads
from portal.intake.models import Proposal
from portal.intake.tracking import PRIVATE_HEADERS, proposal_by_token
from portal.registry import labels as registry_labels
from portal.registry import service as registry
from portal.review import service
from portal.review.queue import Rules
from portal.review.schemas import (
    QUEUE_SORTS,
    AnswerForm,
    AssignForm,
    BilingualText,
    CommentForm,
    DecisionForm,
    InvestorWithdrawForm,
    QueueFilters,
)
from portal.review.workflow import ACTION_LABELS, STATE_LABELS, IllegalTransition, event_label
from portal.screening import service as screening
from portal.web import forms as web_forms
from portal.web.formdata import FormDep
from portal.web.forms import Errors
from portal.web.render import render

router = APIRouter(prefix="/{lang}", include_in_schema=False)

NOTICES = {
    "bulk": N_("The cases were assigned."),
    "assigned": N_("The case was assigned."),
    "started": N_("The review has started."),
    "comment": N_("The comment was added."),
    "info": N_("The information request was sent to the investor."),
    "resumed": N_("The review has resumed."),
    "accepted": N_("The proposal was accepted and recorded in the project registry."),
    "refused": N_("The proposal was refused."),
    "withdrawn": N_("The proposal was recorded as withdrawn."),
    "rescreened": N_("The proposal was screened again under the current ruleset."),
}
TEMPLATE_USES = ("request_info", "accept", "refuse", "withdraw")


def _helpers() -> dict:
    return {
        "state_labels": STATE_LABELS,
        "action_labels": ACTION_LABELS,
        "event_label": event_label,
        "il": intake_labels,
        "local_time": local_time,
        "registry_labels": registry_labels,
    }


def _conflict(request: Request, lang: str, err: IllegalTransition, *, back: str):
    return render(
        request,
        lang,
        "review/conflict.html",
        {
            "state": err.state,
            "action": err.action,
            "back": back,
            **_helpers(),
        },
        status_code=409,
    )


def _proposal_or_404(session, proposal_id: int) -> Proposal:
    proposal = service.get(session, proposal_id=proposal_id)
    if proposal is None:
        raise HTTPException(status_code=404)
    return proposal


def _case_url(lang: str, proposal: Proposal, done: str | None = None, anchor: str = "") -> str:
    return f"/{lang}/review/{proposal.id}" + (f"?done={done}" if done else "") + anchor


# --- queue ---------------------------------------------------------------------------------------------


def _rules(request: Request) -> Rules:
    return Rules.from_settings(request.app.state.settings)


@router.get("/review")
@router.get("/review/")
def queue(request: Request, lang: Lang, session: SessionDep, user: ScreenerUser):
    filters, errors = QueueFilters.parse(list(request.query_params.multi_items()))
    result = service.list_queue(session, filters=filters, me=user.id, page=filters.page, rules=_rules(request))
    done = request.query_params.get("done", "")
    count = request.query_params.get("n", "")
    return render(
        request,
        lang,
        "review/queue.html",
        {
            "result": result,
            "filters": filters,
            "errors": errors.localize(lang),
            "zones": service.zones_in_queue(session),
            "screeners": service.screeners(session),
            "me": user,
            "notice": NOTICES.get(done),
            "bulk_count": int(count) if done == "bulk" and count.isdigit() else None,
            "skipped": int(s) if (s := request.query_params.get("skipped", "")).isdigit() else 0,
            "sorts": QUEUE_SORTS,
            "rules": _rules(request),
            **_helpers(),
        },
    )


CSV_COLUMNS = (
    N_("Reference"),
    N_("Company"),
    N_("Project"),
    N_("E-mail"),
    N_("Zone"),
    N_("Sectors"),
    N_("Screening verdict"),
    N_("Status"),
    N_("Submitted (Vietnam time)"),
    N_("Working days"),
    N_("Due (working days)"),
    N_("Overdue"),
    N_("Assigned to"),
)


@router.get("/review/queue.csv")
def queue_csv(request: Request, lang: Lang, session: SessionDep, user: ScreenerUser):
    """The filtered queue as CSV: the same rows, in the same order, as the list (every page)."""
    filters, _errors = QueueFilters.parse(list(request.query_params.multi_items()))
    rows = service.queue_rows(session, filters=filters, me=user.id, rules=_rules(request))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([translate(lang, c) for c in CSV_COLUMNS])
    for row in rows:
        p = row.proposal
        writer.writerow(
            [
                p.reference or p.id,
                p.company_name,
                p.project_name,
                p.contact_email,
                (row.zone.name_vi if lang == "vi" else row.zone.name_en) if row.zone else "",
                "; ".join(code for code, _vi, _en in row.sectors),
                translate(lang, intake_labels.VERDICT.get(p.verdict, p.verdict)),
                translate(lang, STATE_LABELS.get(p.status, p.status)),
                local_time(p.created_at, lang),
                row.clock.working_days if row.clock else "",
                row.clock.due_days if row.clock else "",
                translate(lang, "yes") if row.clock and row.clock.overdue else "",
                row.assignee.label if row.assignee else "",
            ]
        )
    return Response(
        "\ufeff" + out.getvalue(),  # BOM: spreadsheet programs then read UTF-8
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="review-queue.csv"', "Cache-Control": "no-store"},
    )


@router.post("/review/bulk-assign")
def bulk_assign(request: Request, lang: Lang, session: SessionDep, db: DatabaseDep, user: ScreenerUser, raw: FormDep):
    """Assign the ticked cases to one screener in one transaction; closed cases are skipped and counted."""
    form, errors = AssignForm.parse(raw, me=user.id)
    ids = sorted({int(v) for v in raw.getlist("ids") if isinstance(v, str) and v.isdigit() and len(v) < 12})
    back = web_forms.text(raw, "back", 2000)
    back = back if back.startswith("applied=") and "\n" not in back and "\r" not in back else ""
    screener = None if errors else service.get_user(session, user_id=form.screener_id)
    if not ids or screener is None:
        return RedirectResponse(f"/{lang}/review/?{back}", status_code=303)
    address = client_address(request)
    try:
        with db.write() as w:
            done, skipped = service.assign_many(
                w, proposal_ids=ids, screener=service.get_user(w, user_id=screener.id), actor=user, address=address
            )
    except service.ReviewError as err:
        raise HTTPException(status_code=400, detail=err.message) from err
    query = f"{back}&" if back else ""
    return RedirectResponse(f"/{lang}/review/?{query}done=bulk&n={done}&skipped={skipped}", status_code=303)


# --- case ------------------------------------------------------------------------------------------------


def _prefill(request: Request) -> dict[str, BilingualText]:
    """Forms prefilled from a bilingual template chosen with ?use=<form>&template=<key> (works without JS).
    `use` is request_info, decision (accept and refuse templates; sets the outcome) or withdraw."""
    use = request.query_params.get("use", "")
    key = request.query_params.get("template", "")
    if not key:
        return {}
    if use == "decision":
        for outcome in ("accept", "refuse"):
            found = service.get_template(key=key, use=outcome)
            if found is not None:
                return {"decision": DecisionForm(text_vi=found.vi, text_en=found.en, template=key, outcome=outcome)}
    elif use in ("request_info", "withdraw"):
        found = service.get_template(key=key, use=use)
        if found is not None:
            return {use: BilingualText(text_vi=found.vi, text_en=found.en, template=key)}
    return {}


def _template_choices() -> dict[str, list]:
    """The pickers' choices per form: (template, outcome it sets or "")."""
    return {
        "request_info": [(t, "") for t in service.reason_templates(use="request_info")],
        "decision": [(t, o) for o in ("accept", "refuse") for t in service.reason_templates(use=o)],
        "withdraw": [(t, "") for t in service.reason_templates(use="withdraw")],
    }


def _with_template(typed: str, template: str) -> str:
    """Nothing typed is lost: an empty field gets the template, a field with text keeps it and gets the
    template after it (unless it is already there)."""
    typed = typed.strip()
    if not typed:
        return template
    return typed if template in typed else f"{typed}\n\n{template}"


FILL_FORMS = {"request_info": "request_info", "decision": "decision", "withdraw": "withdraw"}


def _case_page(
    request: Request, lang: str, session, proposal: Proposal, user, *, forms=None, errors=None, status_code: int = 200
):
    forms = {**_prefill(request), **(forms or {})}
    history = service.screening_history(session, proposal=proposal)
    return render(
        request,
        lang,
        "review/case.html",
        {
            "p": proposal,
            "zone": intake.zone_of(session, proposal=proposal),
            "attachments": service.attachments(session, proposal=proposal),
            "assignment": service.assignment(session, proposal=proposal),
            "screeners": service.screeners(session),
            "messages": service.messages(session, proposal=proposal),
            "decisions": service.decisions(session, proposal=proposal),
            "screening": intake.findings(proposal, lang),
            "screening_history": history,
            "screening_changes": service.screening_changes(proposal, history),
            "history": service.history(session, proposal=proposal),
            "actions": service.actions_for(proposal),
            "age": service.age_days(proposal),
            "clock": service.case_clock(session, proposal=proposal, rules=_rules(request)),
            "templates": _template_choices(),
            "forms": forms,
            "errors": {key: errs.localize(lang) for key, errs in (errors or {}).items()},
            "me": user,
            "notice": NOTICES.get(request.query_params.get("done", "")),
            "users": service.users_by_id(session, proposal=proposal),
            "registry_zones": screening.published_zones(session) if proposal.zone_id is None else [],
            "project": registry.project_of_proposal(session, proposal_id=proposal.id),
            **_helpers(),
        },
        status_code=status_code,
    )


@router.post("/review/{proposal_id}/fill/{use}")
def fill_template(
    request: Request, lang: Lang, proposal_id: int, use: str, session: SessionDep, user: ScreenerUser, raw: FormDep
):
    """Without JavaScript, "Fill in" posts the whole form here: the case page comes back with what was typed
    kept and the chosen template added (writes nothing)."""
    if use not in FILL_FORMS:
        raise HTTPException(status_code=404)
    proposal = _proposal_or_404(session, proposal_id)
    key = web_forms.text(raw, "template", 80)
    template = None
    if use == "decision":
        form, _errors = DecisionForm.parse(raw)
        found = next(
            ((t, o) for o in ("accept", "refuse") if (t := service.get_template(key=key, use=o)) is not None), None
        )
        if found is not None:
            template, outcome = found
            form.outcome = form.outcome if form.outcome in ("accept", "refuse") else outcome
    else:
        form, _errors = BilingualText.parse(raw)
        template = service.get_template(key=key, use=use)
    if template is not None:
        form.text_vi = _with_template(form.text_vi, template.vi)
        form.text_en = _with_template(form.text_en, template.en)
        form.template = key
    return _case_page(request, lang, session, proposal, user, forms={FILL_FORMS[use]: form})


@router.get("/review/{proposal_id}")
def case(request: Request, lang: Lang, proposal_id: int, session: SessionDep, user: ScreenerUser):
    proposal = _proposal_or_404(session, proposal_id)
    return _case_page(request, lang, session, proposal, user)


@router.get("/review/{proposal_id}/report")
def case_report(request: Request, lang: Lang, proposal_id: int, session: SessionDep, user: ScreenerUser):
    """The case's current screening as a printable report in the screener's language."""
    proposal = _proposal_or_404(session, proposal_id)
    return render(
        request,
        lang,
        "screening/report.html",
        {"result": intake.findings(proposal, lang), "labels": intake_labels, "subject": proposal},
        headers={"Cache-Control": "no-store"},
    )


@router.get("/review/{proposal_id}/attachments/{attachment_id}")
def attachment(
    request: Request, lang: Lang, proposal_id: int, attachment_id: int, session: SessionDep, user: ScreenerUser
):
    proposal = _proposal_or_404(session, proposal_id)
    found = service.get_attachment(session, proposal=proposal, attachment_id=attachment_id)
    if found is None:
        raise HTTPException(status_code=404)
    path = service.attachment_path(request.app.state.settings.upload_dir, found)
    if path is None:
        raise HTTPException(status_code=404)
    filename = quote(found.original_name or "attachment", safe="")
    return FileResponse(
        path,
        media_type=found.content_type or "application/octet-stream",
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{filename}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


def _move_case(
    request: Request,
    lang: str,
    session,
    db,
    user,
    proposal_id: int,
    apply: Callable,
    *,
    key: str,
    form=None,
    errors=None,
    check: str | None = None,
    done: str | None = None,
    back: str | None = None,
):
    """The flow of every case-page form: `apply(write_session, proposal)` moves the case in one short
    write, then 303 back to the case (notice `done`; None: the case's new status; `back="queue"`: to the
    queue). Field errors (`errors`, or a ReviewError from the service) re-render the case page (400) with
    the form kept under `key`; an illegal move (checked first with `check` when the form has errors)
    answers the 409 page."""
    proposal = _proposal_or_404(session, proposal_id)
    try:
        if not errors:
            with db.write() as w:
                moved = _proposal_or_404(w, proposal_id)
                apply(w, moved)
            if back == "queue":
                return RedirectResponse(f"/{lang}/review/?done={done}", status_code=303)
            return RedirectResponse(_case_url(lang, moved, done or moved.status), status_code=303)
        if check is not None:
            service.transition_check(proposal, check)
    except IllegalTransition as err:
        return _conflict(request, lang, err, back=_case_url(lang, proposal))
    except service.ReviewError as err:
        errors = Errors.one(err.field, err.message)
    session.rollback()  # end the read snapshot
    proposal = _proposal_or_404(session, proposal_id)
    forms = {key: form} if form is not None else None
    return _case_page(
        request, lang, session, proposal, user, forms=forms, errors={key: errors or Errors()}, status_code=400
    )


@router.post("/review/{proposal_id}/assign")
def assign(
    request: Request,
    lang: Lang,
    proposal_id: int,
    session: SessionDep,
    db: DatabaseDep,
    user: ScreenerUser,
    raw: FormDep,
):
    form, errors = AssignForm.parse(raw, me=user.id)
    screener = None if errors else service.get_user(session, user_id=form.screener_id)
    if not errors and screener is None:
        errors = Errors.one("screener_id", N_("Choose a screener."))
    address = client_address(request)
    return _move_case(
        request,
        lang,
        session,
        db,
        user,
        proposal_id,
        lambda w, p: service.assign(
            w, proposal=p, screener=service.get_user(w, user_id=form.screener_id), actor=user, address=address
        ),
        key="assign",
        errors=errors,
        done="assigned",
        back=request.query_params.get("from"),
    )


@router.post("/review/{proposal_id}/start")
def start(request: Request, lang: Lang, proposal_id: int, session: SessionDep, db: DatabaseDep, user: ScreenerUser):
    address = client_address(request)
    return _move_case(
        request,
        lang,
        session,
        db,
        user,
        proposal_id,
        lambda w, p: service.start_review(w, proposal=p, actor=user, address=address),
        key="start",
        done="started",
    )


@router.post("/review/{proposal_id}/resume")
def resume(request: Request, lang: Lang, proposal_id: int, session: SessionDep, db: DatabaseDep, user: ScreenerUser):
    address = client_address(request)
    return _move_case(
        request,
        lang,
        session,
        db,
        user,
        proposal_id,
        lambda w, p: service.resume(w, proposal=p, actor=user, address=address),
        key="resume",
        done="resumed",
    )


@router.post("/review/{proposal_id}/rescreen")
def rescreen(request: Request, lang: Lang, proposal_id: int, session: SessionDep, db: DatabaseDep, user: ScreenerUser):
    address = client_address(request)
    return _move_case(
        request,
        lang,
        session,
        db,
        user,
        proposal_id,
        lambda w, p: service.rescreen(w, proposal=p, actor=user, address=address),
        key="rescreen",
        done="rescreened",
    )


@router.post("/review/{proposal_id}/comment")
def add_comment(
    request: Request,
    lang: Lang,
    proposal_id: int,
    session: SessionDep,
    db: DatabaseDep,
    user: ScreenerUser,
    raw: FormDep,
):
    form, errors = CommentForm.parse(raw)
    address = client_address(request)
    if not errors:
        with db.write() as w:
            proposal = _proposal_or_404(w, proposal_id)
            service.comment(w, proposal=proposal, actor=user, text=form.text, address=address)
        return RedirectResponse(_case_url(lang, proposal, "comment", "#comments"), status_code=303)
    proposal = _proposal_or_404(session, proposal_id)
    return _case_page(
        request, lang, session, proposal, user, forms={"comment": form}, errors={"comment": errors}, status_code=400
    )


_request_info_form = partial(
    BilingualText.parse,
    missing_vi=N_("Enter the message to the investor in Vietnamese."),
    missing_en=N_("Enter the message to the investor in English."),
)
_withdraw_form = partial(
    BilingualText.parse,
    missing_vi=N_("A withdrawal needs its reason in Vietnamese."),
    missing_en=N_("A withdrawal needs its reason in English."),
)


@router.post("/review/{proposal_id}/request-info")
def request_info(
    request: Request,
    lang: Lang,
    proposal_id: int,
    session: SessionDep,
    db: DatabaseDep,
    user: ScreenerUser,
    raw: FormDep,
):
    form, errors = _request_info_form(raw)
    address = client_address(request)
    return _move_case(
        request,
        lang,
        session,
        db,
        user,
        proposal_id,
        lambda w, p: service.request_info(
            w, proposal=p, text_vi=form.text_vi, text_en=form.text_en, actor=user, address=address
        ),
        key="request_info",
        form=form,
        errors=errors,
        check="request_info",
        done="info",
    )


@router.post("/review/{proposal_id}/decide")
def decide(
    request: Request,
    lang: Lang,
    proposal_id: int,
    session: SessionDep,
    db: DatabaseDep,
    user: ScreenerUser,
    raw: FormDep,
):
    form, errors = DecisionForm.parse(raw)
    address = client_address(request)
    if raw.get("step") == "summary" and not errors:
        summary = _decision_summary(request, lang, session, user, proposal_id, form)
        if summary is not None:
            return summary
    return _move_case(
        request,
        lang,
        session,
        db,
        user,
        proposal_id,
        lambda w, p: service.decide(
            w,
            proposal=p,
            outcome=form.outcome,
            reason_vi=form.text_vi,
            reason_en=form.text_en,
            land_ha=form.land_ha,
            zone_id=form.zone_id,
            actor=user,
            address=address,
        ),
        key="decision",
        form=form,
        errors=errors,
        check=form.outcome if form.outcome in ("accept", "refuse") else None,
        done=None,  # the notice names the new status
    )


def _decision_summary(request: Request, lang: str, session, user, proposal_id: int, form: DecisionForm):
    """The decision as it will be recorded, to confirm (or change: everything typed is kept). None when the
    case cannot take this decision now (the normal flow then answers the 409 page)."""
    proposal = _proposal_or_404(session, proposal_id)
    try:
        service.transition_check(proposal, form.outcome)
    except IllegalTransition:
        return None
    zone = intake.zone_of(session, proposal=proposal)
    if zone is None and form.zone_id is not None:
        zone = session.get(Zone, form.zone_id)
    return render(
        request,
        lang,
        "review/confirm.html",
        {
            "p": proposal,
            "form": form,
            "zone": zone,
            "land": form.land_ha if form.land_ha is not None else proposal.land_ha,
            **_helpers(),
        },
        headers={"Cache-Control": "no-store"},
    )


@router.post("/review/{proposal_id}/withdraw")
def withdraw(
    request: Request,
    lang: Lang,
    proposal_id: int,
    session: SessionDep,
    db: DatabaseDep,
    user: ScreenerUser,
    raw: FormDep,
):
    form, errors = _withdraw_form(raw)
    address = client_address(request)
    return _move_case(
        request,
        lang,
        session,
        db,
        user,
        proposal_id,
        lambda w, p: service.withdraw(
            w, proposal=p, reason_vi=form.text_vi, reason_en=form.text_en, actor=user, address=address
        ),
        key="withdraw",
        form=form,
        errors=errors,
        check="withdraw",
        done="withdrawn",
    )


# --- the investor's side (tracking token) ------------------------------------------------------------------


#: Pages that hold a tracking token must not leak it (same headers as the intake status page).
def _status_url(lang: str, token: str, done: str | None = None) -> str:
    return f"/{lang}/proposals/status/{token}" + (f"?done={done}" if done else "")


def _public_form_page(request: Request, lang: str, session, proposal: Proposal, token: str, *, forms, errors):
    return render(
        request,
        lang,
        "review/public_form.html",
        {
            "p": proposal,
            "review": service.status_context(
                session,
                proposal,
                lang,
                token=token,
                forms=forms,
                errors=errors.localize(lang),
                max_files=request.app.state.settings.max_upload_files,
                max_bytes=request.app.state.settings.max_upload_bytes,
            ),
            **_helpers(),
        },
        status_code=400,
        headers=PRIVATE_HEADERS,
    )


def _investor_conflict(request: Request, lang: str, err: IllegalTransition, token: str):
    response = _conflict(request, lang, err, back=_status_url(lang, token))
    response.headers.update(PRIVATE_HEADERS)
    return response


def _investor_move(
    request: Request,
    lang: str,
    session,
    db,
    token: str,
    apply: Callable,
    *,
    key: str,
    form,
    errors,
    action: str,
    done: str,
):
    """The flow of the investor's forms on the tracking-token pages (answer, withdraw): as `_move_case`,
    back to the status page, and every answer carries PRIVATE_HEADERS."""
    proposal = proposal_by_token(request, session, token)
    try:
        if not errors:
            with db.write() as w:
                apply(w, w.get(Proposal, proposal.id))
            return RedirectResponse(_status_url(lang, token, done), status_code=303, headers=PRIVATE_HEADERS)
        service.transition_check(proposal, action, investor=True)
    except IllegalTransition as err:
        return _investor_conflict(request, lang, err, token)
    except service.ReviewError as err:
        errors = Errors.one(err.field, err.message)
    session.rollback()  # end the read snapshot
    proposal = intake.get_by_token(session, token=token)
    return _public_form_page(request, lang, session, proposal, token, forms={key: form}, errors=errors)


@router.post("/proposals/status/{token}/answer")
def investor_answer(request: Request, lang: Lang, token: str, session: SessionDep, db: DatabaseDep, raw: FormDep):
    """The answer, with documents checked as the proposal's are (type from the content, size, count); a
    refused file refuses the answer, and staged files are removed whenever the answer is not stored."""
    form, errors = AnswerForm.parse(raw)
    address = client_address(request)
    settings = request.app.state.settings
    files = uploads.chosen_files(raw)
    staged: list[uploads.StagedFile] = []
    if not errors:
        proposal_by_token(request, session, token)  # the rate limit and the 404 before any file is written
        staged, refusals = uploads.stage_uploads(
            files,
            directory=settings.upload_dir,
            max_bytes=settings.max_upload_bytes,
            max_files=settings.max_upload_files,
        )
        if refusals:
            uploads.discard(staged)
            staged = []
            errors = Errors.one("answer_files", refusals[0][0], **refusals[0][1])
    if errors and files:  # files are never kept from a refused form: choose them again
        errors.add(
            "answer_files_dropped", N_("For your security, attached files are not kept: please choose them again.")
        )
    try:
        response = _investor_move(
            request,
            lang,
            session,
            db,
            token,
            lambda w, p: service.answer_info_request(w, proposal=p, text=form.text, files=staged, address=address),
            key="answer",
            form=form,
            errors=errors,
            action="answer",
            done="answered",
        )
    except BaseException:
        uploads.discard(staged)
        raise
    if response.status_code != 303:
        uploads.discard(staged)
    return response


@router.post("/proposals/status/{token}/withdraw")
def investor_withdraw(request: Request, lang: Lang, token: str, session: SessionDep, db: DatabaseDep, raw: FormDep):
    form, errors = InvestorWithdrawForm.parse(raw)
    address = client_address(request)
    return _investor_move(
        request,
        lang,
        session,
        db,
        token,
        lambda w, p: service.withdraw(w, proposal=p, reason=form.reason, address=address),
        key="withdraw",
        form=form,
        errors=errors,
        action="withdraw",
        done="withdrawn",
    )
