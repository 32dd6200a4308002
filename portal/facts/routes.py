"""Staff review of the public facts (/{lang}/staff/facts): confirm, correct or withdraw each one.
Thin: parse the form, call the service in a write transaction, render or redirect."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse

from portal.accounts.deps import StaffUser
from portal.audit.service import client_address
from portal.db import DatabaseDep, SessionDep
from portal.facts import present, service
from portal.facts.models import FactStatus, PublicFact
from portal.i18n import N_, Lang, translate
from portal.web import forms
from portal.web.formdata import FormDep
from portal.web.render import render

router = APIRouter(prefix="/{lang}", include_in_schema=False)

STATUS_LABELS = {  # msgids (N_) translated in the template
    FactStatus.unconfirmed: N_("Not yet reviewed"),
    FactStatus.confirmed: N_("Confirmed"),
    FactStatus.corrected: N_("Corrected"),
    FactStatus.withdrawn: N_("Withdrawn"),
}


def _page(request, lang, session, *, scope: str | None, status: str | None, error=None, error_id=None, code=200):
    scopes = service.scopes(session)
    chosen = scope or (scopes[0][0] if scopes else None)
    facts = service.list_facts(session, scope=chosen, status=status or None)
    return render(
        request,
        lang,
        "facts/staff.html",
        {
            "scopes": scopes,
            "scope": chosen,
            "status": status or "",
            "facts": [(f, present.view(f, lang)) for f in facts],
            "status_labels": STATUS_LABELS,
            "error": error,
            "error_id": error_id,
            "saved": request.query_params.get("saved"),
        },
        status_code=code,
    )


@router.get("/staff/facts")
def fact_list(
    request: Request,
    lang: Lang,
    session: SessionDep,
    user: StaffUser,
    scope: str | None = None,
    status: str | None = None,
):
    if status and status not in set(FactStatus):
        status = None
    return _page(request, lang, session, scope=scope, status=status)


@router.post("/staff/facts/{fact_id}")
def fact_review(
    request: Request, lang: Lang, fact_id: int, session: SessionDep, db: DatabaseDep, user: StaffUser, form: FormDep
):
    fact = service.get_fact(session, fact_id=fact_id)
    if fact is None:
        raise HTTPException(status_code=404)
    version = forms.version(form)
    scope = fact.scope
    try:
        with db.write() as w:
            service.review(
                w,
                fact=w.get(PublicFact, fact_id),
                action=forms.text(form, "action", 40),
                expected_version=version,
                actor=user,
                value=forms.text(form, "value", strip=False),
                note=forms.text(form, "note", strip=False),
                address=client_address(request),
            )
    except service.FactError as err:
        session.rollback()
        return _page(
            request,
            lang,
            session,
            scope=scope,
            status=None,
            code=422,
            error_id=fact_id,
            error=translate(lang, err.message, **err.params),
        )
    except service.StaleFact:
        session.rollback()
        message = translate(lang, "Someone reviewed this fact since you opened the page; here is their review.")
        return _page(request, lang, session, scope=scope, status=None, code=409, error_id=fact_id, error=message)
    return RedirectResponse(f"/{lang}/staff/facts?scope={scope}&saved={fact_id}#fact-{fact_id}", status_code=303)
