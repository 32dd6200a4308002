"""Who is calling: `current_user`, `require_roles` and the `StaffUser` / `ScreenerUser` / `AdminUser` aliases.

    from portal.accounts.deps import StaffUser

    @router.get("/staff/zones")
    def zones(request: Request, lang: Lang, user: StaffUser): ...

Not signed in: pages (under /{lang}/) answer 303 to /{lang}/staff/login?next=<path>; /api/ answers 401.
Signed in without the role: 403. Admins pass every role check.
"""

from __future__ import annotations

import logging
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from sqlalchemy.exc import OperationalError

from portal.accounts import service
from portal.accounts.models import User
from portal.i18n import LOCALES

log = logging.getLogger("portal.accounts")

COOKIE = "portal_session"
_LOADED = "_portal_user_loaded"


class LoginRequired(HTTPException):
    """303 to the sign-in page; the app's HTTPException handler passes `headers` (Location) through."""

    def __init__(self, location: str) -> None:
        super().__init__(status_code=303, detail="login required", headers={"Location": location})


def session_token(request: Request) -> str | None:
    return request.cookies.get(COOKIE) or None


def current_user(request: Request) -> User | None:
    """The signed-in user or None; validated in the database on every request (cached per request).

    Sets `request.state.user` (templates see `current_user`) and `request.state.user_session`. Reads
    in a session of its own; the once-a-minute last-seen time is a separate one-statement write,
    best effort (a busy database skips it: the next request a minute on tries again)."""
    if getattr(request.state, _LOADED, False):
        return getattr(request.state, "user", None)
    user = None
    record = None
    token = session_token(request)
    db = request.app.state.db
    if token:
        with db.session() as session:
            info = service.lookup_session(session, token=token)
            if info is not None:
                user, record = info.user, info.record
                session.expunge(user)
                session.expunge(record)
        if info is not None and info.touch_due:
            try:
                with db.write() as session:
                    service.touch_session(session, session_id=record.id)
            except OperationalError as err:
                log.info("last-seen update skipped: %s", err.__class__.__name__)
    setattr(request.state, _LOADED, True)
    request.state.user = user
    request.state.user_session = record
    return user


CurrentUser = Annotated[User | None, Depends(current_user)]


def page_lang(request: Request) -> str:
    first = request.url.path.split("/")[1] if request.url.path.count("/") >= 1 else ""
    return first if first in LOCALES else "vi"


def login_url(lang: str, next_path: str | None = None) -> str:
    url = f"/{lang}/staff/login"
    if next_path:
        url += "?next=" + quote(next_path, safe="/")
    return url


def require_roles(*roles: str):
    """A dependency returning the signed-in User holding one of `roles` (admin always passes)."""

    def dependency(request: Request, user: CurrentUser) -> User:
        if user is None:
            if request.url.path.startswith("/api/"):
                raise HTTPException(status_code=401, detail="Not authenticated")
            next_path = None
            if request.method in ("GET", "HEAD"):
                next_path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise LoginRequired(login_url(page_lang(request), next_path))
        if not user.has_role(*roles):
            raise HTTPException(status_code=403)
        return user

    dependency.__name__ = f"require_{'_'.join(roles) or 'user'}"
    dependency.roles = roles  # read by portal.web.access (the URL map and the access test)
    return dependency


StaffUser = Annotated[User, Depends(require_roles("staff", "admin"))]
ScreenerUser = Annotated[User, Depends(require_roles("screener", "admin"))]
AdminUser = Annotated[User, Depends(require_roles("admin"))]
SignedInUser = Annotated[User, Depends(require_roles(*("admin", "staff", "screener")))]
