"""Vietnamese-aware text folding, applied the same way to indexed text and to queries.

"Trần Đề", "tran de" and "TRAN ĐE" all fold to "tran de": casefold, đ/Đ → d (đ is a letter of its
own, not d + a mark, so NFD alone does not strip it), NFD, and combining marks dropped.
"""

from __future__ import annotations

import re
import unicodedata

_D_MAP = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "Ð": "d"})
_TOKEN_RE = re.compile(r"[0-9a-z]+")


def fold(text: str) -> str:
    """Casefold, map đ→d, decompose and remove combining marks. Keeps spacing and punctuation."""
    text = unicodedata.normalize("NFD", text.translate(_D_MAP).casefold())
    return "".join(ch for ch in text if not unicodedata.combining(ch)).translate(_D_MAP)


def tokens(text: str) -> list[str]:
    """Folded alphanumeric tokens; anything else (quotes, *, -, operators) is a separator."""
    return _TOKEN_RE.findall(fold(text))


def slugify(text: str) -> str:
    """`Khu công nghiệp Trần Đề` → `khu-cong-nghiep-tran-de`."""
    return "-".join(tokens(text))
