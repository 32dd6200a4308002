"""The sector classification the screening rules read (VSIC codes and their environmental classes).

Built from `portal/data/sectors.yaml` (a list of records: `code`, `name_vi`, `name_en`, `priority`,
`sensitive`, `pollution_risk`, `pollution_risk_confirmed`, `sources`). Pure data, no IO except in
`load_sectors`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

#: The lead's sector data (VSIC codes with classes and provenance).
SECTORS_PATH = Path(__file__).resolve().parent.parent / "data" / "sectors.yaml"

#: The classes a rule may name in `{sector_class: …}`.
SECTOR_CLASSES: frozenset[str] = frozenset(
    {"priority", "sensitive", "pollution_risk", "pollution_risk_confirmed", "pollution_risk_unconfirmed"}
)


@dataclass(frozen=True, slots=True)
class SectorInfo:
    code: str
    name_vi: str
    name_en: str
    priority: bool = False
    sensitive: bool = False
    pollution_risk: bool = False
    #: None when the sector is not a pollution-risk type; False where the Decree 08/2022 row is UNCONFIRMED.
    pollution_risk_confirmed: bool | None = None
    sources: tuple[Any, ...] = field(default=(), compare=False, hash=False)

    @property
    def classes(self) -> frozenset[str]:
        names = {name for name in ("priority", "sensitive", "pollution_risk") if getattr(self, name)}
        if self.pollution_risk:
            names.add("pollution_risk_confirmed" if self.pollution_risk_confirmed else "pollution_risk_unconfirmed")
        return frozenset(names)

    def name(self, lang: str) -> str:
        return self.name_vi if lang == "vi" else self.name_en


@dataclass(frozen=True, eq=False)
class SectorCatalog:
    """VSIC sectors by code. Hashable by identity, so a compiled ruleset can be cached per catalog."""

    sectors: Mapping[str, SectorInfo]
    _labels: dict[str, tuple[str, str]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        labels = {code: (f"{code} – {info.name_vi}", f"{code} – {info.name_en}") for code, info in self.sectors.items()}
        object.__setattr__(self, "_labels", labels)

    def __contains__(self, code: object) -> bool:
        return self.key(code) is not None if isinstance(code, str) else False

    def __len__(self) -> int:
        return len(self.sectors)

    def key(self, code: str) -> str | None:
        """The catalog code a proposal's code falls under: itself, or for a 5-digit VSIC subclass its
        4-digit class. None when unknown."""
        if code in self.sectors:
            return code
        if len(code) == 5 and code[:4] in self.sectors:
            return code[:4]
        return None

    def get(self, code: str) -> SectorInfo | None:
        key = self.key(code)
        return self.sectors[key] if key is not None else None

    def codes_in_class(self, name: str) -> frozenset[str]:
        if name not in SECTOR_CLASSES:
            raise ValueError(f"unknown sector class {name!r}; known: {sorted(SECTOR_CLASSES)}")
        return frozenset(code for code, info in self.sectors.items() if name in info.classes)

    def labels(self, code: str) -> tuple[str, str]:
        """(vi, en) labels, e.g. `1313 – Hoàn thiện sản phẩm dệt (dệt nhuộm)`; the bare code when unknown.
        A 5-digit subclass shows its own code with its class's name."""
        found = self._labels.get(code)
        if found is not None:
            return found
        info = self.get(code)
        return (f"{code} – {info.name_vi}", f"{code} – {info.name_en}") if info else (code, code)

    def label(self, code: str, lang: str) -> str:
        vi, en = self.labels(code)
        return vi if lang == "vi" else en


def catalog_from_records(records: Iterable[Mapping[str, Any]]) -> SectorCatalog:
    sectors: dict[str, SectorInfo] = {}
    for index, record in enumerate(records):
        code = str(record.get("code", ""))
        if not (code.isdigit() and len(code) in (4, 5)):
            raise ValueError(f"sector record {index}: code {code!r} is not a 4–5 digit VSIC code")
        if code in sectors:
            raise ValueError(f"sector record {index}: duplicate code {code}")
        confirmed = record.get("pollution_risk_confirmed")
        sectors[code] = SectorInfo(
            code=code,
            name_vi=str(record["name_vi"]),
            name_en=str(record["name_en"]),
            priority=bool(record.get("priority", False)),
            sensitive=bool(record.get("sensitive", False)),
            pollution_risk=bool(record.get("pollution_risk", False)),
            pollution_risk_confirmed=None if confirmed is None else bool(confirmed),
            sources=tuple(record.get("sources") or ()),
        )
    return SectorCatalog(sectors=sectors)


def load_sectors(path: str | os.PathLike[str]) -> SectorCatalog:
    """Read a sectors YAML file (a list of records, or `{sectors: [...]}`); cached by path and mtime."""
    resolved = Path(path).resolve()
    return _load_sectors_cached(str(resolved), resolved.stat().st_mtime_ns)


@lru_cache(maxsize=16)
def _load_sectors_cached(path: str, _mtime_ns: int) -> SectorCatalog:
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    if isinstance(data, Mapping):
        data = data.get("sectors")
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a list of sector records")
    try:
        return catalog_from_records(data)
    except (KeyError, ValueError) as exc:
        raise ValueError(f"{path}: {exc}") from exc
