"""Sign-in, sign-out, own account, user administration, the audit log. Thin: parse → service → render."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse

from portal.accounts import ratelimit, service
from portal.accounts.deps import COOKIE, AdminUser, CurrentUser, SignedInUser, session_token
from portal.accounts.models import ROLES, User
from portal.accounts.schemas import (
    SECRETS,
    AuditFilter,
    LoginForm,
    PasswordChange,
    RolesUpdate,
    UserCreate,
    page_helpers,
    safe_next,
)
from portal.audit import labels as audit_labels
from portal.audit import service as audit
from portal.audit.service import client_address
from portal.collation import sort_key
from portal.db import DatabaseDep, SessionDep
from portal.i18n import N_, Lang, translate
from portal.web.formdata import FormDep
from portal.web.forms import Errors
from portal.web.render import render

router = APIRouter(prefix="/{lang}", include_in_schema=False)

# Failed sign-ins only (a correct password never counts): per account and address, so a stranger who
# knows a staff e-mail locks out only themselves; per address (one client trying many accounts); and a
# slower one per account from anywhere (a distributed guess), high enough that nobody locks staff out
# casually. Once the window has passed, the right password works again.
LOGIN_FAILURES_PER_ACCOUNT_ADDRESS = "5/15 minutes"
LOGIN_FAILURES_PER_ADDRESS = "20/15 minutes"
LOGIN_FAILURES_PER_ACCOUNT = "100/day"


def _login_limits(request: Request, email: str, address: str) -> list[tuple[ratelimit.RateLimit, str]]:
    return [
        (ratelimit.for_app(request.app, name, limit), key)
        for name, limit, key in (
            ("login-fail-account-address", LOGIN_FAILURES_PER_ACCOUNT_ADDRESS, f"{email}|{address}"),
            ("login-fail-address", LOGIN_FAILURES_PER_ADDRESS, address),
            ("login-fail-account", LOGIN_FAILURES_PER_ACCOUNT, email),
        )
    ]


LOGIN_FAILED = N_("Email or password is not correct.")
NOTICES = {
    "created": N_("The account was created."),
    "roles": N_("The roles were saved."),
    "activated": N_("The account was activated."),
    "deactivated": N_("The account was deactivated and its sessions ended."),
    "sessions": N_("All sessions of this account were ended."),
    "password": N_("Your password was changed. Your other sessions were ended."),
}


def default_landing(lang: str, user) -> str:
    if user.has_role("staff"):
        return f"/{lang}/staff/"
    return f"/{lang}/review/"


def _set_session_cookie(response, request: Request, token: str) -> None:
    settings = request.app.state.settings
    response.set_cookie(
        COOKIE,
        token,
        max_age=settings.session_max_age_seconds,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )


def _delete_session_cookie(response, request: Request) -> None:
    response.delete_cookie(
        COOKIE, path="/", httponly=True, samesite="lax", secure=request.app.state.settings.secure_cookies
    )


def _too_many(lang: str, retry_after: int) -> HTTPException:
    return HTTPException(
        status_code=429,
        headers={"Retry-After": str(retry_after)},
        detail=translate(lang, "Try again in %(seconds)s seconds.", seconds=retry_after),
    )


@router.get("/staff/login")
def login_page(request: Request, lang: Lang, user: CurrentUser, next: str | None = None):
    return render(
        request,
        lang,
        "accounts/login.html",
        {
            "values": LoginForm(next=safe_next(next)).model_dump(exclude=SECRETS),
            "errors": {},
            "signed_in": user,
        },
    )


@router.post("/staff/login")
def login(request: Request, lang: Lang, session: SessionDep, db: DatabaseDep, user: CurrentUser, raw: FormDep):
    parsed = LoginForm.parse(raw)
    if parsed.value is None:
        context = {"values": parsed.values, "errors": parsed.errors.localize(lang), "signed_in": user}
        return render(request, lang, "accounts/login.html", context, status_code=400)
    form = parsed.value
    address = client_address(request) or "unknown"
    limits = _login_limits(request, service.normalize_email(form.email), address)
    for limiter, key in limits:
        allowed, retry_after = limiter.check(key)
        if not allowed:
            raise _too_many(lang, retry_after)
    check = service.check_login(session, email=form.email, password=form.password)  # argon2, outside the write
    with db.write() as w:
        found = service.record_login(w, check=check, address=address)
        if found is not None:
            # No session fixation: whatever session cookie came in is revoked, a brand-new id is issued.
            service.end_session(w, token=session_token(request), address=address)
            token = service.start_session(
                w,
                user=found,
                max_age_seconds=request.app.state.settings.session_max_age_seconds,
                ip=address,
                user_agent=request.headers.get("user-agent"),
                address=address,
            )
    if found is None:
        for limiter, key in limits:
            limiter.hit(key)
        return render(
            request,
            lang,
            "accounts/login.html",
            {
                "values": parsed.values,
                "errors": Errors.one("form", LOGIN_FAILED).localize(lang),
                "signed_in": user,
            },
            status_code=400,
        )
    response = RedirectResponse(form.next or default_landing(lang, found), status_code=303)
    _set_session_cookie(response, request, token)
    return response


@router.post("/staff/logout")
def logout(request: Request, lang: Lang, db: DatabaseDep):
    with db.write() as w:
        service.end_session(w, token=session_token(request), address=client_address(request))
    response = RedirectResponse(f"/{lang}/staff/login?signed_out=1", status_code=303)
    _delete_session_cookie(response, request)
    return response


# --- own account --------------------------------------------------------------------------------


def _account_page(request: Request, lang: str, session, user, *, errors=None, notice=None, status_code=200):
    current = getattr(request.state, "user_session", None)
    return render(
        request,
        lang,
        "accounts/account.html",
        {
            "user": user,
            "sessions": service.list_sessions(session, user_id=user.id),
            "current_session_id": current.id if current is not None else None,
            "errors": (errors or Errors()).localize(lang),
            "notice": NOTICES.get(notice or ""),
            **page_helpers(),
        },
        status_code=status_code,
    )


@router.get("/staff/account")
def account(request: Request, lang: Lang, session: SessionDep, user: SignedInUser, done: str | None = None):
    return _account_page(request, lang, session, user, notice=done)


@router.post("/staff/account/password")
def change_password(
    request: Request, lang: Lang, session: SessionDep, db: DatabaseDep, user: SignedInUser, raw: FormDep
):
    parsed = PasswordChange.parse(raw)
    errors, form = parsed.errors, parsed.value
    me = service.get(session, user_id=user.id)
    if me is None:
        raise HTTPException(status_code=404)
    if form is not None:
        current = getattr(request.state, "user_session", None)
        try:  # both argon2 steps before the write
            if not service.verify_password(me.password_hash, form.current_password):
                raise service.AccountError("current_password", N_("The current password is not correct."))
            new_hash = service.new_password_hash(form.new_password, field="new_password", email=me.email)
        except service.AccountError as err:
            errors.add(err.field, err.message)
        else:
            with db.write() as w:
                service.change_password(
                    w,
                    user=w.get(User, me.id),
                    new_hash=new_hash,
                    address=client_address(request),
                    keep_session=current.id if current is not None else None,
                )
            return RedirectResponse(f"/{lang}/staff/account?done=password", status_code=303)
    return _account_page(request, lang, session, me, errors=errors, status_code=400)


# --- administration ---------------------------------------------------------------------------


def _users_page(
    request: Request, lang: str, session, *, values=None, errors=None, row_errors=None, notice=None, status_code=200
):
    return render(
        request,
        lang,
        "accounts/users.html",
        {
            "users": service.list(session),
            "roles": ROLES,
            "values": values or UserCreate(roles=["staff"]).model_dump(exclude=SECRETS),
            "errors": (errors or Errors()).localize(lang),
            "row_errors": row_errors or {},
            "notice": NOTICES.get(notice or ""),
            **page_helpers(),
        },
        status_code=status_code,
    )


@router.get("/admin/users")
def users(request: Request, lang: Lang, session: SessionDep, admin: AdminUser, done: str | None = None):
    return _users_page(request, lang, session, notice=done)


@router.post("/admin/users")
def create_user(request: Request, lang: Lang, session: SessionDep, db: DatabaseDep, admin: AdminUser, raw: FormDep):
    parsed = UserCreate.parse(raw)
    errors, form = parsed.errors, parsed.value
    if form is not None:
        try:
            password_hash = service.new_password_hash(form.password, email=form.email)  # argon2, outside the write
            with db.write() as w:
                service.create(
                    w,
                    email=form.email,
                    password_hash=password_hash,
                    roles=form.roles,
                    display_name=form.display_name,
                    actor=admin,
                    address=client_address(request),
                )
        except service.AccountError as err:
            errors.add(err.field, err.message)
        else:
            return RedirectResponse(f"/{lang}/admin/users?done=created", status_code=303)
    return _users_page(request, lang, session, values=parsed.values, errors=errors, status_code=400)


def _target(session, user_id: int):
    user = service.get(session, user_id=user_id)
    if user is None:
        raise HTTPException(status_code=404)
    return user


def _change_user(request: Request, lang: Lang, session, db, admin, user_id: int, change, done: str):
    """Apply `change(write_session, target)` to an existing user; a refusal re-renders the list with it."""
    _target(session, user_id)
    try:
        with db.write() as w:
            change(w, _target(w, user_id))
    except service.AccountError as err:
        refused = Errors.one("row", err.message).localize(lang)["row"]
        return _users_page(request, lang, session, row_errors={user_id: refused}, status_code=400)
    return RedirectResponse(f"/{lang}/admin/users?done={done}", status_code=303)


@router.post("/admin/users/{user_id}/roles")
def set_roles(
    request: Request, lang: Lang, user_id: int, session: SessionDep, db: DatabaseDep, admin: AdminUser, raw: FormDep
):
    parsed = RolesUpdate.parse(raw)
    if parsed.value is None:
        _target(session, user_id)
        return _users_page(
            request, lang, session, row_errors={user_id: parsed.errors.localize(lang)["roles"]}, status_code=400
        )
    form = parsed.value
    address = client_address(request)
    return _change_user(
        request,
        lang,
        session,
        db,
        admin,
        user_id,
        lambda w, target: service.set_roles(w, user=target, roles=form.roles, actor=admin, address=address),
        "roles",
    )


@router.post("/admin/users/{user_id}/active")
def set_active(
    request: Request, lang: Lang, user_id: int, session: SessionDep, db: DatabaseDep, admin: AdminUser, raw: FormDep
):
    active = raw.get("active") == "1"
    address = client_address(request)
    return _change_user(
        request,
        lang,
        session,
        db,
        admin,
        user_id,
        lambda w, target: service.set_active(w, user=target, active=active, actor=admin, address=address),
        "activated" if active else "deactivated",
    )


@router.post("/admin/users/{user_id}/sessions/reset")
def reset_sessions(request: Request, lang: Lang, user_id: int, session: SessionDep, db: DatabaseDep, admin: AdminUser):
    address = client_address(request)
    return _change_user(
        request,
        lang,
        session,
        db,
        admin,
        user_id,
        lambda w, target: service.revoke_sessions(w, user=target, actor=admin, address=address),
        "sessions",
    )


# --- the audit log (admins, read-only: no route changes or deletes an event) -------------------------


@router.get("/admin/audit")
def audit_log(request: Request, lang: Lang, session: SessionDep, admin: AdminUser):
    filters, errors = AuditFilter.parse(request.query_params)
    result = audit.list(
        session,
        actor_id=filters.actor_id,
        action=filters.action or None,
        object_type=filters.object_type or None,
        object_id=filters.object_id or None,
        since=filters.since_at,
        until=filters.until_at,
        page=filters.page,
    )
    return render(
        request,
        lang,
        "audit/list.html",
        {
            "filters": filters,
            "errors": errors.localize(lang),
            "result": result,
            "users": service.list(session),
            "actions": _labelled(audit.distinct_values(session, column="action"), audit_labels.action_label, lang),
            "object_types": _labelled(
                audit.distinct_values(session, column="object_type"), audit_labels.object_type_label, lang
            ),
            "action_label": audit_labels.action_label,
            "object_type_label": audit_labels.object_type_label,
            **page_helpers(),
        },
    )


def _labelled(codes: list[str], label, lang: str) -> list[tuple[str, str]]:
    """(code, label in `lang`) for a filter menu, in the language's collation order."""
    pairs = [(code, translate(lang, label(code))) for code in codes]
    return sorted(pairs, key=lambda pair: sort_key(pair[1], lang))
