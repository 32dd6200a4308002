"""Staff sessions over real HTTP against a uvicorn subprocess (the accounts domain tests the same rules
in-process; this proves them once through a real server, cookies and all):

- a session id planted before login is not adopted: login issues a new one and the planted one opens nothing;
- logout revokes the session on the server: a copy of the cookie replayed afterwards is refused;
- the cookie is HttpOnly and SameSite; the login form cannot be used as an open redirect.
"""

from __future__ import annotations

import re

import httpx
import pytest

from tests.servers import LiveServer, sqlite_url

EMAIL = "fixation.test@soctrang.gov.vn"
REDIRECT_EMAIL = "redirect.test@soctrang.gov.vn"  # logins are limited to 5 per account per 15 minutes
PASSWORD = "a-long-enough-password-42"
COOKIE = "portal_session"

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("live-security")]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("live-sessions")
    with LiveServer(sqlite_url(workdir), workdir=workdir) as live:
        for email in (EMAIL, REDIRECT_EMAIL):
            live.cli("createuser", email, "--role", "staff", extra_env={"PORTAL_NEW_PASSWORD": PASSWORD})
        yield live


def _csrf(client: httpx.Client, server: LiveServer) -> str:
    page = client.get(server.url("/en/staff/login"))
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
    assert match, "no CSRF token on the login page"
    return match.group(1)


def _login(client: httpx.Client, server: LiveServer, **extra) -> httpx.Response:
    token = _csrf(client, server)
    return client.post(
        server.url("/en/staff/login"), data={"email": EMAIL, "password": PASSWORD, "csrf_token": token, **extra}
    )


def _signed_in(server: LiveServer, session_value: str) -> bool:
    with httpx.Client(cookies={COOKIE: session_value}) as other:
        response = other.get(server.url("/en/staff/account"))
    return response.status_code == 200


def _session_cookie(response: httpx.Response) -> str:
    headers = [h for h in response.headers.get_list("set-cookie") if h.startswith(COOKIE + "=")]
    assert headers, f"no {COOKIE} cookie set by {response.request.url}"
    return headers[-1]


def test_login_issues_a_new_session_id_and_ignores_a_planted_one(server):
    planted = "attacker-chosen-session-id-0123456789abcdef"
    with httpx.Client() as victim:
        victim.cookies.set(COOKIE, planted, domain="127.0.0.1", path="/")
        response = _login(victim, server)
        assert response.status_code == 303, response.text[:500]
        header = _session_cookie(response)
        value = header.split(";", 1)[0].split("=", 1)[1]
        assert value != planted
        assert len(value) >= 32
        flags = header.lower()
        assert "httponly" in flags and "samesite=lax" in flags and "path=/" in flags
        assert _signed_in(server, value)
        assert not _signed_in(server, planted)


def test_a_second_login_replaces_the_session_id(server):
    with httpx.Client() as client:
        first = _session_cookie(_login(client, server)).split(";", 1)[0].split("=", 1)[1]
        second = _session_cookie(_login(client, server)).split(";", 1)[0].split("=", 1)[1]
        assert first != second
        assert _signed_in(server, second)
        assert not _signed_in(server, first), "the session id used before the new login still works"


def test_logout_revokes_the_session_on_the_server(server):
    with httpx.Client() as client:
        value = _session_cookie(_login(client, server)).split(";", 1)[0].split("=", 1)[1]
        assert _signed_in(server, value)
        token = _csrf(client, server)
        out = client.post(server.url("/en/staff/logout"), data={"csrf_token": token})
        assert out.status_code == 303
        assert not _signed_in(server, value), "a copy of the cookie still opens staff pages after logout"


def test_logout_needs_the_csrf_token(server):
    with httpx.Client() as client:
        value = _session_cookie(_login(client, server)).split(";", 1)[0].split("=", 1)[1]
        forged = client.post(server.url("/en/staff/logout"), data={})
        assert forged.status_code == 403
        assert _signed_in(server, value)


def test_login_is_not_an_open_redirect(server):
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "/\tevil.example"):
        with httpx.Client() as client:
            response = _login(client, server, email=REDIRECT_EMAIL, next=target)
            assert response.status_code == 303, (target, response.status_code)
            location = response.headers["location"]
            assert location.startswith("/") and not location.startswith("//"), (target, location)
            assert "evil" not in location, (target, location)
