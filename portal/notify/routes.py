"""E-mail pages: the development mailbox (.eml files, never in production), the admins' list of messages
that could not be delivered (send again), and a staff member's notification preferences. Thin."""

from __future__ import annotations

import re
from email import policy
from email.parser import BytesParser
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from portal.accounts.deps import AdminUser, SignedInUser
from portal.accounts.schemas import local_time
from portal.audit.service import client_address
from portal.db import DatabaseDep, SessionDep
from portal.i18n import LOCALES, N_, Lang
from portal.notify import service
from portal.web import forms
from portal.web.formdata import FormDep
from portal.web.render import render

router = APIRouter(prefix="/{lang}", include_in_schema=False)

NAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,120}\.eml$")
MODE_LABELS = {
    "immediate": N_("At once, one e-mail per proposal"),
    "digest": N_("Once a day, in a digest"),
    "off": N_("Not by e-mail"),
}
NOTICES = {"saved": N_("Your notification settings were saved."), "retried": N_("The message will be sent again.")}


def _helpers() -> dict:
    return {
        "kind_labels": service.KIND_LABELS,
        "status_labels": service.STATUS_LABELS,
        "local_time": local_time,
        "mode_labels": MODE_LABELS,
    }


# --- the development mailbox ------------------------------------------------------------------------------


def _mail_dir(request: Request) -> Path:
    settings = request.app.state.settings
    if settings.env == "production" or settings.smtp_url:
        raise HTTPException(status_code=404)  # development only, and only when mail goes to files
    return Path(settings.mail_dir)


def _read(path: Path):
    with open(path, "rb") as fh:
        return BytesParser(policy=policy.default).parse(fh)


@router.get("/dev/mail")
def dev_mailbox(request: Request, lang: Lang):
    directory = _mail_dir(request)
    files = sorted(directory.glob("*.eml"), reverse=True)[:200] if directory.is_dir() else []
    messages = []
    for path in files:
        msg = _read(path)
        messages.append({"name": path.name, "to": msg["To"], "subject": msg["Subject"], "date": msg["Date"]})
    return render(
        request,
        lang,
        "notify/dev_mailbox.html",
        {"messages": messages, "directory": str(directory)},
        headers={"Cache-Control": "no-store", "X-Robots-Tag": "noindex"},
    )


def _message_file(request: Request, name: str) -> Path:
    directory = _mail_dir(request)
    path = directory / name
    if not NAME_RE.match(name) or not path.is_file():
        raise HTTPException(status_code=404)
    return path


@router.get("/dev/mail/{name}")
def dev_message(request: Request, lang: Lang, name: str):
    msg = _read(_message_file(request, name))
    text = msg.get_body(preferencelist=("plain",))
    return render(
        request,
        lang,
        "notify/dev_message.html",
        {
            "name": name,
            "headers": [(k, str(v)) for k, v in msg.items()],
            "text": text.get_content() if text is not None else "",
        },
        headers={"Cache-Control": "no-store", "X-Robots-Tag": "noindex"},
    )


@router.get("/dev/mail/{name}/html")
def dev_message_html(request: Request, lang: Lang, name: str):
    """The HTML part as the recipient's mail program would show it; sandboxed (no scripts, no forms)."""
    msg = _read(_message_file(request, name))
    html = msg.get_body(preferencelist=("html",))
    if html is None:
        raise HTTPException(status_code=404)
    return HTMLResponse(
        html.get_content(),
        headers={"Content-Security-Policy": "sandbox; default-src 'none'; style-src 'unsafe-inline'"},
    )


# --- undelivered messages (admins) ---------------------------------------------------------------------------


@router.get("/admin/notifications")
def undelivered(request: Request, lang: Lang, session: SessionDep, admin: AdminUser, done: str | None = None):
    return render(
        request,
        lang,
        "notify/undelivered.html",
        {"rows": service.list_undelivered(session), "notice": NOTICES.get(done or ""), **_helpers()},
        headers={"Cache-Control": "no-store"},
    )


@router.post("/admin/notifications/{notification_id}/retry")
def retry(request: Request, lang: Lang, notification_id: int, db: DatabaseDep, admin: AdminUser):
    with db.write() as w:
        row = service.retry(w, notification_id=notification_id, actor=admin, address=client_address(request))
    if row is None:
        raise HTTPException(status_code=404)
    return RedirectResponse(f"/{lang}/admin/notifications?done=retried", status_code=303)


# --- my notification settings -----------------------------------------------------------------------------------


@router.get("/staff/notifications")
def preferences(request: Request, lang: Lang, session: SessionDep, user: SignedInUser, done: str | None = None):
    return render(
        request,
        lang,
        "notify/preferences.html",
        {
            "pref": service.preference(session, user),
            "modes": service.NEW_SUBMISSION_MODES,
            "locales": LOCALES,
            "notice": NOTICES.get(done or ""),
            "screener": user.has_role("screener"),
            **_helpers(),
        },
    )


@router.post("/staff/notifications")
def save_preferences(request: Request, lang: Lang, db: DatabaseDep, user: SignedInUser, form: FormDep):
    locale = forms.text(form, "locale", 10)
    mode = forms.text(form, "new_submissions", 40)
    if locale not in LOCALES or mode not in service.NEW_SUBMISSION_MODES:
        raise HTTPException(status_code=400)
    with db.write() as w:
        service.set_preference(w, user=user, locale=locale, new_submissions=mode)
    return RedirectResponse(f"/{lang}/staff/notifications?done=saved", status_code=303)
