"""Public facts: figures and statements about the zones from public pages (press, public records,
datasets), beside the resolutions' own figures.

Each row is one fact as published: its value, the words quoted, the page, the page's date and the
researcher's confidence. Staff confirm, correct or withdraw a fact (`status`); the original value and
quote are never overwritten, a correction is kept beside them (`staff_value`, `staff_note`).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Text
from sqlmodel import Field, SQLModel

from portal.catalogue.models import utcnow


class FactStatus(StrEnum):
    unconfirmed = "unconfirmed"  # as published; the authority has not reviewed it
    confirmed = "confirmed"  # staff confirmed the published value
    corrected = "corrected"  # staff gave the right value (staff_value)
    withdrawn = "withdrawn"  # staff withdrew it: not shown on public pages


class PublicFact(SQLModel, table=True):
    __tablename__ = "public_fact"
    id: int | None = Field(default=None, primary_key=True)
    #: stable key: scope:topic:hash(page + quote), so re-importing the same file updates in place
    key: str = Field(unique=True, index=True, max_length=120)
    #: a zone slug, or "merger" / "province" for facts about the province as a whole
    scope: str = Field(index=True, max_length=80)
    zone_id: int | None = Field(default=None, foreign_key="zone.id", index=True)
    topic: str = Field(index=True, max_length=60)
    position: int = 0  # order within the topic, as in the file
    value: Any = Field(default=None, sa_column=Column(JSON(none_as_null=True), nullable=True))
    unit: str | None = Field(default=None, max_length=80)
    quote: str = Field(sa_column=Column(Text, nullable=False))
    quote_lang: str = Field(default="vi", max_length=4)
    source_url: str = Field(max_length=500)
    source_title: str = Field(max_length=500)
    #: the page's date as the research gives it ("2023-11", "not shown (c. 2020)")
    source_date: str = Field(max_length=200)
    #: what can be read from it: an ISO date/month/year when the page shows one, else None
    published_on: str | None = Field(default=None, max_length=10)
    #: a year the page's figures refer to when the page shows no date ("c. 2020")
    circa_year: int | None = None
    #: press | public_record | dataset | aggregator | company
    kind: str = Field(max_length=20)
    confidence: str = Field(max_length=12)
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # researcher's note (English)
    status: str = Field(default=FactStatus.unconfirmed, index=True, max_length=12)
    staff_value: str | None = Field(default=None, max_length=500)
    staff_note: str | None = Field(default=None, max_length=1000)
    reviewed_by_id: int | None = Field(default=None, foreign_key="user.id")
    reviewed_on: date | None = None
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
