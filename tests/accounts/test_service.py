from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlmodel import select

from portal.accounts import service
from portal.accounts.models import UserSession, aware, utcnow
from portal.audit.models import AuditEvent
from tests.factories import PASSWORD, make_user


def test_passwords_are_hashed_with_argon2id_and_verified(session, production_argon2):
    user = make_user(session, email="Hash@SocTrang.gov.vn")
    assert user.email == "hash@soctrang.gov.vn"
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    assert service.verify_password(user.password_hash, PASSWORD)
    assert not service.verify_password(user.password_hash, PASSWORD + "x")
    assert not service.verify_password("not-a-hash", PASSWORD)


def test_authenticate_accepts_the_right_password_case_insensitive_email(session):
    user = make_user(session)
    found = service.authenticate(session, email=user.email.upper(), password=PASSWORD)
    assert found is not None and found.id == user.id
    assert found.last_login_at is not None


@pytest.mark.parametrize("case", ["wrong password", "unknown account", "deactivated"])
def test_authenticate_refuses_and_audits_the_attempt(session, case):
    user = make_user(session, active=case != "deactivated")
    email = "nobody@example.com" if case == "unknown account" else user.email
    password = PASSWORD + "!" if case == "wrong password" else PASSWORD
    assert service.authenticate(session, email=email, password=password, address="10.0.0.9") is None
    session.flush()
    event = session.exec(
        select(AuditEvent).where(AuditEvent.action == "login.failed").order_by(AuditEvent.id.desc())
    ).first()
    assert event is not None
    assert event.actor_id is None
    assert event.detail == email
    assert event.address == "10.0.0.9"


def test_unknown_account_still_costs_one_argon2_verification(session, monkeypatch):
    calls = []
    real = service.verify_password
    monkeypatch.setattr(service, "verify_password", lambda h, p: calls.append(h) or real(h, p))
    service.authenticate(session, email="ghost@example.com", password="whatever-password")
    assert calls == [service._DUMMY_HASH]
    assert service._DUMMY_HASH.startswith("$argon2id$")


def test_outdated_hash_is_rehashed_on_login(session, production_argon2):
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    user = make_user(session)
    user.password_hash = weak.hash(PASSWORD)
    session.add(user)
    session.commit()
    old = user.password_hash
    assert service.authenticate(session, email=user.email, password=PASSWORD) is not None
    assert user.password_hash != old
    assert not PasswordHasher().check_needs_rehash(user.password_hash)


def test_create_refuses_short_passwords_duplicates_and_unknown_roles(session):
    make_user(session, email="dup@soctrang.gov.vn")
    password_hash = service.new_password_hash(PASSWORD)
    with pytest.raises(service.AccountError) as err:
        service.create(session, email="DUP@soctrang.gov.vn", password_hash=password_hash, roles=["staff"])
    assert err.value.field == "email"
    with pytest.raises(service.AccountError) as err:
        service.new_password_hash("elevenchars")
    assert err.value.field == "password"
    with pytest.raises(service.AccountError) as err:
        service.create(session, email="role@soctrang.gov.vn", password_hash=password_hash, roles=["root"])
    assert err.value.field == "roles"


def test_session_stores_only_the_hash_of_the_cookie(session):
    user = make_user(session)
    token = service.start_session(session, user=user, max_age_seconds=3600)
    session.commit()
    assert session.get(UserSession, token) is None
    record = session.get(UserSession, service.hash_token(token))
    assert record is not None and len(record.id) == 64
    assert len(token) >= 43  # 32 random bytes, url-safe base64
    assert service.lookup_session(session, token=token).user.id == user.id


def test_expired_revoked_and_deactivated_sessions_are_refused(session):
    user = make_user(session)
    token = service.start_session(session, user=user, max_age_seconds=60)
    session.commit()
    later = utcnow() + timedelta(seconds=61)
    assert service.lookup_session(session, token=token, now=later) is None
    assert service.lookup_session(session, token=token) is not None
    user.active = False
    session.add(user)
    session.commit()
    assert service.lookup_session(session, token=token) is None
    user.active = True
    session.add(user)
    assert service.end_session(session, token=token)
    session.commit()
    assert service.lookup_session(session, token=token) is None
    assert service.lookup_session(session, token="") is None
    assert service.lookup_session(session, token="x" * 500) is None


def test_last_seen_is_touched_at_most_once_a_minute(session):
    user = make_user(session)
    token = service.start_session(session, user=user, max_age_seconds=3600)
    session.commit()
    record = session.get(UserSession, service.hash_token(token))
    first = aware(record.last_seen_at)
    assert service.lookup_session(session, token=token, now=first + timedelta(seconds=30)).touch_due is False
    later = first + timedelta(seconds=61)
    assert service.lookup_session(session, token=token, now=later).touch_due is True
    assert not session.dirty  # looking up only reads
    service.touch_session(session, session_id=record.id, now=later)
    session.commit()
    session.refresh(record)
    assert aware(record.last_seen_at) == later
    assert service.lookup_session(session, token=token, now=later + timedelta(seconds=30)).touch_due is False


def test_revoke_sessions_ends_every_live_session(session):
    user = make_user(session)
    admin = make_user(session, roles=("admin",))
    tokens = [service.start_session(session, user=user, max_age_seconds=3600) for _ in range(3)]
    session.commit()
    assert service.revoke_sessions(session, user=user, actor=admin) == 3
    session.commit()
    assert all(service.lookup_session(session, token=t) is None for t in tokens)
    assert service.list_sessions(session, user_id=user.id) == []


def test_change_password_keeps_this_session_and_ends_the_others(session):
    user = make_user(session)
    keep = service.start_session(session, user=user, max_age_seconds=3600)
    other = service.start_session(session, user=user, max_age_seconds=3600)
    session.commit()
    assert not service.verify_password(user.password_hash, "wrong password!")
    with pytest.raises(service.AccountError) as err:
        service.new_password_hash("too short", field="new_password")
    assert err.value.field == "new_password"
    new_hash = service.new_password_hash("a brand new password", field="new_password")
    service.change_password(session, user=user, new_hash=new_hash, keep_session=service.hash_token(keep))
    session.commit()
    assert service.verify_password(user.password_hash, "a brand new password")
    assert service.lookup_session(session, token=keep) is not None
    assert service.lookup_session(session, token=other) is None


def test_admin_cannot_lock_themselves_out(session):
    admin = make_user(session, roles=("admin",))
    with pytest.raises(service.AccountError):
        service.set_roles(session, user=admin, roles=["staff"], actor=admin)
    with pytest.raises(service.AccountError):
        service.set_active(session, user=admin, active=False, actor=admin)


def test_signing_in_purges_expired_sessions(session):
    from datetime import timedelta

    from sqlmodel import select

    from portal.accounts.models import UserSession
    from portal.accounts.service import start_session
    from tests.factories import make_user

    user = make_user(session)
    start_session(session, user=user, max_age_seconds=3600)
    old = session.exec(select(UserSession).where(UserSession.user_id == user.id)).one()
    old.expires_at = old.created_at - timedelta(seconds=1)
    session.add(old)
    session.flush()
    start_session(session, user=user, max_age_seconds=3600)
    left = session.exec(select(UserSession).where(UserSession.user_id == user.id)).all()
    assert [s.id for s in left] != [old.id] and len(left) == 1
