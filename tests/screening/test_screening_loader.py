"""Ruleset loading: validation errors name the file, the rule and the problem; caching; provenance."""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from portal.screening import (
    DEFAULT_RULESET,
    SECTORS_PATH,
    RulesetError,
    SectorCatalog,
    load_ruleset,
    load_sectors,
)
from portal.screening.loader import PREDICATE_KEYS

SOURCES_DIR = Path(__file__).resolve().parents[2] / "reference" / "sources"
SOURCE_FILES = {
    "nq-03-2021": "nghi-quyet-03-NQ-TU-2021-khu-cum-cong-nghiep.txt",
    "nq-cn-2020-2025": "nghi-quyet-phat-trien-cong-nghiep-2020-2025.txt",
}

RULE: dict[str, Any] = {
    "id": "test-rule",
    "outcome": "refuse",
    "title": {"vi": "Tiêu đề", "en": "Title"},
    "message": {"vi": "Ngành {sectors}", "en": "Sector {sectors}"},
    "citation": {"document": "nq-03-2021", "section": "IV.7", "quote": "Trích dẫn."},
    "when": {"sector_class": "sensitive"},
}


@pytest.fixture(scope="module")
def shipped() -> dict[str, Any]:
    return yaml.safe_load(DEFAULT_RULESET.read_text(encoding="utf-8"))


def write(tmp_path: Path, data: dict[str, Any], name: str = "broken.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def with_rules(shipped: dict[str, Any], *rules: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(shipped)
    data["rules"] = list(rules)
    return data


def rule(**changes: Any) -> dict[str, Any]:
    result = copy.deepcopy(RULE)
    for key, value in changes.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
    return result


def test_minimal_ruleset_loads(tmp_path: Path, shipped: dict, catalog: SectorCatalog) -> None:
    ruleset = load_ruleset(write(tmp_path, with_rules(shipped, rule())), catalog)
    assert ruleset.rule_ids == ("test-rule",)


BROKEN = [
    ("unknown predicate key", rule(when={"sector_klass": "sensitive"}), r"unknown predicate key 'sector_klass'"),
    ("unknown nested key", rule(when={"all": [{"nope": 1}]}), r"when\.all\[0\]: unknown predicate key 'nope'"),
    ("unknown fact", rule(when={"fact": "turnover", "gt": 1}), r"unknown fact 'turnover'"),
    ("unknown fact in missing", rule(when={"missing": ["colour"]}), r"unknown fact 'colour'"),
    ("bad enum value", rule(when={"fact": "technology_level", "in": ["ancient"]}), r"cannot be 'ancient'"),
    ("numeric op on enum", rule(when={"fact": "treatment", "gt": 1}), r"not a number; use eq or in"),
    ("string for a number", rule(when={"fact": "land_ha", "gt": "5"}), r"land_ha is a number"),
    ("two operators", rule(when={"fact": "land_ha", "gt": 1, "lt": 5}), r"exactly one operator"),
    ("unknown sector class", rule(when={"sector_class": "dirty"}), r"unknown sector class 'dirty'"),
    ("sector not in catalog", rule(when={"sector_in": ["9999"]}), r"'9999' is not in the sector catalog"),
    ("unknown zone fact", rule(when={"zone": "colour", "eq": "red"}), r"unknown zone fact 'colour'"),
    ("bad plant state", rule(when={"zone": "wastewater_plant", "in": ["broken"]}), r"cannot be 'broken'"),
    ("unknown outcome", rule(outcome="maybe"), r"unknown outcome 'maybe'"),
    (
        "unknown classification field",
        rule(when={"classification": "colour", "eq": 1}),
        r"classification field 'colour'",
    ),
    ("bad group", rule(when={"classification": "group", "eq": "V"}), r"classification group cannot be 'V'"),
    ("structured fact compared", rule(when={"fact": "capacity", "eq": 5}), r"capacity is structured"),
    ("sectors_all_in unknown code", rule(when={"sectors_all_in": ["9999"]}), r"sectors_all_in takes"),
    ("missing vi title", rule(title={"en": "Title"}), r"title: missing vi text"),
    ("missing en message", rule(message={"vi": "Thông điệp"}), r"message: missing en text"),
    ("empty vi message", rule(message={"vi": " ", "en": "x"}), r"message: missing vi text"),
    ("unknown placeholder", rule(message={"vi": "{sectors}", "en": "{turnover}"}), r"unknown placeholder \{turnover\}"),
    ("attribute placeholder", rule(message={"vi": "{zone.slug}", "en": "x"}), r"must be a bare name"),
    ("unbalanced brace", rule(message={"vi": "a {sectors", "en": "x"}), r"message\.vi"),
    ("placeholder in title", rule(title={"vi": "{zone}", "en": "x"}), r"titles cannot have placeholders"),
    ("missing citation quote", rule(citation={"document": "nq-03-2021", "section": "IV.7"}), r"quote"),
    ("missing citation section", rule(citation={"document": "nq-03-2021", "quote": "q"}), r"section"),
    (
        "unknown document",
        rule(citation={"document": "nq-99", "section": "1", "quote": "q"}),
        r"unknown document 'nq-99'",
    ),
    ("missing when", rule(when=None), r"missing field\(s\) \['when'\]"),
    ("unknown rule field", rule(severity="high"), r"unknown field\(s\) \['severity'\]"),
    ("bad always", rule(when={"always": "yes"}), r"`always` takes only `true`"),
    ("empty all", rule(when={"all": []}), r"non-empty list"),
    ("negative age", rule(when={"equipment_age_gt": -1}), r"whole number of years"),
]


@pytest.mark.parametrize(("bad_rule", "problem"), [(r, p) for _, r, p in BROKEN], ids=[n for n, _, _ in BROKEN])
def test_validation_errors_name_file_rule_and_problem(
    tmp_path: Path, shipped: dict, catalog: SectorCatalog, bad_rule: dict, problem: str
) -> None:
    path = write(tmp_path, with_rules(shipped, rule(id="fine-rule"), bad_rule))
    with pytest.raises(RulesetError) as error:
        load_ruleset(path, catalog)
    message = str(error.value)
    assert str(path) in message
    assert "rule 'test-rule'" in message
    assert re.search(problem, message), message


def test_duplicate_rule_ids(tmp_path: Path, shipped: dict, catalog: SectorCatalog) -> None:
    path = write(tmp_path, with_rules(shipped, rule(), rule()))
    with pytest.raises(RulesetError, match=r"rule 'test-rule': duplicate rule id"):
        load_ruleset(path, catalog)


def test_rule_without_id_is_named_by_position(tmp_path: Path, shipped: dict, catalog: SectorCatalog) -> None:
    path = write(tmp_path, with_rules(shipped, rule(), rule(id=None)))
    with pytest.raises(RulesetError, match=r"rule #2: missing field\(s\) \['id'\]"):
        load_ruleset(path, catalog)


def test_missing_fact_label(tmp_path: Path, shipped: dict, catalog: SectorCatalog) -> None:
    data = with_rules(shipped, rule())
    del data["labels"]["facts"]["treatment"]
    with pytest.raises(RulesetError, match=r"labels: facts\.treatment: expected \{vi"):
        load_ruleset(write(tmp_path, data), catalog)


def test_missing_value_label(tmp_path: Path, shipped: dict, catalog: SectorCatalog) -> None:
    data = with_rules(shipped, rule())
    del data["labels"]["values"]["wastewater_plant"]["unknown"]
    with pytest.raises(RulesetError, match=r"labels: values\.wastewater_plant\.unknown"):
        load_ruleset(write(tmp_path, data), catalog)


def test_top_level_problems(tmp_path: Path, shipped: dict, catalog: SectorCatalog) -> None:
    data = with_rules(shipped, rule())
    del data["version"]
    with pytest.raises(RulesetError, match=r"top level: missing field\(s\) \['version'\]"):
        load_ruleset(write(tmp_path, data, "a.yaml"), catalog)
    with pytest.raises(RulesetError, match=r"rules: expected a non-empty list"):
        load_ruleset(write(tmp_path, with_rules(shipped), "b.yaml"), catalog)
    bad_yaml = tmp_path / "c.yaml"
    bad_yaml.write_text("id: [unclosed", encoding="utf-8")
    with pytest.raises(RulesetError, match=r"c\.yaml: not valid YAML"):
        load_ruleset(bad_yaml, catalog)
    with pytest.raises(RulesetError, match="cannot read"):
        load_ruleset(tmp_path / "absent.yaml", catalog)


def test_loading_is_cached_by_path_and_mtime(tmp_path: Path, shipped: dict, catalog: SectorCatalog) -> None:
    path = write(tmp_path, with_rules(shipped, rule()))
    first = load_ruleset(path, catalog)
    assert load_ruleset(str(path), catalog) is first
    hash(first)
    data = with_rules(shipped, rule(id="renamed"))
    write(tmp_path, data)
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000_000))
    second = load_ruleset(path, catalog)
    assert second is not first and second.rule_ids == ("renamed",)


def test_vocabulary_is_the_documented_one() -> None:
    assert set(PREDICATE_KEYS) == {
        "all",
        "any",
        "not",
        "always",
        "sector_class",
        "sector_in",
        "sector_not_zone_priority",
        "fact",
        "zone",
        "zone_unknown",
        "zone_selected",
        "equipment_age_gt",
        "missing",
        "sectors_all_in",
        "classification",
        "classification_needs",
    }


def test_shipped_ruleset_loads_against_shipped_sectors() -> None:
    data_catalog = load_sectors(SECTORS_PATH)
    ruleset = load_ruleset(DEFAULT_RULESET, data_catalog)
    assert ruleset.id == "resolution-03-iv7"
    assert ruleset.version == "2.0" and ruleset.effective_from.isoformat() == "2026-12-01"
    assert len(data_catalog) == 495
    fixture = load_sectors(Path(__file__).with_name("sectors_fixture.yaml"))
    for name in ("sensitive", "sensitive_named", "sensitive_reading"):
        assert data_catalog.codes_in_class(name) == fixture.codes_in_class(name), name
    assert fixture.codes_in_class("priority") <= data_catalog.codes_in_class("priority")


def test_every_quote_is_copied_exactly_from_its_source(ruleset) -> None:
    texts = {
        key: " ".join((SOURCES_DIR / name).read_text(encoding="utf-8").split()) for key, name in SOURCE_FILES.items()
    }
    for r in ruleset.rules:
        assert r.citation.document in texts, f"{r.id}: the main citation must be a source with a quote"
        assert " ".join(r.citation.quote.split()) in texts[r.citation.document], r.id


def test_every_rule_cites_a_section_and_both_languages(ruleset) -> None:
    for r in ruleset.rules:
        assert r.citation.section.vi and r.citation.section.en
        assert r.title.vi != r.title.en and r.message.vi != r.message.en, r.id
        for reference in r.citation.also:
            assert reference.document in ruleset.documents
