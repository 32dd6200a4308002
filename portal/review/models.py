"""Review tables. The case's state itself lives on `Proposal.status`; these hold the workflow data.

ReviewAssignment   who works on a proposal (one row per proposal; reassigning updates it, audited)
ReviewMessage      the case conversation: internal comments, information requests, investor answers,
                   decisions (the texts the investor sees are stored in both languages)
Decision           the outcome with its reason in both languages and the screening snapshot it was
                   taken on
ScreeningRecord    earlier screening snapshots, kept when a screener re-screens under a newer ruleset
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, DateTime, Text
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class MessageKind(StrEnum):
    comment = "comment"  # internal: screeners only, never shown to the investor
    info_request = "info_request"
    investor_answer = "investor_answer"
    decision = "decision"
    withdrawal = "withdrawal"


PUBLIC_KINDS: frozenset[str] = frozenset(
    {MessageKind.info_request, MessageKind.investor_answer, MessageKind.decision, MessageKind.withdrawal}
)


class ReviewAssignment(SQLModel, table=True):
    __tablename__ = "review_assignment"

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", unique=True, index=True)
    screener_id: int = Field(foreign_key="user.id", index=True)
    assigned_by: int | None = Field(default=None, foreign_key="user.id")
    assigned_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class ReviewMessage(SQLModel, table=True):
    __tablename__ = "review_message"

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", index=True)
    author_id: int | None = Field(default=None, foreign_key="user.id")  # None = the investor
    kind: str = Field(max_length=20, index=True)
    text_vi: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    text_en: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True), index=True)


class Decision(SQLModel, table=True):
    __tablename__ = "review_decision"

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", index=True)
    outcome: str = Field(max_length=16)  # accepted | refused
    reason_vi: str = Field(sa_column=Column(Text, nullable=False))
    reason_en: str = Field(sa_column=Column(Text, nullable=False))
    decided_by: int = Field(foreign_key="user.id")
    decided_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    verdict: str | None = Field(default=None, max_length=24)
    ruleset_id: str | None = Field(default=None, max_length=80)
    ruleset_version: str | None = Field(default=None, max_length=40)
    regime: str | None = Field(default=None, max_length=40)
    screening: dict | None = Field(default=None, sa_column=Column(JSON(none_as_null=True), nullable=True))


class ScreeningRecord(SQLModel, table=True):
    """A screening snapshot that was replaced by a re-screen (the current one stays on the proposal)."""

    __tablename__ = "review_screening"

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", index=True)
    verdict: str | None = Field(default=None, max_length=24)
    ruleset_id: str | None = Field(default=None, max_length=80)
    ruleset_version: str | None = Field(default=None, max_length=40)
    regime: str | None = Field(default=None, max_length=40)
    screening: dict | None = Field(default=None, sa_column=Column(JSON(none_as_null=True), nullable=True))
    replaced_by: int | None = Field(default=None, foreign_key="user.id")
    replaced_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
