"""Catalogue tables. Derived figures (available land, fill rate) are computed, never stored.

Unknown figures are NULL: the sources do not give them, and the pages say "not published".
`facts` holds the provenance of each figure: {field: {source, ref, quote, derived?, note_vi?, note_en?}}.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, DateTime, Index, Text, UniqueConstraint, event
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class ZoneKind(StrEnum):
    kcn = "kcn"  # khu công nghiệp — industrial park
    ccn = "ccn"  # cụm công nghiệp — industrial cluster
    kkt = "kkt"  # khu kinh tế — economic zone


class ZoneStatus(StrEnum):
    operating = "operating"
    building = "building"
    approved = "approved"
    planned = "planned"
    expansion_planned = "expansion_planned"


class WastewaterStatus(StrEnum):
    working = "working"
    building = "building"
    planned = "planned"
    none = "none"


class PlotStatus(StrEnum):
    available = "available"
    reserved = "reserved"
    leased = "leased"


class Zone(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, index=True, max_length=80)
    kind: str = Field(index=True, max_length=8)
    parent_id: int | None = Field(default=None, foreign_key="zone.id")
    name_vi: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    locality: str | None = Field(default=None, index=True, max_length=40)
    status: str = Field(index=True, max_length=24)
    total_area_ha: float | None = None
    industrial_land_ha: float | None = None
    wastewater_status: str | None = Field(default=None, max_length=16)
    wastewater_capacity_m3_day: float | None = None
    infrastructure_vi: str | None = None
    infrastructure_en: str | None = None
    description_vi: str | None = None
    description_en: str | None = None
    lat: float | None = None
    lon: float | None = None
    location_approximate: bool = True
    contact_org_vi: str | None = Field(default=None, max_length=200)
    contact_org_en: str | None = Field(default=None, max_length=200)
    contact_phone: str | None = Field(default=None, max_length=40)
    contact_email: str | None = Field(default=None, max_length=200)
    source: str = Field(max_length=40)
    source_ref: str = Field(max_length=80)
    facts: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    verified_on: date | None = None
    published: bool = Field(default=True, index=True)
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class Sector(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=8)
    name_vi: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    priority: bool = False
    sensitive: bool = False
    pollution_risk: bool = False
    pollution_risk_confirmed: bool = False
    sources: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    #: "named" (Resolution 03-NQ/TU IV.7 names it) or "reading" (the portal's reading of its ",...").
    sensitive_basis: str | None = Field(default=None, max_length=8)
    #: "isic5" / "isic4": name_en is that ISIC title (`isic_code`); "portal": the portal's own translation.
    name_en_source: str = Field(default="portal", max_length=8)
    isic_code: str | None = Field(default=None, max_length=8)
    #: words people search by that the names lack ("seafood", "điện gió")
    keywords: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))


class ZoneSector(SQLModel, table=True):
    """A sector a zone names as a priority (zone-specific, on top of the province-wide list)."""

    __table_args__ = (UniqueConstraint("zone_id", "sector_code", name="uq_zone_sector"),)
    id: int | None = Field(default=None, primary_key=True)
    zone_id: int = Field(foreign_key="zone.id", index=True)
    sector_code: str = Field(foreign_key="sector.code", index=True, max_length=8)
    relation: str = Field(default="priority", max_length=16)
    source: str = Field(max_length=40)
    source_ref: str = Field(max_length=80)


class Plot(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("zone_id", "code", name="uq_plot_zone_code"),
        # every zone's land sums read from the index, not from the rows (their outlines): land_figures
        Index("ix_plot_zone_status_area", "zone_id", "status", "area_ha"),
    )
    id: int | None = Field(default=None, primary_key=True)
    zone_id: int = Field(foreign_key="zone.id", index=True)
    code: str = Field(max_length=40)
    area_ha: float
    status: str = Field(default=PlotStatus.available, index=True, max_length=16)
    price_amount: float | None = None
    price_currency: str | None = Field(default=None, max_length=3)
    price_unit: str | None = Field(default=None, max_length=24)  # e.g. m2_year, m2_lease_term
    geometry: dict | None = Field(default=None, sa_column=Column(JSON(none_as_null=True), nullable=True))
    #: `geometry` as plots.geojson writes it when it is a valid outline, else NULL (catalogue/geometry.py):
    #: set at every write of the plot (the events below; bulk inserts set it themselves), never by hand
    geometry_text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    source: str = Field(default="staff", max_length=40)
    source_ref: str = Field(default="", max_length=80)
    verified_on: date | None = None
    version: int = Field(default=1)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


@event.listens_for(Plot, "before_insert")
@event.listens_for(Plot, "before_update")
def _plot_geometry_text(_mapper, _connection, plot: Plot) -> None:
    """Every plot written through the ORM (staff forms, imports, seeding, restored versions) carries the
    text of its geometry, checked once here instead of in every export."""
    from portal.catalogue.geometry import geometry_text

    plot.geometry_text = geometry_text(plot.geometry)


class CatalogueGeneration(SQLModel, table=True):
    """One row, bumped in the same transaction as any change to public catalogue data (zones,
    plots, sectors, registry projects: everything that goes through the search outbox). Cached
    public pages are valid only for the generation they were rendered at."""

    __tablename__ = "catalogue_generation"
    id: int = Field(default=1, primary_key=True)
    value: int = Field(default=0)
