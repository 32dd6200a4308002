"""Small helpers to make users and sign them in (tests of other domains may import these too)."""

from __future__ import annotations

import itertools

from portal.accounts import service

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)


def make_user(
    session,
    *,
    email: str | None = None,
    roles=("staff",),
    password: str = PASSWORD,
    active: bool = True,
    display_name: str = "",
):
    user = service.create(
        session,
        email=email or f"user{next(_seq)}@soctrang.gov.vn",
        password_hash=service.new_password_hash(password),
        roles=list(roles),
        display_name=display_name,
    )
    if not active:
        user.active = False
        session.add(user)
    session.commit()
    return user


def login(client, csrf: str, *, email: str, password: str = PASSWORD, lang: str = "vi", next: str | None = None):
    data = {"email": email, "password": password, "csrf_token": csrf}
    if next is not None:
        data["next"] = next
    return client.post(f"/{lang}/staff/login", data=data, follow_redirects=False)


def signed_in(client, csrf: str, session, *, roles=("staff",), **kwargs):
    """A fresh user with `roles`, signed in on `client`; returns the user."""
    user = make_user(session, roles=roles, **kwargs)
    response = login(client, csrf, email=user.email, password=kwargs.get("password", PASSWORD))
    assert response.status_code == 303, response.text
    return user
