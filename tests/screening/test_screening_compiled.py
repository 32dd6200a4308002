"""The compiled predicates (one generated Python function per ruleset) agree with a direct reading of the
predicate vocabulary (the loader's docstring), for every predicate kind and operator, over random proposals."""

from __future__ import annotations

import copy
import random
from datetime import date
from typing import Any

import pytest
import yaml

from portal.screening import DEFAULT_RULESET, ScreeningFacts, SectorCatalog, ZoneFacts, parse_ruleset
from portal.screening.engine import Context
from portal.screening.loader import PREDICATE_KEYS

AS_OF = date(2026, 6, 1)

#: One or more predicates of every kind and operator (the shipped ruleset uses only some).
PREDICATES: list[dict[str, Any]] = [
    {"always": True},
    {"sector_class": "sensitive"},
    {"sector_class": "priority"},
    {"sector_in": ["1313", "2410"]},
    {"sector_not_zone_priority": True},
    {"sectors_all_in": ["3512", "1020"]},
    {"fact": "technology_level", "eq": "high"},
    {"fact": "technology_level", "in": ["standard", "outdated"]},
    {"fact": "inside_zone", "eq": True},
    {"fact": "inside_zone", "eq": False},
    {"fact": "environmental_measures", "in": [False]},
    {"fact": "hazardous_waste", "in": [True, False]},
    {"fact": "wastewater_m3_day", "gt": 100},
    {"fact": "wastewater_m3_day", "ge": 120},
    {"fact": "wastewater_m3_day", "lt": 10},
    {"fact": "land_ha", "le": 5},
    {"fact": "land_ha", "eq": 5},
    {"fact": "land_ha", "in": [1, 120]},
    {"fact": "equipment_year", "eq": 2015},
    {"fact": "zone", "eq": "kcn-1"},
    {"fact": "zone", "in": ["kcn-0", "kcn-2"]},
    {"equipment_age_gt": 10},
    {"equipment_age_gt": 0},
    {"zone": "kind", "eq": "kcn"},
    {"zone": "kind", "in": ["ccn", "kkt"]},
    {"zone": "wastewater_plant", "in": ["none", "planned"]},
    {"zone": "status", "eq": "operating"},
    {"zone_unknown": "wastewater_plant"},
    {"zone_unknown": "priority_sectors"},
    {"zone_unknown": "status"},
    {"zone_selected": True},
    {"zone_selected": False},
    {"missing": ["treatment"]},
    {"missing": ["land_ha", "capacity", "sensitive_factors"]},
    {"classification": "group", "eq": "I"},
    {"classification": "group", "eq": None},
    {"classification": "group", "in": ["II", "III"]},
    {"classification": "determined", "eq": False},
    {"classification": "pollution_group_i", "eq": True},
    {"classification": "may_be_pollution_group_i", "in": [True]},
    {"classification": "eia", "eq": "required"},
    {"classification": "eia", "in": ["undetermined", "no"]},
    {"classification_needs": True},
]


def holds(when: dict[str, Any], ctx: Context, catalog: SectorCatalog) -> bool:
    """The vocabulary read literally, one clause at a time (slow and obvious on purpose)."""
    facts, zone, found = ctx.facts, ctx.zone, ctx.classification
    pairs = list(zip(facts.sectors, [catalog.key(code) or code for code in facts.sectors], strict=True))
    if "all" in when:
        return all(holds(child, ctx, catalog) for child in when["all"])
    if "any" in when:
        return any(holds(child, ctx, catalog) for child in when["any"])
    if "not" in when:
        return not holds(when["not"], ctx, catalog)
    if "always" in when:
        return True
    if "sector_class" in when or "sector_in" in when:
        codes = catalog.codes_in_class(when["sector_class"]) if "sector_class" in when else set(when["sector_in"])
        return any(code in codes or key in codes for code, key in pairs)
    if "sector_not_zone_priority" in when:
        if zone is None or not zone.priority_sectors:
            return False
        return any(code not in zone.priority_sectors and key not in zone.priority_sectors for code, key in pairs)
    if "sectors_all_in" in when:
        return all(code in when["sectors_all_in"] or key in when["sectors_all_in"] for code, key in pairs)
    if "equipment_age_gt" in when:
        return facts.equipment_year is not None and AS_OF.year - facts.equipment_year > when["equipment_age_gt"]
    if "zone_unknown" in when:
        return zone is not None and not getattr(zone, when["zone_unknown"])
    if "zone_selected" in when:
        return (zone is not None) == when["zone_selected"]
    if "missing" in when:
        return any(getattr(facts, name) is None for name in when["missing"])
    if "classification_needs" in when:
        return found is not None and len(found.needs) > 0
    if "fact" in when:
        value = getattr(facts, when["fact"])
    elif "zone" in when:
        value = getattr(zone, when["zone"]) if zone is not None else None
    else:
        if found is None:
            value = None
        elif when["classification"] == "eia":
            value = (
                "required"
                if "eia" in found.procedures
                else "undetermined"
                if "eia" in found.undetermined_procedures
                else "no"
            )
        else:
            value = getattr(found, when["classification"])
        if "in" in when:
            return value in when["in"]
        return value == when["eq"]
    if "in" in when:  # a boolean is never taken for 1 or 0
        return value is not None and any(
            value == item and isinstance(value, bool) == isinstance(item, bool) for item in when["in"]
        )
    if value is None:
        return False
    (op,) = {"eq", "gt", "ge", "lt", "le"} & set(when)
    if op == "eq" and isinstance(when["eq"], bool):
        return value is when["eq"]
    return {"eq": value == when[op], "gt": value > when[op], "ge": value >= when[op]}.get(
        op, value < when[op] if op == "lt" else value <= when[op]
    )


def random_facts(rng: random.Random, codes: list[str]) -> ScreeningFacts:
    pick = rng.choice
    data: dict[str, Any] = {
        "sectors": rng.sample(codes, pick([1, 1, 2, 3])),
        "zone": pick([None, "kcn-0", "kcn-1", "kcn-2"]),
        "inside_zone": pick([True, False, None]),
        "equipment_condition": pick(["new", "used", None]),
        "equipment_year": pick([2024, 2015, 2005, None]),
        "equipment_imported": pick([True, False, None]),
        "technology_level": pick(["high", "source", "advanced", "standard", "outdated", None]),
        "treatment": pick(["none", "basic", "advanced", None]),
        "environmental_measures": pick([True, False, None]),
        "wastewater_m3_day": pick([0, 1, 10, 100, 120, 2500.5, None]),
        "hazardous_waste": pick([True, False, None]),
        "land_ha": pick([0, 1, 5, 42.5, 120, None]),
        "capacity": pick([None, {"amount": 6000, "unit": "t_product", "per": "year"}, {"amount": 50, "unit": "mw"}]),
        "sensitive_factors": pick([None, [], ["residential_area"]]),
        "imports_scrap": pick([None, False, True]),
    }
    return ScreeningFacts.model_validate(data, context={"as_of": AS_OF})


def random_zone(rng: random.Random) -> ZoneFacts | None:
    if rng.random() < 0.25:
        return None
    return ZoneFacts(
        f"kcn-{rng.randrange(3)}",
        rng.choice(["kcn", "ccn", "kkt"]),
        "Khu công nghiệp",
        "Industrial Park",
        rng.choice(["operating", None]),
        rng.choice(["working", "building", "planned", "none", None]),
        rng.choice([frozenset(), frozenset({"1020", "1313"}), frozenset({"2220"})]),
    )


def test_every_predicate_kind_is_exercised() -> None:
    used = {key for when in PREDICATES for key in when if key in PREDICATE_KEYS}
    assert used | {"all", "any", "not"} == set(PREDICATE_KEYS)


@pytest.fixture(scope="module")
def compiled(catalog: SectorCatalog) -> tuple[Any, list[dict[str, Any]]]:
    """A ruleset of one rule per predicate, plus nested all/any/not combinations of them."""
    rng = random.Random(12)
    whens = list(PREDICATES)
    for _ in range(60):
        kind = rng.choice(["all", "any", "not"])
        parts = rng.sample(PREDICATES, 1 if kind == "not" else rng.choice([2, 3]))
        nested = {kind: parts[0]} if kind == "not" else {kind: parts}
        whens.append({"all": [nested, rng.choice(PREDICATES)]} if rng.random() < 0.3 else nested)
    data = yaml.safe_load(DEFAULT_RULESET.read_text(encoding="utf-8"))
    rule = {
        "outcome": "advisory",
        "title": {"vi": "Thử", "en": "Test"},
        "message": {"vi": "Ngành {sectors}", "en": "Sectors {sectors}"},
        "citation": {"document": "nq-03-2021", "section": "IV.7", "quote": "Trích dẫn."},
    }
    data["rules"] = [{**copy.deepcopy(rule), "id": f"rule-{i}", "when": when} for i, when in enumerate(whens)]
    return parse_ruleset(data, catalog), whens


def test_compiled_predicates_agree_with_the_vocabulary(catalog: SectorCatalog, compiled: Any) -> None:
    ruleset, whens = compiled
    rng = random.Random(7)
    codes = [*sorted(catalog.sectors), "13130", "35120"]  # and 5-digit subclasses
    outcomes: set[tuple[int, bool]] = set()
    for _ in range(1500):
        facts, zone = random_facts(rng, codes), random_zone(rng)
        ctx = Context.build(facts, zone, catalog, AS_OF.year, law=ruleset.law, as_of=AS_OF, documents={})
        expected = [holds(when, ctx, catalog) for when in whens]
        for index, (rule, want) in enumerate(zip(ruleset.rules, expected, strict=True)):
            assert bool(rule.when.test(ctx)) is want, (rule.when.source, facts, zone)
            outcomes.add((index, want))
        # the whole ruleset in one call: the findings of exactly the rules that hold, in evaluation order
        fired = [finding.rule_id for finding in ruleset.evaluate(ctx, [])]
        assert fired == [rule.id for rule in ruleset.ordered if expected[ruleset.rules.index(rule)]]
    # every single predicate was seen both true and false (else this test could not tell)
    both = {i for i, _ in outcomes if (i, True) in outcomes and (i, False) in outcomes}
    assert both | {PREDICATES.index({"always": True})} >= set(range(len(PREDICATES)))
