"""Land alerts: POST /{lang}/alerts (the form on the zone list and the zone page), the confirmation page
(GET shows, POST confirms: a mail scanner that follows links confirms nothing), and the unsubscribe page
(GET shows, POST stops: the button, and mail clients' RFC 8058 one-click POST). Thin: parse, call the
service in a write, render.

The one-click POST is exempt from the CSRF check: a mail client sends it with no cookie and no form token
(RFC 8058), and it needs neither, because the token in the URL, not a cookie, is what authorises it."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse

from portal.accounts import ratelimit
from portal.alerts import service
from portal.audit.service import client_address
from portal.catalogue import service as catalogue
from portal.db import DatabaseDep, SessionDep
from portal.i18n import Lang, translate
from portal.web.formdata import FormDep
from portal.web.render import render

router = APIRouter(prefix="/{lang}", include_in_schema=False)

#: token pages: never cached, never indexed, never sent on as a referrer
PRIVATE = {"Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex, nofollow", "Cache-Control": "no-store"}


def _items(form) -> list[tuple[str, str]]:
    return [(k, v) for k, v in form.multi_items() if isinstance(v, str)]


@router.post("/alerts")
def subscribe(request: Request, lang: Lang, session: SessionDep, db: DatabaseDep, form: FormDep):
    parsed = service.parse(_items(form), known=catalogue.known_values(session))
    address = client_address(request) or "unknown"
    keys = [("alerts-client", service.PER_CLIENT, address)]
    if "email" not in parsed.errors:
        keys.append(("alerts-email", service.PER_EMAIL, parsed.email.lower()))
    for name, limit, key in keys:
        allowed, retry_after = ratelimit.for_app(request.app, name, limit).hit(key)
        if not allowed:
            raise HTTPException(
                status_code=429,
                headers={"Retry-After": str(retry_after)},
                detail=translate(lang, "Try again in %(seconds)s seconds.", seconds=retry_after),
            )
    if parsed.errors:
        return render(
            request,
            lang,
            "alerts/form_page.html",
            {
                "alert_email": parsed.email,
                "filters": parsed.filters,
                "alert_errors": {k: translate(lang, v) for k, v in parsed.errors.items()},
                "criteria": service.describe(service.normalise(parsed.filters), lang, session),
            },
            status_code=422,
        )
    with db.write() as w:
        service.subscribe(w, email=parsed.email, lang=lang, filters=parsed.filters, address=address)
    return RedirectResponse(f"/{lang}/alerts/sent", status_code=303)


@router.get("/alerts/sent")
def sent(request: Request, lang: Lang):
    return render(request, lang, "alerts/sent.html", {})


def _secret(request: Request) -> str:
    return request.app.state.settings.secret_key


@router.get("/alerts/confirm/{token}")
def confirm_page(request: Request, lang: Lang, token: str, session: SessionDep):
    sub = service.find(session, token=token, purpose="confirm", secret=_secret(request))
    if sub is None:
        raise HTTPException(status_code=404)
    context = {"alert": service.view(sub, session), "action": f"/{lang}/alerts/confirm/{token}", "done": False}
    return render(request, lang, "alerts/confirm.html", context, headers=PRIVATE)


@router.post("/alerts/confirm/{token}")
def confirm(request: Request, lang: Lang, token: str, session: SessionDep, db: DatabaseDep):
    with db.write() as w:
        sub = service.confirm(w, token=token, secret=_secret(request))
        alert = service.view(sub, w) if sub is not None else None
    if alert is None:
        raise HTTPException(status_code=404)
    return render(request, lang, "alerts/confirm.html", {"alert": alert, "done": True}, headers=PRIVATE)


@router.get("/alerts/unsubscribe/{token}")
def unsubscribe_page(request: Request, lang: Lang, token: str, session: SessionDep):
    sub = service.find(session, token=token, purpose="unsubscribe", secret=_secret(request))
    if sub is None:
        raise HTTPException(status_code=404)
    context = {"alert": service.view(sub, session), "action": f"/{lang}/alerts/unsubscribe/{token}", "done": False}
    return render(request, lang, "alerts/unsubscribe.html", context, headers=PRIVATE)


@router.post("/alerts/unsubscribe/{token}", openapi_extra={"x-csrf-exempt": True})
def unsubscribe(request: Request, lang: Lang, token: str, db: DatabaseDep):
    with db.write() as w:
        sub = service.unsubscribe(w, token=token, secret=_secret(request))
        alert = service.view(sub, w) if sub is not None else None
    if alert is None:
        raise HTTPException(status_code=404)
    return render(request, lang, "alerts/unsubscribe.html", {"alert": alert, "done": True}, headers=PRIVATE)
