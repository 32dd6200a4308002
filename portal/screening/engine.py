"""The pure screening engine: `screen(facts, zone, ruleset, as_of=...) -> Result`.

No IO, no database, no global state: the same inputs always give an equal Result. Rulesets are data
(`rulesets/*.yaml`), compiled by `portal.screening.loader.load_ruleset` into the `Ruleset` below.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter
from typing import Any, Literal

from portal.screening.environment import Classification, Law, classify
from portal.screening.facts import ScreeningFacts, ZoneFacts
from portal.screening.sectors import SectorCatalog
from portal.screening.text import LANGS, Text

Outcome = Literal["refuse", "needs_information", "conditional", "advisory", "positive"]
Verdict = Literal["refuse", "needs_information", "conditional", "eligible"]

#: Strongest first. `advisory` and `positive` (a point in the project's favour) never decide the verdict.
OUTCOMES: tuple[str, ...] = ("refuse", "needs_information", "conditional", "advisory", "positive")
INFORMATIVE: frozenset[str] = frozenset({"advisory", "positive"})
OUTCOME_RANK: dict[str, int] = {outcome: rank for rank, outcome in enumerate(OUTCOMES)}
VERDICTS: tuple[str, ...] = ("refuse", "needs_information", "conditional", "eligible")


# --- results ---------------------------------------------------------------------------------------


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


class Finding(tuple):
    """One rule that fired: `rule_id`, `outcome`, `title`, `citation` and `message` (placeholders filled).

    Immutable. A tuple underneath, because screening builds several per proposal and a frozen dataclass
    costs four times as much to build. The message is written on first read: screening decides verdicts
    and findings (land matching reads only those, for every zone); texts are written when a page or the
    API asks. Equality and hash are by rule, outcome, title, citation and message."""

    __slots__ = ()

    def __new__(cls, rule_id: str, outcome: Outcome, title: Text, citation: Citation, message: Text) -> Finding:
        return tuple.__new__(cls, (rule_id, outcome, title, citation, [message]))

    @classmethod
    def of(cls, rule_id: str, outcome: Outcome, title: Text, message: Text, citation: Citation) -> Finding:
        return cls(rule_id, outcome, title, citation, message)

    rule_id: str = property(itemgetter(0))  # type: ignore[assignment]
    outcome: Outcome = property(itemgetter(1))  # type: ignore[assignment]
    title: Text = property(itemgetter(2))  # type: ignore[assignment]
    citation: Citation = property(itemgetter(3))  # type: ignore[assignment]

    @property
    def message(self) -> Text:  # placeholders filled
        cell = self[4]  # [message] or [None, rule, ctx, ruleset, sectors, missing]
        if cell[0] is None:
            cell[0] = _fill(*cell[1:])
            del cell[1:]
        return cell[0]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Finding):
            return NotImplemented
        return (self[0], self[1], self[2], self[3], self.message) == (
            other[0],
            other[1],
            other[2],
            other[3],
            other.message,
        )

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        return hash((self[0], self[1], self.message))

    def __repr__(self) -> str:
        return f"Finding(rule_id={self[0]!r}, outcome={self[1]!r}, message={self.message!r})"

    def __getnewargs__(self) -> tuple[Any, ...]:  # copy and pickle: the message written out
        return (self[0], self[1], self[2], self[3], self.message)

    def localized(self, lang: str) -> dict[str, Any]:
        return {
            "rule": self.rule_id,
            "outcome": self.outcome,
            "title": self.title.get(lang),
            "message": self.message.get(lang),
            "citation": self.citation.localized(lang),
        }


class Result(tuple):
    """The answer of `screen`. Immutable; a tuple underneath (built once per proposal, cheaply)."""

    __slots__ = ()
    FIELDS = (
        "verdict",
        "ruleset_id",
        "ruleset_version",
        "findings",  # by severity, then ruleset order
        "missing_facts",  # fact names that needs_information findings ask for
        "classification",
        "ruleset_effective_from",
        "as_of",
    )

    def __new__(
        cls,
        verdict: Verdict,
        ruleset_id: str,
        ruleset_version: str,
        findings: tuple[Finding, ...],
        missing_facts: tuple[str, ...],
        classification: Classification | None = None,
        ruleset_effective_from: date | None = None,
        as_of: date | None = None,
    ) -> Result:
        return tuple.__new__(
            cls,
            (
                verdict,
                ruleset_id,
                ruleset_version,
                findings,
                missing_facts,
                classification,
                ruleset_effective_from,
                as_of,
            ),
        )

    verdict: Verdict = property(itemgetter(0))  # type: ignore[assignment]
    ruleset_id: str = property(itemgetter(1))  # type: ignore[assignment]
    ruleset_version: str = property(itemgetter(2))  # type: ignore[assignment]
    findings: tuple[Finding, ...] = property(itemgetter(3))  # type: ignore[assignment]
    missing_facts: tuple[str, ...] = property(itemgetter(4))  # type: ignore[assignment]
    classification: Classification | None = property(itemgetter(5))  # type: ignore[assignment]
    ruleset_effective_from: date | None = property(itemgetter(6))  # type: ignore[assignment]
    as_of: date | None = property(itemgetter(7))  # type: ignore[assignment]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Result):
            return NotImplemented
        return tuple.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = tuple.__hash__

    def __repr__(self) -> str:
        return "Result(" + ", ".join(f"{name}={value!r}" for name, value in zip(self.FIELDS, self, strict=True)) + ")"

    def __getnewargs__(self) -> tuple[Any, ...]:
        return tuple(self)

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(finding.rule_id for finding in self.findings)

    @property
    def regime(self) -> str | None:
        return self.classification.regime if self.classification is not None else None

    def _ruleset(self) -> dict[str, Any]:
        effective = self.ruleset_effective_from.isoformat() if self.ruleset_effective_from else None
        return {"id": self.ruleset_id, "version": self.ruleset_version, "effective_from": effective}

    def localized(self, lang: str) -> dict[str, Any]:
        """The public API shape in one language (`?lang=vi|en`)."""
        if lang not in LANGS:
            raise ValueError(f"unknown language {lang!r}; expected one of {LANGS}")
        return {
            "verdict": self.verdict,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "ruleset": self._ruleset(),
            "classification": self.classification.localized(lang) if self.classification else None,
            "findings": [finding.localized(lang) for finding in self.findings],
        }

    def as_dict(self) -> dict[str, Any]:
        """Both languages, JSON-ready: the snapshot stored with a proposal."""
        return {
            "verdict": self.verdict,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "ruleset": self._ruleset(),
            "regime": self.regime,
            "classification": self.classification.as_dict() if self.classification else None,
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
    classification: Classification | None = None

    @classmethod
    def build(
        cls,
        facts: ScreeningFacts,
        zone: ZoneFacts | None,
        catalog: SectorCatalog,
        year: int,
        *,
        law: Law | None = None,
        as_of: date | None = None,
        documents: Mapping[str, Text] | None = None,
    ) -> Context:
        codes = facts.sectors
        key = catalog.key
        keys = tuple([key(code) or code for code in codes])
        found = None
        if law is not None and as_of is not None:
            found = classify(facts, zone, law, as_of=as_of, documents=documents, sector_keys=keys)
        return cls(facts, zone, year, codes, keys, frozenset(codes + keys), found)


Explainer = Callable[[Context, list[str], list[str]], None]


@dataclass(frozen=True, eq=False, slots=True)
class Predicate:
    """A compiled `when` node.

    `source` is a Python expression (built by the loader from validated names only) over the locals that
    `reads` names — `facts`, `zone`, `year`, `codes`, `keys`, `match_set`, `found` (the classification)
    and `f_<fact>` (a fact's value) — and the constants in `consts`. `test(ctx)` is that expression
    compiled into one function; a ruleset compiles all its rules' expressions into one function too
    (`compile_rules`), so screening makes no call per predicate node. `explain` says which sectors matched
    and which facts were missing, for the message placeholders (only run for rules that fired)."""

    kind: str
    source: str
    reads: frozenset[str] = frozenset()
    consts: Mapping[str, Any] = field(default_factory=dict)
    children: tuple[Predicate, ...] = ()
    sector_match: Callable[[Context, str, str], bool] | None = None
    missing: tuple[str, ...] = ()
    test: Callable[[Context], bool] = field(init=False)
    explainer: Explainer | None = field(init=False)  # None when nothing below can contribute

    def __post_init__(self) -> None:
        test = _compile(f"test_{self.kind}", self.reads, self.consts, [f"return {self.source}"])
        object.__setattr__(self, "test", test)
        object.__setattr__(self, "explainer", _explainer(self))

    def explain(self, ctx: Context, sectors: list[str], missing: list[str]) -> None:
        if self.explainer is not None:
            self.explainer(ctx, sectors, missing)


#: What a predicate's source may read, and where each local comes from (`f_<fact>` reads `facts.<fact>`).
CONTEXT_LOCALS: dict[str, str] = {
    "facts": "ctx.facts",
    "zone": "ctx.zone",
    "year": "ctx.year",
    "codes": "ctx.codes",
    "keys": "ctx.keys",
    "match_set": "ctx.match_set",
    "found": "ctx.classification",
}


def _compile(
    name: str, reads: Iterable[str], consts: Mapping[str, Any], body: list[str], *, params: str = "ctx"
) -> Callable[..., Any]:
    """Compile `def name(ctx): <read the locals>; <body>` with `consts` as its globals."""
    reads = set(reads) - set(params.split(", "))
    facts = sorted(read.removeprefix("f_") for read in reads if read.startswith("f_"))
    lines = [f"def {name}({params}):"]
    if facts or "facts" in reads:
        lines.append("    facts = ctx.facts")
    lines += [f"    f_{fact} = facts.{fact}" for fact in facts]
    lines += [f"    {local} = {origin}" for local, origin in CONTEXT_LOCALS.items() if local in reads - {"facts"}]
    lines += [f"    {line}" for line in body]
    unknown = {read for read in reads if not read.startswith("f_")} - set(CONTEXT_LOCALS)
    if unknown:
        raise ValueError(f"a predicate reads unknown locals {sorted(unknown)}")
    namespace: dict[str, Any] = {"__builtins__": {"type": type, "bool": bool}, **consts}
    source = "\n".join(lines)
    exec(compile(source, f"<predicate {name}>", "exec"), namespace)  # noqa: S102  # validated names only
    function = namespace[name]
    function.source = source  # for reading and debugging
    return function


def compile_rules(rules: Iterable[Rule], ruleset: Ruleset) -> Callable[[Context, list[str]], list[Finding]]:
    """One function screening a context against the rules, in the given order: `evaluate(ctx, missing)` is
    the list of findings of the rules whose `when` holds, with the facts that `needs_information` findings
    ask for appended to `missing` (each once). One call per proposal: every rule's expression inline, a
    finding without placeholders shared, the others built with their message left to write on first read."""
    reads: set[str] = set()
    consts: dict[str, Any] = {"Finding": Finding, "new": tuple.__new__, "ruleset": ruleset, "EMPTY": ()}
    body = ["out = []", "put = out.append"]
    for index, rule in enumerate(rules):
        reads |= rule.when.reads
        consts.update(rule.when.consts)
        consts[f"rule_{index}"] = rule
        body.append(f"if {rule.when.source}:")
        explained = "EMPTY, EMPTY"
        if rule.needs_explain:
            consts[f"explain_{index}"] = rule.when.explainer
            body += ["    sectors = []", "    missing = []", f"    explain_{index}(ctx, sectors, missing)"]
            if rule.outcome == "needs_information":
                body += ["    for name in missing:", "        if name not in asked:", "            asked.append(name)"]
            explained = "sectors, missing"
        if rule.static_finding is not None:
            consts[f"finding_{index}"] = rule.static_finding
            body.append(f"    put(finding_{index})")
        else:
            consts[f"head_{index}"] = (rule.id, rule.outcome, rule.title, rule.citation)
            body.append(f"    put(new(Finding, (*head_{index}, [None, rule_{index}, ctx, ruleset, {explained}])))")
    return _compile("evaluate", reads | {"asked"}, consts, [*body, "return out"], params="ctx, asked")


def _explainer(node: Predicate) -> Explainer | None:
    """Collect matched sectors and missing facts from the parts of a predicate that made it true:
    every child of `all`, the true children of `any`, nothing under `not`."""
    if node.kind == "all":
        parts = [child.explainer for child in node.children if child.explainer is not None]

        def explain_all(ctx: Context, sectors: list[str], missing: list[str]) -> None:
            for part in parts:
                part(ctx, sectors, missing)

        return explain_all if parts else None
    if node.kind == "any":
        pairs = [(child.test, child.explainer) for child in node.children if child.explainer is not None]

        def explain_any(ctx: Context, sectors: list[str], missing: list[str]) -> None:
            for test, part in pairs:
                if test(ctx):
                    part(ctx, sectors, missing)

        return explain_any if pairs else None
    match = node.sector_match
    if match is not None:

        def explain_sectors(ctx: Context, sectors: list[str], _missing: list[str]) -> None:
            for code, key in zip(ctx.codes, ctx.keys, strict=True):
                if code not in sectors and match(ctx, code, key):
                    sectors.append(code)

        return explain_sectors
    if node.kind == "classification_needs":

        def explain_needs(ctx: Context, _sectors: list[str], missing: list[str]) -> None:
            needs = ctx.classification.needs if ctx.classification is not None else ()
            for need in needs:
                name = NEED_FACT.get(need, need)
                if name not in missing:
                    missing.append(name)

        return explain_needs
    names = node.missing
    if names:

        def explain_missing(ctx: Context, _sectors: list[str], missing: list[str]) -> None:
            facts = ctx.facts
            for name in names:
                if name not in missing and getattr(facts, name) is None:
                    missing.append(name)

        return explain_missing
    return None


#: The fact a classification need is asked as (operating days belong to the capacity).
NEED_FACT: dict[str, str] = {"operating_days": "capacity"}  # `not` and plain comparisons contribute nothing


@dataclass(frozen=True, eq=False)
class Rule:
    id: str
    index: int  # position in the file
    outcome: Outcome
    title: Text
    message: Text  # templates with {placeholders}
    citation: Citation
    when: Predicate
    placeholders: frozenset[str]  # used by the message in either language
    # precomputed for speed:
    test: Callable[[Context], bool] = field(init=False)
    renderers: tuple[tuple[str, Renderer], ...] = field(init=False)
    needs_explain: bool = field(init=False)  # matched sectors / missing facts are needed
    static_finding: Finding | None = field(init=False)  # the finding, when its message has no placeholders

    def __post_init__(self) -> None:
        wanted = self.outcome == "needs_information" or bool(self.placeholders & {"sectors", "missing"})
        needs_explain = wanted and self.when.explainer is not None
        static = (
            None if self.placeholders else Finding.of(self.id, self.outcome, self.title, self.message, self.citation)
        )
        object.__setattr__(self, "test", self.when.test)
        object.__setattr__(self, "renderers", tuple((name, PLACEHOLDERS[name]) for name in sorted(self.placeholders)))
        object.__setattr__(self, "needs_explain", needs_explain)
        object.__setattr__(self, "static_finding", static)


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
    law: Law | None = None
    effective_from: date | None = None
    ordered: tuple[Rule, ...] = field(init=False)  # severity, then file order: the evaluation order
    evaluate: Callable[[Context, list[str]], list[Finding]] = field(init=False)  # see `compile_rules`
    province_priorities: Text = field(init=False)

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.rules, key=lambda rule: (OUTCOME_RANK[rule.outcome], rule.index)))
        object.__setattr__(self, "ordered", ordered)
        object.__setattr__(self, "evaluate", compile_rules(ordered, self))
        priority = sorted(self.catalog.codes_in_class("priority"))
        object.__setattr__(self, "province_priorities", Text(*_labels(self, priority)))

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
    age is counted at and the date whose environmental regime classifies the project (pass
    `date.today()` at the edge).
    """
    ctx = Context.build(
        facts, zone, ruleset.catalog, as_of.year, law=ruleset.law, as_of=as_of, documents=ruleset.documents
    )
    missing: list[str] = []
    findings = tuple(ruleset.evaluate(ctx, missing))
    verdict: Verdict = "eligible"
    if findings and findings[0][1] not in INFORMATIVE:
        verdict = findings[0][1]  # type: ignore[assignment]  # ordered: strongest first
    return Result(
        verdict,
        ruleset.id,
        ruleset.version,
        findings,
        tuple(missing),
        ctx.classification,
        ruleset.effective_from,
        as_of,
    )


def _fill(rule: Rule, ctx: Context, ruleset: Ruleset, sectors: list[str], missing: list[str]) -> Text:
    vi: dict[str, str] = {}
    en: dict[str, str] = {}
    for name, render in rule.renderers:
        vi[name], en[name] = render(ctx, ruleset, sectors, missing)
    return Text(rule.message.vi.format_map(vi), rule.message.en.format_map(en))


# --- placeholders ----------------------------------------------------------------------------------------
# A renderer gives a placeholder's value in both languages at once: (vi, en).

Pair = tuple[str, str]
Renderer = Callable[[Context, "Ruleset", list[str], list[str]], Pair]
_VI_NUMBER = str.maketrans(",.", ".,")


def _value_label(ruleset: Ruleset, group: str, value: object) -> Pair:
    text = ruleset.labels.values[group]["unknown" if value is None else str(value).lower()]
    return text.vi, text.en


def _join(items: list[str], lang: str) -> str:
    return "; ".join(items) if items else ("không có" if lang == "vi" else "none")


def _labels(rs: Ruleset, codes: Iterable[str]) -> Pair:
    labels = [rs.catalog.labels(code) for code in codes]
    return _join([vi for vi, _ in labels], "vi"), _join([en for _, en in labels], "en")


def _same(text: str) -> Pair:
    return text, text


def _sectors(ctx: Context, rs: Ruleset, sectors: list[str], _missing: list[str]) -> Pair:
    return _labels(rs, sectors or ctx.codes)


def _all_sectors(ctx: Context, rs: Ruleset, _sectors: list[str], _missing: list[str]) -> Pair:
    return _labels(rs, ctx.codes)


def _missing(ctx: Context, rs: Ruleset, _sectors: list[str], missing: list[str]) -> Pair:
    names = [rs.labels.facts[name] for name in missing]
    return ", ".join(text.vi for text in names), ", ".join(text.en for text in names)


def _zone(ctx: Context, rs: Ruleset, _sectors: list[str], _missing: list[str]) -> Pair:
    if ctx.zone is not None:
        return ctx.zone.name_vi, ctx.zone.name_en
    return _same(ctx.facts.zone or "—")


def _zone_priorities(ctx: Context, rs: Ruleset, _sectors: list[str], _missing: list[str]) -> Pair:
    return _labels(rs, sorted(ctx.zone.priority_sectors) if ctx.zone is not None else [])


def _age(ctx: Context, rs: Ruleset, _sectors: list[str], _missing: list[str]) -> Pair:
    year = ctx.facts.equipment_year
    return _same("?" if year is None else str(ctx.year - year))


def _equipment_year(ctx: Context, rs: Ruleset, _sectors: list[str], _missing: list[str]) -> Pair:
    year = ctx.facts.equipment_year
    return _same("?" if year is None else str(year))


def _wastewater(ctx: Context, rs: Ruleset, _sectors: list[str], _missing: list[str]) -> Pair:
    volume = ctx.facts.wastewater_m3_day
    if volume is None:
        return _same("?")
    en = f"{volume:,.2f}".rstrip("0").rstrip(".")
    return en.translate(_VI_NUMBER), en


def _fact_value(name: str) -> Renderer:
    def render(ctx: Context, rs: Ruleset, _sectors: list[str], _missing: list[str]) -> Pair:
        return _value_label(rs, name, getattr(ctx.facts, name))

    return render


def _plant_state(ctx: Context, rs: Ruleset, _sectors: list[str], _missing: list[str]) -> Pair:
    return _value_label(rs, "wastewater_plant", ctx.zone.wastewater_plant if ctx.zone is not None else None)


def _province_priorities(ctx: Context, rs: Ruleset, _sectors: list[str], _missing: list[str]) -> Pair:
    return rs.province_priorities.vi, rs.province_priorities.en


def _group(ctx: Context, rs: Ruleset, _sectors: list[str], _missing: list[str]) -> Pair:
    found = ctx.classification
    return _same(found.group if found is not None and found.group else "?")


def _possible_groups(ctx: Context, rs: Ruleset, _sectors: list[str], _missing: list[str]) -> Pair:
    found = ctx.classification
    groups = ", ".join(found.possible_groups) if found is not None else "?"
    return groups, groups


def _regime(ctx: Context, rs: Ruleset, _sectors: list[str], _missing: list[str]) -> Pair:
    found = ctx.classification
    if found is None or found.regime_title is None:
        return "chưa xác định", "not determined"
    return found.regime_title.vi, found.regime_title.en


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
    "group": _group,
    "regime": _regime,
    "possible_groups": _possible_groups,
}

#: Value-label groups the placeholders read; a ruleset must label every value of each (+ `unknown`).
VALUE_LABEL_GROUPS: tuple[str, ...] = (
    "technology_level",
    "treatment",
    "environmental_measures",
    "equipment_condition",
    "wastewater_plant",
)


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
