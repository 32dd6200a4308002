"""Outbox producer and consumer, and the full reindex.

- `enqueue(session, doc_ids)` (and `enqueue_zone/plot/sector`) add outbox rows in the caller's
  transaction and mark the session so that, after it commits, the app's `SyncWorker` is woken.
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

from sqlalchemy import event
from sqlmodel import Session, col, delete, select, update

from portal.catalogue.models import CatalogueGeneration, Plot, Zone
from portal.searchindex.documents import all_documents, documents_for
from portal.searchindex.models import SearchOutbox
from search.engine import SearchEngine, SearchUnavailable

log = logging.getLogger("portal.search")
BATCH = 500


def enqueue(session: Session, doc_ids: list[str]) -> None:
    """Outbox rows for changed records, in the caller's transaction; the public data's generation
    moves on with them (cached public pages of older generations are no longer served)."""
    for doc_id in dict.fromkeys(doc_ids):
        session.add(SearchOutbox(doc_id=doc_id))
    if not session.info.get("search_outbox_dirty"):
        bump_generation(session)
    session.info["search_outbox_dirty"] = True


def bump_generation(session: Session) -> None:
    bumped = session.exec(
        update(CatalogueGeneration).where(col(CatalogueGeneration.id) == 1).values(value=CatalogueGeneration.value + 1)
    )
    if bumped.rowcount == 0:
        session.add(CatalogueGeneration(id=1, value=1))
        session.flush()


def enqueue_zone(session: Session, zone: Zone) -> None:
    """A zone and the plots that show its name."""
    plot_ids = session.exec(select(Plot.id).where(Plot.zone_id == zone.id)).all() if zone.id else []
    enqueue(session, [f"zone:{zone.slug}", *(f"plot:{i}" for i in plot_ids)])


def enqueue_plot(session: Session, plot: Plot) -> None:
    zone = session.get(Zone, plot.zone_id)
    enqueue(session, [f"plot:{plot.id}"] + ([f"zone:{zone.slug}"] if zone else []))


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
    engine.clear()
    total = len(docs)
    for start in range(0, total, BATCH):
        engine.index(docs[start : start + BATCH])
        if progress:
            progress(min(start + BATCH, total), total)
    with db.write() as session:
        session.exec(delete(SearchOutbox).where(col(SearchOutbox.id) <= high_water))
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

    def drain_now(self) -> int:
        if self.needs_reindex:
            reindex(self.db, self.engine)
            self.needs_reindex = False
        return drain(self.db, self.engine)

    def start(self) -> None:
        if self.mode != "thread" or self._thread is not None:
            return
        if getattr(self.db, "bound", False):
            # a test's database: the thread would run inside the test's transaction, from another thread
            # (seen as "no such savepoint" in tests that build an app with the default settings)
            log.info("search worker not started: the database is bound to a test's transaction")
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
        try:  # a missing or empty index (derived data) is rebuilt from the database
            self.needs_reindex = self.engine.count() == 0
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


@event.listens_for(Session, "after_commit")
def _wake_worker_after_commit(session: Session) -> None:
    """Wake the app's worker after any session that wrote outbox rows commits."""
    if session.info.pop("search_outbox_dirty", False):
        db = session.info.get("db")
        worker = getattr(db, "search_worker", None)
        if worker is not None:
            worker.kick()
        cache = getattr(db, "page_cache", None)
        if cache is not None:
            cache.invalidate()
