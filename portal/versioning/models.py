"""The revision history of every staff save.

A `Revision` is written in the same transaction as the change it describes; `changes` maps each changed
field to `[before, after]` (JSON values). `version` is the object's version *after* the save (a delete
records the version it deleted).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, DateTime
from sqlmodel import Field, SQLModel

from portal.catalogue.models import utcnow


class Revision(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    object_type: str = Field(max_length=32, index=True)  # zone | plot | project
    object_id: int = Field(index=True)
    version: int
    actor_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    actor_label: str = Field(default="system", max_length=254)  # email at the time (or "cli")
    action: str = Field(default="update", max_length=16)  # create | update | delete | publish | unpublish
    at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True), index=True)
    changes: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
