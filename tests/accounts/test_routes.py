import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from portal.accounts import service
from portal.accounts.deps import COOKIE
from portal.accounts.models import User, UserSession, utcnow
from portal.audit.models import AuditEvent
from tests.conftest import csrf_token
from tests.factories import PASSWORD, make_user, signed_in
from tests.factories import form_login as login

LOGIN_ERROR_VI = "Email hoặc mật khẩu không đúng."


def _set_cookie(response, name=COOKIE) -> str:
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(f"{name}="):
            return header
    raise AssertionError(f"no {name} cookie set")


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_login_page_renders_in_both_languages(client, lang):
    response = client.get(f"/{lang}/staff/login?next=/{lang}/admin/users")
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in response.text
    assert 'name="csrf_token"' in response.text
    assert f'name="next" value="/{lang}/admin/users"' in response.text
    if lang == "vi":
        assert "Đăng nhập" in response.text and "Mật khẩu" in response.text


def test_login_sets_a_hardened_cookie_and_redirects_staff_to_the_staff_area(client, csrf, session):
    user = make_user(session, roles=("staff",))
    response = login(client, csrf, email=user.email)
    assert response.status_code == 303
    assert response.headers["location"] == "/vi/staff/"
    cookie = _set_cookie(response)
    lowered = cookie.lower()
    assert "httponly" in lowered and "samesite=lax" in lowered and "path=/" in lowered
    assert "max-age=28800" in lowered
    assert "secure" not in lowered  # test settings: plain http
    token = cookie.split(";")[0].split("=", 1)[1]
    assert session.get(UserSession, service.hash_token(token)) is not None


def test_screener_lands_on_the_review_queue(client, csrf, session):
    user = make_user(session, roles=("screener",))
    response = login(client, csrf, email=user.email, lang="en")
    assert response.headers["location"] == "/en/review/"


def test_cookie_is_secure_in_production(settings, db):
    from portal.app import create_app

    prod = settings.model_copy(update={"env": "production"})
    app = create_app(prod, db=db)
    with TestClient(app, base_url="https://127.0.0.1") as c, db.session() as s:
        user = make_user(s)
        response = login(c, csrf_token(c), email=user.email)
        assert response.status_code == 303
        assert "; secure" in _set_cookie(response).lower()


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_bad_password_and_unknown_account_get_the_same_answer(client, csrf, session, lang):
    user = make_user(session)
    wrong = login(client, csrf, email=user.email, password="not the password", lang=lang)
    unknown = login(client, csrf, email="nobody@soctrang.gov.vn", password="not the password", lang=lang)
    assert wrong.status_code == unknown.status_code == 400
    messages = [re.search(r'class="error-text">([^<]+)<', r.text).group(1) for r in (wrong, unknown)]
    assert messages[0] == messages[1]
    if lang == "vi":
        assert messages[0] == LOGIN_ERROR_VI
    assert COOKIE not in "".join(wrong.headers.get_list("set-cookie"))
    assert 'value="nobody@soctrang.gov.vn"' in unknown.text  # typed email kept
    assert "not the password" not in unknown.text  # password never echoed


def test_empty_fields_are_reported_next_to_the_field(client, csrf):
    response = client.post("/en/staff/login", data={"csrf_token": csrf, "email": "", "password": ""})
    assert response.status_code == 400
    assert 'id="login-email-error"' in response.text and 'id="login-password-error"' in response.text


def test_login_and_logout_refuse_requests_without_csrf_token(client, session):
    user = make_user(session)
    client.get("/vi/staff/login")
    response = client.post("/vi/staff/login", data={"email": user.email, "password": PASSWORD}, follow_redirects=False)
    assert response.status_code == 403
    assert COOKIE not in "".join(response.headers.get_list("set-cookie"))
    response = client.post("/vi/staff/logout", data={}, follow_redirects=False)
    assert response.status_code == 403


def test_no_session_fixation(client, csrf, session):
    user = make_user(session)
    attacker_value = "attacker-chosen-session-value"
    client.cookies.set(COOKIE, attacker_value)
    response = login(client, csrf, email=user.email)
    new_value = _set_cookie(response).split(";")[0].split("=", 1)[1]
    assert new_value != attacker_value
    assert session.get(UserSession, service.hash_token(attacker_value)) is None
    # the attacker's value does not authenticate anyone
    attacker = TestClient(client.app, base_url="http://127.0.0.1:8000")
    attacker.cookies.set(COOKIE, attacker_value)
    assert attacker.get("/vi/staff/account", follow_redirects=False).status_code == 303


def test_a_new_login_gets_a_new_session_and_revokes_the_previous_one(client, csrf, session):
    user = make_user(session)
    first = _set_cookie(login(client, csrf, email=user.email)).split(";")[0].split("=", 1)[1]
    second = _set_cookie(login(client, csrf, email=user.email)).split(";")[0].split("=", 1)[1]
    assert first != second
    assert service.lookup_session(session, token=first) is None
    assert service.lookup_session(session, token=second) is not None


def test_logout_revokes_the_session_server_side(client, csrf, session):
    user = signed_in(client, csrf, session)
    token = client.cookies.get(COOKIE)
    assert client.get("/vi/staff/account").status_code == 200
    response = client.post("/vi/staff/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303
    assert 'portal_session=""' in _set_cookie(response) or "max-age=0" in _set_cookie(response).lower()
    record = session.get(UserSession, service.hash_token(token))
    session.refresh(record)
    assert record.revoked_at is not None
    # replaying the old cookie does not work
    client.cookies.set(COOKIE, token)
    replay = client.get("/vi/staff/account", follow_redirects=False)
    assert replay.status_code == 303
    assert replay.headers["location"].startswith("/vi/staff/login")
    actions = session.exec(select(AuditEvent.action).where(AuditEvent.actor_id == user.id)).all()
    assert "logout" in actions


def test_expired_session_is_refused(client, csrf, session):
    signed_in(client, csrf, session)
    record = session.get(UserSession, service.hash_token(client.cookies.get(COOKIE)))
    record.expires_at = utcnow() - timedelta(seconds=1)
    session.add(record)
    session.commit()
    assert client.get("/vi/staff/account", follow_redirects=False).status_code == 303


def test_reset_and_deactivation_end_the_users_sessions(client, csrf, session):
    user = signed_in(client, csrf, session)
    assert client.get("/vi/staff/account").status_code == 200
    admin = make_user(session, roles=("admin",))
    service.revoke_sessions(session, user=session.get(User, user.id), actor=admin)
    session.commit()
    assert client.get("/vi/staff/account", follow_redirects=False).status_code == 303
    login(client, csrf, email=user.email)
    assert client.get("/vi/staff/account").status_code == 200
    service.set_active(session, user=session.get(User, user.id), active=False, actor=admin)
    session.commit()
    assert client.get("/vi/staff/account", follow_redirects=False).status_code == 303
    assert login(client, csrf, email=user.email).status_code == 400


ADMIN_PAGES = ["/vi/admin/users", "/vi/admin/audit"]


@pytest.mark.parametrize(
    ("roles", "path", "status"),
    [
        (("screener",), "/vi/admin/users", 403),
        (("screener",), "/vi/admin/audit", 403),
        (("staff",), "/vi/admin/audit", 403),
        (("staff",), "/vi/admin/users", 403),
        (("staff",), "/vi/staff/account", 200),
        (("screener",), "/en/staff/account", 200),
        (("admin",), "/vi/admin/users", 200),
        (("admin",), "/en/admin/audit", 200),
        (("admin",), "/vi/staff/account", 200),
    ],
)
def test_role_access(client, csrf, session, roles, path, status):
    signed_in(client, csrf, session, roles=roles)
    response = client.get(path, follow_redirects=False)
    assert response.status_code == status


@pytest.mark.parametrize("path", ["/vi/admin/users", "/en/admin/audit?action=logout", "/vi/staff/account"])
def test_anonymous_is_sent_to_login_with_next(client, path):
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    lang = path.split("/")[1]
    from urllib.parse import quote

    assert response.headers["location"] == f"/{lang}/staff/login?next={quote(path, safe='/')}"
    followed = client.get(path)
    assert followed.status_code == 200 and 'name="password"' in followed.text


def test_require_roles_answers_401_on_api_paths(app, client):
    from fastapi import APIRouter

    from portal.accounts.deps import StaffUser

    probe = APIRouter()

    @probe.get("/api/v1/_probe")
    def _probe(user: StaffUser):
        return {"email": user.email}

    app.include_router(probe)
    response = client.get("/api/v1/_probe")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/json")


def test_login_follows_a_safe_next(client, csrf, session):
    user = make_user(session, roles=("admin",))
    response = login(client, csrf, email=user.email, next="/vi/admin/audit?action=logout")
    assert response.headers["location"] == "/vi/admin/audit?action=logout"


@pytest.mark.parametrize(
    "evil",
    [
        "//evil.com",
        "https://evil.com",
        "/\\evil.com",
        "http:/evil.com",
        "javascript:alert(1)",
        "evil.com/x",
        "/\nLocation: //evil.com",
    ],
)
def test_next_refuses_open_redirects(client, csrf, session, evil):
    user = make_user(session, roles=("staff",))
    response = login(client, csrf, email=user.email, next=evil)
    assert response.status_code == 303
    assert response.headers["location"] == "/vi/staff/"
    page = client.get("/vi/staff/login", params={"next": evil})
    assert 'name="next"' not in page.text


def test_audit_rows_for_login_success_and_failure(client, csrf, session):
    user = make_user(session)
    login(client, csrf, email=user.email, password="wrong password here")
    login(client, csrf, email=user.email)
    rows = session.exec(select(AuditEvent).where(AuditEvent.object_id == str(user.id)).order_by(AuditEvent.id)).all()
    actions = [r.action for r in rows]
    assert actions[-2:] == ["login.failed", "login.succeeded"]
    assert rows[-2].actor_id is None and rows[-2].detail == user.email
    assert rows[-1].actor_id == user.id and rows[-1].address


def test_admin_creates_user_sets_roles_deactivates_and_resets_sessions(client, csrf, session):
    admin = signed_in(client, csrf, session, roles=("admin",))
    response = client.post(
        "/vi/admin/users",
        data={
            "csrf_token": csrf,
            "email": "New.Person@SocTrang.gov.vn",
            "display_name": "Nguyễn Văn A",
            "password": "a long enough password",
            "roles": ["staff", "screener"],
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    new = session.exec(select(User).where(User.email == "new.person@soctrang.gov.vn")).one()
    assert new.roles == ["staff", "screener"] and new.display_name == "Nguyễn Văn A"

    page = client.get("/vi/admin/users?done=created")
    assert "new.person@soctrang.gov.vn" in page.text and "Nguyễn Văn A" in page.text

    assert (
        client.post(
            f"/vi/admin/users/{new.id}/roles", data={"csrf_token": csrf, "roles": ["screener"]}, follow_redirects=False
        ).status_code
        == 303
    )
    assert (
        client.post(
            f"/vi/admin/users/{new.id}/sessions/reset", data={"csrf_token": csrf}, follow_redirects=False
        ).status_code
        == 303
    )
    assert (
        client.post(
            f"/vi/admin/users/{new.id}/active", data={"csrf_token": csrf, "active": "0"}, follow_redirects=False
        ).status_code
        == 303
    )
    session.refresh(new)
    assert new.roles == ["screener"] and new.active is False

    events = session.exec(
        select(AuditEvent)
        .where(AuditEvent.object_type == "user", AuditEvent.object_id == str(new.id))
        .order_by(AuditEvent.id)
    ).all()
    assert [e.action for e in events] == [
        "user.created",
        "user.roles_changed",
        "user.sessions_reset",
        "user.deactivated",
    ]
    assert all(e.actor_id == admin.id and e.actor_label == admin.email for e in events)
    assert events[1].before == {"roles": ["staff", "screener"]} and events[1].after == {"roles": ["screener"]}
    assert "password" not in str(events[0].after)


def test_create_user_errors_keep_what_was_typed(client, csrf, session):
    signed_in(client, csrf, session, roles=("admin",))
    response = client.post(
        "/en/admin/users",
        data={
            "csrf_token": csrf,
            "email": "short@soctrang.gov.vn",
            "display_name": "Trần Thị B",
            "password": "short",
            "roles": ["staff"],
        },
    )
    assert response.status_code == 400
    assert 'id="nu-password-error"' in response.text
    assert 'value="short@soctrang.gov.vn"' in response.text and "Trần Thị B" in response.text
    assert session.exec(select(User).where(User.email == "short@soctrang.gov.vn")).first() is None
    response = client.post(
        "/en/admin/users", data={"csrf_token": csrf, "email": "x@soctrang.gov.vn", "password": "a long enough password"}
    )
    assert response.status_code == 400 and 'id="nu-roles-error"' in response.text


def test_unknown_user_id_is_404(client, csrf, session):
    signed_in(client, csrf, session, roles=("admin",))
    response = client.post("/vi/admin/users/999999/active", data={"csrf_token": csrf, "active": "0"})
    assert response.status_code == 404


def test_change_own_password(client, csrf, session):
    user = signed_in(client, csrf, session)
    bad = client.post(
        "/vi/staff/account/password",
        data={
            "csrf_token": csrf,
            "current_password": "wrong",
            "new_password": "another good password",
            "confirm_password": "another good password",
        },
    )
    assert bad.status_code == 400 and 'id="pw-current_password-error"' in bad.text
    mismatch = client.post(
        "/vi/staff/account/password",
        data={
            "csrf_token": csrf,
            "current_password": PASSWORD,
            "new_password": "another good password",
            "confirm_password": "another good passwort",
        },
    )
    assert mismatch.status_code == 400 and 'id="pw-confirm_password-error"' in mismatch.text
    ok = client.post(
        "/vi/staff/account/password",
        data={
            "csrf_token": csrf,
            "current_password": PASSWORD,
            "new_password": "another good password",
            "confirm_password": "another good password",
        },
        follow_redirects=False,
    )
    assert ok.status_code == 303
    assert client.get("/vi/staff/account").status_code == 200  # this session survives
    session.refresh(session.get(User, user.id))
    assert service.verify_password(session.get(User, user.id).password_hash, "another good password")
    actions = session.exec(select(AuditEvent.action).where(AuditEvent.actor_id == user.id)).all()
    assert "user.password_changed" in actions


def test_account_page_lists_roles_and_sessions(client, csrf, session):
    signed_in(client, csrf, session, roles=("staff", "screener"))
    html = client.get("/vi/staff/account").text
    assert "Thay đổi mật khẩu" in html or "Đổi mật khẩu" in html
    assert html.count('class="badge"') == 1  # this session marked
