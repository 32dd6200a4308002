"""Background workers never run inside a test's transaction.

The search worker thread once joined a test's PostgreSQL transaction and released a SAVEPOINT the
request was using ("savepoint sa_savepoint_4 does not exist" → 503 in a loaded CI run)."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient
from sqlmodel import select

from portal.app import create_app
from portal.searchindex.models import SearchOutbox
from portal.searchindex.sync import enqueue
from portal.settings import Settings


def _threads() -> set[str]:
    return {t.name for t in threading.enumerate()}


def test_the_search_thread_never_starts_on_a_database_bound_to_a_test_transaction(db, database_url, tmp_path):
    settings = Settings(
        env="test",
        database_url=database_url,
        secret_key="t" * 48,
        search_url=f"sqlite:///{tmp_path / 'search.db'}",
        upload_dir=tmp_path / "up",
        search_sync="thread",  # the default: what a test that builds its own Settings gets
    )
    app = create_app(settings, db=db)
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        assert "search-sync" not in _threads()
        with db.write() as w:
            enqueue(w, ["zone:kcn-tran-de"])  # wakes the worker after commit, were there one
        assert client.get("/vi/zones").status_code == 200
        with db.session() as s:
            assert s.exec(select(SearchOutbox).where(SearchOutbox.doc_id == "zone:kcn-tran-de")).first() is not None
    assert "search-sync" not in _threads()
