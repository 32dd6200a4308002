"""Who listens to public-data events (portal/events): wired once per process, by the app factory, the
command line and the test suite. A change signalled before `wire()` raises `portal.events.NotWired`."""

from __future__ import annotations

from portal import events
from portal.searchindex import sync as search_sync
from portal.web import pagecache


def wire() -> None:
    """Subscribe the page cache (the public-data generation) and the search indexer (its outbox rows)."""
    events.subscribe(pagecache.bump_generation)
    events.subscribe(search_sync.queue)
