"""Golden cases: every file in cases/ states facts, zone, date, the verdict and the exact set of rules
that fire (advisories included)."""

from __future__ import annotations

import pytest

from portal.screening import LANGS, Ruleset, screen
from tests.screening.conftest import GoldenCase, golden_cases

CASES = golden_cases()


def test_there_are_enough_golden_cases() -> None:
    assert len(CASES) >= 60
    assert len({case.id for case in CASES}) == len(CASES), "case ids must be unique"


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_golden_case(case: GoldenCase, ruleset: Ruleset) -> None:
    result = screen(case.facts, case.zone, ruleset, as_of=case.as_of)
    assert set(result.rule_ids) == case.expected_rules, case.description
    assert result.verdict == case.expected_verdict, case.description
    for finding in result.findings:
        for lang in LANGS:
            message = finding.message.get(lang)
            assert "{" not in message and "}" not in message, (finding.rule_id, lang, message)
    found = result.classification
    assert found is not None
    got = {
        "regime": found.regime,
        "group": found.group,
        "determined": found.determined,
        "possible_groups": list(found.possible_groups),
        "appendix_row": found.appendix_ii.row if found.appendix_ii else None,
        "appendix_level": found.appendix_ii.level if found.appendix_ii else None,
        "procedures": sorted(found.procedures),
        "time_limit_days": dict(found.time_limit_days),
    }
    for key, expected in case.expected_classification.items():
        if key == "authority":
            for procedure, body in expected.items():
                assert found.authority.get(procedure) == body, (case.id, procedure)
        else:
            assert got[key] == (sorted(expected) if key == "procedures" else expected), (case.id, key)
    if found.determined:
        assert found.group in ("I", "II", "III", "IV")
    else:
        assert found.group is None and any("screener" in r.text.en for r in found.reasons), case.id


WORKED = [f"law-case-{n:02d}" for n in range(1, 11)]


@pytest.mark.parametrize("prefix", WORKED)
def test_every_worked_case_of_the_law_notes_runs_under_both_regimes(prefix: str) -> None:
    regimes = {case.expected_classification.get("regime") for case in CASES if case.id.startswith(prefix)}
    assert regimes == {"lep2020-nd08-nd05", "lep146-nd48"}, prefix


def test_every_appendix_ii_row_with_thresholds_has_a_golden_case() -> None:
    from portal.screening.environment import load_law

    law = load_law()
    with_thresholds = {(regime.id, row.id) for regime in law.regimes for row in regime.rows if row.has_thresholds}
    covered = set()
    for case in CASES:
        row = case.expected_classification.get("appendix_row")
        if row is not None:
            regime = "lep2020-nd08-nd05" if case.as_of.year < 2026 else "lep146-nd48"
            covered.add((regime, row))
    assert with_thresholds <= covered, sorted(with_thresholds - covered)


def test_every_rule_is_covered_by_a_golden_case(ruleset: Ruleset) -> None:
    covered = set().union(*(case.expected_rules for case in CASES))
    unknown = covered - set(ruleset.rule_ids)
    assert not unknown, f"golden cases name rules the ruleset does not have: {sorted(unknown)}"
    uncovered = set(ruleset.rule_ids) - covered
    assert not uncovered, f"rules no golden case exercises: {sorted(uncovered)}"


def test_every_verdict_is_covered() -> None:
    assert {case.expected_verdict for case in CASES} == {"refuse", "needs_information", "conditional", "eligible"}


@pytest.mark.parametrize("code", ["1313", "1511", "1701", "2394", "2410", "2592", "2720", "3511"])
def test_each_sensitive_sector_has_both_outcomes(code: str) -> None:
    """Refused without the conditions (named sectors) or as group I (the portal's reading), and conditional
    with them."""
    verdicts = {case.expected_verdict for case in CASES if case.facts.sectors == (code,)}
    assert {"refuse", "conditional"} <= verdicts
