"""Pure query building shared by the engines: no I/O, unit-testable without a backend.

User text never reaches an engine as syntax: it is folded and split by `search.text.tokens` into
`[0-9a-z]+` words, and each word is emitted as a quoted literal. The last word is a prefix when it has
at least `MIN_PREFIX` characters, so "tran d" does not match every word starting with "d".
"""

from __future__ import annotations

import html
import math
import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from itertools import compress
from typing import Any

import icu

from search.engine import FACET_FIELDS, MAX_PER_PAGE, RANGE_FILTERS, SORTS, Filters, Hit
from search.text import tokens

MIN_PREFIX = 2
MAX_TOKENS = 32
"""Words beyond this are ignored: a pasted paragraph still searches, at bounded cost."""

_WORD_RE = re.compile(r"[^\W_]+")
_SPLIT_RE = re.compile(rf"({_WORD_RE.pattern})")


@dataclass(frozen=True)
class Terms:
    """The words of a query, folded; `prefix` says whether the last one matches as a prefix."""

    words: tuple[str, ...] = ()
    prefix: bool = False

    def __bool__(self) -> bool:
        return bool(self.words)

    def matches(self, word: str) -> bool:
        """Does one (folded) word of a document match one of these terms?"""
        if word in self.words:
            return True
        return self.prefix and word.startswith(self.words[-1])

    @cached_property
    def seen(self) -> dict[str, bool]:
        """Original word → does it match: memo for the snippets of one query (lives with this object)."""
        return {}


@dataclass(frozen=True)
class FilterSpec:
    """Validated filters: `terms` maps a facet field to its accepted values (OR); fields are AND-ed."""

    terms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    min_available_ha: float | None = None

    def __bool__(self) -> bool:
        """Is anything filtered?"""
        return bool(self.terms) or self.min_available_ha is not None

    def without(self, name: str) -> FilterSpec:
        """The same filters minus one field (for disjunctive facet counts)."""
        return FilterSpec({k: v for k, v in self.terms.items() if k != name}, self.min_available_ha)


def parse_terms(text: str) -> Terms:
    words = tuple(tokens(text or ""))[:MAX_TOKENS]
    return Terms(words, prefix=bool(words) and len(words[-1]) >= MIN_PREFIX)


def parse_filters(filters: Filters | None) -> FilterSpec:
    """Validate the caller's filter dict. Unknown names are a programming error (ValueError)."""
    terms: dict[str, tuple[str, ...]] = {}
    minimum: float | None = None
    for name, value in (filters or {}).items():
        if name in RANGE_FILTERS:
            minimum = _as_number(name, value)
        elif name in FACET_FIELDS:
            values = _as_values(value)
            if values:
                terms[name] = values
        else:
            raise ValueError(f"unknown search filter {name!r}")
    return FilterSpec(terms, minimum)


def _as_values(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    return tuple(sorted({str(v) for v in value if v is not None and str(v) != ""}))


def _as_number(name: str, value: Any) -> float | None:
    if value is None or value == "":
        return None
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number")
    return number


def resolve_sort(sort: str | None, terms: Terms) -> str:
    """`None`/"relevance" → relevance for a text query; browsing has no relevance, so title order."""
    if sort in (None, "", "relevance"):
        return "relevance" if terms else "title"
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}; expected one of {SORTS}")
    return sort


def resolve_lang(lang: str) -> str:
    return "en" if lang == "en" else "vi"


def clamp_page(page: int, per_page: int) -> tuple[int, int]:
    return max(1, int(page)), min(MAX_PER_PAGE, max(1, int(per_page)))


def requested_facets(facets: Iterable[str] | None) -> list[str]:
    wanted = list(dict.fromkeys(facets or ()))
    unknown = [f for f in wanted if f not in FACET_FIELDS]
    if unknown:
        raise ValueError(f"unknown facet(s) {unknown}; expected some of {FACET_FIELDS}")
    return wanted


# --- FTS5 ---------------------------------------------------------------------------------------


def fts_match(terms: Terms) -> str:
    """An FTS5 MATCH expression: every word a quoted string (implicit AND), the last maybe `"w"*`."""
    parts = [f'"{w}"' for w in terms.words]
    if terms.prefix:
        parts[-1] += "*"
    return " ".join(parts)


def fts_phrase(terms: Terms) -> str | None:
    """The words side by side in the order typed (`"a" + "b"*`), or None for a one-word query."""
    if len(terms.words) < 2:
        return None
    parts = [f'"{w}"' for w in terms.words]
    if terms.prefix:
        parts[-1] += "*"
    return " + ".join(parts)


def index_text(*parts: str | None) -> str:
    """Folded words joined by spaces: exactly the tokenisation queries get, whatever FTS5 does."""
    return " ".join(w for part in parts if part for w in tokens(part))


_COLLATORS = threading.local()


def sort_title(title: str, lang: str = "vi") -> str:
    """Sort key for titles in the language's collation (ICU, as portal/collation.py): "Đại Ngãi" after
    the D's, before E. Hex text, so a text column orders it byte by byte. One collator per thread."""
    cache = getattr(_COLLATORS, "by_lang", None)
    if cache is None:
        cache = _COLLATORS.by_lang = {}
    if lang not in cache:
        cache[lang] = icu.Collator.createInstance(icu.Locale("vi_VN" if lang == "vi" else "en_GB"))
    return cache[lang].getSortKey(title or "").hex()


# --- Meilisearch ----------------------------------------------------------------------------------


def meili_q(terms: Terms) -> str:
    """Meilisearch `q`: each word a quoted phrase (exact, like the local engine), except a prefix word.

    Meilisearch treats the last bare word as a prefix and a quoted one as exact; words are `[0-9a-z]+`
    so leaving the prefix word bare cannot introduce syntax.
    """
    parts = [f'"{w}"' for w in terms.words]
    if terms.prefix:
        parts[-1] = terms.words[-1]
    return " ".join(parts)


def meili_string(value: str) -> str:
    """A double-quoted Meilisearch filter literal with `\\` and `"` escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def meili_filter(spec: FilterSpec) -> list[str]:
    """Filter expressions (the list is AND-ed by Meilisearch); `IN [...]` is OR within a field."""
    out = [f"{name} IN [{', '.join(meili_string(v) for v in values)}]" for name, values in spec.terms.items()]
    if spec.min_available_ha is not None:
        out.append(f"available_ha >= {spec.min_available_ha!r}")
    return out


# --- Snippets -------------------------------------------------------------------------------------


def highlight(text: str, terms: Terms, *, words: int = 30, before: int = 8) -> str:
    """Escaped snippet of the ORIGINAL text around the first match, matched words in <mark>.

    The index holds folded text, so engine-side highlighting would show "tran de"; instead each word
    of the original is folded and compared with the terms here.
    """
    text = unicodedata.normalize("NFC", text or "")
    parts = _SPLIT_RE.split(text)  # separator, word, separator, word, …, word, separator
    count = len(parts) // 2
    if not count:
        return html.escape(text.strip()[:200])
    hits = _hits(parts[1::2], terms)
    start = max(0, hits.index(True) - before) if True in hits else 0
    end = min(count, start + words)
    pieces = ["…"] if start > 0 else []
    cursor = 2 * start + 1  # parts[2 * i + 1] is word i
    for i in compress(range(start, end), hits[start:end]):
        pieces.append(html.escape("".join(parts[cursor : 2 * i + 1])))
        pieces.append(f"<mark>{html.escape(parts[2 * i + 1])}</mark>")
        cursor = 2 * i + 2
    pieces.append(html.escape("".join(parts[cursor : 2 * end]) + parts[2 * end].rstrip()))
    if end < count:
        pieces.append("…")
    return "".join(pieces)


def _hits(words: list[str], terms: Terms) -> list[bool]:
    """For each original word: does it match? (memoised per query in `terms.seen`)"""
    seen = terms.seen
    return [seen[word] if word in seen else _word_hits(word, terms) for word in words]


@lru_cache(maxsize=65_536)
def _word_tokens(word: str) -> tuple[str, ...]:
    return tuple(tokens(word))


def _word_hits(word: str, terms: Terms) -> bool:
    seen = terms.seen
    hit = seen.get(word)
    if hit is None:
        hit = seen[word] = bool(terms.words) and any(terms.matches(t) for t in _word_tokens(word))
    return hit


def has_match(text: str | None, terms: Terms) -> bool:
    if not terms or not text:
        return False
    return True in _hits(_WORD_RE.findall(unicodedata.normalize("NFC", text)), terms)


def best_snippet(texts: Sequence[str | None], terms: Terms) -> str:
    """Snippet from the first text that contains a match (asked language first), else the first text."""
    return best_snippet_of(texts, terms)[0]


def best_snippet_of(texts: Sequence[str | None], terms: Terms) -> tuple[str, int]:
    """(snippet, index of the text it comes from); ("", -1) when every text is empty."""
    present = [(i, t) for i, t in enumerate(texts) if t]
    if not present:
        return "", -1
    snippets = ((i, highlight(t, terms)) for i, t in present)
    first = next(snippets)
    if "<mark>" in first[1] or not terms:
        return first[1], first[0]
    found = next((s for s in snippets if "<mark>" in s[1]), first)
    return found[1], found[0]


def build_hit(doc: dict[str, Any], terms: Terms, lang: str, score: float) -> Hit:
    """A `Hit` from a stored document: title and snippet in the asked language (falling back)."""
    other = "en" if lang == "vi" else "vi"
    title = doc.get(f"title_{lang}") or doc.get(f"title_{other}") or doc.get("slug") or doc["id"]
    snippet, index = best_snippet_of([doc.get(f"text_{lang}"), doc.get(f"text_{other}")], terms)
    data = {k: v for k, v in doc.items() if k not in _NOT_DATA}
    snippet_lang = (lang, other)[index] if index >= 0 else lang
    return Hit(doc["id"], doc.get("type", ""), title, snippet, score, doc.get("slug", ""), data, snippet_lang)


_NOT_DATA = frozenset({"id", "type", "slug", "text_vi", "text_en", "focus_vi", "focus_en"})
