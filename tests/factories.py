"""The test factories: users and sign-in (other domains add theirs in tests/<domain>/factories.py).

    from tests.factories import login, make_user, signed_in

    user = login(client, session, roles=["staff"])   # a session cookie for a new user (no sign-in page)
    response = form_login(client, csrf, email=user.email)   # through the sign-in form (its rate limit counts)
    user = signed_in(client, csrf, session, roles=("admin",))   # a new user, signed in through the form

Passwords are hashed with argon2id at cheap parameters in the suite (tests/conftest.py); a test of the
production parameters takes the `production_argon2` fixture.
"""

from __future__ import annotations

import itertools
import uuid

from portal.accounts import service as accounts
from portal.accounts.deps import COOKIE as SESSION_COOKIE
from portal.accounts.models import User

PASSWORD = "correct horse battery staple 42"
_counter = itertools.count(1)


def make_user(
    session,
    *,
    roles=("staff",),
    email: str | None = None,
    display_name: str | None = None,
    password: str = PASSWORD,
    active: bool = True,
) -> User:
    """A user created through the accounts service (argon2 hash, audit row), committed."""
    n = next(_counter)
    email = email or f"user{n}-{uuid.uuid4().hex[:8]}@example.vn"
    user = accounts.create(
        session,
        email=email,
        password_hash=accounts.new_password_hash(password),
        roles=list(roles),
        display_name=display_name if display_name is not None else f"Test User {n}",
    )
    if not active:
        user.active = False
        session.add(user)
    session.commit()
    return user


def login(client, session, roles=("staff",), *, email: str | None = None, display_name: str | None = None) -> User:
    """Create a user with `roles` and give `client` a live server-side session for them.

    The session row is created with the accounts service (as the sign-in form does), so tests don't
    depend on the sign-in page or its rate limit. Returns the User.
    """
    user = make_user(session, roles=roles, email=email, display_name=display_name)
    token = accounts.start_session(session, user=user, max_age_seconds=3600, ip="testclient")
    session.commit()
    client.cookies.set(SESSION_COOKIE, token)
    return user


def logout(client) -> None:
    client.cookies.delete(SESSION_COOKIE)


def form_login(client, csrf: str, *, email: str, password: str = PASSWORD, lang: str = "vi", next: str | None = None):
    """POST the sign-in form; returns the response (303 on success)."""
    data = {"email": email, "password": password, "csrf_token": csrf}
    if next is not None:
        data["next"] = next
    return client.post(f"/{lang}/staff/login", data=data, follow_redirects=False)


def signed_in(client, csrf: str, session, *, roles=("staff",), **kwargs) -> User:
    """A fresh user with `roles`, signed in on `client` through the form; returns the user."""
    user = make_user(session, roles=roles, **kwargs)
    response = form_login(client, csrf, email=user.email, password=kwargs.get("password", PASSWORD))
    assert response.status_code == 303, response.text
    return user
