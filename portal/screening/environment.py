"""The national environmental classification of a project: `classify(facts, zone, law, as_of)`.

Pure, like the rule engine: the law is data (`portal/data/environment.yaml`, loaded by `load_law`), and
the answer names its regime, the group (I–IV) where the sources decide it, the Appendix II row and
capacity level, the procedures (EIA, environmental permit, environmental registration), the authority
and statutory time limit of each, and the reasons with their citations. Where a row, a threshold or a
fact is missing, `determined` is False and the reasons say a screener decides: it never guesses.

Groups combine the bases of LEP Art. 28: the production type and capacity (Appendix II), the types in
group I whatever their capacity (Appendix III row 2), the land area, and the sensitive factors. Each
basis gives the set of groups it allows; the project's group is the strongest, and it is determined
when every basis agrees on it.
"""

from __future__ import annotations

import functools
import itertools
import os
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from portal.screening.text import Text

LAW_PATH = Path(__file__).resolve().parent.parent / "data" / "environment.yaml"

GROUPS: tuple[str, ...] = ("I", "II", "III", "IV")  # strongest first
RANK = {g: i for i, g in enumerate(GROUPS)}
PROCEDURES: tuple[str, ...] = ("eia", "environmental_permit", "environmental_registration")
LEVELS: tuple[str, ...] = ("large", "medium", "small")

BODIES: dict[str, Text] = {
    "ministry": Text("Bộ Nông nghiệp và Môi trường", "Ministry of Agriculture and Environment"),
    "provincial_pc": Text("Ủy ban nhân dân cấp tỉnh", "Provincial People's Committee"),
    "provincial_pc_chairman": Text(
        "Chủ tịch Ủy ban nhân dân cấp tỉnh", "Chairman of the Provincial People's Committee"
    ),
    "commune_pc": Text("Ủy ban nhân dân cấp xã", "Commune People's Committee"),
}
PROCEDURE_NAMES: dict[str, Text] = {
    "eia": Text("Đánh giá tác động môi trường (ĐTM)", "Environmental impact assessment (EIA)"),
    "environmental_permit": Text("Giấy phép môi trường", "Environmental permit"),
    "environmental_registration": Text("Đăng ký môi trường", "Environmental registration"),
}
#: How a capacity is counted, as a unit suffix (vi, en).
PER_NAMES: dict[str, tuple[str, str]] = {"year": ("/năm", "/year"), "day": ("/ngày", "/day"), "hour": ("/giờ", "/hour")}
ONLY_I: frozenset[str] = frozenset({"I"})
LEVEL_NAMES: dict[str, Text] = {
    "large": Text("lớn", "large"),
    "medium": Text("trung bình", "medium"),
    "small": Text("nhỏ", "small"),
}


# --- the law as data ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LawCitation:
    key: str
    document: str
    section: Text
    quote: str
    file: str
    secondary: bool = False
    quote_lang: str = "vi"  # "en" where the only text seen is English (an official answer, a summary)

    def localized(self, lang: str, documents: Mapping[str, Text]) -> dict[str, Any]:
        """In one language. An English quote is left out of the Vietnamese answer (the reference stays)."""
        return {
            "document": self.document,
            "title": documents[self.document].get(lang) if self.document in documents else self.document,
            "section": self.section.get(lang),
            "quote": self.quote if self.quote_lang == "vi" or lang == "en" else None,
            "quote_lang": self.quote_lang,
            "secondary": self.secondary,
        }


@dataclass(frozen=True, slots=True)
class Level:
    ge: float | None  # lower bound of the level (None: the level is not stated)
    quote: str | None
    state: str  # "stated" | "none" (the row says the level does not exist) | "missing" (not seen)


@dataclass(frozen=True, slots=True)
class Threshold:
    unit: str
    per: str  # year | day | hour | none
    large: Level
    medium: Level
    small: Level


@dataclass(frozen=True, slots=True)
class Row:
    id: str | None
    name: Text
    sectors: frozenset[str]
    thresholds: tuple[Threshold, ...]
    all_large: frozenset[str]
    all_large_quote: str | None
    missing_quote: str | None
    missing_citation: str | None
    unit_set: frozenset[str] = field(init=False)  # the units of its thresholds (precomputed)

    def __post_init__(self) -> None:
        object.__setattr__(self, "unit_set", frozenset(t.unit for t in self.thresholds))

    @property
    def has_thresholds(self) -> bool:
        return bool(self.thresholds)

    def units(self) -> frozenset[str]:
        return self.unit_set


@dataclass(frozen=True, slots=True)
class Regime:
    id: str
    title: Text
    effective_from: date
    effective_to: date | None
    appendices_from: date | None
    citations: Mapping[str, str]  # role -> citation key
    land_large_gt: float | None
    land_large_ge: float | None
    land_medium_ge: float
    rows: tuple[Row, ...]
    rows_by_sector: Mapping[str, tuple[Row, ...]]
    large_caveat: str | None
    lep2020: bool = field(init=False)  # the Law on Environmental Protection 2020 before Law 146/2025

    def __post_init__(self) -> None:
        object.__setattr__(self, "lep2020", self.id.startswith("lep2020"))

    def in_force(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)


@dataclass(frozen=True, eq=False)
class Law:
    path: str
    citations: Mapping[str, LawCitation]
    factors: Mapping[str, tuple[Text, frozenset[str]]]  # id -> (name, regimes where it counts)
    units: Mapping[str, tuple[Text, tuple[str, ...]]]  # id -> (name, allowed `per`)
    regimes: tuple[Regime, ...]
    special: Mapping[str, tuple[Text, frozenset[str], Mapping[str, str]]]  # id -> (name, sectors, regime -> cite)
    special_sectors: frozenset[str] = frozenset()
    starts: tuple[date, ...] = field(init=False)  # each regime's first day, ascending (regimes are sorted)

    def __post_init__(self) -> None:
        object.__setattr__(self, "starts", tuple(regime.effective_from for regime in self.regimes))

    def regime_for(self, day: date) -> Regime | None:
        index = bisect_right(self.starts, day) - 1  # the last regime begun by `day`; regimes do not overlap
        if index < 0:
            return None
        regime = self.regimes[index]
        return regime if regime.effective_to is None or day <= regime.effective_to else None

    def regime(self, regime_id: str) -> Regime:
        for regime in self.regimes:
            if regime.id == regime_id:
                return regime
        raise KeyError(regime_id)

    @property
    def first_day(self) -> date:
        return min(r.effective_from for r in self.regimes)

    def units_for(self, sector_keys: Iterable[str]) -> frozenset[str]:
        """Every capacity unit an Appendix II row of these sectors uses, in any regime."""
        units: set[str] = set()
        for regime in self.regimes:
            for key in sector_keys:
                for row in regime.rows_by_sector.get(key, ()):
                    units |= row.units()
        return frozenset(units)


def _text(raw: Mapping[str, str]) -> Text:
    return Text(str(raw["vi"]), str(raw["en"]))


def _level(raw: Any) -> Level:
    if raw == "none":
        return Level(None, None, "none")
    if raw == "missing" or raw is None:
        return Level(None, None, "missing")
    ge = raw.get("ge")
    return Level(None if ge is None else float(ge), raw.get("quote"), "stated")


def law_from_data(data: Mapping[str, Any], *, path: str = "<memory>") -> Law:
    citations = {
        key: LawCitation(
            key=key,
            document=str(c["document"]),
            section=_text(c["section"]),
            quote=str(c["quote"]),
            file=str(c["file"]),
            secondary=bool(c.get("secondary", False)),
            quote_lang=str(c.get("quote_lang", "vi")),
        )
        for key, c in data["citations"].items()
    }
    factors = {key: (_text(f["name"]), frozenset(f["regimes"])) for key, f in data["factors"].items()}
    units = {key: (_text(u["name"]), tuple(u["per"])) for key, u in data["units"].items()}
    regimes = []
    for raw in data["regimes"]:
        rows = []
        for r in raw["rows"]:
            thresholds = tuple(
                Threshold(t["unit"], t["per"], _level(t.get("large")), _level(t.get("medium")), _level(t.get("small")))
                for t in r.get("thresholds") or ()
            )
            for t in thresholds:
                if t.unit not in units:
                    raise ValueError(f"{path}: row {r['id']}: unknown unit {t.unit!r}")
            all_large = r.get("all_large") or {}
            missing = r.get("missing") or {}
            rows.append(
                Row(
                    id=None if r.get("id") is None else str(r["id"]),
                    name=_text(r["name"]),
                    sectors=frozenset(str(s) for s in r["sectors"]),
                    thresholds=thresholds,
                    all_large=frozenset(str(s) for s in all_large.get("sectors", ())),
                    all_large_quote=all_large.get("quote"),
                    missing_quote=missing.get("quote"),
                    missing_citation=missing.get("citation"),
                )
            )
        by_sector: dict[str, list[Row]] = {}
        for row in rows:
            for code in row.sectors:
                by_sector.setdefault(code, []).append(row)
        land = raw["land_classes"]
        role_keys = ("effective_citation", "appendices_citation", "sensitive_citation", "rows_citation")
        roles = {k.removesuffix("_citation"): raw[k] for k in role_keys if raw.get(k)}
        roles["land"] = land["citation"]
        for key in [*roles.values(), raw.get("large_caveat")]:
            if key is not None and key not in citations:
                raise ValueError(f"{path}: regime {raw['id']}: unknown citation {key!r}")
        regimes.append(
            Regime(
                id=str(raw["id"]),
                title=_text(raw["title"]),
                effective_from=raw["effective_from"],
                effective_to=raw.get("effective_to"),
                appendices_from=raw.get("appendices_from"),
                citations=roles,
                land_large_gt=land.get("large_gt"),
                land_large_ge=land.get("large_ge"),
                land_medium_ge=float(land["medium_ge"]),
                rows=tuple(rows),
                rows_by_sector={k: tuple(v) for k, v in by_sector.items()},
                large_caveat=raw.get("large_caveat"),
            )
        )
    special = {
        key: (_text(s["name"]), frozenset(s.get("sectors") or ()), dict(s["citations"]))
        for key, s in data["special"].items()
    }
    sectors = frozenset(code for _name, codes, _cites in special.values() for code in codes)
    regimes_sorted = tuple(sorted(regimes, key=lambda r: r.effective_from))
    for earlier, later in itertools.pairwise(regimes_sorted):
        if earlier.effective_to is None or earlier.effective_to >= later.effective_from:
            raise ValueError(f"{path}: regimes {earlier.id} and {later.id} overlap")
    return Law(path, citations, factors, units, regimes_sorted, special, sectors)


def load_law(path: str | os.PathLike[str] = LAW_PATH) -> Law:
    resolved = Path(path).resolve()
    return _load_cached(str(resolved), resolved.stat().st_mtime_ns)


@lru_cache(maxsize=8)
def _load_cached(path: str, _mtime: int) -> Law:
    with open(path, encoding="utf-8") as fh:
        return law_from_data(yaml.safe_load(fh), path=path)


# --- the answer --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    text: Text
    citation: LawCitation | None = None

    def localized(self, lang: str, documents: Mapping[str, Text]) -> dict[str, Any]:
        return {
            "code": self.code,
            "text": self.text.get(lang),
            "citation": self.citation.localized(lang, documents) if self.citation else None,
        }


@dataclass(frozen=True, slots=True)
class AppendixRef:
    row: str | None
    name: Text
    level: str | None  # large | medium | small | None (not determined)


@dataclass(slots=True)
class Classification:
    """The answer (read-only by convention: not frozen, which would cost a third of `classify`)."""

    regime: str | None
    regime_title: Text | None
    group: str | None
    determined: bool
    possible_groups: tuple[str, ...]
    appendix_ii: AppendixRef | None
    procedures: tuple[str, ...]
    undetermined_procedures: tuple[str, ...]
    authority: Mapping[str, str | None]
    time_limit_days: Mapping[str, int]
    raw_reasons: tuple[tuple, ...]  # (code, (vi, en) templates, citation, values): see `reasons`
    pollution_group_i: bool  # group I by Appendix II type and capacity, or a type in group I whatever its size
    may_be_pollution_group_i: bool  # not determined, but that basis allows group I
    special_type: str | None = None
    needs: tuple[str, ...] = ()  # facts that would let the engine decide more
    documents: Mapping[str, Text] = field(default_factory=dict, compare=False, repr=False)
    _reasons: tuple[Reason, ...] | None = field(default=None, compare=False, repr=False)

    @property
    def reasons(self) -> tuple[Reason, ...]:
        """The reasons, each with its text in both languages and its citation (written on first read)."""
        if self._reasons is None:
            out = []
            for code, (vi, en), cite, values in self.raw_reasons:
                if values:
                    vi, en = vi.format(*values), en.format(*values)
                out.append(Reason(code, Text(vi, en), cite))
            self._reasons = tuple(out)
        return self._reasons

    def localized(self, lang: str) -> dict[str, Any]:
        appendix = None
        if self.appendix_ii is not None:
            appendix = {
                "row": self.appendix_ii.row,
                "name": self.appendix_ii.name.get(lang),
                "level": self.appendix_ii.level,
            }
        return {
            "group": self.group,
            "determined": self.determined,
            "possible_groups": list(self.possible_groups),
            "regime": {"id": self.regime, "title": self.regime_title.get(lang) if self.regime_title else None},
            "appendix_ii": appendix,
            "procedures": list(self.procedures),
            "undetermined_procedures": list(self.undetermined_procedures),
            "authority": {
                proc: None if body is None else {"id": body, "name": BODIES[body].get(lang)}
                for proc, body in self.authority.items()
            },
            "time_limit_days": dict(self.time_limit_days),
            "needs": list(self.needs),
            "reasons": [r.localized(lang, self.documents) for r in self.reasons],
        }

    def as_dict(self) -> dict[str, Any]:
        data = self.localized("en")
        data["reasons"] = [
            {
                "code": r.code,
                "text": {"vi": r.text.vi, "en": r.text.en},
                "citation": r.citation.key if r.citation else None,
            }
            for r in self.reasons
        ]
        data["regime"] = {"id": self.regime}
        if self.appendix_ii is not None:
            data["appendix_ii"]["name"] = {"vi": self.appendix_ii.name.vi, "en": self.appendix_ii.name.en}
        data["authority"] = dict(self.authority)
        return data


# --- classifying -------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Basis:
    kind: str  # pollution | land | other
    groups: frozenset[str]
    point: str | None = None  # the Art. 28(4) point a group II rests on (c = land: EIA)


class _Acc:
    """Reasons and needs collected while classifying. A reason is kept as (code, templates, citation,
    values) and written out only when read (`Classification.reasons`): land matching classifies a
    project for every zone and reads only the group."""

    __slots__ = ("citations", "needs", "reasons")

    def __init__(self, law: Law) -> None:
        self.citations = law.citations
        self.reasons: list[tuple] = []
        self.needs: list[str] = []

    def say(self, code: str, texts: tuple[str, str], cite: str | None = None, values: tuple = ()) -> None:
        """A reason: its code, its (vi, en) templates with `{0}`, `{1}`… for `values`, its citation key."""
        self.reasons.append((code, texts, self.citations[cite] if cite else None, values))

    def need(self, name: str) -> None:
        if name not in self.needs:
            self.needs.append(name)


class _ViNum(float):
    """A number written the Vietnamese way (1.234,5) only when the reason is read."""

    __slots__ = ()

    def __format__(self, _spec: str) -> str:
        return _fmt(float(self), "vi")


class _EnNum(float):
    """A number written the English way (1,234.5) only when the reason is read."""

    __slots__ = ()

    def __format__(self, _spec: str) -> str:
        return _fmt(float(self), "en")


def _fmt(value: float, lang: str) -> str:
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text.translate(str.maketrans(",.", ".,")) if lang == "vi" else text


@functools.cache
def _span(groups: frozenset[str]) -> tuple[int, int]:
    """The ranks of the strongest and the weakest group of a set."""
    ranks = [RANK[g] for g in groups]
    return min(ranks), max(ranks)


@functools.cache
def _groups(*names: str) -> frozenset[str]:
    """The set of these groups (one shared object per combination)."""
    return frozenset(names)


def classify(
    facts: Any,
    zone: Any,
    law: Law,
    *,
    as_of: date,
    documents: Mapping[str, Text] | None = None,
    sector_keys: tuple[str, ...] | None = None,
) -> Classification:
    """Classify a project under the regime in force on `as_of`. `facts` is a ScreeningFacts (VSIC 2025
    codes); `zone` the chosen ZoneFacts or None; `sector_keys` the catalogue classes of the sectors
    (4-digit), defaulting to the first four digits of each code."""
    docs = documents or {}
    acc = _Acc(law)
    regime = law.regime_for(as_of)
    if regime is None:
        acc.say(
            "no-regime",
            (
                "Cổng thông tin chưa có quy định phân loại áp dụng cho ngày {0}; cán bộ thẩm định quyết định.",
                "The portal holds no classification rules for {1}; a screener decides.",
            ),
            None,
            (as_of.isoformat(), as_of.isoformat()),
        )
        return _undetermined(None, None, acc, docs)
    if regime.appendices_from is not None and as_of < regime.appendices_from:
        acc.say(
            "appendices-not-yet",
            (
                "Nghị định 48/2026/NĐ-CP ký ngày 29/01/2026; nguồn không nêu ngày có hiệu lực. Trước ngày này, chưa rõ "
                "áp dụng phụ lục nào: cán bộ thẩm định quyết định.",
                "Decree 48/2026/ND-CP was signed on 29 January 2026 and the sources do not give its date of effect. "
                "Before that date, which appendices apply is not clear: a screener decides.",
            ),
            regime.citations.get("appendices"),
        )
        return _undetermined(regime.id, regime.title, acc, docs)

    keys = sector_keys if sector_keys is not None else tuple(code[:4] for code in facts.sectors)
    sensitive = None if facts.sensitive_factors is None else _sensitive(facts, regime, law, acc)
    bases: list[_Basis] = []
    appendix: AppendixRef | None = None
    in_appendix = False

    flagged = facts.imports_scrap is True or facts.hazardous_waste_treatment is True
    special = _special(facts, keys, regime, law, acc) if flagged or not law.special_sectors.isdisjoint(keys) else None
    if special is not None:
        bases.append(_Basis("pollution", _groups("I")))
        in_appendix = True

    rows = [(key, row) for key in keys for row in regime.rows_by_sector.get(key, ())]
    if rows and special is None:
        in_appendix = True
        basis, appendix = _capacity_basis(facts, rows, regime, law, sensitive, acc)
        bases.append(basis)

    land = _land_basis(facts, regime, sensitive, acc)
    if land is not None:
        bases.append(land)

    if not in_appendix:
        bases.append(_other_basis(facts, regime, sensitive, acc))

    strongest = weakest = len(GROUPS) - 1  # the group is the strongest every basis allows
    pollution_only_i = pollution_allows_i = False
    for basis in bases:
        lo, hi = _span(basis.groups)
        if lo < strongest:
            strongest = lo
        if hi < weakest:
            weakest = hi
        if basis.kind == "pollution":
            pollution_only_i = pollution_only_i or basis.groups == ONLY_I
            pollution_allows_i = pollution_allows_i or "I" in basis.groups
    possible = GROUPS[strongest : weakest + 1]
    determined = strongest == weakest
    group = GROUPS[strongest] if determined else None
    pollution_i = determined and group == "I" and pollution_only_i
    may_be_pollution_i = not pollution_i and pollution_allows_i
    if not determined:
        names = ", ".join(possible)
        acc.say(
            "group-not-determined",
            (
                "Nhóm dự án chưa xác định được (có thể là nhóm {0}); cán bộ thẩm định quyết định.",
                "The project group is not determined (it may be group {1}); a screener decides.",
            ),
            None,
            (names, names),
        )

    land_ii = land is not None and "II" in land.groups
    procedures, open_procedures = _procedures(facts, zone, regime, group, possible, land_ii, in_appendix, special, acc)
    authority = _authority(facts, zone, regime, group, procedures, open_procedures, special, appendix, in_appendix, acc)
    limits = _time_limits(regime, group, procedures, authority, acc)
    return Classification(  # positional: this call is a tenth of `classify` with keywords
        regime.id,  # regime
        regime.title,  # regime_title
        group,
        determined,
        possible,  # possible_groups
        appendix,  # appendix_ii
        procedures,
        open_procedures,  # undetermined_procedures
        authority,
        limits,  # time_limit_days
        tuple(acc.reasons),  # raw_reasons
        pollution_i,  # pollution_group_i
        may_be_pollution_i,  # may_be_pollution_group_i
        special,  # special_type
        tuple(acc.needs),  # needs
        docs,  # documents
    )


def _undetermined(regime: str | None, title: Text | None, acc: _Acc, docs: Mapping[str, Text]) -> Classification:
    return Classification(
        regime=regime,
        regime_title=title,
        group=None,
        determined=False,
        possible_groups=GROUPS,
        appendix_ii=None,
        procedures=(),
        undetermined_procedures=PROCEDURES,
        authority={},
        time_limit_days={},
        raw_reasons=tuple(acc.reasons),
        pollution_group_i=False,
        may_be_pollution_group_i=True,
        documents=docs,
    )


def _sensitive(facts: Any, regime: Regime, law: Law, acc: _Acc) -> bool | None:
    stated = facts.sensitive_factors
    if stated is None:
        return None
    if not stated:
        return False
    counted = [f for f in stated if regime.id in law.factors[f][1]]
    dropped = [f for f in stated if regime.id not in law.factors[f][1]]
    for name in dropped:
        label = law.factors[name][0]
        acc.say(
            "factor-not-counted",
            (
                "“{0}” không còn là yếu tố nhạy cảm về môi trường theo Điều 28 khoản 1 điểm c sửa đổi bởi Luật "
                "146/2025/QH15.",
                "“{1}” is no longer an environmentally sensitive factor under Art. 28(1)(c) as amended by Law "
                "146/2025/QH15.",
            ),
            regime.citations.get("sensitive"),
            (label.vi, label.en),
        )
    if counted:
        vi = "; ".join(law.factors[f][0].vi for f in counted)
        en = "; ".join(law.factors[f][0].en for f in counted)
        acc.say(
            "sensitive-factors",
            (
                "Yếu tố nhạy cảm về môi trường đã khai: {0}. Cán bộ thẩm định xác nhận yếu tố này theo Điều 25 khoản "
                "4 Nghị định 08/2022/NĐ-CP (nguồn chưa thấy toàn văn).",
                "Environmentally sensitive factors stated: {1}. A screener confirms them under Decree 08/2022 Art. "
                "25(4) (its full text was not seen).",
            ),
            regime.citations.get("sensitive"),
            (vi, en),
        )
    return bool(counted)


def _special(facts: Any, keys: tuple[str, ...], regime: Regime, law: Law, acc: _Acc) -> str | None:
    flagged = facts.imports_scrap is True or facts.hazardous_waste_treatment is True
    if not flagged and law.special_sectors.isdisjoint(keys):
        return None
    found = None
    for name, (label, sectors, cites) in law.special.items():
        flagged = (name == "imported_scrap" and facts.imports_scrap is True) or (
            name == "hazardous_waste_treatment" and facts.hazardous_waste_treatment is True
        )
        if flagged or not sectors.isdisjoint(keys):
            acc.say(
                f"special-{name.replace('_', '-')}",
                (
                    "Dự án {0}: thuộc nhóm I với mọi quy mô, công suất.",
                    "A project of {1}: group I whatever its size or capacity.",
                ),
                cites.get(regime.id),
                (label.vi, label.en),
            )
            found = found or name
    return found


def _sensitive_groups(sensitive: bool | None, yes: str, no: str | None) -> frozenset[str]:
    if sensitive is True:
        return _groups(yes)
    if sensitive is False:
        return _groups(no) if no else frozenset()
    return _groups(yes, no) if no else _groups(yes)


def _capacity_basis(
    facts: Any, rows: list[tuple[str, Row]], regime: Regime, law: Law, sensitive: bool | None, acc: _Acc
) -> tuple[_Basis, AppendixRef]:
    capacity = facts.capacity
    key, row = rows[0]
    if capacity is not None:  # the unit chooses the row
        for k, r in rows:
            if capacity.unit in r.unit_set:
                key, row = k, r
                break
    row_label = row.id or "?"
    rows_cite = regime.citations.get("rows")
    if key in row.all_large:
        acc.say(
            "row-all-large",
            (
                "Phụ lục II, mục {0} ({1}): mọi công suất được tính là công suất lớn.",
                "Appendix II, item {2} ({3}): every capacity counts as large.",
            ),
            rows_cite,
            (row_label, row.name.vi, row_label, row.name.en),
        )
        return _level_basis("large", sensitive, regime, acc, caveat=False), AppendixRef(row.id, row.name, "large")
    if not row.has_thresholds:
        acc.say(
            "row-not-seen",
            (
                "{0}: loại hình thuộc Phụ lục II nhưng dòng hoặc ngưỡng công suất chưa có trong nguồn; cán bộ thẩm "
                "định quyết định mức công suất.",
                "{1}: an Appendix II type, but its row or capacity thresholds are not in the sources; a screener "
                "decides the capacity level.",
            ),
            row.missing_citation or rows_cite,
            (row.name.vi, row.name.en),
        )
        groups = _groups("I", "II", "III") if sensitive is not True else _groups("I", "II")
        return _Basis("pollution", groups), AppendixRef(row.id, row.name, None)
    threshold = next((t for t in row.thresholds if capacity is not None and t.unit == capacity.unit), None)
    if capacity is None or threshold is None:
        if capacity is None:
            acc.need("capacity")
            units = ", ".join(law.units[t.unit][0].vi for t in row.thresholds)
            units_en = ", ".join(law.units[t.unit][0].en for t in row.thresholds)
            acc.say(
                "capacity-missing",
                (
                    "Phụ lục II, mục {0} ({1}) xếp loại theo công suất ({2}); hồ sơ chưa nêu công suất.",
                    "Appendix II, item {3} ({4}) grades by capacity ({5}); the proposal does not state the capacity.",
                ),
                rows_cite,
                (row_label, row.name.vi, units, row_label, row.name.en, units_en),
            )
        else:
            acc.say(
                "capacity-unit-not-in-row",
                (
                    "Đơn vị công suất đã khai không phải đơn vị của mục {0} theo quy định này; cán bộ thẩm định quyết "
                    "định.",
                    "The stated capacity unit is not the one item {1} uses under these rules; a screener decides.",
                ),
                rows_cite,
                (row_label, row_label),
            )
        small_exists = any(t.small.state != "none" for t in row.thresholds)
        groups = {"I", "II", "III"} if small_exists else {"I", "II"}
        if sensitive is True:
            groups.discard("III")
        return _Basis("pollution", frozenset(groups)), AppendixRef(row.id, row.name, None)
    amount = _amount_in(capacity, threshold.per, acc)
    if amount is None:
        return _Basis("pollution", _groups("I", "II", "III")), AppendixRef(row.id, row.name, None)
    level = _level_of(amount, threshold)
    unit_vi, unit_en = law.units[threshold.unit][0].vi, law.units[threshold.unit][0].en
    per_vi, per_en = PER_NAMES.get(threshold.per, ("", ""))
    if level is None:
        acc.say(
            "level-not-seen",
            (
                "Công suất {0} {1}{2} dưới ngưỡng lớn của mục {3}; ngưỡng trung bình, nhỏ chưa có trong nguồn, cán "
                "bộ thẩm định quyết định.",
                "A capacity of {4} {5}{6} is below item {7}'s large threshold; the medium and small thresholds are "
                "not in the sources, so a screener decides.",
            ),
            rows_cite,
            (_ViNum(amount), unit_vi, per_vi, row_label, _EnNum(amount), unit_en, per_en, row_label),
        )
        groups = {True: _groups("I", "II"), False: _groups("II", "III")}.get(sensitive, _groups("I", "II", "III"))
        return _Basis("pollution", groups), AppendixRef(row.id, row.name, None)
    bound = getattr(threshold, level)
    acc.say(
        "capacity-level",
        (
            "Phụ lục II, mục {0} ({1}): công suất {2} {3}{4} là công suất {5} (“{6}”).",
            "Appendix II, item {7} ({8}): a capacity of {9} {10}{11} is {12} (“{13}”).",
        ),
        rows_cite,
        (
            row_label,
            row.name.vi,
            _ViNum(amount),
            unit_vi,
            per_vi,
            LEVEL_NAMES[level].vi,
            bound.quote,
            row_label,
            row.name.en,
            _EnNum(amount),
            unit_en,
            per_en,
            LEVEL_NAMES[level].en,
            bound.quote,
        ),
    )
    caveat = level == "large" and regime.large_caveat is not None
    return _level_basis(level, sensitive, regime, acc, caveat=caveat), AppendixRef(row.id, row.name, level)


def _amount_in(capacity: Any, per: str, acc: _Acc) -> float | None:
    """The stated capacity counted the way the row counts it (per year, day, hour or plain)."""
    given = capacity.per or "none"
    if given == per:
        return capacity.amount
    days = capacity.operating_days
    if days is None:
        acc.need("operating_days")
        acc.say(
            "operating-days-missing",
            (
                "Công suất khai theo ngày nhưng ngưỡng tính theo năm (hoặc ngược lại); cần số ngày vận hành trong năm.",
                "The capacity is stated per day but the threshold counts per year (or the reverse); the number of "
                "operating days a year is needed.",
            ),
            None,
        )
        return None
    if given == "day" and per == "year":
        return capacity.amount * days
    if given == "year" and per == "day":
        return capacity.amount / days
    return None


def _level_of(amount: float, threshold: Threshold) -> str | None:
    if threshold.large.ge is not None and amount >= threshold.large.ge:
        return "large"
    if threshold.medium.state == "missing":
        return None
    if threshold.medium.ge is not None and amount >= threshold.medium.ge:
        return "medium"
    if threshold.small.state == "stated":
        return "small"
    return None


def _level_basis(level: str, sensitive: bool | None, regime: Regime, acc: _Acc, *, caveat: bool) -> _Basis:
    if level == "large":
        acc.say(
            "group-i-large",
            (
                "Loại hình có nguy cơ gây ô nhiễm môi trường với công suất lớn: nhóm I.",
                "A production type with a risk of pollution at large capacity: group I.",
            ),
            "art28-3a",
        )
        if caveat:
            acc.say(
                "large-threshold-2022",
                (
                    "Ngưỡng công suất lớn lấy theo bản năm 2022; Nghị định 05/2025/NĐ-CP đã nâng mức công suất lớn của "
                    "một số loại hình (chưa rõ dòng nào): cán bộ thẩm định xác nhận.",
                    "The large threshold is the 2022 text's; Decree 05/2025/ND-CP raised the large capacity of some "
                    "types (which rows is not visible): a screener confirms.",
                ),
                regime.large_caveat,
            )
        return _Basis("pollution", _groups("I"))
    if level == "medium":
        if sensitive is None:
            acc.need("sensitive_factors")
        if sensitive is not False:
            acc.say(
                "group-i-medium-sensitive",
                (
                    "Công suất trung bình và có yếu tố nhạy cảm về môi trường: nhóm I.",
                    "Medium capacity with an environmentally sensitive factor: group I.",
                ),
                "art28-3b",
            )
        if sensitive is not True:
            acc.say(
                "group-ii-medium",
                (
                    "Công suất trung bình, không có yếu tố nhạy cảm: nhóm II (điểm a).",
                    "Medium capacity without a sensitive factor: group II (point a).",
                ),
                "art28-4a",
            )
        return _Basis("pollution", _sensitive_groups(sensitive, "I", "II"), point="a")
    if sensitive is None:
        acc.need("sensitive_factors")
    if sensitive is not False:
        acc.say(
            "group-ii-small-sensitive",
            (
                "Công suất nhỏ và có yếu tố nhạy cảm về môi trường: nhóm II (điểm b).",
                "Small capacity with an environmentally sensitive factor: group II (point b).",
            ),
            "art28-4b",
        )
    if sensitive is not True:
        acc.say(
            "group-iii-small",
            (
                "Công suất nhỏ, không có yếu tố nhạy cảm: nhóm III.",
                "Small capacity without a sensitive factor: group III.",
            ),
            "group-iii",
        )
    return _Basis("pollution", _sensitive_groups(sensitive, "II", "III"), point="b")


def _land_class(regime: Regime, hectares: float) -> str:
    if regime.land_large_gt is not None and hectares > regime.land_large_gt:
        return "large"
    if regime.land_large_ge is not None and hectares >= regime.land_large_ge:
        return "large"
    if hectares >= regime.land_medium_ge:
        return "medium"
    return "small"


def _land_basis(facts: Any, regime: Regime, sensitive: bool | None, acc: _Acc) -> _Basis | None:
    hectares = facts.land_ha
    if hectares is None:
        return None
    level = _land_class(regime, hectares)
    cite = regime.citations.get("land")
    if level == "small" and sensitive is False:
        return None
    acc.say(
        "land-class",
        ("Diện tích sử dụng đất {0} ha: quy mô {1}.", "Land use of {2} ha: {3} scale."),
        cite,
        (_ViNum(hectares), LEVEL_NAMES[level].vi, _EnNum(hectares), LEVEL_NAMES[level].en),
    )
    if level == "large":
        acc.say("group-i-land", ("Sử dụng đất quy mô lớn: nhóm I.", "Large-scale land use: group I."), "art28-3c")
        return _Basis("land", _groups("I"))
    if level == "medium":
        if sensitive is None:
            acc.need("sensitive_factors")
        acc.say(
            "group-land-medium",
            (
                "Sử dụng đất quy mô trung bình: nhóm II (điểm c); nhóm I nếu có yếu tố nhạy cảm.",
                "Medium-scale land use: group II (point c); group I with a sensitive factor.",
            ),
            "art28-4c",
        )
        return _Basis("land", _sensitive_groups(sensitive, "I", "II"), point="c")
    # small land with a sensitive factor (or unknown): group II (c), else no land basis
    acc.say(
        "group-land-small-sensitive",
        (
            "Sử dụng đất quy mô nhỏ có yếu tố nhạy cảm: nhóm II (điểm c).",
            "Small-scale land use with a sensitive factor: group II (point c).",
        ),
        "art28-4c",
    )
    groups = _groups("II") if sensitive else _groups("II", "IV")
    return _Basis("land", groups, point="c")


def _other_basis(facts: Any, regime: Regime, sensitive: bool | None, acc: _Acc) -> _Basis:
    """A project whose type is not in Appendix II (as far as the sources show)."""
    waste = (facts.wastewater_m3_day or 0) > 0 or facts.hazardous_waste is True
    no_waste = facts.wastewater_m3_day == 0 and facts.hazardous_waste is False
    acc.say(
        "not-appendix-ii",
        (
            "Ngành của dự án không thuộc dòng nào của Phụ lục II có trong nguồn (danh mục nguồn có được chưa đầy đủ).",
            "The project's sector is in no Appendix II row the sources show (the list at hand is incomplete).",
        ),
        regime.citations.get("rows"),
    )
    if regime.lep2020:
        acc.say(
            "non-appendix-2022",
            (
                "Theo phụ lục bản 2022, một tư vấn xếp dự án công nghiệp nhóm B (vốn 60–1.000 tỷ đồng) vào nhóm II "
                "(Phụ lục IV, dòng 2, chưa thấy nguyên văn); không rõ Nghị định 05/2025 có giữ dòng này: nhóm II, III "
                "hoặc IV, cán bộ thẩm định quyết định.",
                "Under the 2022 appendices a consultancy put an industrial project of public-investment group B "
                "(60–1,000 bn VND) in group II (Appendix IV row 2, not seen); whether Decree 05/2025 kept that row is "
                "unknown: group II, III or IV, a screener decides.",
            ),
            "pl4-row2-2022",
        )
        return _Basis("other", _groups("II", "III", "IV"))
    if sensitive is not False:
        if sensitive is None:
            acc.need("sensitive_factors")
        acc.say(
            "non-appendix-sensitive",
            (
                "Dự án ngoài Phụ lục II có yếu tố nhạy cảm: nhóm I nếu là dự án nhóm A, nhóm II nếu nhóm B hoặc C theo "
                "pháp luật đầu tư công; cán bộ thẩm định quyết định.",
                "A project outside Appendix II with a sensitive factor: group I if it is a public-investment group A "
                "project, group II if group B or C; a screener decides.",
            ),
            "pl4-stt3-2026",
        )
        if sensitive is True:
            return _Basis("other", _groups("I", "II"))
    if waste:
        acc.say(
            "group-iii-waste",
            (
                "Dự án ngoài Phụ lục II có nước thải hoặc chất thải nguy hại phải xử lý, quản lý: nhóm III.",
                "A project outside Appendix II with wastewater or hazardous waste to treat or manage: group III.",
            ),
            "group-iii",
        )
        return _Basis("other", _groups("I", "II", "III") if sensitive is None else _groups("III"))
    if no_waste:
        texts = (
            "Nhóm III nếu dự án phát sinh bụi, khí thải phải xử lý; nếu không, nhóm IV. Hồ sơ chưa đủ để xác định.",
            "Group III if the project produces dust or gas that must be treated, else group IV; the proposal does "
            "not say enough to decide.",
        )
    else:
        texts = (
            "Hồ sơ chưa nêu nước thải, chất thải nguy hại: nhóm III hoặc IV, cán bộ thẩm định quyết định.",
            "The proposal does not state wastewater or hazardous waste: group III or IV, a screener decides.",
        )
    acc.say("group-iii-or-iv", texts, "group-iv")
    return _Basis("other", _groups("I", "II", "III", "IV") if sensitive is None else _groups("III", "IV"))


def _procedures(
    facts: Any,
    zone: Any,
    regime: Regime,
    group: str | None,
    possible: tuple[str, ...],
    land_ii: bool,  # the land basis allows group II
    in_appendix: bool,
    special: str | None,
    acc: _Acc,
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    required: list[str] = []
    unknown: list[str] = []
    # EIA: group I, or group II under points c–e (here: land)
    if group == "I" or (group == "II" and land_ii):
        required.append("eia")
        acc.say(
            "eia",
            (
                "Phải đánh giá tác động môi trường: dự án nhóm I, hoặc nhóm II theo điểm c–e khoản 4 Điều 28.",
                "An environmental impact assessment is required: group I, or group II under points c–e of Art. 28(4).",
            ),
            "art30-1",
        )
    elif group is None and ("I" in possible or land_ii):
        unknown.append("eia")
    # permit: groups I–III with waste to treat (Art. 39(1)); the floors of Decree 08 Art. 74(5)
    wastewater = facts.wastewater_m3_day
    rec = regime.lep2020
    if possible == ("IV",):
        pass
    elif special is not None:
        required.append("environmental_permit")
        acc.say(
            "permit-special",
            (
                "Phải có giấy phép môi trường: cơ sở xử lý chất thải nguy hại hoặc nhập khẩu phế liệu.",
                "An environmental permit is required: hazardous-waste treatment or imported scrap.",
            ),
            "art41-1b",
        )
    elif in_appendix and wastewater is not None and wastewater > 0:
        required.append("environmental_permit")
        acc.say(
            "permit-appendix-wastewater",
            (
                "Phải có giấy phép môi trường: loại hình thuộc Phụ lục II có nước thải công nghiệp phải xử lý (mọi lưu "
                "lượng).",
                "An environmental permit is required: an Appendix II type with industrial wastewater to treat (any "
                "flow).",
            ),
            "art74-5-05" if rec else "art74-5-48",
        )
        if zone is not None and zone.kind in ("kcn", "ccn"):
            acc.say(
                "permit-zone-connection",
                (
                    "Nếu nước thải chỉ đấu nối về nhà máy xử lý tập trung của khu, có cách đọc (nguồn thứ cấp) cho "
                    "rằng đó không phải là xả “ra môi trường”; cán bộ thẩm định quyết định.",
                    "If the wastewater goes only to the zone's central plant, one (secondary) reading holds it is not "
                    "discharged “into the environment”; a screener decides.",
                ),
                "kcn-tenant-reading",
            )
    elif not rec and wastewater is not None and wastewater >= 50:
        required.append("environmental_permit")
        acc.say(
            "permit-flow",
            (
                "Phải có giấy phép môi trường: tổng nước thải từ 50 m³/ngày.",
                "An environmental permit is required: total wastewater of 50 m³/day or more.",
            ),
            "art74-5-48-combined",
        )
    else:  # (a missing wastewater volume is asked by its own rule)
        unknown += ["environmental_permit", "environmental_registration"]
        acc.say(
            "permit-or-registration",
            (
                "Giấy phép môi trường hay đăng ký môi trường: các ngưỡng còn lại (nước thải sinh hoạt, bụi, khí thải) "
                "cần số liệu hồ sơ chưa có hoặc chưa có trong nguồn; cán bộ thẩm định quyết định.",
                "Environmental permit or registration: the remaining floors (domestic wastewater, dust, gas) need "
                "figures the proposal or the sources do not give; a screener decides.",
            ),
            "art49-1a",
        )
    return tuple(required), tuple(unknown)


def _authority(
    facts: Any,
    zone: Any,
    regime: Regime,
    group: str | None,
    procedures: tuple[str, ...],
    open_procedures: tuple[str, ...],
    special: str | None,
    appendix: AppendixRef | None,
    in_appendix: bool,
    acc: _Acc,
) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    in_park = zone is not None and zone.kind in ("kcn", "ccn")
    outside = zone is None
    wanted = [p for p in ("eia", "environmental_permit") if p in procedures]
    if regime.lep2020:
        for proc in wanted:
            if special is not None:
                body = "ministry"
                acc.say(
                    f"authority-{proc}-ministry-special",
                    (
                        "Bộ Nông nghiệp và Môi trường: xử lý chất thải nguy hại, nhập khẩu phế liệu không được phân "
                        "cấp.",
                        "The Ministry: hazardous-waste treatment and imported scrap are not decentralised.",
                    ),
                    "art41-1b" if proc == "environmental_permit" else "art26a-item6",
                )
            elif group == "I" and in_park:
                body = "provincial_pc"
                acc.say(
                    f"authority-{proc}-26a",
                    (
                        "Ủy ban nhân dân cấp tỉnh: dự án trong khu, cụm công nghiệp được phân cấp (Điều 26a, nhóm 6); "
                        "danh mục loại trừ đầy đủ chưa thấy.",
                        "The provincial People's Committee: projects in a park or cluster are decentralised (Art. 26a, "
                        "group 6); the full list of exclusions was not seen.",
                    ),
                    "art26a-item6",
                )
            elif group == "I":
                body = "ministry"
                acc.say(
                    f"authority-{proc}-ministry",
                    (
                        "Bộ Nông nghiệp và Môi trường thẩm định dự án nhóm I, trừ các nhóm được phân cấp theo Điều 26a "
                        "(cán bộ thẩm định kiểm tra).",
                        "The Ministry appraises group I projects, except the groups Art. 26a decentralises (a screener "
                        "checks).",
                    ),
                    "art35-1a",
                )
            elif group == "II":
                body = "provincial_pc"
                acc.say(
                    f"authority-{proc}-province",
                    (
                        "Ủy ban nhân dân cấp tỉnh (theo tóm tắt thứ cấp của Điều 35, 41).",
                        "The provincial People's Committee (per secondary summaries of Arts. 35, 41).",
                    ),
                    "art35-1a",
                )
            else:
                body = None
                acc.say(
                    f"authority-{proc}-district",
                    (
                        "Điều 41 khoản 4 giao cấp huyện cấp giấy phép cho dự án nhóm III, nhưng cấp huyện không còn: "
                        "cán bộ thẩm định xác định cơ quan cấp.",
                        "Art. 41(4) gave group III permits to the district level, which no longer exists: a screener "
                        "names the authority.",
                    ),
                    "districts-abolished",
                )
            out[proc] = body
    else:
        for proc in wanted:
            if special is not None:
                body, cite = "ministry", "r2-ministry-hw"
            elif facts.land_ha is not None and facts.land_ha >= 300:
                body, cite = "ministry", "r2-ministry-land"
            elif outside and appendix is not None and appendix.level == "large":
                body, cite = "ministry", "r2-ministry-large-outside"
            else:
                body, cite = "provincial_pc_chairman", "r2-authority"
            out[proc] = body
            acc.say(
                f"authority-{proc}",
                ("{0}: {1}.", "{2}: {3}."),
                cite,
                (PROCEDURE_NAMES[proc].vi, BODIES[body].vi, PROCEDURE_NAMES[proc].en, BODIES[body].en),
            )
    if "environmental_registration" in procedures or "environmental_registration" in open_procedures:
        out["environmental_registration"] = "commune_pc"
    return out


def _time_limits(
    regime: Regime, group: str | None, procedures: tuple[str, ...], authority: Mapping[str, str | None], acc: _Acc
) -> dict[str, int]:
    limits: dict[str, int] = {}
    if regime.lep2020:
        if "eia" in procedures:
            days, cite = (45, "art34-6a") if group == "I" else (30, "art34-6b")
            limits["eia"] = days
            acc.say(
                "days-eia",
                (
                    "Thời hạn thẩm định báo cáo ĐTM: không quá {0} ngày kể từ khi nhận đủ hồ sơ hợp lệ.",
                    "EIA appraisal: at most {1} days from a complete, valid dossier.",
                ),
                cite,
                (days, days),
            )
        body = authority.get("environmental_permit")
        if "environmental_permit" in procedures and body is not None:
            days, cite = (45, "art43-4a") if body == "ministry" else (30, "art43-4b")
            limits["environmental_permit"] = days
            acc.say(
                "days-permit",
                (
                    "Thời hạn cấp giấy phép môi trường: không quá {0} ngày theo Luật; Nghị định 05/2025 được cho là "
                    "rút ngắn (nguồn thứ cấp, phạm vi chưa rõ).",
                    "Environmental permit: at most {1} days under the Law; Decree 05/2025 reportedly shortens this "
                    "(secondary source, scope unclear).",
                ),
                cite,
                (days, days),
            )
    else:
        if "eia" in procedures:
            acc.say(
                "days-eia-146",
                (
                    "Thời hạn thẩm định ĐTM sau Luật 146/2025: chưa xác minh được số ngày.",
                    "EIA appraisal time after Law 146/2025: the number of days is not verified.",
                ),
                "eia-days-146",
            )
        if "environmental_permit" in procedures:
            acc.say(
                "days-permit-146",
                (
                    "Thời hạn cấp giấy phép môi trường do Bộ trưởng quy định (Thông tư chưa thấy).",
                    "The permit time limit is set by the Minister (the circular was not seen).",
                ),
                "art43-146",
            )
    return limits
