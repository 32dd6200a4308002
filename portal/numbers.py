"""Numbers as people type them: the one decimal parser for forms, filters and query strings.

Spaces and no-break spaces are dropped ("1 200" → 1200); a decimal comma is read as a point when the text
has no point ("12,5" → 12.5, as Vietnamese writes it), and text with both is refused (a thousands
separator would be ambiguous). NaN and infinities are not numbers. The import format (publishing) is
stricter: it refuses any comma, with its own message, before calling this."""

from __future__ import annotations

import math


def parse_decimal(raw: str) -> float:
    """The number in `raw`; ValueError when there is none (callers word their own message)."""
    text = raw.replace("\u00a0", "").replace(" ", "")
    if "," in text:
        if "." in text:
            raise ValueError(f"ambiguous separators: {raw!r}")
        text = text.replace(",", ".")
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {raw!r}")
    return value
