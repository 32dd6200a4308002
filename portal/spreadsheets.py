"""Spreadsheet safety: the one formula guard for every CSV and XLSX cell the portal writes or reads.

A text cell starting with = + - @ (or tab/CR) would be run as a formula by a spreadsheet program. On the
way out such text gets a leading apostrophe (shown as text); on the way in our own apostrophe is removed
(`unescape`) and what still looks like a formula is refused by the importer."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def is_formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


def safe_cell(value: Any) -> Any:
    """An export cell: None → "", formula-like text → '…, dates as ISO text, other values unchanged."""
    if value is None:
        return ""
    if is_formula(value):
        return "'" + value
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def csv_text(value: Any) -> str:
    """A CSV cell as text: None → "", formula-like text → '…, anything else str()."""
    if value is None:
        return ""
    return "'" + value if is_formula(value) else str(value)


def unescape(value: Any) -> Any:
    """Our exports write text starting with = + - @ as '…; an imported export gets its text back."""
    if isinstance(value, str) and value.startswith("'") and value[1:2] in FORMULA_START:
        return value[1:]
    return value
