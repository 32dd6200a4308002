"""Engine properties: verdict ordering, advisories, purity, the localized API shape, placeholders."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from datetime import date

import pytest

from portal.screening import LANGS, OUTCOMES, Result, Ruleset, ScreeningFacts, ZoneFacts, screen
from portal.screening.engine import OUTCOME_RANK
from tests.screening.conftest import golden_cases

AS_OF = date(2025, 6, 1)
ZONE = ZoneFacts(
    slug="ccn-test",
    kind="ccn",
    name_vi="Cụm công nghiệp Thử nghiệm",
    name_en="Test Industrial Cluster",
    status="operating",
    wastewater_plant="working",
    priority_sectors=frozenset({"2220"}),
)
CLEAN = {
    "sectors": ["2220"],
    "zone": "ccn-test",
    "inside_zone": True,
    "equipment_condition": "new",
    "technology_level": "standard",
    "treatment": "basic",
    "environmental_measures": True,
    "wastewater_m3_day": 10,
    "hazardous_waste": False,
}


def facts(**changes: object) -> ScreeningFacts:
    return ScreeningFacts.model_validate({**CLEAN, **changes})


def strongest(result: Result) -> str:
    outcomes = [f.outcome for f in result.findings if f.outcome not in ("advisory", "positive")]
    return min(outcomes, key=OUTCOME_RANK.__getitem__) if outcomes else "eligible"


@pytest.mark.parametrize("case", golden_cases(), ids=lambda case: case.id)
def test_findings_are_ordered_by_severity_then_ruleset_order(case, ruleset: Ruleset) -> None:
    result = screen(case.facts, case.zone, ruleset, as_of=case.as_of)
    keys = [(OUTCOME_RANK[f.outcome], ruleset.rule(f.rule_id).index) for f in result.findings]
    assert keys == sorted(keys)
    assert result.verdict == strongest(result)


def test_verdict_precedence(ruleset: Ruleset) -> None:
    assert screen(facts(), ZONE, ruleset, as_of=AS_OF).verdict == "eligible"
    assert screen(facts(hazardous_waste=True), ZONE, ruleset, as_of=AS_OF).verdict == "conditional"
    both = facts(hazardous_waste=True, technology_level=None)
    assert screen(both, ZONE, ruleset, as_of=AS_OF).verdict == "needs_information"
    all_three = facts(hazardous_waste=True, technology_level=None, environmental_measures=False)
    result = screen(all_three, ZONE, ruleset, as_of=AS_OF)
    assert result.verdict == "refuse"
    outcomes = list(dict.fromkeys(f.outcome for f in result.findings))
    assert outcomes == ["refuse", "needs_information", "conditional", "advisory"]


def test_advisories_never_change_the_verdict(ruleset: Ruleset) -> None:
    without_advisories = replace(ruleset, rules=tuple(r for r in ruleset.rules if r.outcome != "advisory"))
    for case in golden_cases():
        full = screen(case.facts, case.zone, ruleset, as_of=case.as_of)
        bare = screen(case.facts, case.zone, without_advisories, as_of=case.as_of)
        assert full.verdict == bare.verdict, case.id
        assert [f for f in full.findings if f.outcome != "advisory"] == list(bare.findings)


def test_only_advisories_is_eligible(ruleset: Ruleset) -> None:
    result = screen(facts(sectors=["2220", "2610"]), ZONE, ruleset, as_of=AS_OF)
    assert {f.outcome for f in result.findings} == {"advisory"}
    # plastics (outside Appendix II) under Decree 08 + 05/2025: group II, III or IV is for the screener
    assert result.rule_ids == ("classification-undetermined", "sector-not-zone-priority", "military-opinion")
    assert result.verdict == "eligible"


def test_screen_is_pure(ruleset: Ruleset) -> None:
    for case in golden_cases():
        facts_before = case.facts.model_dump()
        zone_before = copy.deepcopy(case.zone)
        rules_before = ruleset.rules
        first = screen(case.facts, case.zone, ruleset, as_of=case.as_of)
        second = screen(case.facts, case.zone, ruleset, as_of=case.as_of)
        assert first == second
        assert case.facts.model_dump() == facts_before
        assert case.zone == zone_before
        assert ruleset.rules is rules_before


def test_result_and_inputs_are_immutable(ruleset: Ruleset) -> None:
    result = screen(facts(), ZONE, ruleset, as_of=AS_OF)
    with pytest.raises(AttributeError):
        result.verdict = "refuse"  # type: ignore[misc]
    with pytest.raises(ValueError):
        facts().inside_zone = False  # type: ignore[misc]  # pydantic frozen model
    assert isinstance(result.findings, tuple)
    hash(ZONE)


def test_age_depends_on_as_of_only(ruleset: Ruleset) -> None:
    used = facts(equipment_condition="used", equipment_year=2005, equipment_imported=True)
    assert screen(used, ZONE, ruleset, as_of=date(2025, 12, 31)).verdict == "conditional"  # 20 years
    assert screen(used, ZONE, ruleset, as_of=date(2026, 1, 1)).verdict == "refuse"  # 21 years


def test_localized_shape_is_exact(ruleset: Ruleset) -> None:
    result = screen(facts(sectors=["1313"], hazardous_waste=True), ZONE, ruleset, as_of=AS_OF)
    for lang in LANGS:
        data = result.localized(lang)
        assert set(data) == {"verdict", "as_of", "ruleset", "classification", "findings"}
        assert data["ruleset"] == {
            "id": "resolution-03-iv7",
            "version": ruleset.version,
            "effective_from": "2026-12-01",
        }
        assert data["as_of"] == AS_OF.isoformat()
        assert data["classification"]["regime"]["id"] == "lep2020-nd08-nd05"
        assert set(data["classification"]) >= {
            "group",
            "determined",
            "regime",
            "appendix_ii",
            "procedures",
            "authority",
        }
        assert {"time_limit_days", "reasons"} <= set(data["classification"])
        assert data["verdict"] == "refuse"
        for finding in data["findings"]:
            assert set(finding) == {"rule", "outcome", "title", "message", "citation"}
            assert finding["outcome"] in OUTCOMES
            assert {"document", "section", "quote"} <= set(finding["citation"])
            assert all(isinstance(finding[key], str) for key in ("rule", "title", "message"))
        json.dumps(data, ensure_ascii=False)
    vi, en = result.localized("vi"), result.localized("en")
    assert vi["findings"][0]["title"] != en["findings"][0]["title"]
    assert vi["findings"][0]["citation"]["quote"] == en["findings"][0]["citation"]["quote"]


def test_localized_rejects_unknown_language(ruleset: Ruleset) -> None:
    with pytest.raises(ValueError, match="fr"):
        screen(facts(), ZONE, ruleset, as_of=AS_OF).localized("fr")


def test_as_dict_is_json_and_keeps_both_languages(ruleset: Ruleset) -> None:
    result = screen(facts(technology_level=None), ZONE, ruleset, as_of=AS_OF)
    data = json.loads(json.dumps(result.as_dict(), ensure_ascii=False))
    assert data["missing_facts"] == ["technology_level"]
    assert set(data["findings"][0]["message"]) == {"vi", "en"}


def test_missing_facts_are_named_with_labels_in_both_languages(ruleset: Ruleset) -> None:
    bare = ScreeningFacts(sectors=("1313",))
    result = screen(bare, None, ruleset, as_of=AS_OF)
    assert result.verdict == "needs_information"
    assert result.missing_facts == (
        "capacity",
        "inside_zone",
        "environmental_measures",
        "technology_level",
        "equipment_condition",
        "treatment",
        "wastewater_m3_day",
        "hazardous_waste",
    )
    finding = next(f for f in result.findings if f.rule_id == "missing-technology")
    assert "trình độ công nghệ sản xuất" in finding.message.vi
    assert "production technology level" in finding.message.en
    assert "technology_level" not in finding.message.vi + finding.message.en


def test_used_equipment_missing_year_asks_for_the_year(ruleset: Ruleset) -> None:
    result = screen(facts(equipment_condition="used"), ZONE, ruleset, as_of=AS_OF)
    assert result.missing_facts == ("equipment_year",)
    assert "năm sản xuất thiết bị chính" in result.findings[0].message.vi


def test_messages_render_the_facts(ruleset: Ruleset) -> None:
    old = facts(equipment_condition="used", equipment_year=2001, wastewater_m3_day=1234.5, equipment_imported=True)
    zone = replace(ZONE, wastewater_plant="planned")
    result = screen(old, zone, ruleset, as_of=AS_OF)
    by_rule = {f.rule_id: f for f in result.findings}
    assert "24" in by_rule["used-equipment-too-old"].message.en
    assert "2001" in by_rule["used-equipment-too-old"].message.vi
    plant = by_rule["zone-wastewater-plant-not-working"].message
    assert "1.234,5 m³" in plant.vi and "1,234.5 m³" in plant.en
    assert "Cụm công nghiệp Thử nghiệm" in plant.vi and "Test Industrial Cluster" in plant.en
    assert "mới có trong quy hoạch" in plant.vi and "planned only" in plant.en


def test_sensitive_message_explains_advanced_is_not_high(ruleset: Ruleset) -> None:
    advanced = facts(sectors=["1313"], technology_level="advanced", treatment="advanced")
    result = screen(advanced, replace(ZONE, priority_sectors=frozenset({"1313"})), ruleset, as_of=AS_OF)
    finding = result.findings[0]
    assert finding.rule_id == "sensitive-sector-refused"
    assert "1313" in finding.message.vi
    assert "công nghệ tiên tiến" in finding.message.vi and "công nghệ cao, công nghệ nguồn" in finding.message.vi
    assert "“advanced technology” is not “high or source technology”" in finding.message.en


def test_sectors_placeholder_lists_only_the_sectors_that_matched(ruleset: Ruleset) -> None:
    mixed = facts(sectors=["1410", "1313"])
    result = screen(mixed, replace(ZONE, priority_sectors=frozenset({"1410", "1313"})), ruleset, as_of=AS_OF)
    sensitive = next(f for f in result.findings if f.rule_id == "sensitive-sector-refused")
    assert "1313" in sensitive.message.en and "1410" not in sensitive.message.en


def test_conditional_names_eia_and_qcvn_40(ruleset: Ruleset) -> None:
    ok = facts(sectors=["2410"], technology_level="source", treatment="advanced")
    result = screen(ok, replace(ZONE, priority_sectors=frozenset({"2410"})), ruleset, as_of=AS_OF)
    finding = next(f for f in result.findings if f.rule_id == "sensitive-sector-conditional")
    assert "QCVN 40:2025" in finding.message.vi and "QCVN 40:2025" in finding.message.en
    assert {ref.document for ref in finding.citation.also} >= {"qcvn-40-2025"}
    big = facts(
        sectors=["2410"],
        technology_level="source",
        treatment="advanced",
        sensitive_factors=[],
        capacity={"amount": 400_000, "unit": "t_product", "per": "year"},
    )
    eia = next(f for f in screen(big, ZONE, ruleset, as_of=AS_OF).findings if f.rule_id == "eia-required")
    assert "ĐTM" in eia.message.vi and "EIA" in eia.message.en and "nhóm I" in eia.message.vi


def test_the_portals_reading_of_the_ellipsis_is_stated(ruleset: Ruleset) -> None:
    note = ruleset.rule("sensitive-sector-refused").citation.note
    assert note is not None and "portal's reading" in note.en and "cách cổng thông tin hiểu" in note.vi
    assert ruleset.catalog.codes_in_class("sensitive_reading") == {"2394", "2592", "2720"}


def test_zone_without_priorities_lists_province_priorities(ruleset: Ruleset) -> None:
    result = screen(facts(), replace(ZONE, priority_sectors=frozenset()), ruleset, as_of=AS_OF)
    finding = next(f for f in result.findings if f.rule_id == "zone-priorities-not-published")
    for code in ("1020", "1030", "1061", "1410", "1520", "3512"):
        assert code in finding.message.vi and code in finding.message.en
    assert "2220" not in finding.message.en


def test_zone_facts_validate_their_enums() -> None:
    with pytest.raises(ValueError, match="kind"):
        ZoneFacts(slug="x", kind="park", name_vi="x", name_en="x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="wastewater_plant"):
        ZoneFacts(slug="x", kind="kcn", name_vi="x", name_en="x", wastewater_plant="ok")  # type: ignore[arg-type]
    zone = ZoneFacts(slug="x", kind="kcn", name_vi="x", name_en="x", priority_sectors={"1020"})  # type: ignore[arg-type]
    assert zone.priority_sectors == frozenset({"1020"})
