"""The big plot exports are kept on disk per catalogue generation (portal/web/exportcache.py): the second
request streams the stored bytes without building them, a change of the public data gives a new body, a body
left half-written (the client went away) is never stored, and an unwritable folder only costs the cache."""

from __future__ import annotations

import pytest

from portal.maps import service as maps
from portal.opendata import service
from portal.web.caching import catalogue_generation
from portal.web.exportcache import ExportCache
from tests.opendata.factories import make_plot, square

PLOT_EXPORTS = ["/api/v1/plots.csv", "/api/v1/plots.json", "/api/v1/plots.geojson"]


def _refuse_to_build(monkeypatch) -> None:
    def boom(*_args, **_kwargs):
        raise AssertionError("the export was built again")

    monkeypatch.setattr(service, "iter_plots", boom)
    monkeypatch.setattr(maps, "iter_plot_features", boom)


@pytest.mark.parametrize("url", PLOT_EXPORTS)
def test_the_second_request_streams_the_stored_body_without_building_it(client, session, settings, monkeypatch, url):
    make_plot(session, code="CACHE-1", geometry=square())
    first = client.get(url)
    assert first.status_code == 200 and "CACHE-1" in first.text
    stored = list(settings.export_cache_dir.iterdir())
    assert [p.read_bytes() for p in stored] == [first.content]  # one file, the whole body, no temporary left
    _refuse_to_build(monkeypatch)
    again = client.get(url)
    assert again.status_code == 200 and again.content == first.content
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["content-type"] == first.headers["content-type"]


@pytest.mark.parametrize("url", PLOT_EXPORTS)
def test_a_change_of_the_public_data_gives_a_new_body_and_drops_the_old_file(client, session, settings, url):
    make_plot(session, code="CACHE-OLD", geometry=square())
    before = client.get(url)
    make_plot(session, code="CACHE-NEW", geometry=square())
    after = client.get(url)
    assert "CACHE-NEW" not in before.text and "CACHE-NEW" in after.text and "CACHE-OLD" in after.text
    assert [p.read_bytes() for p in settings.export_cache_dir.iterdir()] == [after.content]


def test_a_body_not_streamed_to_the_end_is_not_stored(db, tmp_path):
    cache = ExportCache(tmp_path / "exports")
    with db.session(read_only=True) as s:
        chunks = cache.chunks(s, "plots.csv", lambda: iter(["a", "b", "c"]), modified=None)
        assert next(chunks) == b"a"
        chunks.close()  # the client went away
    assert list((tmp_path / "exports").iterdir()) == []


def test_a_body_whose_build_fails_is_not_stored(db, tmp_path):
    def build():
        yield "a"
        raise RuntimeError("the database went away")

    cache = ExportCache(tmp_path / "exports")
    with db.session(read_only=True) as s, pytest.raises(RuntimeError):
        list(cache.chunks(s, "plots.csv", build, modified=None))
    assert list((tmp_path / "exports").iterdir()) == []


def test_the_stored_file_is_named_by_the_generation_read_before_the_rows(db, tmp_path):
    cache = ExportCache(tmp_path / "exports")
    with db.session(read_only=True) as s:
        assert b"".join(cache.chunks(s, "plots.csv", lambda: iter(["x"]), modified=None)) == b"x"
        generation = catalogue_generation(s)
    assert [p.name for p in (tmp_path / "exports").iterdir()] == [cache.path("plots.csv", generation, None).name]


def test_an_unwritable_folder_still_answers_the_body(db, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    cache = ExportCache(blocker / "exports")
    with db.session(read_only=True) as s:
        assert b"".join(cache.chunks(s, "plots.csv", lambda: iter(["a", "b"]), modified=None)) == b"ab"


def test_no_folder_means_no_cache(db):
    cache = ExportCache(None)
    built = []

    def build():
        built.append(1)
        yield "a"

    with db.session(read_only=True) as s:
        assert b"".join(cache.chunks(s, "plots.csv", build, modified=None)) == b"a"
        assert b"".join(cache.chunks(s, "plots.csv", build, modified=None)) == b"a"
    assert built == [1, 1]


def test_another_database_or_catalogue_at_the_same_generation_does_not_get_the_body(db, tmp_path):
    """Generations count from 1 in every database: the folder may be shared (tests, benchmarks, a catalogue
    made again), so the database and the rows' Last-Modified are in the name too."""
    from datetime import UTC, datetime

    first = ExportCache(tmp_path / "exports", "sqlite:///one.db")
    other = ExportCache(tmp_path / "exports", "sqlite:///two.db")
    when, later = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)
    with db.session(read_only=True) as s:
        assert b"".join(first.chunks(s, "plots.csv", lambda: iter(["one"]), modified=when)) == b"one"
        assert b"".join(other.chunks(s, "plots.csv", lambda: iter(["two"]), modified=when)) == b"two"
        assert b"".join(other.chunks(s, "plots.csv", lambda: iter(["new"]), modified=later)) == b"new"
        assert b"".join(other.chunks(s, "plots.csv", lambda: iter(["not read"]), modified=later)) == b"new"


@pytest.mark.parametrize("url", PLOT_EXPORTS)
def test_last_modified_is_computed_once_per_generation(client, session, monkeypatch, url):
    from portal.catalogue import service as catalogue
    from tests.opendata.factories import at

    make_plot(session, code="LM-1", geometry=square(), updated_at=at(2031, 5, 1))
    first = client.get(url)
    assert first.headers["last-modified"] == "Thu, 01 May 2031 12:00:00 GMT"
    computed = []
    real = catalogue.plots_modified
    monkeypatch.setattr(catalogue, "plots_modified", lambda s: computed.append(1) or real(s))
    again = client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.headers["last-modified"] == first.headers["last-modified"]
    assert computed == []  # the 304 read the generation alone
    make_plot(session, code="LM-2", geometry=square(), updated_at=at(2032, 6, 1))
    changed = client.get(url)
    assert computed == [1] and changed.headers["last-modified"] == "Tue, 01 Jun 2032 12:00:00 GMT"


def test_a_leftover_temporary_file_is_removed_when_a_body_is_stored(db, tmp_path):
    import os

    folder = tmp_path / "exports"
    folder.mkdir()
    old, recent = folder / ".plots.csv.g1-x.dead.tmp", folder / ".plots.csv.g1-x.alive.tmp"
    old.write_bytes(b"half")
    recent.write_bytes(b"being written")
    os.utime(old, (0, 0))
    with db.session(read_only=True) as s:
        assert b"".join(ExportCache(folder).chunks(s, "plots.csv", lambda: iter(["a"]), modified=None)) == b"a"
    assert not old.exists() and recent.exists()
