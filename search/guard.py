"""A search engine that cannot take the site down with it: a circuit breaker and a bulkhead around any
`SearchEngine`.

- **Circuit breaker** (`pybreaker`): after `fail_max` calls in a row failed with `SearchUnavailable`
  (including the engine's own connect/read timeouts), calls fail at once for `reset_after` seconds;
  then one trial call decides whether it closes again. A hanging engine costs a few timeouts, not one
  per visitor.
- **Bulkhead**: at most `max_concurrent` queries wait on the engine at a time (each holds one of the
  server's worker threads); a query that cannot get a slot within `slot_wait` seconds is answered
  "unavailable" at once. The other pages keep their threads.

Both answer `SearchUnavailable`, which every caller already handles (a notice on the page, 503 in the
API, the outbox kept). Only `query` and `count` (the reads pages make) take a bulkhead slot.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import pybreaker

from search.engine import Filters, SearchEngine, SearchIndexCorrupt, SearchResult, SearchUnavailable

log = logging.getLogger("portal.search")
T = TypeVar("T")


class _Log(pybreaker.CircuitBreakerListener):
    def state_change(self, cb, old_state, new_state) -> None:
        log.warning("search circuit breaker: %s → %s", getattr(old_state, "name", old_state), new_state.name)


class GuardedEngine:
    """`SearchEngine` wrapper; `inner` is the real engine (also reachable for engine-specific calls)."""

    def __init__(
        self,
        inner: SearchEngine,
        *,
        fail_max: int = 5,
        reset_after: float = 30.0,
        max_concurrent: int = 8,
        slot_wait: float = 0.25,
    ) -> None:
        self.inner = inner
        self.breaker = pybreaker.CircuitBreaker(
            fail_max=fail_max,
            reset_timeout=reset_after,
            # only the engine failing to answer counts (a damaged local file is repaired, not waited out)
            exclude=[lambda err: not isinstance(err, SearchUnavailable) or isinstance(err, SearchIndexCorrupt)],
            listeners=[_Log()],
            throw_new_error_on_trip=False,  # the call that trips raises its own SearchUnavailable
            name="search",
        )
        self._slots = threading.BoundedSemaphore(max_concurrent)
        self._slot_wait = slot_wait

    def __getattr__(self, name: str) -> Any:  # engine-specific extras (`corrupt`, `reset`, `optimize`, `path`…)
        return getattr(self.inner, name)

    def _call(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        try:
            return self.breaker.call(func, *args, **kwargs)
        except pybreaker.CircuitBreakerError as err:
            raise SearchUnavailable("search engine unavailable (circuit open after repeated failures)") from err

    def _read(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if not self._slots.acquire(timeout=self._slot_wait):
            raise SearchUnavailable("search engine busy (every slot is waiting on it)")
        try:
            return self._call(func, *args, **kwargs)
        finally:
            self._slots.release()

    @property
    def state(self) -> str:
        return self.breaker.current_state

    # --- the protocol -----------------------------------------------------------------------------

    def index(self, documents: Iterable[dict[str, Any]]) -> None:
        self._call(self.inner.index, documents)

    def delete(self, ids: Iterable[str]) -> None:
        self._call(self.inner.delete, ids)

    def clear(self) -> None:
        self._call(self.inner.clear)

    def count(self) -> int:
        return self._read(self.inner.count)

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
        return self._read(
            self.inner.query,
            text,
            filters=filters,
            facets=facets,
            sort=sort,
            page=page,
            per_page=per_page,
            lang=lang,
        )

    def close(self) -> None:
        self.inner.close()
