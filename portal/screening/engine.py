"""The pure screening engine: `screen(facts, zone, ruleset, as_of=...) -> Result`.

No IO, no database, no global state: the same inputs always give an equal Result. Rulesets are data
(`rulesets/*.yaml`), compiled by `portal.screening.loader.load_ruleset` into the `Ruleset` below.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from portal.screening.facts import ScreeningFacts, ZoneFacts
from portal.screening.sectors import SectorCatalog

LANGS: tuple[str, ...] = ("vi", "en")

Outcome = Literal["refuse", "needs_information", "conditional", "advisory"]
Verdict = Literal["refuse", "needs_information", "conditional", "eligible"]

#: Strongest first. `advisory` is listed last and never decides the verdict.
OUTCOMES: tuple[str, ...] = ("refuse", "needs_information", "conditional", "advisory")
OUTCOME_RANK: dict[str, int] = {outcome: rank for rank, outcome in enumerate(OUTCOMES)}
VERDICTS: tuple[str, ...] = ("refuse", "needs_information", "conditional", "eligible")


# --- results ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Text:
    """One text in both languages."""

    vi: str
    en: str

    def get(self, lang: str) -> str:
        if lang == "vi":
            return self.vi
        if lang == "en":
            return self.en
        raise ValueError(f"unknown language {lang!r}; expected one of {LANGS}")


@dataclass(frozen=True, slots=True)
class Reference:
    """A further text a rule rests on (usually a national law), cited without a quote."""

    document: str
    document_title: Text
    section: Text
    note: Text | None = None

    def localized(self, lang: str) -> dict[str, Any]:
        return {
            "document": self.document,
            "title": self.document_title.get(lang),
            "section": self.section.get(lang),
            "note": self.note.get(lang) if self.note else None,
        }


@dataclass(frozen=True, slots=True)
class Citation:
    document: str
    document_title: Text
    section: Text
    quote: str  # the source's own words, Vietnamese, copied exactly
    note: Text | None = None
    also: tuple[Reference, ...] = ()

    def localized(self, lang: str) -> dict[str, Any]:
        return {
            "document": self.document,
            "title": self.document_title.get(lang),
            "section": self.section.get(lang),
            "quote": self.quote,
            "note": self.note.get(lang) if self.note else None,
            "also": [reference.localized(lang) for reference in self.also],
        }


@dataclass(frozen=True, slots=True)
class Finding:
    rule_id: str
    outcome: Outcome
    title: Text
    message: Text  # placeholders already filled
    citation: Citation

    def localized(self, lang: str) -> dict[str, Any]:
        return {
            "rule": self.rule_id,
            "outcome": self.outcome,
            "title": self.title.get(lang),
            "message": self.message.get(lang),
            "citation": self.citation.localized(lang),
        }


@dataclass(frozen=True, slots=True)
class Result:
    verdict: Verdict
    ruleset_id: str
    ruleset_version: str
    findings: tuple[Finding, ...]  # by severity, then ruleset order
    missing_facts: tuple[str, ...]  # fact names that needs_information findings ask for

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(finding.rule_id for finding in self.findings)

    def localized(self, lang: str) -> dict[str, Any]:
        """The public API shape in one language (`?lang=vi|en`)."""
        if lang not in LANGS:
            raise ValueError(f"unknown language {lang!r}; expected one of {LANGS}")
        return {
            "verdict": self.verdict,
            "ruleset": {"id": self.ruleset_id, "version": self.ruleset_version},
            "findings": [finding.localized(lang) for finding in self.findings],
        }

    def as_dict(self) -> dict[str, Any]:
        """Both languages, JSON-ready: the snapshot stored with a proposal."""
        return {
            "verdict": self.verdict,
            "ruleset": {"id": self.ruleset_id, "version": self.ruleset_version},
            "missing_facts": list(self.missing_facts),
            "findings": [
                {
                    "rule": finding.rule_id,
                    "outcome": finding.outcome,
                    "title": {"vi": finding.title.vi, "en": finding.title.en},
                    "message": {"vi": finding.message.vi, "en": finding.message.en},
                    "citation": {lang: finding.citation.localized(lang) for lang in LANGS},
                }
                for finding in self.findings
            ],
        }


# --- compiled rulesets ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Context:
    """Per-call view of the inputs that compiled predicates read. Built fresh by every `screen` call."""

    facts: ScreeningFacts
    zone: ZoneFacts | None
    year: int
    codes: tuple[str, ...]  # the proposal's sector codes, as given
    keys: tuple[str, ...]  # the catalog code each falls under (itself when unknown)
    match_set: frozenset[str]  # codes ∪ keys

    @classmethod
    def build(cls, facts: ScreeningFacts, zone: ZoneFacts | None, catalog: SectorCatalog, year: int) -> Context:
        codes = facts.sectors
        keys = tuple(catalog.key(code) or code for code in codes)
        return cls(facts, zone, year, codes, keys, frozenset(codes) | frozenset(keys))


@dataclass(frozen=True, eq=False, slots=True)
class Predicate:
    """A compiled `when` node. `test` is the fast path; `explain` says which sectors matched and which
    facts were missing, for the message placeholders (only run for rules that fired)."""

    kind: str
    test: Callable[[Context], bool]
    children: tuple[Predicate, ...] = ()
    sector_match: Callable[[Context, str, str], bool] | None = None
    missing: tuple[str, ...] = ()

    def explain(self, ctx: Context, sectors: list[str], missing: list[str]) -> None:
        if self.kind == "all":
            for child in self.children:
                child.explain(ctx, sectors, missing)
        elif self.kind == "any":
            for child in self.children:
                if child.test(ctx):
                    child.explain(ctx, sectors, missing)
        elif self.sector_match is not None:
            sectors.extend(
                code
                for code, key in zip(ctx.codes, ctx.keys, strict=True)
                if code not in sectors and self.sector_match(ctx, code, key)
            )
        elif self.missing:
            missing.extend(name for name in self.missing if name not in missing and getattr(ctx.facts, name) is None)
        # `not` and plain comparisons contribute nothing


@dataclass(frozen=True, eq=False, slots=True)
class Rule:
    id: str
    index: int  # position in the file
    outcome: Outcome
    title: Text
    message: Text  # templates with {placeholders}
    citation: Citation
    when: Predicate
    placeholders: frozenset[str]  # used by the message in either language

    @property
    def test(self) -> Callable[[Context], bool]:
        return self.when.test


@dataclass(frozen=True, slots=True)
class Labels:
    facts: Mapping[str, Text]  # human names of facts
    values: Mapping[str, Mapping[str, Text]]  # human names of enumerated values


@dataclass(frozen=True, eq=False)
class Ruleset:
    """A validated, compiled ruleset bound to a sector catalog. Immutable; hashable by identity."""

    id: str
    version: str
    title: Text
    path: str
    documents: Mapping[str, Text]
    labels: Labels
    rules: tuple[Rule, ...]  # file order
    catalog: SectorCatalog
    ordered: tuple[Rule, ...] = field(init=False)  # severity, then file order: the evaluation order
    province_priorities: Text = field(init=False)

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.rules, key=lambda rule: (OUTCOME_RANK[rule.outcome], rule.index)))
        object.__setattr__(self, "ordered", ordered)
        priority = sorted(self.catalog.codes_in_class("priority"))
        object.__setattr__(
            self,
            "province_priorities",
            Text(*(_join([self.catalog.label(code, lang) for code in priority], lang) for lang in LANGS)),
        )

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(rule.id for rule in self.rules)

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


# --- screening -----------------------------------------------------------------------------------------


def screen(facts: ScreeningFacts, zone: ZoneFacts | None, ruleset: Ruleset, *, as_of: date) -> Result:
    """Screen one proposal against a ruleset. Pure: reads its arguments only, mutates nothing.

    `zone` is the zone the investor chose (None when none was chosen); `as_of` is the date equipment
    age is counted at (pass `date.today()` at the edge).
    """
    ctx = Context.build(facts, zone, ruleset.catalog, as_of.year)
    findings: list[Finding] = []
    missing: list[str] = []
    for rule in ruleset.ordered:
        if rule.when.test(ctx):
            findings.append(_finding(rule, ctx, ruleset, missing))
    verdict: Verdict = "eligible"
    if findings and findings[0].outcome != "advisory":
        verdict = findings[0].outcome  # type: ignore[assignment]  # ordered: strongest first
    return Result(verdict, ruleset.id, ruleset.version, tuple(findings), tuple(missing))


def _finding(rule: Rule, ctx: Context, ruleset: Ruleset, missing_acc: list[str]) -> Finding:
    sectors: list[str] = []
    missing: list[str] = []
    rule.when.explain(ctx, sectors, missing)
    if rule.outcome == "needs_information":
        missing_acc.extend(name for name in missing if name not in missing_acc)
    message = Text(
        *(
            rule.message.get(lang).format_map(_values(rule.placeholders, ctx, ruleset, lang, sectors, missing))
            for lang in LANGS
        )
    )
    return Finding(rule.id, rule.outcome, rule.title, message, rule.citation)


# --- placeholders ----------------------------------------------------------------------------------------

Renderer = Callable[[Context, "Ruleset", str, list[str], list[str]], str]


def _value_label(ruleset: Ruleset, group: str, value: object, lang: str) -> str:
    key = "unknown" if value is None else str(value).lower()
    return ruleset.labels.values[group][key].get(lang)


def _join(items: list[str], lang: str) -> str:
    return "; ".join(items) if items else ("không có" if lang == "vi" else "none")


def _number(value: float, lang: str) -> str:
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text.translate(str.maketrans(",.", ".,")) if lang == "vi" else text


def _sectors(ctx: Context, rs: Ruleset, lang: str, sectors: list[str], _missing: list[str]) -> str:
    return _join([rs.catalog.label(code, lang) for code in (sectors or ctx.codes)], lang)


def _all_sectors(ctx: Context, rs: Ruleset, lang: str, _sectors: list[str], _missing: list[str]) -> str:
    return _join([rs.catalog.label(code, lang) for code in ctx.codes], lang)


def _missing(ctx: Context, rs: Ruleset, lang: str, _sectors: list[str], missing: list[str]) -> str:
    return ", ".join(rs.labels.facts[name].get(lang) for name in missing)


def _zone(ctx: Context, rs: Ruleset, lang: str, _sectors: list[str], _missing: list[str]) -> str:
    if ctx.zone is not None:
        return ctx.zone.name(lang)
    return ctx.facts.zone or "—"


def _zone_priorities(ctx: Context, rs: Ruleset, lang: str, _sectors: list[str], _missing: list[str]) -> str:
    codes = sorted(ctx.zone.priority_sectors) if ctx.zone is not None else []
    return _join([rs.catalog.label(code, lang) for code in codes], lang)


def _age(ctx: Context, rs: Ruleset, lang: str, _sectors: list[str], _missing: list[str]) -> str:
    year = ctx.facts.equipment_year
    return "?" if year is None else str(ctx.year - year)


def _equipment_year(ctx: Context, rs: Ruleset, lang: str, _sectors: list[str], _missing: list[str]) -> str:
    year = ctx.facts.equipment_year
    return "?" if year is None else str(year)


def _wastewater(ctx: Context, rs: Ruleset, lang: str, _sectors: list[str], _missing: list[str]) -> str:
    volume = ctx.facts.wastewater_m3_day
    return "?" if volume is None else _number(volume, lang)


def _fact_value(name: str, group: str | None = None) -> Renderer:
    def render(ctx: Context, rs: Ruleset, lang: str, _sectors: list[str], _missing: list[str]) -> str:
        return _value_label(rs, group or name, getattr(ctx.facts, name), lang)

    return render


def _plant_state(ctx: Context, rs: Ruleset, lang: str, _sectors: list[str], _missing: list[str]) -> str:
    state = ctx.zone.wastewater_plant if ctx.zone is not None else None
    return _value_label(rs, "wastewater_plant", state, lang)


def _province_priorities(ctx: Context, rs: Ruleset, lang: str, _s: list[str], _m: list[str]) -> str:
    return rs.province_priorities.get(lang)


#: The placeholders a rule message may use. A ruleset using any other name fails to load.
PLACEHOLDERS: dict[str, Renderer] = {
    "sectors": _sectors,  # the proposal's sectors that made the rule fire (all when none did)
    "all_sectors": _all_sectors,
    "missing": _missing,  # human names of the missing facts the rule asks for
    "zone": _zone,
    "zone_priorities": _zone_priorities,
    "province_priorities": _province_priorities,
    "age": _age,
    "equipment_year": _equipment_year,
    "wastewater": _wastewater,
    "plant_state": _plant_state,
    "technology": _fact_value("technology_level"),
    "treatment": _fact_value("treatment"),
    "measures": _fact_value("environmental_measures"),
    "equipment": _fact_value("equipment_condition"),
}

#: Value-label groups the placeholders read; a ruleset must label every value of each (+ `unknown`).
VALUE_LABEL_GROUPS: tuple[str, ...] = (
    "technology_level",
    "treatment",
    "environmental_measures",
    "equipment_condition",
    "wastewater_plant",
)


def _values(
    names: frozenset[str], ctx: Context, rs: Ruleset, lang: str, sectors: list[str], missing: list[str]
) -> dict[str, str]:
    return {name: PLACEHOLDERS[name](ctx, rs, lang, sectors, missing) for name in names}


def template_fields(template: str) -> list[str]:
    """The placeholder names in a message template; ValueError for malformed braces or for
    attribute, index, format-spec or conversion use (only bare `{name}` is allowed)."""
    names: list[str] = []
    for _literal, name, spec, conversion in string.Formatter().parse(template):
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise ValueError(f"placeholder {{{name}}} must be a bare name")
        names.append(name)
    return names
