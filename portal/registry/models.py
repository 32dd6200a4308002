from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime
from sqlmodel import Field, SQLModel

from portal.catalogue.models import utcnow


class ProjectStatus(StrEnum):
    """In the order a project goes through them. A screening acceptance files a project `in_principle` (the
    province agrees in principle; no licence yet); staff set licensed, building and operating."""

    in_principle = "in_principle"
    licensed = "licensed"
    building = "building"
    operating = "operating"


class Project(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    zone_id: int = Field(foreign_key="zone.id", index=True)
    plot_id: int | None = Field(default=None, foreign_key="plot.id", index=True)
    proposal_id: int | None = Field(default=None, index=True)
    investor_name: str = Field(max_length=200)
    investor_country: str | None = Field(default=None, max_length=2)
    name_vi: str = Field(max_length=300)
    name_en: str = Field(max_length=300)
    sector_code: str = Field(foreign_key="sector.code", max_length=8)
    land_ha: float | None = None
    capital_amount: float | None = None
    capital_currency: str | None = Field(default=None, max_length=3)
    jobs: int | None = None
    status: str = Field(default=ProjectStatus.licensed, max_length=16)
    published: bool = Field(default=False)
    source: str = Field(default="registry", max_length=40)
    version: int = Field(default=1)  # optimistic locking, as for zones and plots
    created_by: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
