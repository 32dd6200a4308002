"""The API input model: missing facts are allowed, impossible ones are validation errors naming the field."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from portal import clock
from portal.screening import ScreeningFacts, SectorCatalog, validate_sectors


def error_fields(data: dict[str, Any], **context: Any) -> set[str]:
    with pytest.raises(ValidationError) as error:
        ScreeningFacts.model_validate(data, context=context or None)
    return {str(e["loc"][0]) for e in error.value.errors()}


def test_only_sectors_is_required() -> None:
    facts = ScreeningFacts.model_validate({"sectors": ["1313"]})
    assert facts.sectors == ("1313",)
    assert facts.inside_zone is None and facts.wastewater_m3_day is None


def test_full_example_from_the_issue() -> None:
    facts = ScreeningFacts.model_validate_json(
        '{"sectors": ["1313"], "zone": "kcn-an-nghiep", "inside_zone": true, "land_ha": 5,'
        ' "equipment_condition": "used", "equipment_year": 2024, "technology_level": "high",'
        ' "treatment": "advanced", "environmental_measures": true, "wastewater_m3_day": 120,'
        ' "hazardous_waste": false}'
    )
    assert facts.land_ha == 5 and facts.technology_level == "high"


def test_duplicate_sectors_are_merged() -> None:
    assert ScreeningFacts(sectors=("1313", "1410", "1313")).sectors == ("1313", "1410")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"sectors": []}, "sectors"),
        ({"sectors": ["x" * 101]}, "sectors"),
        ({"capacity": {"amount": 0, "unit": "m2", "per": "year"}}, "capacity"),
        ({"capacity": {"amount": 5, "unit": "m2"}}, "capacity"),
        ({"capacity": {"amount": 5, "unit": "mw", "per": "year"}}, "capacity"),
        ({"capacity": {"amount": 5e12, "unit": "t_product", "per": "year"}}, "capacity"),
        ({"capacity": {"amount": 5, "unit": "barrels", "per": "year"}}, "capacity"),
        ({"capacity": {"amount": 5, "unit": "m2", "per": "day", "operating_days": 400}}, "capacity"),
        ({"sensitive_factors": ["near a river"]}, "sensitive_factors"),
        ({"classification": "isic-4"}, "classification"),
        ({"imports_scrap": "maybe"}, "imports_scrap"),
        ({"sectors": [1313]}, "sectors"),
        ({"sectors": "1313"}, "sectors"),
        ({"land_ha": -1}, "land_ha"),
        ({"land_ha": 10_001}, "land_ha"),
        ({"land_ha": "lots"}, "land_ha"),
        ({"land_ha": float("nan")}, "land_ha"),
        ({"wastewater_m3_day": -0.5}, "wastewater_m3_day"),
        ({"wastewater_m3_day": 1_000_001}, "wastewater_m3_day"),
        ({"equipment_year": 1899}, "equipment_year"),
        ({"equipment_year": 2015.5}, "equipment_year"),
        ({"equipment_condition": "refurbished"}, "equipment_condition"),
        ({"technology_level": "medium"}, "technology_level"),
        ({"treatment": "full"}, "treatment"),
        ({"inside_zone": "perhaps"}, "inside_zone"),
        ({"environmental_measures": [True]}, "environmental_measures"),
        ({"zone": "KCN An Nghiệp"}, "zone"),
        ({"colour": "green"}, "colour"),
    ],
)
def test_impossible_values_name_the_field(changes: dict[str, Any], field: str) -> None:
    assert error_fields({"sectors": ["1313"], **changes}) == {field}


def test_equipment_year_in_the_future() -> None:
    next_year = clock.today().year + 1
    assert error_fields({"sectors": ["1313"], "equipment_year": next_year}) == {"equipment_year"}
    as_of = date(2020, 1, 1)
    assert error_fields({"sectors": ["1313"], "equipment_year": 2021}, as_of=as_of) == {"equipment_year"}
    ok = ScreeningFacts.model_validate({"sectors": ["1313"], "equipment_year": 2020}, context={"as_of": as_of})
    assert ok.equipment_year == 2020


def test_unknown_sector_codes_against_a_catalog(catalog: SectorCatalog) -> None:
    facts = ScreeningFacts(sectors=("1313", "9999", "13130", "99990"))
    with pytest.raises(ValidationError) as error:
        validate_sectors(facts, catalog)
    assert [e["loc"] for e in error.value.errors()] == [("sectors", 1), ("sectors", 3)]
    assert "9999" in str(error.value)
    assert validate_sectors(ScreeningFacts(sectors=("1313", "13130")), catalog).sectors == ("1313", "13130")


def test_catalog_in_validation_context(catalog: SectorCatalog) -> None:
    assert error_fields({"sectors": ["9999"]}, catalog=catalog) == {"sectors"}
    assert ScreeningFacts.model_validate({"sectors": ["1020"]}, context={"catalog": catalog}).sectors == ("1020",)


def test_catalog_classes(catalog: SectorCatalog) -> None:
    assert catalog.codes_in_class("sensitive") == {"1313", "1511", "1701", "2394", "2410", "2592", "2720", "3511"}
    assert catalog.codes_in_class("pollution_risk_unconfirmed") == {"3511", "2394", "2720", "2592"}
    assert catalog.codes_in_class("priority") == {"1020", "1030", "1061", "1410", "1520", "3512"}
    assert catalog.key("13130") == "1313" and catalog.key("9999") is None
    assert catalog.label("1313", "en") == "1313 – Finishing of textiles (dyeing)"
    with pytest.raises(ValueError, match="unknown sector class"):
        catalog.codes_in_class("dirty")
