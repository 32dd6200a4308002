"""The audit log: one row per change, never updated or deleted (enforced in audit/service.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, Column, DateTime, Index, Text
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class AuditEvent(SQLModel, table=True):
    # An object's timeline is read by (type, id) in time order.
    __table_args__ = (Index("ix_auditevent_object_at", "object_type", "object_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True), index=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    actor_label: str = Field(max_length=254)  # email, or "investor" / "system"
    action: str = Field(max_length=64, index=True)
    object_type: str = Field(max_length=64, index=True)
    object_id: str | None = Field(default=None, max_length=128, index=True)
    before: dict | None = Field(default=None, sa_column=Column(JSON(none_as_null=True), nullable=True))
    after: dict | None = Field(default=None, sa_column=Column(JSON(none_as_null=True), nullable=True))
    address: str | None = Field(default=None, max_length=64)
    detail: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
