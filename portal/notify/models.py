"""Notification tables.

Notification     one e-mail, rendered when the event happened (subject, plain text and HTML in the
                 recipient's language) and written in the event's own transaction: the outbox. The worker
                 sends it and records the outcome; a row is never deleted, so a message is never lost.
                 status: pending → sending → sent, or back to pending with `next_attempt_at` (backoff) after
                 a failure, or failed after the last attempt (an admin can send it again). `held` rows
                 wait for a screener's daily digest and become `digested` once it is written.
                 `unsubscribe_url`, when set, becomes the List-Unsubscribe headers of the message.
NotifyPreference a staff member's language for e-mails and how they hear of new submissions.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, Text
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class Notification(SQLModel, table=True):
    __tablename__ = "notification"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32, index=True)
    status: str = Field(default="pending", max_length=12, index=True)
    recipient: str = Field(max_length=254, index=True)
    recipient_name: str = Field(default="", max_length=200)
    locale: str = Field(default="vi", max_length=2)
    subject: str = Field(max_length=300)
    body_text: str = Field(sa_column=Column(Text, nullable=False))
    body_html: str = Field(sa_column=Column(Text, nullable=False))
    message_id: str = Field(unique=True, max_length=200)
    proposal_id: int | None = Field(default=None, foreign_key="proposal.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    digest_id: int | None = Field(default=None, foreign_key="notification.id")
    #: the one-click unsubscribe URL of a message one can stop (RFC 8058 headers, portal/alerts)
    unsubscribe_url: str | None = Field(default=None, max_length=1000)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True), index=True)
    claimed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    sent_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class NotifyPreference(SQLModel, table=True):
    __tablename__ = "notify_preference"

    user_id: int = Field(foreign_key="user.id", primary_key=True)
    locale: str = Field(default="vi", max_length=2)
    new_submissions: str = Field(default="immediate", max_length=10)  # immediate | digest | off
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
