"""What the screening engine reads: the proposal's facts (API input) and the chosen zone's facts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from portal import clock
from portal.screening.sectors import SectorCatalog

TechnologyLevel = Literal["high", "source", "advanced", "standard", "outdated"]
Treatment = Literal["none", "basic", "advanced"]
EquipmentCondition = Literal["new", "used"]
ZoneKind = Literal["kcn", "ccn", "kkt"]
WastewaterPlant = Literal["working", "building", "planned", "none"]

MAX_LAND_HA = 10_000
MAX_WASTEWATER_M3_DAY = 1_000_000
MIN_EQUIPMENT_YEAR = 1900

SectorCode = Annotated[
    str,
    Field(
        min_length=1,
        max_length=100,
        description="VSIC code, 4 digits (a class) or 5 (a subclass, read as its class); a name is answered with "
        "suggestions",
    ),
]
SectorSystem = Literal["vsic-2025", "vsic-2018"]
CapacityUnit = Literal["t_product", "t_ore", "m2", "t_waste", "mw", "kwh", "m3_gas"]
CapacityPer = Literal["year", "day", "hour"]
SensitiveFactor = Literal[
    "residential_area",
    "water_supply_source",
    "nature_reserve",
    "forest",
    "heritage",
    "rice_land",
    "wetland",
    "resettlement",
    "urban_area",
    "other",
]

#: How each unit may be counted (as Appendix II rows state them) and the largest amount the portal takes
#: as a real plant (a sanity bound against typing errors, not law).
UNIT_PER: dict[str, tuple[str | None, ...]] = {
    "t_product": ("year", "day"),
    "t_ore": ("year", "day"),
    "m2": ("year", "day"),
    "t_waste": ("day", "year"),
    "mw": (None,),
    "kwh": ("year", "day"),
    "m3_gas": ("hour",),
}
UNIT_MAX: dict[str, float] = {
    "t_product": 1e8,
    "t_ore": 1e9,
    "m2": 1e10,
    "t_waste": 1e8,
    "mw": 1e5,
    "kwh": 1e12,
    "m3_gas": 1e8,
}


class Capacity(BaseModel):
    """Production capacity as the feasibility documents state it, in a unit an Appendix II row uses."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    amount: float = Field(gt=0, description="the capacity, > 0")
    unit: CapacityUnit = Field(description="t_product, t_ore, m2, t_waste, mw, kwh or m3_gas")
    per: CapacityPer | None = Field(default=None, description="year, day or hour; none for mw")
    operating_days: int | None = Field(default=None, ge=1, le=366, description="days of operation a year")

    @model_validator(mode="after")
    def _unit_rules(self) -> Capacity:
        allowed = UNIT_PER[self.unit]
        if self.per not in allowed:
            shown = ", ".join("none" if p is None else p for p in allowed)
            raise ValueError(f"a capacity in {self.unit} is counted per {shown}, not per {self.per or 'none'}")
        if self.amount > UNIT_MAX[self.unit]:
            raise ValueError(
                f"{self.amount:g} {self.unit} is not a plausible capacity (at most {UNIT_MAX[self.unit]:g})"
            )
        return self


class ScreeningFacts(BaseModel):
    """A proposal's facts as the investor states them (the screening API's request body).

    Only `sectors` is required: a missing fact leads to a `needs_information` finding, not to an
    error. Values that cannot be true (negative, absurd, future years) are validation errors.
    Validation context (optional): `as_of` (a date; default today) bounds `equipment_year`;
    `catalog` (a SectorCatalog) rejects unknown sector codes.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    sectors: tuple[SectorCode, ...] = Field(min_length=1, max_length=20)
    zone: str | None = Field(default=None, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=100)
    inside_zone: bool | None = None
    land_ha: float | None = Field(default=None, ge=0, le=MAX_LAND_HA)
    equipment_condition: EquipmentCondition | None = None
    equipment_year: int | None = Field(default=None, ge=MIN_EQUIPMENT_YEAR)
    equipment_imported: bool | None = Field(default=None, description="used equipment imported from abroad")
    technology_level: TechnologyLevel | None = None
    treatment: Treatment | None = None
    environmental_measures: bool | None = None
    wastewater_m3_day: float | None = Field(default=None, ge=0, le=MAX_WASTEWATER_M3_DAY)
    hazardous_waste: bool | None = None
    classification: SectorSystem = Field(default="vsic-2025", description="the system of the sector codes")
    capacity: Capacity | None = None
    sensitive_factors: tuple[SensitiveFactor, ...] | None = Field(
        default=None, max_length=10, description="[] = none; null = not stated"
    )
    imports_scrap: bool | None = Field(default=None, description="imported scrap used as a production material")
    hazardous_waste_treatment: bool | None = Field(
        default=None, description="the project recycles or treats hazardous waste"
    )

    @field_validator("sensitive_factors")
    @classmethod
    def _dedupe_factors(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return None if value is None else tuple(dict.fromkeys(value))

    @field_validator("sectors")
    @classmethod
    def _dedupe_and_check_catalog(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        unique = tuple(dict.fromkeys(value))
        catalog = (info.context or {}).get("catalog")
        if catalog is not None:
            unknown = [code for code in unique if code not in catalog]
            if unknown:
                raise ValueError(f"unknown VSIC sector code(s): {', '.join(unknown)}")
        return unique

    @field_validator("equipment_year")
    @classmethod
    def _not_in_future(cls, value: int | None, info: ValidationInfo) -> int | None:
        as_of = (info.context or {}).get("as_of") or clock.today()
        if value is not None and value > as_of.year:
            raise ValueError(f"equipment_year {value} is in the future (after {as_of.year})")
        return value


#: Fact names a rule may read (`fact:` and `missing:` predicates); `sectors` is read through the
#: sector predicates only.
FACT_NAMES: tuple[str, ...] = tuple(name for name in ScreeningFacts.model_fields if name != "sectors")
#: Facts a rule may only test for being missing (structured values).
STRUCTURED_FACTS: frozenset[str] = frozenset({"capacity", "sensitive_factors"})

#: Allowed values of the enumerated facts, and the value kind of every fact (for ruleset validation).
FACT_VALUES: dict[str, tuple[Any, ...]] = {
    "equipment_condition": get_args(EquipmentCondition),
    "technology_level": get_args(TechnologyLevel),
    "treatment": get_args(Treatment),
    "inside_zone": (True, False),
    "environmental_measures": (True, False),
    "hazardous_waste": (True, False),
    "imports_scrap": (True, False),
    "equipment_imported": (True, False),
    "hazardous_waste_treatment": (True, False),
    "classification": get_args(SectorSystem),
}
NUMERIC_FACTS: frozenset[str] = frozenset({"land_ha", "equipment_year", "wastewater_m3_day"})
TEXT_FACTS: frozenset[str] = frozenset({"zone"})


def validate_sectors(facts: ScreeningFacts, catalog: SectorCatalog) -> ScreeningFacts:
    """Raise a pydantic ValidationError located at `sectors[i]` for each code the catalog does not
    know (5-digit subclasses are known when their 4-digit class is). Returns `facts` unchanged."""
    errors = [
        InitErrorDetails(
            type=PydanticCustomError("unknown_sector", "Unknown VSIC sector code {code}", {"code": code}),
            loc=("sectors", index),
            input=code,
        )
        for index, code in enumerate(facts.sectors)
        if code not in catalog
    ]
    if errors:
        raise ValidationError.from_exception_data(ScreeningFacts.__name__, errors)
    return facts


@dataclass(frozen=True, slots=True)
class ZoneFacts:
    """What screening needs to know about the zone the investor chose.

    `wastewater_plant` None = the zone's plant state is not published. `priority_sectors` empty = the
    zone has not published priority sectors.
    """

    slug: str
    kind: ZoneKind
    name_vi: str
    name_en: str
    status: str | None = None
    wastewater_plant: WastewaterPlant | None = None
    priority_sectors: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.kind not in get_args(ZoneKind):
            raise ValueError(f"ZoneFacts.kind must be one of {get_args(ZoneKind)}, not {self.kind!r}")
        if self.wastewater_plant is not None and self.wastewater_plant not in get_args(WastewaterPlant):
            raise ValueError(
                f"ZoneFacts.wastewater_plant must be one of {get_args(WastewaterPlant)} or None, "
                f"not {self.wastewater_plant!r}"
            )
        if not isinstance(self.priority_sectors, frozenset):
            object.__setattr__(self, "priority_sectors", frozenset(self.priority_sectors))

    def name(self, lang: str) -> str:
        return self.name_vi if lang == "vi" else self.name_en

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> ZoneFacts:
        """Build from a plain mapping (YAML, a zone row's dict); unknown keys are ignored."""
        priorities: Iterable[str] = data.get("priority_sectors") or ()
        return cls(
            slug=str(data["slug"]),
            kind=data["kind"],
            name_vi=str(data["name_vi"]),
            name_en=str(data["name_en"]),
            status=data.get("status"),
            wastewater_plant=data.get("wastewater_plant"),
            priority_sectors=frozenset(str(code) for code in priorities),
        )
