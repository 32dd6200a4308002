"""The search outbox: a row per changed searchable record, written in the same transaction as the
change. The database stays the source of truth; the index is derived and catches up from here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime
from sqlmodel import Field, SQLModel

from portal.catalogue.models import utcnow


class SearchOutbox(SQLModel, table=True):
    __tablename__ = "search_outbox"
    id: int | None = Field(default=None, primary_key=True)
    doc_id: str = Field(max_length=120, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=500)
