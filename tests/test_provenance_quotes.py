"""Every provenance quote the portal carries in portal/data (zones, targets, sectors, the environmental
classification) is copied exactly from its source file in reference/: whitespace is normalised, and a
quote that elides with " ... " or "…" must have each part in the source, in order."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "portal" / "data"
SOURCES = ROOT / "reference" / "sources"
ELISION = re.compile(r"\s*(?:\.\.\.|…|\[…\])\s*")


def normalise(text: str) -> str:
    return " ".join(text.split())


def source_text(relative: str) -> str:
    return normalise((SOURCES / relative).read_text(encoding="utf-8"))


def found_in(quote: str, text: str) -> bool:
    quote = normalise(quote)
    if quote in text:
        return True
    parts = [p for p in ELISION.split(quote) if p]
    at = 0
    for part in parts:
        at = text.find(part, at)
        if at < 0:
            return False
        at += len(part)
    return len(parts) > 1


def quotes(node: Any, where: str = "") -> Iterator[tuple[str, str, str]]:
    """(where, source key, quote) for every mapping with `source` and `quote` (or `file` and `quote`)."""
    if isinstance(node, dict):
        if isinstance(node.get("quote"), str) and ("source" in node or "file" in node):
            yield where, node.get("source") or f"file:{node['file']}", node["quote"]
        for key, value in node.items():
            yield from quotes(value, f"{where}.{key}" if where else str(key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from quotes(value, f"{where}[{i}]")


SOURCE_FILES = {key: entry["file"] for key, entry in yaml.safe_load((DATA / "sources.yaml").read_text("utf-8")).items()}
ALL = [
    (name, where, source, quote)
    for name in ("zones", "targets", "sectors", "environment")
    for where, source, quote in quotes(yaml.safe_load((DATA / f"{name}.yaml").read_text(encoding="utf-8")))
]
# Appendix II thresholds are quoted inside the rows (`large: {quote: ...}`): their file is the appendix table.
REGIMES = yaml.safe_load((DATA / "environment.yaml").read_text("utf-8"))["regimes"]
ROW_QUOTES = [
    (f"environment.regimes[{i}].rows[{j}].{level}", t[level]["quote"])
    for i, regime in enumerate(REGIMES)
    for j, row in enumerate(regime["rows"])
    for t in row.get("thresholds") or ()
    for level in ("large", "medium", "small")
    if isinstance(t.get(level), dict) and t[level].get("quote")
] + [
    (f"environment.regimes[{i}].rows[{j}].{key}", row[key]["quote"])
    for i, regime in enumerate(REGIMES)
    for j, row in enumerate(regime["rows"])
    for key in ("missing", "all_large")
    if isinstance(row.get(key), dict)
]


def test_there_are_quotes_to_check() -> None:
    assert len(ALL) > 600 and len(ROW_QUOTES) > 30


@pytest.mark.parametrize(("name", "where", "source", "quote"), ALL, ids=[f"{a}:{b}" for a, b, _c, _d in ALL])
def test_quote_is_verbatim_in_its_source(name: str, where: str, source: str, quote: str) -> None:
    relative = source.removeprefix("file:") if source.startswith("file:") else SOURCE_FILES.get(source)
    assert relative, f"{name}: {where}: source {source!r} has no file in sources.yaml"
    assert found_in(quote, source_text(relative)), f"{name}: {where}: not verbatim in {relative}: {quote!r}"


@pytest.mark.parametrize(("where", "quote"), ROW_QUOTES, ids=[w for w, _q in ROW_QUOTES])
def test_appendix_threshold_quote_is_verbatim(where: str, quote: str) -> None:
    assert found_in(quote, source_text("law/appendix-ii.tsv")), f"{where}: {quote!r}"


def test_elision_needs_every_part_in_order() -> None:
    text = normalise("một hai ba bốn năm")
    assert found_in("một ... ba", text) and not found_in("ba ... một", text) and not found_in("sáu ... bảy", text)
