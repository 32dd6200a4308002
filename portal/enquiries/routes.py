"""Ask about a zone: POST /{lang}/zones/{slug}/enquiry (CSRF, rate limit, stored); staff read and
answer them at /{lang}/staff/enquiries. Thin: parse, call the service in a write, redirect or render."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse

from portal.accounts import ratelimit
from portal.accounts.deps import StaffUser
from portal.audit.service import client_address
from portal.catalogue import service as catalogue
from portal.db import DatabaseDep, SessionDep
from portal.enquiries import schemas, service
from portal.enquiries.models import Enquiry
from portal.i18n import Lang, translate
from portal.web import forms
from portal.web.formdata import FormDep
from portal.web.render import render

router = APIRouter(prefix="/{lang}", include_in_schema=False)


def _too_many(lang: str, retry_after: int) -> HTTPException:
    return HTTPException(
        status_code=429,
        headers={"Retry-After": str(retry_after)},
        detail=translate(lang, "Try again in %(seconds)s seconds.", seconds=retry_after),
    )


@router.post("/zones/{slug}/enquiry")
def ask(request: Request, lang: Lang, slug: str, session: SessionDep, db: DatabaseDep, form: FormDep):
    zone = catalogue.get_zone(session, slug=slug)
    if zone is None:
        raise HTTPException(status_code=404)
    parsed = schemas.parse(form)
    address = client_address(request) or "unknown"
    for name, limit, key in (
        ("enquiry-address", service.PER_ADDRESS, address),
        ("enquiry-email", service.PER_EMAIL, parsed.values["email"].lower()),
    ):
        allowed, retry_after = ratelimit.for_app(request.app, name, limit).hit(key)
        if not allowed:
            raise _too_many(lang, retry_after)
    if parsed.value is None:
        return render(
            request,
            lang,
            "enquiries/form_page.html",
            {"zone": zone, "values": parsed.values, "errors": parsed.errors.localize(lang)},
            status_code=422,
        )
    with db.write() as w:
        service.create(w, zone=zone, values=parsed.value, lang=lang, address=address)
    return RedirectResponse(f"/{lang}/zones/{slug}?asked=1#ask", status_code=303)


@router.get("/staff/enquiries")
def staff_list(request: Request, lang: Lang, session: SessionDep, user: StaffUser):
    return render(request, lang, "enquiries/staff.html", {"rows": service.list_enquiries(session)})


@router.post("/staff/enquiries/{enquiry_id}")
def staff_answer(
    request: Request, lang: Lang, enquiry_id: int, session: SessionDep, db: DatabaseDep, user: StaffUser, form: FormDep
):
    enquiry = session.get(Enquiry, enquiry_id)
    if enquiry is None:
        raise HTTPException(status_code=404)
    text = forms.text(form, "answer")
    version = forms.version(form)
    if not text or len(text) > 4000:
        raise HTTPException(status_code=422, detail=translate(lang, "Write the answer (at most 4,000 characters)."))
    try:
        with db.write() as w:
            service.answer(
                w,
                enquiry=w.get(Enquiry, enquiry_id),
                text=text,
                expected_version=version,
                actor=user,
                address=client_address(request),
            )
    except service.StaleEnquiry:
        raise HTTPException(status_code=409, detail=translate(lang, "Someone answered this enquiry already.")) from None
    return RedirectResponse(f"/{lang}/staff/enquiries#enquiry-{enquiry_id}", status_code=303)
