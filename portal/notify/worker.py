"""The outbox's sender: a daemon thread woken after commits that wrote notification rows, and at least
once a minute (retries that came due, the daily digest).

`mode="manual"` (tests, CLI) starts nothing: call `drain_now()`. A worker never starts on a test's bound
database (`db.bound`): it would run in another thread inside the test's transaction.

The app factory wires who is woken: `wake_after_commit(db, worker.kick)` (as portal.events.after_commit
does for the search worker and the page cache); a commit through `db` that wrote notification rows then
calls it.
"""

from __future__ import annotations

import inspect
import logging
import threading
import weakref
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlmodel import Session

from portal.notify import service
from portal.notify.service import DrainResult, MailConfig

log = logging.getLogger("portal.notify")


class NotifyWorker:
    def __init__(self, db: Any, transport_factory: Callable[[], Any], cfg: MailConfig, *, mode: str = "thread"):
        self.db = db
        self.cfg = cfg
        self._transport_factory = transport_factory
        self._transport = None
        self.mode = mode
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def transport(self):
        if self._transport is None:
            self._transport = self._transport_factory()
        return self._transport

    def kick(self) -> None:
        self._wake.set()

    def drain_now(self, **kwargs: Any) -> DrainResult:
        return service.drain(self.db, self.transport, cfg=self.cfg, **kwargs)

    def start(self) -> None:
        if self.mode != "thread" or self._thread is not None:
            return
        if getattr(self.db, "bound", False):
            log.info("notification worker not started: the database is bound to a test's transaction")
            return
        self._thread = threading.Thread(target=self._run, name="notify-send", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        timeout = 0.0  # catch up on whatever is pending at start
        while not self._stop.is_set():
            self._wake.wait(timeout=timeout)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                result = self.drain_now(stop=self._stop)  # a stopping worker hands back what it has not sent
                if result.errors:
                    log.warning(
                        "e-mail: %d sent, %d to retry, %d failed: %s",
                        result.sent,
                        result.retried,
                        result.failed,
                        result.errors[-1],
                    )
            except Exception:  # keep the worker alive; the outbox keeps the messages
                log.exception("e-mail worker crashed; will retry")
            timeout = self._seconds_until_due()

    def _seconds_until_due(self) -> float:
        """Until the next retry comes due, at most a minute (the digest hour is checked each minute)."""
        try:
            with self.db.session() as session:
                due = service.next_due(session)
        except Exception:
            return 60.0
        if due is None:
            return 60.0
        return min(60.0, max(0.5, (due - service.utcnow()).total_seconds()))


_wakers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # Database -> [weak callbacks]


def wake_after_commit(db: Any, callback: Callable[[], None]) -> None:
    """Call `callback()` after each commit through `db` that wrote notification rows. A bound method is held
    weakly (an app's worker goes away with the app), a plain function strongly."""
    ref = weakref.WeakMethod(callback) if inspect.ismethod(callback) else (lambda: callback)
    _wakers.setdefault(db, []).append(ref)


@event.listens_for(Session, "after_commit")
def _wake_after_commit(session: Session) -> None:
    if not session.info.pop("notify_dirty", False):
        return
    db = session.info.get("db")
    for ref in list(_wakers.get(db, ())) if db is not None else ():
        callback = ref()
        if callback is not None:
            callback()
