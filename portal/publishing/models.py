"""Publishing tables: imports waiting between dry run and apply (revisions: portal/versioning/models.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, DateTime
from sqlmodel import Field, SQLModel

from portal.catalogue.models import utcnow


class PendingImport(SQLModel, table=True):
    """A parsed upload kept server-side between the dry run and "Apply" (expires after an hour)."""

    id: str = Field(primary_key=True, max_length=43)  # random token (URL-safe), not guessable
    owner_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    kind: str = Field(max_length=8)  # plots | zones
    filename: str = Field(default="", max_length=200)
    rows: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    errors: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    expires_at: datetime = Field(sa_type=DateTime(timezone=True), index=True)
