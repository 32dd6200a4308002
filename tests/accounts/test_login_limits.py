"""Login limits count failures only: per account and address (a stranger locks out only themselves),
per address, and a slower one per account from anywhere. The right password works again after the
window. Addresses come from X-Forwarded-For, trusted here from the test client (PORTAL_FORWARDED_ALLOW_IPS)."""

from __future__ import annotations

import time
import uuid

import pytest
from fastapi.testclient import TestClient

from portal.accounts import routes
from portal.app import create_app
from tests.conftest import csrf_token
from tests.factories import PASSWORD, make_user


@pytest.fixture
def proxied(settings, db):
    """The app behind a trusted proxy: the test client's requests say which address they come from."""
    app = create_app(settings.model_copy(update={"forwarded_allow_ips": "testclient"}), db=db)
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        yield client


def _login(client, email: str, password: str, address: str):
    client.cookies.delete("portal_session")
    return client.post(
        "/en/staff/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(client)},
        headers={"X-Forwarded-For": address},
        follow_redirects=False,
    )


def _staff(session):
    return make_user(session, email=f"staff-{uuid.uuid4().hex[:8]}@soctrang.gov.vn")


def test_successful_logins_never_count(proxied, session):
    user = _staff(session)
    statuses = [_login(proxied, user.email, PASSWORD, "198.51.100.7").status_code for _ in range(8)]
    assert statuses == [303] * 8


def test_a_stranger_who_knows_a_staff_email_locks_out_only_themselves(proxied, session):
    user = _staff(session)
    stranger = [_login(proxied, user.email, "guessing-wrong-123", "203.0.113.9").status_code for _ in range(7)]
    assert stranger == [400] * 5 + [429] * 2
    assert _login(proxied, user.email, PASSWORD, "203.0.113.9").status_code == 429  # still the stranger's address
    assert _login(proxied, user.email, PASSWORD, "198.51.100.7").status_code == 303  # the staff member signs in


class Clock:
    """`time` as the rate limits read it, moved on by the test instead of waiting."""

    def __init__(self) -> None:
        self.offset = 0.0

    def time(self) -> float:
        return time.time() + self.offset

    def __getattr__(self, name: str):
        return getattr(time, name)


def test_the_right_password_works_again_after_the_lockout_window(proxied, session, monkeypatch):
    import limits.storage.memory

    from portal.accounts import ratelimit

    clock = Clock()
    monkeypatch.setattr(limits.storage.memory, "time", clock)  # the in-memory moving window's clock
    monkeypatch.setattr(ratelimit, "time", clock)  # Retry-After
    monkeypatch.setattr(routes, "LOGIN_FAILURES_PER_ACCOUNT_ADDRESS", "3/20 seconds")  # a login takes ~1 s loaded
    user = _staff(session)
    for _ in range(3):
        assert _login(proxied, user.email, "wrong-password-xx", "198.51.100.7").status_code == 400
    locked = _login(proxied, user.email, PASSWORD, "198.51.100.7")
    assert locked.status_code == 429
    retry_after = int(locked.headers["retry-after"])
    assert 1 <= retry_after <= 20
    clock.offset += retry_after + 0.5  # the window passes
    assert _login(proxied, user.email, PASSWORD, "198.51.100.7").status_code == 303


def test_guesses_from_many_addresses_meet_the_slower_per_account_limit(proxied, session, monkeypatch):
    monkeypatch.setattr(routes, "LOGIN_FAILURES_PER_ACCOUNT", "4/day")
    user = _staff(session)
    for i in range(4):
        assert _login(proxied, user.email, "wrong-password-xx", f"203.0.113.{i + 1}").status_code == 400
    assert _login(proxied, user.email, "wrong-password-xx", "203.0.113.50").status_code == 429


def test_an_untrusted_client_cannot_rotate_its_address(client, session, monkeypatch):
    """No trusted proxy (the default): X-Forwarded-For is ignored, the per-address limit holds."""
    monkeypatch.setattr(routes, "LOGIN_FAILURES_PER_ADDRESS", "3/15 minutes")
    for i in range(3):
        assert _login(client, f"nobody{i}@x.vn", "wrong-password-xx", f"192.0.2.{i}").status_code == 400
    assert _login(client, "nobody9@x.vn", "wrong-password-xx", "192.0.2.99").status_code == 429
