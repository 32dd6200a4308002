"""Account tables.

`User.email` is stored lower-case and unique. `roles` is a JSON list drawn from ROLES.
`UserSession.id` is the sha256 (hex) of the random cookie value: the raw value is never stored, so a
leaked database cannot be replayed as a cookie.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, Column, DateTime
from sqlmodel import Field, SQLModel

ROLES: tuple[str, ...] = ("admin", "staff", "screener")


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes for timezone columns: they were written as UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, index=True, max_length=254)
    display_name: str = Field(default="", max_length=120)
    password_hash: str = Field(max_length=255)
    roles: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    last_login_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))

    def has_role(self, *roles: str) -> bool:
        """True when the user holds any of `roles`; admins hold every role."""
        held = set(self.roles or [])
        return "admin" in held or bool(held.intersection(roles))

    @property
    def label(self) -> str:
        return self.display_name or self.email


class UserSession(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=64)  # sha256 hex of the cookie value
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    expires_at: datetime = Field(sa_type=DateTime(timezone=True), index=True)  # purged once past
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    revoked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    ip: str | None = Field(default=None, max_length=64)
    user_agent: str | None = Field(default=None, max_length=255)
