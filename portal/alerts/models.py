"""Alert tables.

AlertSubscription  one e-mail address's subscription to one zone-list filter, in one language.
                   status: pending (confirmation mailed, nothing else is ever sent) → active (confirmed)
                   → unsubscribed. `filters` is the filter normalised to the zone list's parameters
                   ({"kind": [...], "locality": [...], "status": [...], "sector": [...], "min_area": 12.5});
                   `key` is random, and the confirmation and unsubscribe tokens are HMACs of it under the
                   portal's secret (service.token), so neither token is stored and one cannot be made from
                   the other.
AlertZoneState     what the subscribers last heard of a zone: published or not, its available land and the
                   ids of its available plots. A change that adds to these (a zone published, a plot made
                   available, more available land) is what an alert tells.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, Column, DateTime
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class AlertSubscription(SQLModel, table=True):
    __tablename__ = "alert_subscription"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, index=True)
    lang: str = Field(default="vi", max_length=2)
    filters: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    query: str = Field(default="", max_length=1000)  # the filters as the zone list's query string
    key: str = Field(unique=True, max_length=64)
    status: str = Field(default="pending", max_length=12, index=True)  # pending | active | unsubscribed
    address: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    confirmed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    unsubscribed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    last_sent_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class AlertZoneState(SQLModel, table=True):
    __tablename__ = "alert_zone_state"

    zone_id: int = Field(foreign_key="zone.id", primary_key=True)
    published: bool = False
    available_ha: float | None = None
    available_plots: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
