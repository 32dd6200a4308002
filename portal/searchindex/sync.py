"""Outbox producer and consumer, and the full reindex.

- `queue(session, change)` subscribes to public-data events (portal/events): it adds outbox rows in
  the transaction of the change; after that commits, the app wakes its `SyncWorker` (`kick`).
- `drain(db, engine)` applies pending rows: builds the documents fresh from the database, sends them,
  deletes the rows it applied. If the engine is unavailable the rows stay (attempts + 1) and the worker
  retries with backoff; pages and writes never wait for the engine.
- `reindex(db, engine)` rebuilds the whole index from the database (`portal reindex`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, col, delete, select

from portal import events
from portal.events import PublicDataChanged
from portal.searchindex.documents import all_documents, document_count, documents_for
from portal.searchindex.models import SearchOutbox
from search.engine import SearchEngine, SearchIndexCorrupt, SearchUnavailable

log = logging.getLogger("portal.search")
BATCH = 500


def settled_generation(session: Session) -> int | None:
    """The catalogue generation when the index holds every change up to it (no outbox row pending), else
    None: a page built from the index then is current for that generation (read before asking the engine)."""
    value, pending = session.execute(
        text("SELECT (SELECT value FROM catalogue_generation WHERE id = 1), EXISTS (SELECT 1 FROM search_outbox)")
    ).one()
    return None if pending else (value or 0)


def queue(session: Session, change: PublicDataChanged) -> None:
    """The indexer's subscription to public-data events: an outbox row per changed record, in the
    transaction of the change (see portal/events)."""
    for doc_id in change.doc_ids:
        session.add(SearchOutbox(doc_id=doc_id))


def drain(db: Any, engine: SearchEngine, *, batch: int = BATCH) -> int:
    """Apply pending outbox rows. Returns how many rows were applied, or -1 when the engine failed
    (the rows are kept, their attempt count raised, for the next try)."""
    applied = 0
    while True:
        failure: tuple[list[int], str] | None = None
        with db.write() as session:
            stmt = select(SearchOutbox).order_by(SearchOutbox.id).limit(batch)
            if not db.is_sqlite:
                stmt = stmt.with_for_update(skip_locked=True)
            rows = list(session.exec(stmt).all())
            if not rows:
                session.commit()
                return applied
            row_ids = [r.id for r in rows]
            docs, gone = documents_for(session, list(dict.fromkeys(r.doc_id for r in rows)))
            try:
                if docs:
                    engine.index(docs)
                if gone:
                    engine.delete(gone)
            except SearchUnavailable as err:
                session.rollback()
                failure = (row_ids, str(err))
            else:
                session.exec(delete(SearchOutbox).where(col(SearchOutbox.id).in_(row_ids)))
                session.commit()
                applied += len(rows)
        if failure is not None:
            _note_failure(db, *failure)
            log.warning("search engine unavailable; %d outbox rows kept: %s", len(failure[0]), failure[1])
            return -1


def _note_failure(db: Any, ids: list[int], message: str) -> None:
    with db.write() as session:
        for row in session.exec(select(SearchOutbox).where(col(SearchOutbox.id).in_(ids))).all():
            row.attempts += 1
            row.last_error = message[:500]
            session.add(row)
        session.commit()


def reindex(db: Any, engine: SearchEngine, *, progress: Callable[[int, int], None] | None = None) -> int:
    """Rebuild the whole index from the database; clears the outbox rows it covers."""
    with db.session() as session:
        high_water = session.exec(select(SearchOutbox.id).order_by(col(SearchOutbox.id).desc())).first() or 0
        docs = all_documents(session)
    try:
        engine.clear()
    except SearchIndexCorrupt as err:  # a damaged file cannot even be cleared: it is derived data, start anew
        log.warning("search index damaged, recreating it: %s", err)
        engine.reset()  # type: ignore[attr-defined]  # only engines with local storage report damage
    total = len(docs)
    for start in range(0, total, BATCH):
        engine.index(docs[start : start + BATCH])
        if progress:
            progress(min(start + BATCH, total), total)
    with db.write() as session:
        session.exec(delete(SearchOutbox).where(col(SearchOutbox.id) <= high_water))
        if events.subscribers():  # search pages cached while the index was rebuilt are not served again
            events.public_data_changed(session, [])
        session.commit()
    return total


class SyncWorker:
    """Applies the outbox after commits, in a background thread, retrying with backoff.

    `mode="thread"` (serving) starts a daemon thread; `mode="manual"` (tests, CLI) does nothing by
    itself: call `drain_now()`.
    """

    def __init__(self, db: Any, engine_factory: Callable[[], SearchEngine], *, mode: str = "thread") -> None:
        self.db = db
        self._engine_factory = engine_factory
        self._engine: SearchEngine | None = None
        self.mode = mode
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.needs_reindex = False

    @property
    def engine(self) -> SearchEngine:
        if self._engine is None:
            self._engine = self._engine_factory()
        return self._engine

    def kick(self) -> None:
        self._wake.set()

    def settled_generation(self, session: Session) -> int | None:
        """`settled_generation`, and None while this worker knows the index must be rebuilt (for the search
        pages: the page cache keeps a result page only for a generation the index is current for)."""
        if self.needs_reindex or getattr(self._engine, "corrupt", False):
            return None
        return settled_generation(session)

    def check_index(self) -> bool:
        """Whether the index must be rebuilt: damaged, or not holding as many documents as the
        database gives (empty, or lost some). Sets `needs_reindex`; raises SearchUnavailable when the
        engine cannot be asked."""
        try:
            indexed = self.engine.count()
        except SearchIndexCorrupt as err:
            log.warning("search index damaged; rebuilding it: %s", err)
            self.needs_reindex = True
            return True
        with self.db.session() as session:
            expected = document_count(session)
        if indexed != expected:
            log.warning("search index holds %d documents, the database gives %d: rebuilding it", indexed, expected)
            self.needs_reindex = True
        return self.needs_reindex

    def drain_now(self) -> int:
        if getattr(self._engine, "corrupt", False):
            self.needs_reindex = True
        if self.needs_reindex:
            reindex(self.db, self.engine)
            self.needs_reindex = False
        return drain(self.db, self.engine)

    def start(self) -> None:
        if self.mode != "thread" or self._thread is not None:
            return
        if getattr(self.db, "bound", False):
            # A database bound to one connection (a test's transaction): a thread of ours would run
            # its statements inside that transaction, interleaved with the test's own SAVEPOINTs.
            log.info("search sync thread not started: the database is bound to one connection")
            return
        self._thread = threading.Thread(target=self._run, name="search-sync", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._engine is not None:
            self._engine.close()

    def _run(self) -> None:
        delay = 1.0
        try:  # a missing, damaged or incomplete index (derived data) is rebuilt from the database
            self.check_index()
        except SearchUnavailable as err:
            log.warning("search engine unavailable at start: %s", err)
        self._wake.set()  # catch up on whatever is pending at start
        while not self._stop.is_set():
            self._wake.wait(timeout=delay if delay < 60 else 60)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                result = self.drain_now()
            except SearchUnavailable as err:
                log.warning("search sync failed: %s", err)
                result = -1
            except Exception:  # keep the worker alive; the outbox keeps the work
                log.exception("search sync crashed; will retry")
                result = -1
            delay = min(delay * 2, 60.0) if result < 0 else 5.0
