"""A damaged or incomplete search index is found (by its document count) and rebuilt; `portal reindex`
works on a damaged file. The index is derived data: the database is the truth."""

from __future__ import annotations

import pytest
from sqlmodel import select

from portal.catalogue.models import Zone
from portal.searchindex.documents import all_documents, document_count
from portal.searchindex.sync import reindex
from search.engine import SearchIndexCorrupt
from tests.servers import run_cli, server_env, sqlite_url


def _garble(path) -> None:
    path.write_bytes(b"this is not an SQLite database, it was damaged " * 200)


@pytest.fixture
def worker(app, client):
    worker = app.state.search_worker
    worker.needs_reindex = True
    worker.drain_now()
    return worker


def test_document_count_is_what_a_full_reindex_gives(session):
    assert document_count(session) == len(all_documents(session)) > 0


def test_an_index_that_lost_documents_is_rebuilt(worker, session):
    expected = document_count(session)
    assert worker.engine.count() == expected
    worker.engine.delete(["zone:kcn-tran-de"])  # lost in a crash, or an old copy of the file
    assert worker.check_index() is True
    worker.drain_now()
    assert worker.engine.count() == expected
    assert worker.check_index() is False


def test_a_damaged_index_is_recreated_by_reindex(worker, db, session, settings):
    worker.engine.close()
    _garble(settings.search_path)
    with pytest.raises(SearchIndexCorrupt):
        worker.engine.count()
    assert reindex(db, worker.engine) == document_count(session)
    assert worker.engine.count() == document_count(session)


def test_a_search_that_meets_a_damaged_index_gets_the_notice_and_the_worker_rebuilds_it(worker, client, settings):
    worker.engine.close()
    _garble(settings.search_path)
    page = client.get("/en/search", params={"q": "tran de"})
    assert page.status_code == 200 and "Search is temporarily unavailable" in page.text
    assert client.get("/api/v1/search", params={"q": "tran de"}).status_code == 503
    worker.drain_now()  # what the woken worker thread does
    hits = client.get("/api/v1/search", params={"q": "tran de"}).json()["hits"]
    assert "zone:kcn-tran-de" in [h["id"] for h in hits]


def test_portal_reindex_on_a_damaged_index_file(tmp_path):
    url = sqlite_url(tmp_path)
    environ = server_env(url, tmp_path)
    run_cli(["bootstrap"], environ)
    index = tmp_path / "search.db"
    assert index.exists()
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"search.db{suffix}").unlink(missing_ok=True)
    _garble(index)
    result = run_cli(["reindex"], environ, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "indexed" in result.stdout
    from sqlalchemy import create_engine
    from sqlmodel import Session

    engine = create_engine(url)
    with Session(engine) as s:
        expected = document_count(s)
        assert s.exec(select(Zone)).first() is not None
    engine.dispose()
    assert f"indexed {expected} documents" in result.stdout
