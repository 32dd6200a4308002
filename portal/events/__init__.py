"""Public-data events: the one signal for "what anonymous visitors see has changed".

A write that changes public data calls `public_data_changed(session, doc_ids)` inside its transaction
(the ids name the records: "zone:<slug>", "plot:<id>", "sector:<code>"; portal/catalogue/changes.py
builds them for zones and plots). Then:

- in the transaction, every subscriber registered with `subscribe()` runs with a `PublicDataChanged`;
  what it writes commits or rolls back with the change. The page cache moves the public-data generation
  on (pages cached at an older generation are no longer served) and the search indexer adds its outbox
  rows (portal/wiring.py registers both).
- after that transaction commits, every callback registered for its database with `after_commit(db, fn)`
  runs: the app's page cache forgets its pages, the search worker wakes.

A change signalled while nothing subscribes raises `NotWired`: a process that forgot to wire would
otherwise change public data that no index or cache hears of.

This module imports no domain and no web code: domains call it, subscribers register with it.
"""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import event
from sqlmodel import Session

_FLAG = "public_data_changed"


@dataclass(frozen=True)
class PublicDataChanged:
    doc_ids: tuple[str, ...]
    first_in_transaction: bool  # the first change signalled in this transaction


Subscriber = Callable[[Session, PublicDataChanged], None]

_subscribers: list[Subscriber] = []
_after_commit: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # Database -> [weak callbacks]


class NotWired(RuntimeError):
    """Public data changed while no subscriber listens (call portal.wiring.wire() at start-up)."""


def subscribe(subscriber: Subscriber) -> None:
    """Run `subscriber(session, change)` inside every transaction that changes public data (idempotent)."""
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)


def subscribers() -> tuple[Subscriber, ...]:
    return tuple(_subscribers)


def after_commit(db, callback: Callable[[], None]) -> None:
    """Call `callback()` after each commit through `db` that changed public data. A bound method is held
    weakly (an app's worker or cache goes away with the app), a plain function strongly."""
    ref = weakref.WeakMethod(callback) if inspect.ismethod(callback) else (lambda: callback)
    _after_commit.setdefault(db, []).append(ref)


def public_data_changed(session: Session, doc_ids: list[str] | tuple[str, ...]) -> None:
    """Signal, inside the write transaction of `session`, that the records `doc_ids` changed publicly."""
    if not _subscribers:
        raise NotWired("public data changed but nothing subscribes: call portal.wiring.wire() at start-up")
    change = PublicDataChanged(tuple(dict.fromkeys(doc_ids)), first_in_transaction=not session.info.get(_FLAG))
    for subscriber in _subscribers:
        subscriber(session, change)
    session.info[_FLAG] = True


@event.listens_for(Session, "after_commit")
def _after_commit_hook(session: Session) -> None:
    if not session.info.pop(_FLAG, False):
        return
    db = session.info.get("db")
    if db is None:
        return
    for ref in list(_after_commit.get(db, ())):
        callback = ref()
        if callback is not None:
            callback()
