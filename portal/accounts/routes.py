"""Sign-in, sign-out, own account, user administration. Thin: parse → service → render."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse

from portal.accounts import ratelimit, service
from portal.accounts.deps import COOKIE, AdminUser, CurrentUser, SignedInUser, session_token
from portal.accounts.models import ROLES
from portal.accounts.schemas import LoginForm, PasswordChange, RolesUpdate, UserCreate, page_helpers, safe_next
from portal.audit.service import client_address
from portal.db import SessionDep
from portal.i18n import N_, Lang, translate
from portal.web.render import render

router = APIRouter(prefix="/{lang}", include_in_schema=False)

LOGIN_PER_ACCOUNT = "5/15 minutes"
LOGIN_PER_ADDRESS = "20/15 minutes"
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
            "form": LoginForm(next=safe_next(next)),
            "errors": {},
            "signed_in": user,
        },
    )


@router.post("/staff/login")
async def login(request: Request, lang: Lang, session: SessionDep, user: CurrentUser):
    form, errors = LoginForm.parse(await request.form())
    if errors:
        return render(
            request, lang, "accounts/login.html", {"form": form, "errors": errors, "signed_in": user}, status_code=400
        )
    address = client_address(request) or "unknown"
    for name, limit, key in (
        ("login-address", LOGIN_PER_ADDRESS, address),
        ("login-account", LOGIN_PER_ACCOUNT, service.normalize_email(form.email)),
    ):
        allowed, retry_after = ratelimit.for_app(request.app, name, limit).hit(key)
        if not allowed:
            raise _too_many(lang, retry_after)
    found = service.authenticate(session, email=form.email, password=form.password, address=address)
    if found is None:
        session.commit()  # the login.failed audit event
        return render(
            request,
            lang,
            "accounts/login.html",
            {
                "form": form.model_copy(update={"password": ""}),
                "errors": {"form": LOGIN_FAILED},
                "signed_in": user,
            },
            status_code=400,
        )
    # No session fixation: whatever session cookie came in is revoked, a brand-new id is issued.
    service.end_session(session, token=session_token(request), address=address)
    token = service.start_session(
        session,
        user=found,
        max_age_seconds=request.app.state.settings.session_max_age_seconds,
        ip=address,
        user_agent=request.headers.get("user-agent"),
        address=address,
    )
    session.commit()
    response = RedirectResponse(form.next or default_landing(lang, found), status_code=303)
    _set_session_cookie(response, request, token)
    return response


@router.post("/staff/logout")
def logout(request: Request, lang: Lang, session: SessionDep):
    service.end_session(session, token=session_token(request), address=client_address(request))
    session.commit()
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
            "errors": errors or {},
            "notice": NOTICES.get(notice or ""),
            **page_helpers(),
        },
        status_code=status_code,
    )


@router.get("/staff/account")
def account(request: Request, lang: Lang, session: SessionDep, user: SignedInUser, done: str | None = None):
    return _account_page(request, lang, session, user, notice=done)


@router.post("/staff/account/password")
async def change_password(request: Request, lang: Lang, session: SessionDep, user: SignedInUser):
    form, errors = PasswordChange.parse(await request.form())
    me = service.get(session, user_id=user.id)
    if me is None:
        raise HTTPException(status_code=404)
    if not errors:
        current = getattr(request.state, "user_session", None)
        try:
            service.change_password(
                session,
                user=me,
                current=form.current_password,
                new=form.new_password,
                address=client_address(request),
                keep_session=current.id if current is not None else None,
            )
        except service.AccountError as err:
            errors[err.field] = err.message
        else:
            session.commit()
            return RedirectResponse(f"/{lang}/staff/account?done=password", status_code=303)
    return _account_page(request, lang, session, me, errors=errors, status_code=400)


# --- administration ---------------------------------------------------------------------------


def _users_page(
    request: Request, lang: str, session, *, form=None, errors=None, row_errors=None, notice=None, status_code=200
):
    return render(
        request,
        lang,
        "accounts/users.html",
        {
            "users": service.list(session),
            "roles": ROLES,
            "form": form or UserCreate(roles=["staff"]),
            "errors": errors or {},
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
async def create_user(request: Request, lang: Lang, session: SessionDep, admin: AdminUser):
    form, errors = UserCreate.parse(await request.form())
    if not errors:
        try:
            service.create(
                session,
                email=form.email,
                password=form.password,
                roles=form.roles,
                display_name=form.display_name,
                actor=admin,
                address=client_address(request),
            )
        except service.AccountError as err:
            errors[err.field] = err.message
        else:
            session.commit()
            return RedirectResponse(f"/{lang}/admin/users?done=created", status_code=303)
    session.rollback()
    return _users_page(
        request, lang, session, form=form.model_copy(update={"password": ""}), errors=errors, status_code=400
    )


def _target(session, user_id: int):
    user = service.get(session, user_id=user_id)
    if user is None:
        raise HTTPException(status_code=404)
    return user


@router.post("/admin/users/{user_id}/roles")
async def set_roles(request: Request, lang: Lang, user_id: int, session: SessionDep, admin: AdminUser):
    target = _target(session, user_id)
    form, errors = RolesUpdate.parse(await request.form())
    if not errors:
        try:
            service.set_roles(session, user=target, roles=form.roles, actor=admin, address=client_address(request))
        except service.AccountError as err:
            errors[err.field] = err.message
        else:
            session.commit()
            return RedirectResponse(f"/{lang}/admin/users?done=roles", status_code=303)
    session.rollback()
    return _users_page(request, lang, session, row_errors={user_id: next(iter(errors.values()))}, status_code=400)


@router.post("/admin/users/{user_id}/active")
async def set_active(request: Request, lang: Lang, user_id: int, session: SessionDep, admin: AdminUser):
    target = _target(session, user_id)
    active = (await request.form()).get("active") == "1"
    try:
        service.set_active(session, user=target, active=active, actor=admin, address=client_address(request))
    except service.AccountError as err:
        session.rollback()
        return _users_page(request, lang, session, row_errors={user_id: err.message}, status_code=400)
    session.commit()
    return RedirectResponse(f"/{lang}/admin/users?done={'activated' if active else 'deactivated'}", status_code=303)


@router.post("/admin/users/{user_id}/sessions/reset")
def reset_sessions(request: Request, lang: Lang, user_id: int, session: SessionDep, admin: AdminUser):
    target = _target(session, user_id)
    service.revoke_sessions(session, user=target, actor=admin, address=client_address(request))
    session.commit()
    return RedirectResponse(f"/{lang}/admin/users?done=sessions", status_code=303)
