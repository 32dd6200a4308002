"""Questions investors ask about a zone from its page (where the zone publishes no phone or e-mail),
kept for staff, who answer them from the staff pages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, Text
from sqlmodel import Field, SQLModel

from portal.catalogue.models import utcnow


class Enquiry(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    zone_id: int = Field(foreign_key="zone.id", index=True)
    name: str = Field(max_length=120)
    email: str = Field(max_length=254)
    question: str = Field(sa_column=Column(Text, nullable=False))
    lang: str = Field(default="vi", max_length=2)
    address: str | None = Field(default=None, max_length=64)
    status: str = Field(default="open", index=True, max_length=12)  # open | answered
    answer: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    answered_by_id: int | None = Field(default=None, foreign_key="user.id")
    answered_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True), index=True)
