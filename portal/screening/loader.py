"""Load, validate and compile a ruleset YAML file into an immutable `Ruleset`.

Every problem is a `RulesetError` naming the file, the rule id (when inside a rule) and the problem.
Each predicate is compiled once into a Python expression over validated names only (values are bound
constants, never source text); a ruleset's expressions become one generated function
(`engine.compile_rules`), so screening makes one call per proposal and walks no dictionaries.

The predicate vocabulary (the only keys a `when` may use):

    {all: [p, ...]}  {any: [p, ...]}  {not: p}  {always: true}
    {sector_class: sensitive|pollution_risk|pollution_risk_confirmed|pollution_risk_unconfirmed|priority}
    {sector_in: ["1313", ...]}
    {sector_not_zone_priority: true}   zone chosen, it published priorities, a sector is not among them
    {fact: NAME, eq|in|gt|ge|lt|le: VALUE}   false when the fact is missing
    {equipment_age_gt: N}              as_of year − equipment_year > N (false when the year is missing)
    {zone: kind|status|wastewater_plant, eq|in: VALUE}   false when no zone is chosen
    {zone_unknown: wastewater_plant|priority_sectors|status}   zone chosen, that fact not published
    {zone_selected: true|false}
    {missing: [NAME, ...]}             any of these facts is missing
    {sectors_all_in: ["3512", ...]}    every sector of the proposal is one of these
    {classification: group|determined|pollution_group_i|may_be_pollution_group_i|eia, eq|in: VALUE}
                                       the national environmental classification (portal.screening.environment);
                                       eia is "required", "undetermined" or "no"
    {classification_needs: true}       the classification lacks a fact the applicant can give (capacity, …)
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Callable, Mapping
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, get_args

import yaml

from portal.screening.engine import (
    LANGS,
    OUTCOMES,
    PLACEHOLDERS,
    VALUE_LABEL_GROUPS,
    Citation,
    Context,
    Labels,
    Predicate,
    Reference,
    Rule,
    Ruleset,
    Text,
    template_fields,
)
from portal.screening.environment import GROUPS, LAW_PATH, load_law
from portal.screening.facts import (
    FACT_NAMES,
    FACT_VALUES,
    NUMERIC_FACTS,
    STRUCTURED_FACTS,
    TEXT_FACTS,
    WastewaterPlant,
    ZoneKind,
)
from portal.screening.sectors import SECTOR_CLASSES, SectorCatalog

RULESETS_DIR = Path(__file__).resolve().parent / "rulesets"
DEFAULT_RULESET = RULESETS_DIR / "resolution-03-iv7.yaml"

TOP_KEYS = {"id", "version", "effective_from", "title", "description", "documents", "labels", "rules"}
RULE_KEYS = {"id", "title", "message", "citation", "when", "outcome"}
CITATION_KEYS = {"document", "section", "quote", "note", "also"}
REFERENCE_KEYS = {"document", "section", "note"}
RULE_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SECTOR_CODE = re.compile(r"^\d{4,5}$")

COMPARISON_OPS: dict[str, str] = {"eq": "==", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}
OPERATORS = frozenset(COMPARISON_OPS) | {"in"}
ZONE_VALUES: dict[str, tuple[Any, ...] | None] = {
    "kind": get_args(ZoneKind),
    "wastewater_plant": get_args(WastewaterPlant),
    "status": None,  # free text
}
ZONE_UNKNOWN_FIELDS = ("wastewater_plant", "priority_sectors", "status")
CLASSIFICATION_VALUES: dict[str, tuple[Any, ...]] = {
    "group": (*GROUPS, None),
    "determined": (True, False),
    "pollution_group_i": (True, False),
    "may_be_pollution_group_i": (True, False),
    "eia": ("required", "undetermined", "no"),
}


def _eia(found: Any) -> str | None:
    """The `classification: eia` value: required, undetermined or no (None without a classification)."""
    if found is None:
        return None
    if "eia" in found.procedures:
        return "required"
    return "undetermined" if "eia" in found.undetermined_procedures else "no"


def _outside_zone_priorities(priorities: frozenset[str], codes: tuple[str, ...], keys: tuple[str, ...]) -> bool:
    """The zone published priorities and a sector (neither its code nor its class) is not among them."""
    if not priorities:
        return False
    return any(code not in priorities and key not in priorities for code, key in zip(codes, keys, strict=True))


def _sectors_all_in(allowed: frozenset[str], codes: tuple[str, ...], keys: tuple[str, ...]) -> bool:
    return all(code in allowed or key in allowed for code, key in zip(codes, keys, strict=True))


class RulesetError(ValueError):
    """A ruleset file is invalid. The message names the file, the rule and the problem."""


class _Problem(Exception):
    """Raised inside validation; turned into a RulesetError with the file and rule prefixed."""


# --- public API ---------------------------------------------------------------------------------------------


def load_ruleset(path: str | os.PathLike[str], sectors: SectorCatalog) -> Ruleset:
    """Load and compile a ruleset against a sector catalog. Cached by (path, mtime, catalog)."""
    resolved = Path(path).resolve()
    try:
        mtime = resolved.stat().st_mtime_ns
    except OSError as exc:
        raise RulesetError(f"{resolved}: cannot read: {exc}") from exc
    return _load_cached(str(resolved), mtime, sectors)


def parse_ruleset(data: Any, sectors: SectorCatalog, *, path: str = "<memory>") -> Ruleset:
    """Validate and compile an already-parsed YAML document."""
    return _Compiler(path, sectors).ruleset(data)


@lru_cache(maxsize=32)
def _load_cached(path: str, _mtime_ns: int, sectors: SectorCatalog) -> Ruleset:
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        raise RulesetError(f"{path}: not valid YAML: {exc}") from exc
    return parse_ruleset(data, sectors, path=path)


# --- validation + compilation ---------------------------------------------------------------------------


class _Compiler:
    def __init__(self, path: str, catalog: SectorCatalog) -> None:
        self.path = path
        self.catalog = catalog
        self.documents: dict[str, Text] = {}

    def fail(self, where: str, problem: str) -> RulesetError:
        return RulesetError(f"{self.path}: {where}: {problem}")

    def ruleset(self, data: Any) -> Ruleset:
        if not isinstance(data, Mapping):
            raise self.fail("top level", "expected a mapping with id, version, title, documents, labels, rules")
        try:
            required = {"id", "version", "effective_from", "title", "documents", "labels", "rules"}
            _keys(data, required=required, allowed=TOP_KEYS)
            ruleset_id = _string(data["id"], "id")
            version = str(data["version"])
            effective_from = data["effective_from"]
            if not isinstance(effective_from, date):
                raise _Problem("effective_from: expected a date (YYYY-MM-DD)")
            title = _text(data["title"], "title")
        except _Problem as exc:
            raise self.fail("top level", str(exc)) from None
        self.documents = self._section("documents", self._documents, data["documents"])
        law = load_law(LAW_PATH)
        unknown = sorted({c.document for c in law.citations.values()} - set(self.documents))
        if unknown:
            raise self.fail("documents", f"the environmental classification cites {unknown}; add them to `documents`")
        labels = self._section("labels", self._labels, data["labels"])
        rules = self._rules(data["rules"])
        return Ruleset(
            ruleset_id, version, title, self.path, self.documents, labels, rules, self.catalog, law, effective_from
        )

    def _section(self, name: str, build: Callable[[Any], Any], value: Any) -> Any:
        try:
            return build(value)
        except _Problem as exc:
            raise self.fail(name, str(exc)) from None

    def _documents(self, value: Any) -> dict[str, Text]:
        if not isinstance(value, Mapping) or not value:
            raise _Problem("expected a non-empty mapping of document key -> {vi, en}")
        return {str(key): _text(title, f"document {key!r}") for key, title in value.items()}

    def _labels(self, value: Any) -> Labels:
        if not isinstance(value, Mapping):
            raise _Problem("expected a mapping with `facts` and `values`")
        _keys(value, required={"facts", "values"}, allowed={"facts", "values"})
        facts = value["facts"]
        values = value["values"]
        if not isinstance(facts, Mapping) or not isinstance(values, Mapping):
            raise _Problem("`facts` and `values` must be mappings")
        fact_labels = {name: _text(facts.get(name), f"facts.{name}") for name in FACT_NAMES}
        unknown = set(facts) - set(FACT_NAMES)
        if unknown:
            raise _Problem(f"facts: unknown fact name(s) {sorted(unknown)}")
        value_labels: dict[str, dict[str, Text]] = {}
        for group in VALUE_LABEL_GROUPS:
            given = values.get(group)
            if not isinstance(given, Mapping):
                raise _Problem(f"values.{group}: missing (a mapping of value -> {{vi, en}})")
            expected = [str(v).lower() for v in _allowed_values(group)] + ["unknown"]
            given_keys = {str(key).lower(): key for key in given}
            value_labels[group] = {
                key: _text(given.get(given_keys.get(key, key)), f"values.{group}.{key}") for key in expected
            }
        return Labels(fact_labels, value_labels)

    def _rules(self, value: Any) -> tuple[Rule, ...]:
        if not isinstance(value, list) or not value:
            raise self.fail("rules", "expected a non-empty list")
        rules: list[Rule] = []
        seen: set[str] = set()
        for index, raw in enumerate(value):
            rule_id = raw.get("id") if isinstance(raw, Mapping) else None
            where = f"rule {rule_id!r}" if isinstance(rule_id, str) else f"rule #{index + 1}"
            try:
                rule = self._rule(index, raw)
            except _Problem as exc:
                raise self.fail(where, str(exc)) from None
            if rule.id in seen:
                raise self.fail(where, "duplicate rule id")
            seen.add(rule.id)
            rules.append(rule)
        return tuple(rules)

    def _rule(self, index: int, raw: Any) -> Rule:
        if not isinstance(raw, Mapping):
            raise _Problem("expected a mapping")
        _keys(raw, required=RULE_KEYS, allowed=RULE_KEYS)
        rule_id = _string(raw["id"], "id")
        if not RULE_ID.match(rule_id):
            raise _Problem(f"id {rule_id!r} must be lowercase words joined by '-'")
        outcome = raw["outcome"]
        if outcome not in OUTCOMES:
            raise _Problem(f"unknown outcome {outcome!r}; expected one of {list(OUTCOMES)}")
        title = _text(raw["title"], "title")
        for lang in LANGS:
            if _fields(title.get(lang), f"title.{lang}"):
                raise _Problem(f"title.{lang}: titles cannot have placeholders")
        message = _text(raw["message"], "message")
        placeholders: set[str] = set()
        for lang in LANGS:
            for name in _fields(message.get(lang), f"message.{lang}"):
                if name not in PLACEHOLDERS:
                    raise _Problem(
                        f"message.{lang}: unknown placeholder {{{name}}}; the engine can fill {sorted(PLACEHOLDERS)}"
                    )
                placeholders.add(name)
        citation = self._citation(raw["citation"])
        when = self._predicate(raw["when"], "when")
        return Rule(rule_id, index, outcome, title, message, citation, when, frozenset(placeholders))

    def _citation(self, raw: Any) -> Citation:
        if not isinstance(raw, Mapping):
            raise _Problem("citation: expected a mapping with document, section, quote")
        _keys(raw, required={"document", "section", "quote"}, allowed=CITATION_KEYS, where="citation")
        document = self._document(raw["document"], "citation.document")
        also_raw = raw.get("also") or []
        if not isinstance(also_raw, list):
            raise _Problem("citation.also: expected a list")
        also = tuple(self._reference(item, f"citation.also[{i}]") for i, item in enumerate(also_raw))
        return Citation(
            document=document,
            document_title=self.documents[document],
            section=_section(raw["section"], "citation.section"),
            quote=_string(raw["quote"], "citation.quote"),
            note=_text(raw["note"], "citation.note") if raw.get("note") is not None else None,
            also=also,
        )

    def _reference(self, raw: Any, where: str) -> Reference:
        if not isinstance(raw, Mapping):
            raise _Problem(f"{where}: expected a mapping with document, section")
        _keys(raw, required={"document", "section"}, allowed=REFERENCE_KEYS, where=where)
        document = self._document(raw["document"], f"{where}.document")
        note = _text(raw["note"], f"{where}.note") if raw.get("note") is not None else None
        return Reference(document, self.documents[document], _section(raw["section"], f"{where}.section"), note)

    def _document(self, value: Any, where: str) -> str:
        key = _string(value, where)
        if key not in self.documents:
            raise _Problem(f"{where}: unknown document {key!r}; add it to `documents`")
        return key

    # --- predicates ---

    def _predicate(self, raw: Any, where: str) -> Predicate:
        if not isinstance(raw, Mapping) or not raw:
            raise _Problem(f"{where}: expected a predicate mapping")
        head = _predicate_key(raw, where)
        build = getattr(self, f"_p_{head}")
        return build(raw, where)

    def _p_all(self, raw: Mapping[str, Any], where: str) -> Predicate:
        return _combine("all", self._children(raw, "all", where))

    def _p_any(self, raw: Mapping[str, Any], where: str) -> Predicate:
        return _combine("any", self._children(raw, "any", where))

    def _p_not(self, raw: Mapping[str, Any], where: str) -> Predicate:
        _only(raw, {"not"}, where)
        return _combine("not", (self._predicate(raw["not"], f"{where}.not"),))

    def _p_always(self, raw: Mapping[str, Any], where: str) -> Predicate:
        _only(raw, {"always"}, where)
        if raw["always"] is not True:
            raise _Problem(f"{where}: `always` takes only `true`")
        return Predicate("always", "True")

    def _p_sector_class(self, raw: Mapping[str, Any], where: str) -> Predicate:
        _only(raw, {"sector_class"}, where)
        name = raw["sector_class"]
        if name not in SECTOR_CLASSES:
            raise _Problem(f"{where}: unknown sector class {name!r}; expected one of {sorted(SECTOR_CLASSES)}")
        return _sector_predicate("sector_class", self.catalog.codes_in_class(name))

    def _p_sector_in(self, raw: Mapping[str, Any], where: str) -> Predicate:
        _only(raw, {"sector_in"}, where)
        codes = raw["sector_in"]
        if not isinstance(codes, list) or not codes:
            raise _Problem(f"{where}: sector_in takes a non-empty list of VSIC codes")
        for code in codes:
            if not (isinstance(code, str) and SECTOR_CODE.match(code)):
                raise _Problem(f"{where}: sector code {code!r} is not a quoted 4–5 digit VSIC code")
            if code not in self.catalog:
                raise _Problem(f"{where}: sector code {code!r} is not in the sector catalog")
        return _sector_predicate("sector_in", frozenset(codes))

    def _p_sector_not_zone_priority(self, raw: Mapping[str, Any], where: str) -> Predicate:
        _only(raw, {"sector_not_zone_priority"}, where)
        if raw["sector_not_zone_priority"] is not True:
            raise _Problem(f"{where}: `sector_not_zone_priority` takes only `true`")

        def outside(ctx: Context, code: str, key: str) -> bool:
            priorities = ctx.zone.priority_sectors  # type: ignore[union-attr]  # checked by test first
            return code not in priorities and key not in priorities

        helper = _const(_outside_zone_priorities)
        return Predicate(
            "sector_not_zone_priority",
            f"(zone is not None and {helper}(zone.priority_sectors, codes, keys))",
            frozenset({"zone", "codes", "keys"}),
            {helper: _outside_zone_priorities},
            sector_match=outside,
        )

    def _p_fact(self, raw: Mapping[str, Any], where: str) -> Predicate:
        name = raw["fact"]
        if name not in FACT_NAMES:
            raise _Problem(f"{where}: unknown fact {name!r}; expected one of {list(FACT_NAMES)}")
        op, value = _operator(raw, "fact", where)
        _check_fact_value(name, op, value, where)
        return _comparison("fact", f"f_{name}", frozenset({f"f_{name}"}), op, value)

    def _p_zone(self, raw: Mapping[str, Any], where: str) -> Predicate:
        name = raw["zone"]
        if name not in ZONE_VALUES:
            raise _Problem(f"{where}: unknown zone fact {name!r}; expected one of {list(ZONE_VALUES)}")
        op, value = _operator(raw, "zone", where, allowed={"eq", "in"})
        allowed = ZONE_VALUES[name]
        for item in value if op == "in" else [value]:
            if not isinstance(item, str) or (allowed is not None and item not in allowed):
                raise _Problem(f"{where}: zone {name} cannot be {item!r}; expected one of {allowed}")
        return _comparison("zone", f"zone.{name}", frozenset({"zone"}), op, value, guard="zone is not None")

    def _p_zone_unknown(self, raw: Mapping[str, Any], where: str) -> Predicate:
        _only(raw, {"zone_unknown"}, where)
        name = raw["zone_unknown"]
        if name not in ZONE_UNKNOWN_FIELDS:
            raise _Problem(f"{where}: unknown zone fact {name!r}; expected one of {list(ZONE_UNKNOWN_FIELDS)}")
        return Predicate("zone_unknown", f"(zone is not None and not zone.{name})", frozenset({"zone"}))

    def _p_zone_selected(self, raw: Mapping[str, Any], where: str) -> Predicate:
        _only(raw, {"zone_selected"}, where)
        wanted = raw["zone_selected"]
        if not isinstance(wanted, bool):
            raise _Problem(f"{where}: `zone_selected` takes true or false")
        return Predicate("zone_selected", "(zone is not None)" if wanted else "(zone is None)", frozenset({"zone"}))

    def _p_equipment_age_gt(self, raw: Mapping[str, Any], where: str) -> Predicate:
        _only(raw, {"equipment_age_gt"}, where)
        years = raw["equipment_age_gt"]
        if isinstance(years, bool) or not isinstance(years, int) or years < 0:
            raise _Problem(f"{where}: `equipment_age_gt` takes a whole number of years ≥ 0")

        c = _const(years)
        source = f"(f_equipment_year is not None and year - f_equipment_year > {c})"
        return Predicate("equipment_age_gt", source, frozenset({"f_equipment_year", "year"}), {c: years})

    def _p_missing(self, raw: Mapping[str, Any], where: str) -> Predicate:
        _only(raw, {"missing"}, where)
        names = raw["missing"]
        if not isinstance(names, list) or not names:
            raise _Problem(f"{where}: `missing` takes a non-empty list of fact names")
        for name in names:
            if name not in FACT_NAMES:
                raise _Problem(f"{where}: unknown fact {name!r}; expected one of {list(FACT_NAMES)}")
        facts = tuple(names)
        source = "(" + " or ".join(f"f_{name} is None" for name in facts) + ")"
        return Predicate("missing", source, frozenset(f"f_{name}" for name in facts), missing=facts)

    def _p_sectors_all_in(self, raw: Mapping[str, Any], where: str) -> Predicate:
        _only(raw, {"sectors_all_in"}, where)
        codes = raw["sectors_all_in"]
        if not isinstance(codes, list) or not codes or not all(isinstance(c, str) and c in self.catalog for c in codes):
            raise _Problem(f"{where}: sectors_all_in takes a non-empty list of catalog codes")
        allowed, helper = _const(frozenset(codes)), _const(_sectors_all_in)
        return Predicate(
            "sectors_all_in",
            f"{helper}({allowed}, codes, keys)",
            frozenset({"codes", "keys"}),
            {allowed: frozenset(codes), helper: _sectors_all_in},
        )

    def _p_classification(self, raw: Mapping[str, Any], where: str) -> Predicate:
        name = raw["classification"]
        if name not in CLASSIFICATION_VALUES:
            raise _Problem(
                f"{where}: unknown classification field {name!r}; expected one of {list(CLASSIFICATION_VALUES)}"
            )
        op, value = _operator(raw, "classification", where, allowed={"eq", "in"})
        allowed = CLASSIFICATION_VALUES[name]
        for item in value if op == "in" else [value]:
            if not any(type(item) is type(a) and item == a for a in allowed):
                raise _Problem(f"{where}: classification {name} cannot be {item!r}; expected one of {list(allowed)}")
        c = _const(tuple(value) if op == "in" else value)
        if name == "eia":
            helper = _const(_eia)
            read, consts = f"{helper}(found)", {helper: _eia}
        else:
            read, consts = f"(found.{name} if found is not None else None)", {}
        source = f"({read} {'in' if op == 'in' else '=='} {c})"
        consts[c] = tuple(value) if op == "in" else value
        return Predicate("classification", source, frozenset({"found"}), consts)

    def _p_classification_needs(self, raw: Mapping[str, Any], where: str) -> Predicate:
        _only(raw, {"classification_needs"}, where)
        if raw["classification_needs"] is not True:
            raise _Problem(f"{where}: `classification_needs` takes only `true`")

        return Predicate("classification_needs", "(found is not None and bool(found.needs))", frozenset({"found"}))

    def _children(self, raw: Mapping[str, Any], key: str, where: str) -> tuple[Predicate, ...]:
        _only(raw, {key}, where)
        items = raw[key]
        if not isinstance(items, list) or not items:
            raise _Problem(f"{where}: `{key}` takes a non-empty list of predicates")
        return tuple(self._predicate(item, f"{where}.{key}[{i}]") for i, item in enumerate(items))


#: Predicate heads, i.e. the keys that say which predicate a mapping is.
PREDICATE_KEYS: tuple[str, ...] = tuple(name.removeprefix("_p_") for name in vars(_Compiler) if name.startswith("_p_"))


# --- helpers --------------------------------------------------------------------------------------------


def _predicate_key(raw: Mapping[str, Any], where: str) -> str:
    heads = [key for key in raw if key in PREDICATE_KEYS]
    if len(heads) != 1:
        unknown = [key for key in raw if key not in PREDICATE_KEYS and key not in OPERATORS]
        if unknown:
            raise _Problem(f"{where}: unknown predicate key {unknown[0]!r}; expected one of {list(PREDICATE_KEYS)}")
        raise _Problem(f"{where}: a predicate needs exactly one of {list(PREDICATE_KEYS)}, got {list(raw)}")
    return heads[0]


_CONSTANTS = itertools.count()


def _const(value: Any) -> str:
    """A fresh global name for a constant a predicate's source uses (values never enter the source)."""
    del value
    return f"c{next(_CONSTANTS)}"


def _combine(kind: str, children: tuple[Predicate, ...]) -> Predicate:
    """`all`, `any` or `not` of compiled children: one short-circuit expression."""
    if kind == "not":
        source = f"(not {children[0].source})"
    else:
        source = "(" + f" {'and' if kind == 'all' else 'or'} ".join(child.source for child in children) + ")"
    reads = frozenset().union(*(child.reads for child in children))
    consts: dict[str, Any] = {}
    for child in children:
        consts.update(child.consts)
    return Predicate(kind, source, reads, consts, children)


def _sector_predicate(kind: str, codes: frozenset[str]) -> Predicate:
    def match(ctx: Context, code: str, key: str) -> bool:
        return code in codes or key in codes

    c = _const(codes)
    return Predicate(kind, f"(not {c}.isdisjoint(match_set))", frozenset({"match_set"}), {c: codes}, sector_match=match)


def _comparison(
    kind: str, read: str, reads: frozenset[str], op: str, value: Any, *, guard: str | None = None
) -> Predicate:
    """`read <op> value`, false when the value read is missing (None) or `guard` is false. True and 1 are
    kept apart: a boolean is compared by identity, or by (type, value) inside `in`."""
    c = _const(value)
    if op == "in":
        options: frozenset[Any] = frozenset(value)
        if any(isinstance(v, bool) for v in options):  # keep True apart from 1
            options = frozenset((type(v), v) for v in options)
            test = f"(type({read}), {read}) in {c}"
        else:
            test = f"{read} in {c}"
        value = options
    elif op == "eq" and isinstance(value, bool):  # keep True apart from 1
        test = f"{read} is {c}"
    else:
        test = f"{read} is not None and {read} {COMPARISON_OPS[op]} {c}"
    source = f"({guard} and {test})" if guard else f"({test})"
    return Predicate(kind, source, reads, {c: value})


def _operator(
    raw: Mapping[str, Any], head: str, where: str, allowed: frozenset[str] | set[str] = OPERATORS
) -> tuple[str, Any]:
    extra = set(raw) - {head} - OPERATORS
    if extra:
        raise _Problem(f"{where}: unknown predicate key {sorted(extra)[0]!r} in a `{head}` predicate")
    ops = [key for key in raw if key in OPERATORS]
    if len(ops) != 1 or ops[0] not in allowed:
        raise _Problem(f"{where}: a `{head}` predicate needs exactly one operator of {sorted(allowed)}")
    op = ops[0]
    value = raw[op]
    if op == "in" and (not isinstance(value, list) or not value):
        raise _Problem(f"{where}: `in` takes a non-empty list")
    return op, value


def _check_fact_value(name: str, op: str, value: Any, where: str) -> None:
    items = value if op == "in" else [value]
    if name in STRUCTURED_FACTS:
        raise _Problem(f"{where}: fact {name} is structured; a rule may only ask whether it is missing")
    if name in NUMERIC_FACTS:
        for item in items:
            if isinstance(item, bool) or not isinstance(item, int | float):
                raise _Problem(f"{where}: fact {name} is a number; {item!r} is not")
        return
    if op not in ("eq", "in"):
        raise _Problem(f"{where}: fact {name} is not a number; use eq or in, not {op}")
    if name in TEXT_FACTS:
        if not all(isinstance(item, str) for item in items):
            raise _Problem(f"{where}: fact {name} is text")
        return
    allowed = FACT_VALUES[name]
    for item in items:
        if not any(type(item) is type(a) and item == a for a in allowed):
            raise _Problem(f"{where}: fact {name} cannot be {item!r}; expected one of {list(allowed)}")


def _allowed_values(group: str) -> tuple[Any, ...]:
    if group == "wastewater_plant":
        return get_args(WastewaterPlant)
    return FACT_VALUES[group]


def _keys(raw: Mapping[str, Any], *, required: set[str], allowed: set[str], where: str = "") -> None:
    prefix = f"{where}: " if where else ""
    missing = sorted(required - set(raw))
    if missing:
        raise _Problem(f"{prefix}missing field(s) {missing}")
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise _Problem(f"{prefix}unknown field(s) {unknown}; allowed {sorted(allowed)}")


def _only(raw: Mapping[str, Any], keys: set[str], where: str) -> None:
    extra = sorted(set(raw) - keys, key=str)
    if extra:
        raise _Problem(f"{where}: unknown predicate key {extra[0]!r} next to {sorted(keys)[0]!r}")


def _string(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Problem(f"{where}: expected a non-empty string")
    return value


def _text(value: Any, where: str) -> Text:
    if not isinstance(value, Mapping):
        raise _Problem(f"{where}: expected {{vi: ..., en: ...}}")
    for lang in LANGS:
        if not isinstance(value.get(lang), str) or not value[lang].strip():
            raise _Problem(f"{where}: missing {lang} text")
    extra = sorted(set(value) - set(LANGS), key=str)
    if extra:
        raise _Problem(f"{where}: unknown language key(s) {extra}")
    return Text(value["vi"], value["en"])


def _section(value: Any, where: str) -> Text:
    if isinstance(value, str) and value.strip():
        return Text(value, value)
    return _text(value, where)


def _fields(template: str, where: str) -> list[str]:
    try:
        return template_fields(template)
    except ValueError as exc:
        raise _Problem(f"{where}: {exc}") from None
