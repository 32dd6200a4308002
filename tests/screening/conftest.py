"""Fixtures for the screening tests: the test sector catalog, the shipped ruleset, golden cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from portal.screening import (
    DEFAULT_RULESET,
    Ruleset,
    ScreeningFacts,
    SectorCatalog,
    ZoneFacts,
    load_ruleset,
    load_sectors,
)

HERE = Path(__file__).resolve().parent
SECTORS_FIXTURE = HERE / "sectors_fixture.yaml"
CASES_DIR = HERE / "cases"


@dataclass(frozen=True)
class GoldenCase:
    id: str
    description: str
    as_of: date
    facts: ScreeningFacts
    zone: ZoneFacts | None
    expected_verdict: str
    expected_rules: frozenset[str]
    #: the national classification, as far as the case states it: regime, group, determined,
    #: possible_groups, appendix_row, appendix_level, procedures, authority {procedure: body}, time_limit_days
    expected_classification: dict[str, Any]


def read_case(path: Path) -> GoldenCase:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    as_of = data["as_of"] if isinstance(data["as_of"], date) else date.fromisoformat(str(data["as_of"]))
    return GoldenCase(
        id=data.get("id", path.stem),
        description=data.get("description", ""),
        as_of=as_of,
        facts=ScreeningFacts.model_validate(data["facts"], context={"as_of": as_of}),
        zone=ZoneFacts.from_mapping(data["zone"]) if data.get("zone") else None,
        expected_verdict=data["expected_verdict"],
        expected_rules=frozenset(data["expected_rules"]),
        expected_classification=dict(data.get("expected_classification") or {}),
    )


def golden_cases() -> list[GoldenCase]:
    return [read_case(path) for path in sorted(CASES_DIR.glob("*.yaml"))]


@pytest.fixture(scope="session")
def catalog() -> SectorCatalog:
    return load_sectors(SECTORS_FIXTURE)


@pytest.fixture(scope="session")
def ruleset(catalog: SectorCatalog) -> Ruleset:
    return load_ruleset(DEFAULT_RULESET, catalog)
