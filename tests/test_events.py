"""The public-data events kernel: one signal, subscribers in the transaction and after its commit."""

from __future__ import annotations

import gc

import pytest
from sqlalchemy import text
from sqlmodel import select

from portal import events
from portal.catalogue.changes import zone_changed
from portal.catalogue.models import Zone
from portal.searchindex.models import SearchOutbox


def _generation(session) -> int:
    return session.execute(text("SELECT value FROM catalogue_generation WHERE id = 1")).scalar() or 0


class Listener:
    def __init__(self) -> None:
        self.calls = 0

    def heard(self) -> None:
        self.calls += 1


def test_a_change_writes_the_outbox_and_moves_the_generation_once_per_transaction(db):
    with db.session() as session:
        before = _generation(session)
    with db.write() as w:
        zone = w.exec(select(Zone).where(Zone.slug == "kcn-tran-de")).one()
        zone_changed(w, zone)
        zone_changed(w, zone)
    with db.session() as session:
        assert _generation(session) == before + 1
        ids = [r.doc_id for r in session.exec(select(SearchOutbox)).all()]
    assert ids.count("zone:kcn-tran-de") == 2


def test_after_commit_callbacks_run_only_after_a_commit_that_changed_public_data(db):
    listener = Listener()
    events.after_commit(db, listener.heard)
    with db.write() as w:
        w.execute(text("SELECT 1"))
    assert listener.calls == 0
    with db.write() as w:
        zone_changed(w, w.exec(select(Zone).where(Zone.slug == "kcn-tran-de")).one())
        assert listener.calls == 0  # not before the commit
    assert listener.calls == 1


def test_a_rolled_back_change_leaves_nothing(db):
    with db.session() as session:
        before = _generation(session)
    with pytest.raises(RuntimeError), db.write() as w:
        zone_changed(w, w.exec(select(Zone).where(Zone.slug == "kcn-tran-de")).one())
        raise RuntimeError("refused")
    with db.session() as session:
        assert _generation(session) == before
        assert session.exec(select(SearchOutbox)).all() == []


def test_a_listener_goes_away_with_its_owner(db):
    listener = Listener()
    events.after_commit(db, listener.heard)
    del listener
    gc.collect()
    with db.write() as w:  # the dead weak reference is skipped, not called
        zone_changed(w, w.exec(select(Zone).where(Zone.slug == "kcn-tran-de")).one())


def test_a_change_with_nobody_listening_is_refused(db, monkeypatch):
    monkeypatch.setattr(events, "_subscribers", [])
    with pytest.raises(events.NotWired), db.write() as w:
        zone_changed(w, w.exec(select(Zone).where(Zone.slug == "kcn-tran-de")).one())


def test_the_database_carries_no_worker_or_cache(db):
    assert not hasattr(db, "search_worker") and not hasattr(db, "page_cache")
