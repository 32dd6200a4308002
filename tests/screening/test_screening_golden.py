"""Golden cases: every file in cases/ states facts, zone, date, the verdict and the exact set of rules
that fire (advisories included)."""

from __future__ import annotations

import pytest

from portal.screening import LANGS, Ruleset, screen
from tests.screening.conftest import GoldenCase, golden_cases

CASES = golden_cases()


def test_there_are_enough_golden_cases() -> None:
    assert len(CASES) >= 30
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
    verdicts = {case.expected_verdict for case in CASES if case.facts.sectors == (code,)}
    assert {"refuse", "conditional"} <= verdicts
