"""Proposals submitted by investors and their attachments.

A proposal keeps the facts exactly as screened (`facts`) and the screening result of that moment in both
languages (`screening`, with the ruleset id and version), so a later ruleset never rewrites history.
The tracking token is never stored: only its SHA-256 (`tracking_token_hash`). `idempotency_key` holds the
SHA-256 of "channel:key" (form or API), UNIQUE, so a retried submission finds the first one.
`status` is a plain string; the review domain moves it (submitted → in_review ⇄ info_requested → …).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, Column, DateTime, Text
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class Proposal(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    reference: str | None = Field(default=None, unique=True, max_length=24)  # ST-2026-000123, set after insert
    status: str = Field(default="submitted", index=True, max_length=24)
    locale: str = Field(default="vi", max_length=2)  # the investor's language
    channel: str = Field(default="form", max_length=8)  # form | api

    company_name: str = Field(max_length=200)
    investor_country: str = Field(max_length=100)
    contact_name: str = Field(max_length=120)
    contact_email: str = Field(max_length=254)
    contact_phone: str | None = Field(default=None, max_length=40)

    project_name: str = Field(max_length=200)
    project_description: str = Field(sa_column=Column(Text, nullable=False))
    sectors: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    zone_id: int | None = Field(default=None, foreign_key="zone.id", index=True)
    inside_zone: bool | None = None
    land_ha: float | None = None
    capital_amount: float | None = None  # the investor's stated estimate
    capital_currency: str | None = Field(default=None, max_length=3)
    jobs: int | None = None
    equipment_condition: str | None = Field(default=None, max_length=8)
    equipment_year: int | None = None
    equipment_imported: bool | None = None
    technology_level: str | None = Field(default=None, max_length=12)
    treatment: str | None = Field(default=None, max_length=12)
    wastewater_m3_day: float | None = None
    emissions: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    hazardous_waste: bool | None = None
    environmental_measures: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    sector_system: str = Field(default="vsic-2025", max_length=12)  # the system the investor's codes were in
    # {amount, unit, per, …}
    capacity: dict | None = Field(default=None, sa_column=Column(JSON(none_as_null=True), nullable=True))
    sensitive_factors: list | None = Field(default=None, sa_column=Column(JSON(none_as_null=True), nullable=True))
    imports_scrap: bool | None = None
    hazardous_waste_treatment: bool | None = None

    facts: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))  # ScreeningFacts as screened
    screening: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))  # Result.as_dict()
    verdict: str = Field(index=True, max_length=24)
    ruleset_id: str = Field(max_length=80)
    ruleset_version: str = Field(max_length=24)
    regime: str | None = Field(default=None, max_length=40)  # the environmental regime the result applied

    tracking_token_hash: str = Field(unique=True, index=True, max_length=64)
    idempotency_key: str = Field(unique=True, max_length=64)
    request_hash: str = Field(max_length=64)  # SHA-256 of the validated submission (API replays must match)

    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True), index=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class Attachment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", index=True)
    stored_name: str = Field(unique=True, max_length=64)  # random; the file under settings.upload_dir
    original_name: str = Field(max_length=200)  # sanitised, for display only
    content_type: str = Field(max_length=40)  # from the content, not from the browser
    size: int
    sha256: str = Field(max_length=64)
    # set when the file came with the investor's answer to an information request (None: with the proposal)
    message_id: int | None = Field(default=None, foreign_key="review_message.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
