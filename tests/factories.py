"""Shared test factories (any domain may add helpers here).

from tests.factories import login

user = login(client, session, roles=["staff"])   # the client now carries that user's session cookie
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
    session, *, roles=("staff",), email: str | None = None, display_name: str | None = None, password: str = PASSWORD
) -> User:
    """A user created through the accounts service (argon2 hash, audit row), flushed."""
    n = next(_counter)
    email = email or f"user{n}-{uuid.uuid4().hex[:8]}@example.vn"
    user = accounts.create(
        session,
        email=email,
        password_hash=accounts.new_password_hash(password),
        roles=list(roles),
        display_name=display_name if display_name is not None else f"Test User {n}",
    )
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
