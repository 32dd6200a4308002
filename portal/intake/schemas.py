"""Request and response models of intake and land matching (never a table model as a request body).

`ProposalCreate` is the submission, the same for the form and `POST /api/v1/proposals`; `facts()` turns
it into the `ScreeningFacts` the engine reads. `MatchRequest` is what land matching needs.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from portal import clock
from portal.screening import ScreeningFacts
from portal.screening.facts import (
    MAX_LAND_HA,
    MAX_WASTEWATER_M3_DAY,
    MIN_EQUIPMENT_YEAR,
    Capacity,
    EquipmentCondition,
    SectorCode,
    SectorSystem,
    SensitiveFactor,
    TechnologyLevel,
    Treatment,
)

EMAIL = r"^[^@\s<>\"']{1,64}@[^@\s<>\"']+\.[^@\s<>\"']{2,}$"
PHONE = r"^[0-9+() .\-]{6,40}$"
SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
MAX_JOBS = 1_000_000
MAX_CAPITAL = 1e16  # VND; far above any project in the province
MAX_TEXT = 5000
MAX_MATCH_PER_PAGE = 50  # zones in one page of a land match: the response stays small whatever the catalogue


def _not_future(value: int | None, info: ValidationInfo) -> int | None:
    as_of = (info.context or {}).get("as_of") or clock.today()
    if value is not None and value > as_of.year:
        raise ValueError(f"equipment_year {value} is in the future (after {as_of.year})")
    return value


class ProposalCreate(BaseModel):
    """An investment proposal as the investor submits it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)

    company_name: str = Field(min_length=1, max_length=200, description="investor (company) name")
    investor_country: str = Field(min_length=2, max_length=100, description="country of the investor")
    contact_name: str = Field(min_length=1, max_length=120)
    contact_email: str = Field(max_length=254, pattern=EMAIL)
    contact_phone: str | None = Field(default=None, max_length=40, pattern=PHONE)
    project_name: str = Field(min_length=1, max_length=200)
    project_description: str = Field(min_length=1, max_length=MAX_TEXT)
    sectors: list[SectorCode] = Field(min_length=1, max_length=20, description="VSIC codes of the project")
    zone: str | None = Field(
        default=None, pattern=SLUG, max_length=100, description="slug of the desired zone; null = help me choose"
    )
    inside_zone: bool | None = Field(
        default=None,
        validate_default=True,
        description="false = the plant would be outside any zone; true when a zone is given",
    )
    land_ha: float | None = Field(default=None, ge=0, le=MAX_LAND_HA)
    capital_amount: float | None = Field(default=None, ge=0, le=MAX_CAPITAL)
    capital_currency: Literal["VND", "USD"] | None = Field(default=None, validate_default=True)
    jobs: int | None = Field(default=None, ge=0, le=MAX_JOBS)
    equipment_condition: EquipmentCondition | None = None
    equipment_year: int | None = Field(default=None, ge=MIN_EQUIPMENT_YEAR)
    technology_level: TechnologyLevel | None = None
    treatment: Treatment | None = None
    wastewater_m3_day: float | None = Field(default=None, ge=0, le=MAX_WASTEWATER_M3_DAY)
    emissions: str | None = Field(default=None, max_length=MAX_TEXT)
    hazardous_waste: bool | None = None
    environmental_measures: str | None = Field(
        default=None, max_length=MAX_TEXT, description="the project's environmental protection measures"
    )
    equipment_imported: bool | None = Field(default=None, description="the used equipment is imported")
    classification: SectorSystem = Field(default="vsic-2025", description="the system of the sector codes")
    capacity: Capacity | None = Field(default=None, description="production capacity in a unit Appendix II uses")
    sensitive_factors: list[SensitiveFactor] | None = Field(
        default=None, max_length=10, description="environmentally sensitive factors at the site; [] = none"
    )
    imports_scrap: bool | None = Field(default=None, description="imported scrap used as a production material")
    hazardous_waste_treatment: bool | None = Field(
        default=None, description="the project recycles or treats hazardous waste"
    )

    _year = field_validator("equipment_year")(_not_future)

    @field_validator("contact_email")
    @classmethod
    def _real_email(cls, value: str) -> str:
        """Checked with `email-validator` (syntax and domain rules, no DNS lookup); kept as typed."""
        from email_validator import EmailNotValidError, validate_email

        try:
            validate_email(value, check_deliverability=False)
        except EmailNotValidError as err:
            raise ValueError(f"not a valid email address: {err}") from None
        return value

    @field_validator("sectors")
    @classmethod
    def _dedupe(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    @field_validator("contact_phone", "emissions", "environmental_measures", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("inside_zone")
    @classmethod
    def _inside_when_zone(cls, value: bool | None, info: ValidationInfo) -> bool | None:
        if info.data.get("zone") is not None:
            if value is False:
                raise ValueError("cannot be false when a zone is chosen")
            return True
        return value

    @field_validator("capital_currency")
    @classmethod
    def _currency_with_amount(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None and info.data.get("capital_amount") is not None:
            raise ValueError("required when capital_amount is given")
        return value

    def facts(self) -> ScreeningFacts:
        """What screening reads. Measures count as stated when the text is not empty; an empty text is
        'not stated' (the screener asks), not 'none'."""
        return ScreeningFacts(
            sectors=tuple(self.sectors),
            zone=self.zone,
            inside_zone=self.inside_zone,
            land_ha=self.land_ha,
            equipment_condition=self.equipment_condition,
            equipment_year=self.equipment_year,
            technology_level=self.technology_level,
            treatment=self.treatment,
            environmental_measures=True if self.environmental_measures else None,
            wastewater_m3_day=self.wastewater_m3_day,
            hazardous_waste=self.hazardous_waste,
            equipment_imported=self.equipment_imported,
            classification=self.classification,
            capacity=self.capacity,
            sensitive_factors=None if self.sensitive_factors is None else tuple(self.sensitive_factors),
            imports_scrap=self.imports_scrap,
            hazardous_waste_treatment=self.hazardous_waste_treatment,
        )


class ProposalReceipt(BaseModel):
    reference: str
    tracking_url: str
    verdict: str


class MatchRequest(BaseModel):
    """What land matching needs; the optional facts make the per-zone pre-check more precise."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    sectors: list[SectorCode] = Field(min_length=1, max_length=20)
    land_ha: float | None = Field(default=None, ge=0, le=MAX_LAND_HA, description="land needed, ha")
    wastewater_m3_day: float | None = Field(default=None, ge=0, le=MAX_WASTEWATER_M3_DAY)
    equipment_condition: EquipmentCondition | None = None
    equipment_year: int | None = Field(default=None, ge=MIN_EQUIPMENT_YEAR)
    technology_level: TechnologyLevel | None = None
    treatment: Treatment | None = None
    environmental_measures: bool | None = None
    hazardous_waste: bool | None = None
    equipment_imported: bool | None = None
    classification: SectorSystem = "vsic-2025"
    capacity: Capacity | None = None
    sensitive_factors: list[SensitiveFactor] | None = Field(default=None, max_length=10)
    imports_scrap: bool | None = None
    hazardous_waste_treatment: bool | None = None
    near_port: bool | None = Field(default=None, description="weigh the distance to Trần Đề port")
    include_planned: bool = Field(default=False, description="rank planned and proposed zones too")
    page: int = Field(default=1, ge=1, le=1000, description="page of the ranking")
    per_page: int = Field(default=5, ge=1, le=MAX_MATCH_PER_PAGE, description="zones per page")

    _year = field_validator("equipment_year")(_not_future)

    @field_validator("sectors")
    @classmethod
    def _dedupe(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    def facts(self) -> ScreeningFacts:
        """The facts without a zone (to check the references once)."""
        return self.facts_for(None)

    def facts_for(self, zone_slug: str | None) -> ScreeningFacts:
        return ScreeningFacts(
            sectors=tuple(self.sectors),
            zone=zone_slug,
            inside_zone=True,
            land_ha=self.land_ha,
            equipment_condition=self.equipment_condition,
            equipment_year=self.equipment_year,
            technology_level=self.technology_level,
            treatment=self.treatment,
            environmental_measures=self.environmental_measures,
            wastewater_m3_day=self.wastewater_m3_day,
            hazardous_waste=self.hazardous_waste,
            equipment_imported=self.equipment_imported,
            classification=self.classification,
            capacity=self.capacity,
            sensitive_factors=None if self.sensitive_factors is None else tuple(self.sensitive_factors),
            imports_scrap=self.imports_scrap,
            hazardous_waste_treatment=self.hazardous_waste_treatment,
        )


class MatchReason(BaseModel):
    key: str
    tone: Literal["good", "unknown", "bad", "neutral"]
    points: int
    text: str
    quote: str | None = Field(default=None, description="a public source's words, as published")
    quote_lang: str | None = None
    source: str | None = Field(default=None, description="the title of that source's page")
    source_lang: str | None = None


class MatchFinding(BaseModel):
    rule: str
    outcome: str
    title: str


class MatchZone(BaseModel):
    slug: str
    name: str
    kind: str
    status: str
    planned: bool = Field(description="planned zone or planned expansion: not open yet")
    score: int
    verdict: str
    url: str
    port_km: float | None = Field(description="straight-line km to Trần Đề port from the zone's point; None: unknown")
    reasons: list[MatchReason]
    findings: list[MatchFinding]


class MatchResponse(BaseModel):
    zones: list[MatchZone] = Field(description="this page of the ranking, best first")
    total: int = Field(description="zones ranked (planned ones only with include_planned)")
    page: int
    pages: int
    per_page: int
    first_rank: int = Field(description="the rank of the first zone of this page")
    planned_hidden: int = Field(description="planned and proposed zones left out; send include_planned to rank them")
    note: str
