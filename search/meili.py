"""Meilisearch adapter (official `meilisearch` client), same contract as the local engine.

Meilisearch ignores most Vietnamese marks but not đ, and its tokeniser is not ours; so each document
also carries `title_fold`/`text_fold` (words from `search.text.tokens`) and only those are searchable,
and the query is folded the same way. Original fields are stored for display and snippets.

Meilisearch document ids allow only `[A-Za-z0-9_-]`, and ours contain ":"; the primary key is
therefore `key`, an injective encoding of `id` (see `_key`), and `id` stays a plain field.

Every write waits for its task; a task that ends "failed" raises `SearchTaskFailed` with the task's
error (the client returns such tasks without raising). Connection and API failures → `SearchUnavailable`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import requests
from meilisearch import Client
from meilisearch.errors import MeilisearchError
from meilisearch.models.task import TaskInfo

from search.engine import FACET_FIELDS, Filters, SearchResult, SearchTaskFailed, SearchUnavailable
from search.query import (
    FilterSpec,
    Terms,
    build_hit,
    clamp_page,
    index_text,
    meili_filter,
    meili_q,
    meili_string,
    parse_filters,
    parse_terms,
    requested_facets,
    resolve_lang,
    resolve_sort,
    sort_title,
)

SETTINGS: dict[str, Any] = {
    "searchableAttributes": ["title_fold", "focus_fold", "text_fold"],
    "filterableAttributes": [*FACET_FIELDS, "available_ha", "id"],
    "sortableAttributes": ["sort_vi", "sort_en", "available_ha", "total_ha", "id"],
    # the field (title, focus, text: `attribute`), then the document's `boost`: the local engine's
    # class is their product, which Meilisearch cannot compute; this keeps the same two inputs in order
    "rankingRules": ["words", "typo", "proximity", "attribute", "boost:desc", "sort", "exactness"],
    "typoTolerance": {"enabled": True},
    "pagination": {"maxTotalHits": 100_000},
    "faceting": {"maxValuesPerFacet": 500},
}
_OPTIONAL = ("kind", "locality", "status", "available_ha", "total_ha")
_KEY_UNSAFE = re.compile(r"[^A-Za-z0-9-]")
_BATCH = 5_000


def _key(doc_id: str) -> str:
    """`zone:kcn-tran-de` → `zone_3a_kcn-tran-de`. "_" itself is escaped, so the mapping is injective."""
    return _KEY_UNSAFE.sub(lambda m: f"_{ord(m.group()):x}_", doc_id)


def to_meili(doc: dict[str, Any]) -> dict[str, Any]:
    """The stored form: original fields (unknown optional ones omitted, so filters and sorts skip
    them), the folded searchable fields, and folded title sort keys."""
    out = {k: v for k, v in doc.items() if not (k in _OPTIONAL and v is None)}
    sectors = [str(s) for s in doc.get("sectors") or ()]
    out.update(
        key=_key(doc["id"]),
        sectors=sectors,
        title_fold=index_text(doc.get("title_vi"), doc.get("title_en"), doc.get("slug")),
        focus_fold=index_text(doc.get("focus_vi"), doc.get("focus_en")),
        boost=float(doc.get("boost") or 1.0),
        text_fold=index_text(doc.get("text_vi"), doc.get("text_en"), " ".join(sectors)),
        sort_vi=sort_title(doc.get("title_vi") or doc.get("title_en") or "", "vi"),
        sort_en=sort_title(doc.get("title_en") or doc.get("title_vi") or "", "en"),
    )
    return out


class MeiliEngine:
    """`SearchEngine` on a Meilisearch server. Nothing touches the network before the first call."""

    def __init__(
        self,
        url: str,
        *,
        api_key: str = "",
        index_uid: str = "portal",
        timeout: float | tuple[float, float] = (1.0, 2.0),  # (connect, read) seconds, as requests takes it
        task_timeout_ms: int = 60_000,
    ) -> None:
        self.url = url
        self.index_uid = index_uid
        self.task_timeout_ms = task_timeout_ms
        self._client = Client(url, api_key or None, timeout=timeout)  # type: ignore[arg-type]  # passed to requests
        self._index = self._client.index(index_uid)
        self._ready = False
        self._lock = threading.Lock()

    # --- plumbing ---------------------------------------------------------------------------------

    @contextmanager
    def _calls(self) -> Iterator[None]:
        try:
            yield
        except SearchUnavailable:
            raise
        except (MeilisearchError, requests.RequestException) as exc:
            raise SearchUnavailable(f"Meilisearch at {self.url}: {exc}") from exc

    def _wait(self, info: TaskInfo, *, ok_codes: tuple[str, ...] = ()) -> None:
        task = self._client.wait_for_task(info.task_uid, timeout_in_ms=self.task_timeout_ms)
        if task.status == "succeeded":
            return
        error = task.error or {}
        if error.get("code") in ok_codes:
            return
        raise SearchTaskFailed(
            f"Meilisearch task {task.uid} ({task.type}) ended {task.status}: "
            f"{error.get('code')}: {error.get('message')}",
            error,
        )

    def _ensure(self) -> None:
        """Create the index and apply settings once per engine (both idempotent on the server)."""
        if self._ready:
            return
        with self._lock:
            if self._ready:
                return
            self._wait(
                self._client.create_index(self.index_uid, {"primaryKey": "key"}),
                ok_codes=("index_already_exists",),
            )
            self._wait(self._index.update_settings(SETTINGS))
            self._ready = True

    # --- writes -----------------------------------------------------------------------------------

    def index(self, documents: Iterable[dict[str, Any]]) -> None:
        with self._calls():
            self._ensure()
            batch: list[dict[str, Any]] = []
            for doc in documents:
                batch.append(to_meili(doc))
                if len(batch) >= _BATCH:
                    self._wait(self._index.add_documents(batch, primary_key="key"))
                    batch = []
            if batch:
                self._wait(self._index.add_documents(batch, primary_key="key"))

    def delete(self, ids: Iterable[str]) -> None:
        wanted = list(ids)
        with self._calls():
            self._ensure()
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                expression = f"id IN [{', '.join(meili_string(i) for i in chunk)}]"
                self._wait(self._index.delete_documents(filter=expression))

    def clear(self) -> None:
        with self._calls():
            self._ensure()
            self._wait(self._index.delete_all_documents())

    def drop_index(self) -> None:
        """Delete the whole index (tests; a reindex into a fresh uid)."""
        with self._calls():
            self._wait(self._client.delete_index(self.index_uid), ok_codes=("index_not_found",))
        self._ready = False

    def count(self) -> int:
        with self._calls():
            self._ensure()
            return self._index.get_stats().number_of_documents

    def close(self) -> None:
        """The client keeps no connection worth closing; present for the protocol."""

    # --- reads ------------------------------------------------------------------------------------

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
        terms = parse_terms(text)
        spec = parse_filters(filters)
        order = resolve_sort(sort, terms)
        lang = resolve_lang(lang)
        page, per_page = clamp_page(page, per_page)
        wanted = requested_facets(facets)
        own = [f for f in wanted if f in spec.terms]
        shared = [f for f in wanted if f not in spec.terms]
        main = {
            **self._params(terms, spec, shared),
            "page": page,
            "hitsPerPage": per_page,
            "showRankingScore": True,
        }
        if order != "relevance":
            main["sort"] = _sort(order, lang)
        # Disjunctive facets: one extra zero-hit query per filtered field, without that field's filter.
        extra = [{**self._params(terms, spec.without(f), [f]), "page": 1, "hitsPerPage": 0} for f in own]
        with self._calls():
            self._ensure()
            if extra:
                queries = [{"indexUid": self.index_uid, **q} for q in (main, *extra)]
                responses = self._client.multi_search(queries)["results"]
            else:
                responses = [self._index.search(main.pop("q"), main)]
        first = responses[0]
        distribution: dict[str, dict[str, int]] = dict(first.get("facetDistribution") or {})
        for name, response in zip(own, responses[1:], strict=True):
            distribution[name] = (response.get("facetDistribution") or {}).get(name, {})
        hits = [build_hit(h, terms, lang, float(h.get("_rankingScore", 0.0))) for h in first["hits"]]
        return SearchResult(
            hits=hits,
            total=int(first.get("totalHits", 0)),
            facets={f: _by_count(distribution.get(f) or {}) for f in wanted},
            page=page,
            per_page=per_page,
        )

    @staticmethod
    def _params(terms: Terms, spec: FilterSpec, facets: list[str]) -> dict[str, Any]:
        params: dict[str, Any] = {"q": meili_q(terms), "matchingStrategy": "all"}
        expressions = meili_filter(spec)
        if expressions:
            params["filter"] = expressions
        if facets:
            params["facets"] = facets
        return params


def _sort(order: str, lang: str) -> list[str]:
    title = [f"sort_{lang}:asc", "id:asc"]
    if order == "available_desc":
        return ["available_ha:desc", *title]
    if order == "total_desc":
        return ["total_ha:desc", *title]
    return title


def _by_count(counts: dict[str, int]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
