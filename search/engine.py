"""The search contract: one protocol, its result types, and the factory that picks an engine.

Documents are plain dicts (built by `portal.searchindex.documents` from the database)::

    {"id": "zone:kcn-tran-de", "type": "zone", "slug": "kcn-tran-de",
     "title_vi": "...", "title_en": "...", "text_vi": "...", "text_en": "...",
     "kind": "kcn" | None, "locality": "tran-de" | None, "status": "operating" | None,
     "sectors": ["1020"], "available_ha": 12.5 | None, "total_ha": 160 | None,
     "focus_vi": "...", "focus_en": "...",   # optional: what the document is for (a zone's priority sectors)
     "boost": 1.0}                           # optional: the document's weight (default 1.0)

Relevance: a document's class is the weight of the strongest field holding every query word
(`FIELD_WEIGHTS`: title > focus > the rest of the text; `PHRASE_BONUS` when the words stand
together) times its `boost`; higher classes come first,
text relevance (bm25) orders a class. The weights are data: the portal sets `boost` from what a
document is (a zone before a sector page, an open zone before a planned one), never from a query.

Every engine folds indexed text and queries with `search.text.fold`, treats every query token as a
literal word (never as engine syntax) and the last one (>= 2 characters) as a prefix.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

FACET_FIELDS: tuple[str, ...] = ("type", "kind", "locality", "status", "sectors")
"""Fields that can be filtered (exact match, OR within a field) and counted."""

RANGE_FILTERS: tuple[str, ...] = ("min_available_ha",)
"""Numeric lower bounds; a document whose value is unknown never passes one."""

SORTS: tuple[str, ...] = ("relevance", "title", "available_desc", "total_desc")
"""Accepted sort names; `None` means "relevance" for a text query and "title" for browsing."""

FIELD_WEIGHTS: dict[str, float] = {"title": 3.0, "focus": 2.0, "body": 1.0}
"""How much a match in each field counts (see the module docstring): every query word in the title
counts 3, in the focus 2, anywhere else 1; times the document's `boost`."""

PHRASE_BONUS = 0.5
"""Added to the field weight when the query's words (two or more) stand side by side in the order typed:
"thủy sản" before a text with "thủy tinh" and "sản xuất"."""

LANGS: tuple[str, ...] = ("vi", "en")
MAX_PER_PAGE = 100

FilterValue = list[str] | tuple[str, ...] | str | float | int | None
Filters = dict[str, FilterValue]


class SearchUnavailable(Exception):
    """The engine cannot be reached or its storage failed. Callers show a notice and keep working."""


class SearchIndexCorrupt(SearchUnavailable):
    """The engine's own storage is damaged (not merely unreachable): the index must be rebuilt."""


class SearchTaskFailed(SearchUnavailable):
    """A write the engine accepted but then failed to apply (e.g. a Meilisearch task with status failed)."""

    def __init__(self, message: str, error: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.error = error or {}


@dataclass(frozen=True)
class Hit:
    """One result. `snippet` is safe HTML: escaped text with the matched words in <mark>…</mark>."""

    id: str
    type: str
    title: str
    snippet: str
    score: float
    slug: str
    data: dict[str, Any] = field(default_factory=dict)
    snippet_lang: str = ""  # the language of the snippet's text (the asked one, or the other when only it matched)


@dataclass(frozen=True)
class SearchResult:
    hits: list[Hit]
    total: int
    facets: dict[str, dict[str, int]]
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@runtime_checkable
class SearchEngine(Protocol):
    """What the portal needs from a search backend. Implementations raise `SearchUnavailable`
    (and nothing else from their I/O) when the backend cannot be used."""

    def index(self, documents: Iterable[dict[str, Any]]) -> None:
        """Add or replace documents (by `id`) in one batch."""
        ...

    def delete(self, ids: Iterable[str]) -> None:
        """Remove documents by id; unknown ids are ignored."""
        ...

    def clear(self) -> None:
        """Remove every document (before a full reindex)."""
        ...

    def query(
        self,
        text: str,
        *,
        filters: Filters | None = None,
        facets: list[str] | None = None,
        sort: str | None = None,
        page: int = 1,
        per_page: int = 20,
        lang: str = "vi",
    ) -> SearchResult:
        """Search (or browse when `text` has no word); see the module docstring for the rules."""
        ...

    def count(self) -> int:
        """Number of indexed documents."""
        ...

    def close(self) -> None: ...
