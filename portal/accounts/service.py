"""Accounts: argon2id password hashing, authentication, server-side sessions, user administration.

Every change writes an audit event in the same session (the caller commits once).
"""

from __future__ import annotations

import builtins
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlmodel import Session, col, delete, select, update

from portal.accounts.models import ROLES, User, UserSession, aware, utcnow
from portal.audit import service as audit
from portal.i18n import N_

MIN_PASSWORD_LENGTH = 12
TOUCH_INTERVAL = timedelta(minutes=1)

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the account does not exist, so both paths cost one argon2 verification.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(24))


class AccountError(ValueError):
    """A refused change; `field` names the form field, `message` is an English msgid."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


# --- passwords --------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# Words of this site an attacker tries first; zxcvbn knows common passwords, names, dates and keyboard
# patterns in English but not these.
SITE_WORDS = ("soctrang", "soc trang", "sóc trăng", "cantho", "can tho", "cần thơ", "dautu", "xuctien", "portal")
MIN_PASSWORD_SCORE = 3  # zxcvbn's 0–4: 3 is "safely unguessable" for an online attack that is rate-limited


def check_password_rules(password: str, *, field: str = "password", email: str | None = None) -> None:
    """At least 12 characters, not the e-mail address (nor its name part), and not guessable: zxcvbn
    (Dropbox's estimator, with its list of common passwords) scores it with the e-mail and this site's
    words as known inputs."""
    from zxcvbn import zxcvbn

    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(field, N_("The password must have at least 12 characters."))
    known = builtins.list(SITE_WORDS)
    if email:
        address = normalize_email(email)
        name = address.split("@", 1)[0]
        if password.strip().casefold() in {address, name}:
            raise AccountError(field, N_("The password must not be your email address."))
        known += [address, name]
    if zxcvbn(password[:100], user_inputs=known)["score"] < MIN_PASSWORD_SCORE:
        raise AccountError(
            field, N_("This password is too common or too easy to guess. Use a longer phrase of unrelated words.")
        )


def new_password_hash(password: str, *, field: str = "password", email: str | None = None) -> str:
    """The rules checked, then the argon2 hash. Slow (~0.1 s) on purpose: call it before the write
    transaction that stores the hash, never inside it."""
    check_password_rules(password, field=field, email=email)
    return hash_password(password)


def normalize_email(email: str) -> str:
    return email.strip().lower()


def valid_email(email: str, *, field: str = "email") -> str:
    """The address checked with `email-validator` (syntax and domain rules, no DNS lookup), normalized
    (IDNA domain, lower case). Raises AccountError."""
    from email_validator import EmailNotValidError, validate_email

    try:
        return normalize_email(validate_email(email.strip(), check_deliverability=False).normalized)
    except EmailNotValidError:
        raise AccountError(field, N_("Enter a valid email address.")) from None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _snapshot(user: User) -> dict:
    return {
        "email": user.email,
        "display_name": user.display_name,
        "roles": builtins.list(user.roles or []),
        "active": user.active,
    }


# --- users ------------------------------------------------------------------------------------


def get(session: Session, *, user_id: int | None = None, email: str | None = None) -> User | None:
    if user_id is not None:
        return session.get(User, user_id)
    if email is not None:
        return session.exec(select(User).where(User.email == normalize_email(email))).first()
    return None


def list(session: Session) -> builtins.list[User]:
    return builtins.list(session.exec(select(User).order_by(col(User.email))).all())


def _clean_roles(roles) -> builtins.list[str]:
    chosen = [r for r in ROLES if r in set(roles or [])]
    unknown = set(roles or []) - set(ROLES)
    if unknown:
        raise AccountError("roles", N_("Unknown role."))
    return chosen


def create(
    session: Session,
    *,
    email: str,
    password_hash: str,
    roles,
    display_name: str = "",
    actor: User | None = None,
    address: str | None = None,
) -> User:
    email = valid_email(email)
    if len(email) > 254:
        raise AccountError("email", N_("Enter a valid email address."))
    chosen = _clean_roles(roles)
    if not chosen:
        raise AccountError("roles", N_("Choose at least one role."))
    if get(session, email=email) is not None:
        raise AccountError("email", N_("An account with this email already exists."))
    user = User(
        email=email,
        display_name=display_name.strip()[:120],
        password_hash=password_hash,
        roles=chosen,
        active=True,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="user.created",
        object_type="user",
        object_id=user.id,
        after=_snapshot(user),
        address=address,
    )
    return user


def set_roles(session: Session, *, user: User, roles, actor: User | None, address: str | None = None) -> User:
    chosen = _clean_roles(roles)
    if not chosen:
        raise AccountError("roles", N_("Choose at least one role."))
    if actor is not None and actor.id == user.id and "admin" in user.roles and "admin" not in chosen:
        raise AccountError("roles", N_("You cannot remove your own admin role."))
    before = _snapshot(user)
    user.roles = chosen
    session.add(user)
    audit.record(
        session,
        actor=actor,
        action="user.roles_changed",
        object_type="user",
        object_id=user.id,
        before={"roles": before["roles"]},
        after={"roles": chosen},
        address=address,
    )
    return user


def set_active(session: Session, *, user: User, active: bool, actor: User | None, address: str | None = None) -> User:
    if actor is not None and actor.id == user.id and not active:
        raise AccountError("active", N_("You cannot deactivate your own account."))
    before = user.active
    user.active = active
    session.add(user)
    if not active:
        _revoke_all(session, user_id=user.id)
    audit.record(
        session,
        actor=actor,
        action="user.activated" if active else "user.deactivated",
        object_type="user",
        object_id=user.id,
        before={"active": before},
        after={"active": active},
        address=address,
    )
    return user


def change_password(
    session: Session, *, user: User, new_hash: str, address: str | None = None, keep_session: str | None = None
) -> User:
    """Store one's own new password (the caller checked the current one with `verify_password` and made
    `new_hash` with `new_password_hash`, both outside the write); other sessions of the user are
    revoked (`keep_session`: the id of the session kept)."""
    user.password_hash = new_hash
    session.add(user)
    revoked = _revoke_all(session, user_id=user.id, keep=keep_session)
    audit.record(
        session,
        actor=user,
        action="user.password_changed",
        object_type="user",
        object_id=user.id,
        address=address,
        detail=f"other sessions revoked: {revoked}",
    )
    return user


def set_password(
    session: Session, *, user: User, password_hash: str, actor: User | None, address: str | None = None
) -> User:
    """Set a password without knowing the old one (CLI / admin); revokes every session of the user."""
    user.password_hash = password_hash
    session.add(user)
    _revoke_all(session, user_id=user.id)
    audit.record(
        session, actor=actor, action="user.password_set", object_type="user", object_id=user.id, address=address
    )
    return user


# --- authentication and sessions ---------------------------------------------------------------


@dataclass(frozen=True)
class LoginCheck:
    """What `check_login` found: `user_id` when email + password match an active account."""

    email: str
    user_id: int | None  # the account of that e-mail, if any
    ok: bool
    rehash: str | None = None  # a new hash when the stored one uses outdated parameters


def check_login(session: Session, *, email: str, password: str) -> LoginCheck:
    """Read the account and verify the password (argon2: slow; outside any write). Unknown accounts
    are verified against a dummy hash so both paths cost the same time."""
    user = get(session, email=email)
    if user is None:
        verify_password(_DUMMY_HASH, password)
        return LoginCheck(email=normalize_email(email), user_id=None, ok=False)
    ok = verify_password(user.password_hash, password) and user.active
    rehash = hash_password(password) if ok and _hasher.check_needs_rehash(user.password_hash) else None
    return LoginCheck(email=normalize_email(email), user_id=user.id, ok=ok, rehash=rehash)


def record_login(session: Session, *, check: LoginCheck, address: str | None = None) -> User | None:
    """Audit the attempt; on success stamp the login (and store the new hash): the user, else None."""
    user = session.get(User, check.user_id) if check.user_id is not None else None
    if not check.ok or user is None or not user.active:
        audit.record(
            session,
            actor=None,
            action="login.failed",
            object_type="user",
            object_id=check.user_id,
            address=address,
            detail=check.email[:254],
            actor_label="anonymous",
        )
        return None
    if check.rehash is not None:
        user.password_hash = check.rehash
    user.last_login_at = utcnow()
    session.add(user)
    return user


def authenticate(session: Session, *, email: str, password: str, address: str | None = None) -> User | None:
    """`check_login` then `record_login` in one session (CLI and tests; routes split the two)."""
    return record_login(session, check=check_login(session, email=email, password=password), address=address)


@dataclass
class SessionInfo:
    user: User
    record: UserSession
    touch_due: bool = False  # last_seen_at is over a minute old: the caller may `touch_session`


def start_session(
    session: Session,
    *,
    user: User,
    max_age_seconds: int,
    ip: str | None = None,
    user_agent: str | None = None,
    address: str | None = None,
) -> str:
    """A new session for `user`; returns the raw cookie value (only its sha256 is stored). Sessions
    already expired (anyone's) are deleted in the same transaction, so the table holds live ones only."""
    token = secrets.token_urlsafe(32)  # 256 bits
    now = utcnow()
    purge_expired_sessions(session, now=now)
    record = UserSession(
        id=hash_token(token),
        user_id=user.id,
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(seconds=max_age_seconds),
        ip=(ip or "")[:64] or None,
        user_agent=(user_agent or "")[:255] or None,
    )
    session.add(record)
    audit.record(
        session, actor=user, action="login.succeeded", object_type="user", object_id=user.id, address=address or ip
    )
    return token


def purge_expired_sessions(session: Session, *, now: datetime | None = None) -> int:
    """Delete the sessions past their expiry (an expired session can never be used again)."""
    result = session.exec(
        delete(UserSession)
        .where(col(UserSession.expires_at) <= (now or utcnow()))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def lookup_session(session: Session, *, token: str | None, now: datetime | None = None) -> SessionInfo | None:
    """The live session for a cookie value: not revoked, not expired, user active. Only reads: when
    last_seen_at is over a minute old, `touch_due` says so and the caller writes it (`touch_session`)."""
    if not token or len(token) > 128:
        return None
    record = session.get(UserSession, hash_token(token))
    if record is None or record.revoked_at is not None:
        return None
    now = now or utcnow()
    if aware(record.expires_at) <= now:
        return None
    user = session.get(User, record.user_id)
    if user is None or not user.active:
        return None
    return SessionInfo(user=user, record=record, touch_due=now - aware(record.last_seen_at) >= TOUCH_INTERVAL)


def touch_session(session: Session, *, session_id: str, now: datetime | None = None) -> None:
    """Record that a session was seen now (one UPDATE; no object loaded)."""
    session.exec(update(UserSession).where(col(UserSession.id) == session_id).values(last_seen_at=now or utcnow()))


def end_session(session: Session, *, token: str | None, address: str | None = None) -> bool:
    """Revoke the session behind a cookie value (logout). False when there was none."""
    if not token or len(token) > 128:
        return False
    record = session.get(UserSession, hash_token(token))
    if record is None or record.revoked_at is not None:
        return False
    record.revoked_at = utcnow()
    session.add(record)
    user = session.get(User, record.user_id)
    audit.record(session, actor=user, action="logout", object_type="user", object_id=record.user_id, address=address)
    return True


def _revoke_all(session: Session, *, user_id: int, keep: str | None = None) -> int:
    now = utcnow()
    count = 0
    for record in session.exec(
        select(UserSession).where(UserSession.user_id == user_id, col(UserSession.revoked_at).is_(None))
    ).all():
        if keep is not None and record.id == keep:
            continue
        record.revoked_at = now
        session.add(record)
        count += 1
    return count


def revoke_sessions(session: Session, *, user: User, actor: User | None, address: str | None = None) -> int:
    """Reset sessions: revoke every live session of `user` (admin action). Returns how many."""
    count = _revoke_all(session, user_id=user.id)
    audit.record(
        session,
        actor=actor,
        action="user.sessions_reset",
        object_type="user",
        object_id=user.id,
        address=address,
        detail=f"sessions revoked: {count}",
    )
    return count


def list_sessions(session: Session, *, user_id: int, live_only: bool = True) -> builtins.list[UserSession]:
    query = select(UserSession).where(UserSession.user_id == user_id)
    if live_only:
        query = query.where(col(UserSession.revoked_at).is_(None), col(UserSession.expires_at) > utcnow())
    return builtins.list(session.exec(query.order_by(col(UserSession.created_at).desc())).all())
