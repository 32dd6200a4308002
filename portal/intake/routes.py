"""Intake pages and API: land matching, the proposal form, receipt and tracking. Thin: parse, call the
service, render."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, HTTPException, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from portal.accounts.ratelimit import for_app
from portal.audit.service import client_address
from portal.db import DatabaseDep, SessionDep
from portal.i18n import N_, Lang
from portal.intake import forms, labels, ports, service, uploads
from portal.intake.precheck import body_errors, filtering, form_context, read_facts
from portal.intake.schemas import EMAIL, MatchRequest, MatchResponse, ProposalCreate, ProposalReceipt
from portal.intake.tracking import PRIVATE_HEADERS, proposal_by_token
from portal.screening import service as screening
from portal.web import forms as web_forms
from portal.web import pagecache
from portal.web.formdata import FormDep
from portal.web.forms import Errors
from portal.web.render import render

router = APIRouter(prefix="/{lang}", include_in_schema=False)
api = APIRouter(tags=["proposals"])

#: Sent with every page that holds a tracking token (and its 404): the token must not leak or be indexed.
LINKS_LIMIT_PER_CLIENT = "10/hour"  # "send me my tracking links" requests per client address
LINKS_LIMIT_PER_TARGET = "3/day"  # messages of tracking links to one e-mail address

INVESTOR_FIELDS = (
    "company_name",
    "investor_country",
    "contact_name",
    "contact_email",
    "contact_phone",
    "project_name",
    "project_description",
    "capital_amount",
    "capital_currency",
    "jobs",
    "emissions",
    "idempotency_key",
)


def _context(session, lang: str = "vi", values: dict | None = None, errors: Errors | None = None) -> dict[str, Any]:
    return form_context(session, lang, values, errors)


def _tracking_url(request: Request, lang: str, token: str) -> str:
    return f"{request.app.state.settings.base_url.rstrip('/')}/{lang}/proposals/status/{token}"


# --- land matching ---------------------------------------------------------------------------------------


@router.get("/match")
def match_page(request: Request, lang: Lang, session: SessionDep):
    params = request.query_params
    values, payload, errors = read_facts(params)
    searched = ("sectors" in params or "sector_filter" in params) and not filtering(params, values)
    options = _match_options(params)
    values.update({k: ("yes" if v is True else v) for k, v in options.items() if k != "page"})
    results = None
    if searched:
        request_model = forms.validate(MatchRequest, {**_match_payload(payload), **options}, errors)
        forms.check_codes(session, {"sectors": payload["sectors"], "classification": payload["classification"]}, errors)
        if request_model is not None and not errors:
            try:
                results = service.match_page(session, request=request_model, remember=_remember(request))
            except ValidationError as exc:
                forms.from_validation(exc, errors)
    keep = [(k, v) for k, v in params.multi_items() if k not in ("page", "include_planned")]
    return render(
        request,
        lang,
        "intake/match.html",
        {
            "values": values,
            "errors": errors.localize(lang),
            "results": results,
            "shown": [service.present_match(m, lang) for m in results.matches] if results else [],
            "keep": keep,
            "note": service.match_note(lang),
            **form_context(session, lang, values, errors, zones=False),  # no location picker on this form
        },
        status_code=422 if errors else 200,
    )


def _remember(request: Request) -> bool:
    """Rankings are kept per catalogue generation when the app caches its public pages (not in a run that
    measures the uncached pages)."""
    return bool(request.app.state.settings.page_cache)


def _match_options(params) -> dict[str, Any]:
    """The ranking's own options on the page: page, planned zones shown, port weighed."""
    page = params.get("page", "1")
    return {
        "page": min(int(page), 1000) if page.isdigit() and int(page) > 0 else 1,
        "include_planned": params.get("include_planned") == "yes",
        "near_port": params.get("near_port") == "yes" or None,
    }


def _match_payload(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if k not in ("zone", "inside_zone")}


@api.post(
    "/match",
    response_model=MatchResponse,
    summary="Rank zones for a project, with reasons and a pre-check (one page: `page`, `per_page`)",
)
def api_match(
    body: MatchRequest,
    request: Request,
    session: SessionDep,
    lang: Literal["vi", "en"] = Query("vi", description="language of the reasons"),
) -> MatchResponse:
    try:
        result = service.match_page(session, request=body, remember=_remember(request))
    except ValidationError as exc:
        raise body_errors(exc) from None
    return MatchResponse(
        zones=[service.present_match(m, lang) for m in result.matches],
        total=result.total,
        page=result.page,
        pages=result.pages,
        per_page=result.per_page,
        first_rank=result.first_rank,
        planned_hidden=result.planned_hidden,
        note=service.match_note(lang),
    )


# --- the proposal form -----------------------------------------------------------------------------------


def read_proposal(form: Any) -> tuple[dict[str, Any], dict[str, Any], Errors]:
    values, payload, errors = read_facts(form, measures_as_text=True)
    values.update(web_forms.read(form, single=INVESTOR_FIELDS))
    payload.update(
        {
            name: values[name] or None
            for name in (
                "company_name",
                "investor_country",
                "contact_name",
                "contact_email",
                "contact_phone",
                "project_name",
                "project_description",
                "capital_currency",
                "emissions",
            )
        }
    )
    payload["environmental_measures"] = values["environmental_measures"] or None  # a text here
    payload["capital_amount"] = web_forms.number(values, "capital_amount", errors)
    payload["jobs"] = web_forms.number(values, "jobs", errors, whole=True)
    return values, payload, errors


def _form_page(
    request: Request,
    lang: str,
    session,
    values: dict,
    errors: Errors,
    *,
    files_dropped: bool = False,
    status_code: int = 200,
):
    return render(
        request,
        lang,
        "intake/new.html",
        {
            "values": values,
            "errors": errors.localize(lang),
            "files_dropped": files_dropped,
            "max_files": request.app.state.settings.max_upload_files,
            "max_mb": request.app.state.settings.max_upload_bytes // (1024 * 1024),
            **_context(session, lang, values, errors),
        },
        status_code=status_code,
        headers={"Cache-Control": "no-store"},
    )


@router.get("/proposals/new")
def proposal_form(request: Request, lang: Lang, session: SessionDep, zone: str | None = None):
    # the page cache keeps this page for every visitor: each response still gets its own key
    values: dict[str, Any] = {"idempotency_key": pagecache.fresh_per_response(request, web_forms.new_key())}
    if zone and screening.get_zone(session, slug=zone) is not None:
        values["location"] = zone
    return _form_page(request, lang, session, values, Errors())


@router.post("/proposals/new")
def proposal_submit(request: Request, lang: Lang, session: SessionDep, db: DatabaseDep, form: FormDep):
    values, payload, errors = read_proposal(form)
    files = uploads.chosen_files(form)
    if filtering(form, values):
        return _form_page(request, lang, session, values, Errors(), files_dropped=bool(files))
    outcome = _submit_form(request, lang, session, db, values, payload, errors, files)
    if isinstance(outcome, service.Submission):
        return RedirectResponse(f"/{lang}/proposals/receipt/{outcome.token}", status_code=303, headers=PRIVATE_HEADERS)
    return _form_page(request, lang, session, values, errors, files_dropped=bool(files), status_code=422)


def _submit_form(
    request: Request,
    lang: str,
    session,
    db,
    values: dict,
    payload: dict,
    errors: Errors,
    files: list[UploadFile],
) -> service.Submission | None:
    settings = request.app.state.settings
    key = web_forms.idempotency_key(values.get("idempotency_key"))
    if key is None:
        values["idempotency_key"] = web_forms.new_key()
        errors.add("__all__", N_("This form has expired. Please check it and send it again."))
    else:
        earlier = service.replay(session, key=key, channel="form", secret=settings.secret_key)
        if earlier is not None:
            return earlier
    data = forms.validate(ProposalCreate, payload, errors)
    forms.check_codes(session, payload, errors)
    staged, refusals = uploads.stage_uploads(
        files,
        directory=settings.upload_dir,
        max_bytes=settings.max_upload_bytes,
        max_files=settings.max_upload_files,
    )
    for message, params in refusals:
        errors.add("attachments", message, **params)
    if errors or data is None or key is None:
        uploads.discard(staged)
        return None
    try:
        return service.submit(
            db,
            data=data,
            key=key,
            channel="form",
            locale=lang,
            secret=settings.secret_key,
            files=staged,
            address=client_address(request),
        )
    except ValidationError as exc:  # a zone unpublished meanwhile
        forms.from_validation(exc, errors)
        return None


# --- receipt and tracking --------------------------------------------------------------------------------


def _status_page(request: Request, lang: str, session, token: str, *, receipt: bool):
    proposal = proposal_by_token(request, session, token)
    return render(
        request,
        lang,
        "intake/status.html",
        {
            "proposal": proposal,
            "receipt": receipt,
            "result": service.findings(proposal, lang),
            "timeline": service.timeline(session, proposal),
            "zone": service.zone_of(session, proposal=proposal),
            "attachments": service.list_attachments(session, proposal=proposal),
            "tracking_url": _tracking_url(request, lang, token),
            "labels": labels,
            "review": ports.status_context(
                session,
                proposal,
                lang,
                token=token,
                max_files=request.app.state.settings.max_upload_files,
                max_bytes=request.app.state.settings.max_upload_bytes,
            ),
            "token": token,
            "dev_mailbox": request.app.state.settings.env != "production" and not request.app.state.settings.smtp_url,
        },
        headers=PRIVATE_HEADERS,
    )


@router.get("/proposals/receipt/{token}")
def proposal_receipt(request: Request, lang: Lang, token: str, session: SessionDep):
    return _status_page(request, lang, session, token, receipt=True)


@router.get("/proposals/status/{token}")
def proposal_status(request: Request, lang: Lang, token: str, session: SessionDep):
    return _status_page(request, lang, session, token, receipt=False)


@router.get("/proposals/report/{token}")
def proposal_report(request: Request, lang: Lang, token: str, session: SessionDep):
    """The stored screening of a proposal as a printable report, in the reader's language."""
    proposal = proposal_by_token(request, session, token)
    return render(
        request,
        lang,
        "screening/report.html",
        {"result": service.findings(proposal, lang), "labels": labels, "subject": proposal},
        headers=PRIVATE_HEADERS,
    )


# --- lost links ------------------------------------------------------------------------------------------


def _links_page(request: Request, lang: str, *, value: str = "", error: str | None = None, sent: bool = False):
    return render(
        request,
        lang,
        "intake/links.html",
        {"value": value, "error": error, "sent": sent},
        status_code=422 if error else 200,
        headers=PRIVATE_HEADERS,
    )


@router.get("/proposals/links")
def links_form(request: Request, lang: Lang):
    return _links_page(request, lang)


@router.post("/proposals/links")
def links_send(request: Request, lang: Lang, db: DatabaseDep, form: FormDep):
    """Always the same answer for a well-formed address, whether or not it has proposals and whether or not
    its own limit was reached; only the requesting client's limit answers 429 (it says nothing of the
    address)."""
    email = web_forms.text(form, "email", 1000)
    if not re.match(EMAIL, email) or len(email) > 254:
        return _links_page(request, lang, value=email[:254], error=N_("Enter a valid e-mail address."))
    allowed, retry_after = for_app(request.app, "intake-links-client", LINKS_LIMIT_PER_CLIENT).hit(
        client_address(request) or "unknown"
    )
    if not allowed:
        raise HTTPException(status_code=429, headers={**PRIVATE_HEADERS, "Retry-After": str(retry_after)})
    target_ok, _ = for_app(request.app, "intake-links-target", LINKS_LIMIT_PER_TARGET).hit(email.lower())
    if target_ok:
        service.send_tracking_links(db, email=email, locale=lang)
    return _links_page(request, lang, sent=True)


# --- API -------------------------------------------------------------------------------------------------


@api.post(
    "/proposals",
    status_code=201,
    response_model=ProposalReceipt,
    summary="Submit a proposal (screened at once). Retry with the same Idempotency-Key: same answer, 200",
    responses={
        200: {"model": ProposalReceipt, "description": "A replay: the proposal was already stored"},
        409: {"description": "The Idempotency-Key was used with a different proposal"},
        422: {"description": "A field is invalid (named in `loc`)"},
    },
)
def api_submit(
    body: ProposalCreate,
    request: Request,
    response: Response,
    session: SessionDep,
    db: DatabaseDep,
    idempotency_key: Annotated[
        str,
        Header(
            alias="Idempotency-Key",
            min_length=16,
            max_length=200,
            pattern=r"^[A-Za-z0-9_.:\-]+$",
            description="a unique key per proposal, e.g. a UUID",
        ),
    ],
    lang: Literal["vi", "en"] = Query("vi", description="the investor's language (tracking page, messages)"),
) -> ProposalReceipt:
    secret = request.app.state.settings.secret_key
    try:
        submission = service.replay(session, key=idempotency_key, channel="api", secret=secret, data=body)
        if submission is None:
            submission = service.submit(
                db,
                data=body,
                key=idempotency_key,
                channel="api",
                locale=lang,
                secret=secret,
                address=client_address(request),
                strict_replay=True,
            )
    except service.IdempotencyConflict:
        raise HTTPException(
            status_code=409,
            detail=[
                {
                    "loc": ["header", "Idempotency-Key"],
                    "type": "idempotency_conflict",
                    "msg": "This Idempotency-Key was already used with a different proposal",
                }
            ],
        ) from None
    except ValidationError as exc:
        raise body_errors(exc) from None
    if not submission.created:
        response.status_code = 200
    proposal = submission.proposal
    return ProposalReceipt(
        reference=proposal.reference or "",
        verdict=proposal.verdict,
        tracking_url=_tracking_url(request, proposal.locale, submission.token),
    )
