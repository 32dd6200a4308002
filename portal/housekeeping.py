"""Deleting what the portal must not keep, on a schedule: expired sign-in sessions, expired import dry runs,
land-alert subscriptions nobody confirmed (their e-mail address is not kept past the confirmation window).

Each domain owns its purge (`purge(session) -> rows deleted`); `portal.wiring` registers them here. They
run in a daemon thread of each server process, at start and then every `interval` (an hour), each in its own
short write; `portal housekeeping` runs them once from the command line (cron, or by hand). Running them
twice, or in several processes at once, deletes nothing more: each is a `DELETE … WHERE expired`.

The purges also run where they always did (at sign-in, import, subscription): the schedule is what makes
the deletion happen when nobody signs in or subscribes for a long time.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger("portal.housekeeping")

#: name → purge(session) -> rows deleted
JOBS: dict[str, Callable[[Any], int]] = {}
INTERVAL_SECONDS = 3600.0


def register(name: str, purge: Callable[[Any], int]) -> None:
    JOBS[name] = purge


def run(db: Any) -> dict[str, int]:
    """Every registered purge once, each in its own write; a failing one is logged and the others still run."""
    done: dict[str, int] = {}
    for name, purge in JOBS.items():
        try:
            with db.write() as session:
                done[name] = purge(session)
        except Exception:
            log.exception("housekeeping: %s failed; next run in an hour", name)
    if any(done.values()):
        log.info("housekeeping: %s", ", ".join(f"{name} {n}" for name, n in done.items() if n))
    return done


class Housekeeper:
    """The schedule: a daemon thread running `run(db)` at start and every `interval` seconds. Never started
    on a test's bound database (it would run in another thread inside the test's transaction)."""

    def __init__(self, db: Any, *, interval: float = INTERVAL_SECONDS, enabled: bool = True) -> None:
        self.db, self.interval, self.enabled = db, interval, enabled
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.runs = 0

    def start(self) -> None:
        if not self.enabled or self._thread is not None or getattr(self.db, "bound", False):
            return
        self._thread = threading.Thread(target=self._loop, name="housekeeping", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                run(self.db)
            except Exception:  # keep the schedule alive
                log.exception("housekeeping run failed")
            self.runs += 1
            self._stop.wait(self.interval)
