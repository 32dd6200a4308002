"""Review pages (/{lang}/review/…, screeners and admins only) and the investor's answer / withdraw forms
(/{lang}/proposals/status/{token}/…, opened by the tracking token alone). Thin: parse → service → render.

Every state-changing form posts a CSRF token (checked app-wide). An illegal transition answers a 409 page
that says what state the case is in and what was attempted.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, RedirectResponse

from portal.accounts.deps import ScreenerUser
from portal.accounts.ratelimit import for_app
from portal.audit.service import client_address
from portal.db import SessionDep
from portal.i18n import N_, Lang
from portal.intake import labels as intake_labels
from portal.intake import service as intake
from portal.intake.models import Proposal
from portal.review import service
from portal.review.schemas import (
    AnswerForm,
    AssignForm,
    BilingualText,
    CommentForm,
    DecisionForm,
    InvestorWithdrawForm,
    QueueFilters,
)
from portal.review.workflow import ACTION_LABELS, STATE_LABELS, IllegalTransition
from portal.screening import service as screening
from portal.web.render import render

router = APIRouter(prefix="/{lang}", include_in_schema=False)

NOTICES = {
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
    return {"state_labels": STATE_LABELS, "action_labels": ACTION_LABELS, "il": intake_labels}


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


@router.get("/review")
@router.get("/review/")
def queue(request: Request, lang: Lang, session: SessionDep, user: ScreenerUser):
    filters, errors = QueueFilters.parse(list(request.query_params.multi_items()))
    result = service.list_queue(session, filters=filters, me=user.id, page=filters.page)
    return render(
        request,
        lang,
        "review/queue.html",
        {
            "result": result,
            "filters": filters,
            "errors": errors,
            "zones": service.zones_in_queue(session),
            "screeners": service.screeners(session),
            "me": user,
            "notice": NOTICES.get(request.query_params.get("done", "")),
            **_helpers(),
        },
    )


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
            "templates": {use: service.reason_templates(use=use) for use in TEMPLATE_USES},
            "forms": forms,
            "errors": errors or {},
            "me": user,
            "notice": NOTICES.get(request.query_params.get("done", "")),
            "users": service.users_by_id(session, proposal=proposal),
            "registry_zones": screening.published_zones(session) if proposal.zone_id is None else [],
            **_helpers(),
        },
        status_code=status_code,
    )


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


@router.post("/review/{proposal_id}/assign")
async def assign(request: Request, lang: Lang, proposal_id: int, session: SessionDep, user: ScreenerUser):
    proposal = _proposal_or_404(session, proposal_id)
    form, errors = AssignForm.parse(await request.form(), me=user.id)
    back = request.query_params.get("from")
    if not errors:
        screener = service.get_user(session, user_id=form.screener_id)
        if screener is None:
            errors = {"screener_id": N_("Choose a screener.")}
        else:
            try:
                service.assign(
                    session, proposal=proposal, screener=screener, actor=user, address=client_address(request)
                )
            except IllegalTransition as err:
                session.rollback()
                return _conflict(request, lang, err, back=_case_url(lang, proposal))
            except service.ReviewError as err:
                errors = {err.field: err.message}
            else:
                session.commit()
                if back == "queue":
                    return RedirectResponse(f"/{lang}/review/?done=assigned", status_code=303)
                return RedirectResponse(_case_url(lang, proposal, "assigned"), status_code=303)
    session.rollback()
    return _case_page(request, lang, session, proposal, user, errors={"assign": errors}, status_code=400)


def _simple(action):
    """POST handlers without a form body beyond the CSRF token: start, resume, re-screen."""

    async def handler(request: Request, lang: Lang, proposal_id: int, session: SessionDep, user: ScreenerUser):
        proposal = _proposal_or_404(session, proposal_id)
        try:
            done = action(session, proposal=proposal, actor=user, address=client_address(request))
        except IllegalTransition as err:
            session.rollback()
            return _conflict(request, lang, err, back=_case_url(lang, proposal))
        session.commit()
        return RedirectResponse(_case_url(lang, proposal, done), status_code=303)

    return handler


def _start(session, **kw):
    service.start_review(session, **kw)
    return "started"


def _resume(session, **kw):
    service.resume(session, **kw)
    return "resumed"


def _rescreen(session, **kw):
    service.rescreen(session, **kw)
    return "rescreened"


router.add_api_route("/review/{proposal_id}/start", _simple(_start), methods=["POST"])
router.add_api_route("/review/{proposal_id}/resume", _simple(_resume), methods=["POST"])
router.add_api_route("/review/{proposal_id}/rescreen", _simple(_rescreen), methods=["POST"])


@router.post("/review/{proposal_id}/comment")
async def add_comment(request: Request, lang: Lang, proposal_id: int, session: SessionDep, user: ScreenerUser):
    proposal = _proposal_or_404(session, proposal_id)
    form, errors = CommentForm.parse(await request.form())
    if not errors:
        service.comment(session, proposal=proposal, actor=user, text=form.text, address=client_address(request))
        session.commit()
        return RedirectResponse(_case_url(lang, proposal, "comment", "#comments"), status_code=303)
    return _case_page(
        request, lang, session, proposal, user, forms={"comment": form}, errors={"comment": errors}, status_code=400
    )


def _form_action(key: str, parse: Callable, apply: Callable, *, check: str | Callable, done: str | None):
    """POST handler of a case-page form that moves the case (request-info, decide, withdraw).

    `parse(form_data)` gives (form, errors). Valid: `apply(session, form, proposal=, actor=, address=)` moves the
    case, then 303 back to it with notice `done` (None: the case's new status). Invalid: the action `check`
    (or `check(form)`; None skips it) is checked first so an illegal move answers the 409 page rather than
    field errors; then the case page again (400) with the form kept under `key`. A ReviewError from the
    service is shown the same way."""

    async def handler(request: Request, lang: Lang, proposal_id: int, session: SessionDep, user: ScreenerUser):
        proposal = _proposal_or_404(session, proposal_id)
        form, errors = parse(await request.form())
        try:
            if not errors:
                apply(session, form, proposal=proposal, actor=user, address=client_address(request))
                session.commit()
                return RedirectResponse(_case_url(lang, proposal, done or proposal.status), status_code=303)
            action = check(form) if callable(check) else check
            if action is not None:
                service.transition_check(proposal, action)
        except IllegalTransition as err:
            session.rollback()
            return _conflict(request, lang, err, back=_case_url(lang, proposal))
        except service.ReviewError as err:
            errors = {err.field: err.message}
        session.rollback()
        return _case_page(
            request, lang, session, proposal, user, forms={key: form}, errors={key: errors}, status_code=400
        )

    return handler


def _request_info(session, form: BilingualText, **kw):
    service.request_info(session, text_vi=form.text_vi, text_en=form.text_en, **kw)


def _decide(session, form: DecisionForm, **kw):
    service.decide(
        session,
        outcome=form.outcome,
        reason_vi=form.text_vi,
        reason_en=form.text_en,
        land_ha=form.land_ha,
        zone_id=form.zone_id,
        **kw,
    )


def _withdraw(session, form: BilingualText, **kw):
    service.withdraw(session, reason_vi=form.text_vi, reason_en=form.text_en, **kw)


def _decision_action(form: DecisionForm) -> str | None:
    return form.outcome if form.outcome in ("accept", "refuse") else None


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
router.add_api_route(
    "/review/{proposal_id}/request-info",
    _form_action("request_info", _request_info_form, _request_info, check="request_info", done="info"),
    methods=["POST"],
)
router.add_api_route(
    "/review/{proposal_id}/decide",
    _form_action("decision", DecisionForm.parse, _decide, check=_decision_action, done=None),  # notice: new status
    methods=["POST"],
)
router.add_api_route(
    "/review/{proposal_id}/withdraw",
    _form_action("withdraw", _withdraw_form, _withdraw, check="withdraw", done="withdrawn"),
    methods=["POST"],
)


# --- the investor's side (tracking token) ------------------------------------------------------------------


#: Pages that hold a tracking token must not leak it (same headers as the intake status page).
PRIVATE_HEADERS = {"Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex, nofollow", "Cache-Control": "no-store"}
TRACKING_LIMIT = "30/minute"  # token lookups per address, counted with the status page's own lookups


def _by_token(request: Request, session, token: str) -> Proposal:
    allowed, retry_after = for_app(request.app, "intake-tracking", TRACKING_LIMIT).hit(
        client_address(request) or "unknown"
    )
    if not allowed:
        raise HTTPException(status_code=429, headers={**PRIVATE_HEADERS, "Retry-After": str(retry_after)})
    proposal = intake.get_by_token(session, token=token)
    if proposal is None:
        raise HTTPException(status_code=404, headers=PRIVATE_HEADERS)
    return proposal


def _status_url(lang: str, token: str, done: str | None = None) -> str:
    return f"/{lang}/proposals/status/{token}" + (f"?done={done}" if done else "")


def _public_form_page(request: Request, lang: str, session, proposal: Proposal, token: str, *, forms, errors):
    return render(
        request,
        lang,
        "review/public_form.html",
        {
            "p": proposal,
            "review": service.status_context(session, proposal, lang, token=token, forms=forms, errors=errors),
            **_helpers(),
        },
        status_code=400,
        headers=PRIVATE_HEADERS,
    )


def _investor_conflict(request: Request, lang: str, err: IllegalTransition, token: str):
    response = _conflict(request, lang, err, back=_status_url(lang, token))
    response.headers.update(PRIVATE_HEADERS)
    return response


def _investor_action(key: str, parse: Callable, apply: Callable, *, action: str, done: str):
    """POST handler of an investor's form on the tracking-token pages (answer, withdraw): the same flow as
    `_form_action`, back to the status page, and every answer carries PRIVATE_HEADERS."""

    async def handler(request: Request, lang: Lang, token: str, session: SessionDep):
        proposal = _by_token(request, session, token)
        form, errors = parse(await request.form())
        try:
            if not errors:
                apply(session, form, proposal=proposal, address=client_address(request))
                session.commit()
                return RedirectResponse(_status_url(lang, token, done), status_code=303, headers=PRIVATE_HEADERS)
            service.transition_check(proposal, action, investor=True)
        except IllegalTransition as err:
            session.rollback()
            return _investor_conflict(request, lang, err, token)
        except service.ReviewError as err:
            errors = {err.field: err.message}
        session.rollback()
        return _public_form_page(request, lang, session, proposal, token, forms={key: form}, errors=errors)

    return handler


def _answer(session, form: AnswerForm, **kw):
    service.answer_info_request(session, text=form.text, **kw)


def _investor_withdraw(session, form: InvestorWithdrawForm, **kw):
    service.withdraw(session, reason=form.reason, **kw)


router.add_api_route(
    "/proposals/status/{token}/answer",
    _investor_action("answer", AnswerForm.parse, _answer, action="answer", done="answered"),
    methods=["POST"],
)
router.add_api_route(
    "/proposals/status/{token}/withdraw",
    _investor_action("withdraw", InvestorWithdrawForm.parse, _investor_withdraw, action="withdraw", done="withdrawn"),
    methods=["POST"],
)
