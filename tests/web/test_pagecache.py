"""Cached public pages are served only for the catalogue generation they were rendered at."""

import re
import uuid
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from portal.app import create_app
from portal.catalogue.changes import plot_changed, zone_changed
from portal.catalogue.models import Plot, Zone
from portal.web.pagecache import bump_generation


@pytest.fixture
def cached_client(settings, db):
    with TestClient(create_app(settings.model_copy(update={"page_cache": True}), db=db)) as client:
        yield client


def test_second_view_is_served_from_the_cache(cached_client):
    first = cached_client.get("/en/zones/kcn-tran-de")
    second = cached_client.get("/en/zones/kcn-tran-de")
    assert first.status_code == second.status_code == 200
    assert "x-cache" not in first.headers and second.headers["x-cache"] == "hit"
    assert second.text == first.text
    assert second.headers["content-security-policy"]  # outer middleware still applies


def test_the_cache_survives_its_ttl_when_nothing_changed(cached_client, session):
    """A slow first render (a loaded machine) lets the ttl elapse: the generation is re-read, is the same,
    and the page stays cached (it was emptied whenever the generation row did not exist yet)."""
    from sqlalchemy import text

    session.execute(text("DELETE FROM catalogue_generation"))
    session.commit()
    cache = cached_client.app.state.page_cache
    cached_client.get("/en/zones")
    cache._checked = 0  # the ttl has elapsed
    assert cached_client.get("/en/zones").headers.get("x-cache") == "hit"


def test_a_catalogue_change_is_visible_at_once(cached_client, session):
    before = cached_client.get("/vi/zones/kcn-tran-de").text
    assert "chưa công bố" in before
    zone = session.exec(select(Zone).where(Zone.slug == "kcn-tran-de")).one()
    plot = Plot(zone_id=zone.id, code="T-1", area_ha=7.5, status="available")
    session.add(plot)
    session.flush()
    plot_changed(session, plot)  # what every catalogue write does, in its transaction
    session.commit()
    after = cached_client.get("/vi/zones/kcn-tran-de")
    assert "x-cache" not in after.headers
    assert "7,5\u00a0ha" in after.text


def test_other_workers_notice_a_change_within_the_ttl(cached_client, session, app):
    """Another process's commit is not seen by this process's hook: the generation row is re-read."""
    cache = cached_client.app.state.page_cache
    cached_client.get("/en/zones")
    assert cached_client.get("/en/zones").headers.get("x-cache") == "hit"
    bump_generation(session, SimpleNamespace(first_in_transaction=True))  # creates the row when there is none yet
    session.commit()  # no public-data event: like a commit made by another worker
    cache._checked = 0  # the ttl has elapsed
    assert "x-cache" not in cached_client.get("/en/zones").headers


@pytest.mark.parametrize("path", ["/vi/match?sectors=1020&land_ha=5", "/vi/staff/login", "/vi/proposals/track"])
def test_only_public_catalogue_pages_are_cached(cached_client, path):
    cached_client.get(path)
    assert "x-cache" not in cached_client.get(path).headers


@pytest.mark.parametrize("path", ["/en/zones", "/vi/precheck", "/en/proposals/new", "/vi/search?q=tran"])
def test_signed_in_staff_never_get_a_cached_page(cached_client, path):
    cached_client.app.state.search_worker.drain_now()
    cached_client.get(path)
    assert cached_client.get(path).headers.get("x-cache") == "hit"
    cached_client.cookies.set("portal_session", "anything")
    assert "x-cache" not in cached_client.get(path).headers


def test_error_pages_are_not_cached(cached_client):
    cached_client.get("/en/zones/nope")
    response = cached_client.get("/en/zones/nope")
    assert response.status_code == 404 and "x-cache" not in response.headers


def test_a_cached_page_carries_each_browsers_own_csrf_token(settings, db):
    """The zone list and zone pages hold forms (land alert, enquiry): a page cached for one browser must
    not hand its CSRF token to the next, whose post would then be refused."""
    import re

    app = create_app(settings.model_copy(update={"page_cache": True}), db=db)
    token = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
    with (
        TestClient(app, base_url="http://127.0.0.1:8000") as first,
        TestClient(app, base_url="http://127.0.0.1:8000") as second,
    ):
        for client in (first, second):
            client.get("/healthz")  # each browser gets its own CSRF cookie
        page_one = first.get("/en/zones/kcn-tran-de")
        page_two = second.get("/en/zones/kcn-tran-de")
        assert page_two.headers.get("x-cache") == "hit"
        assert page_one.text.count('name="csrf_token"') == page_two.text.count('name="csrf_token"') >= 1
        tokens_one, tokens_two = set(token.findall(page_one.text)), set(token.findall(page_two.text))
        assert len(tokens_one) == len(tokens_two) == 1 and tokens_one != tokens_two
        assert page_two.text.replace(tokens_two.pop(), "T") == page_one.text.replace(tokens_one.pop(), "T")
        csrf = token.search(page_two.text).group(1)
        posted = second.post("/en/alerts", data={"csrf_token": csrf, "email": "b@example.vn", "zone": "kcn-tran-de"})
        assert posted.status_code == 200 and "/en/alerts/sent" in str(posted.url)
        # each browser's ETag names its own token: the first browser's copy is not current for the second
        assert page_one.headers["etag"] != page_two.headers["etag"]
        assert (
            second.get("/en/zones/kcn-tran-de", headers={"If-None-Match": page_two.headers["etag"]}).status_code == 304
        )
        assert (
            second.get("/en/zones/kcn-tran-de", headers={"If-None-Match": page_one.headers["etag"]}).status_code == 200
        )


@pytest.mark.parametrize(
    "path",
    [
        "/vi/",
        "/vi/map",
        "/en/targets",
        "/vi/compare?zones=kcn-tran-de,kcn-an-nghiep",
        "/api/v1/zones",
        "/api/v1/zones.csv",
    ],
)
def test_public_pages_api_and_exports_are_cached_per_generation(cached_client, path):
    first = cached_client.get(path)
    assert first.status_code == 200 and "x-cache" not in first.headers
    assert cached_client.get(path).headers.get("x-cache") == "hit"


def test_keys_follow_the_parameters_a_page_reads(cached_client):
    cache = cached_client.app.state.page_cache
    cached_client.get("/en/zones?kind=kcn&sort=name")
    assert cached_client.get("/en/zones?sort=name&kind=kcn").headers.get("x-cache") == "hit"  # same page
    before = set(cache._entries)
    junk = cached_client.get("/en/zones?utm_source=x&kind=kcn")
    assert junk.status_code == 200 and "x-cache" not in junk.headers
    assert "x-cache" not in cached_client.get("/en/zones?utm_source=x&kind=kcn").headers
    assert set(cache._entries) == before  # junk parameters create no entry (and evict none)


def test_a_current_copy_is_answered_304_without_rendering(cached_client, db_engine):
    from sqlalchemy import event

    first = cached_client.get("/vi/map")
    etag = first.headers["etag"]
    statements = []
    listener = lambda *a: statements.append(a[2])  # noqa: E731
    event.listen(db_engine, "before_cursor_execute", listener)
    try:
        again = cached_client.get("/vi/map", headers={"If-None-Match": etag})
    finally:
        event.remove(db_engine, "before_cursor_execute", listener)
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    # nothing read, nothing built: at most the generation check, which the cache repeats once its re-check
    # interval has passed (on a loaded machine it can pass between the two requests)
    generation_check = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")
    work = [s for s in statements if not s.startswith(generation_check) and "catalogue_generation" not in s]
    assert work == [], work


def test_a_change_moves_the_pages_etag(cached_client, session):
    etag = cached_client.get("/vi/map").headers["etag"]
    zone = session.exec(select(Zone).where(Zone.slug == "kcn-tran-de")).one()
    plot = Plot(zone_id=zone.id, code="E-1", area_ha=1.0, status="available")
    session.add(plot)
    session.flush()
    plot_changed(session, plot)
    session.commit()
    changed = cached_client.get("/vi/map", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag


def test_the_cache_keeps_a_byte_budget():
    from portal.web.pagecache import PageCache

    cache = PageCache(db=None, max_bytes=250)
    for n in range(5):
        cache.put(f"/p{n}", 1, [], b"x" * 100)
    assert list(cache._entries) == ["/p3", "/p4"] and cache._bytes == 200  # the oldest went first
    cache.put("/p4", 1, [], b"y" * 50)  # replaced, not counted twice
    assert cache._bytes == 150


# --- the fact forms and search (issue 17: the visitor mix) ------------------------------------------------

TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
KEY = re.compile(r'name="idempotency_key" value="([^"]*)"')


def _rename_zone(session, slug: str, name_en: str) -> None:
    zone = session.exec(select(Zone).where(Zone.slug == slug)).one()
    zone.name_en = name_en
    session.add(zone)
    session.flush()
    zone_changed(session, zone)  # what every catalogue write does, in its transaction
    session.commit()


@pytest.mark.parametrize(
    "path", ["/en/precheck", "/vi/match", "/en/proposals/new", "/en/proposals/new?zone=kcn-tran-de"]
)
def test_fact_forms_are_cached_with_each_browsers_csrf_token(settings, db, path):
    app = create_app(settings.model_copy(update={"page_cache": True}), db=db)
    with (
        TestClient(app, base_url="http://127.0.0.1:8000") as first,
        TestClient(app, base_url="http://127.0.0.1:8000") as second,
    ):
        for client in (first, second):
            client.get("/healthz")  # each browser gets its own CSRF cookie
        page_one, page_two = first.get(path), second.get(path)
        assert page_one.status_code == page_two.status_code == 200
        assert "x-cache" not in page_one.headers and page_two.headers.get("x-cache") == "hit"
        tokens_one, tokens_two = set(TOKEN.findall(page_one.text)), set(TOKEN.findall(page_two.text))
        posted_forms = 0 if path.endswith("/match") else 1  # the match form is sent by GET: no token
        assert len(tokens_one) == len(tokens_two) == posted_forms and (tokens_one != tokens_two or not posted_forms)
        normal = [KEY.sub("K", TOKEN.sub("T", page.text)) for page in (page_one, page_two)]
        assert normal[0] == normal[1]


def test_a_cached_form_posts_with_the_asking_browsers_token(settings, db):
    app = create_app(settings.model_copy(update={"page_cache": True}), db=db)
    with (
        TestClient(app, base_url="http://127.0.0.1:8000") as first,
        TestClient(app, base_url="http://127.0.0.1:8000") as second,
    ):
        for client in (first, second):
            client.get("/healthz")
        first.get("/en/precheck")
        page = second.get("/en/precheck")
        assert page.headers.get("x-cache") == "hit"
        csrf = TOKEN.search(page.text).group(1)
        posted = second.post("/en/precheck", data={"csrf_token": csrf, "sectors": "1020", "location": "kcn-tran-de"})
        assert posted.status_code != 403
        assert first.post("/en/precheck", data={"csrf_token": csrf, "sectors": "1020"}).status_code == 403


def test_each_proposal_form_gets_its_own_idempotency_key(cached_client):
    """A key shared by two visitors would give the second one the first one's receipt (a replay)."""
    pages = [cached_client.get("/en/proposals/new") for _ in range(3)]
    assert [p.headers.get("x-cache") for p in pages] == [None, "hit", "hit"]
    keys = [KEY.search(p.text).group(1) for p in pages]
    assert len(set(keys)) == 3 and all(str(uuid.UUID(k)) == k for k in keys)
    for page in pages:  # no-store: no validators of the cache's own, one Cache-Control
        assert "etag" not in page.headers and page.headers.get_list("cache-control") == ["no-store"]


@pytest.mark.parametrize("path", ["/en/precheck", "/en/match", "/en/proposals/new"])
def test_a_catalogue_change_shows_at_once_on_the_forms(cached_client, session, path):
    from portal.catalogue.models import Sector
    from portal.events import public_data_changed

    cached_client.get(path)
    assert cached_client.get(path).headers.get("x-cache") == "hit"
    sector = session.exec(select(Sector).where(Sector.code == "1020")).one()
    sector.name_en = "Renamed seafood processing"
    session.add(sector)
    session.flush()
    public_data_changed(session, ["sector:1020"])
    session.commit()
    after = cached_client.get(path)
    assert "x-cache" not in after.headers and "Renamed seafood processing" in after.text


@pytest.fixture
def indexed_client(cached_client):
    worker = cached_client.app.state.search_worker
    worker.needs_reindex = True
    worker.drain_now()
    return cached_client


@pytest.mark.parametrize("path", ["/en/search?q=tran%20de", "/api/v1/search?q=tran%20de&lang=en"])
def test_search_is_stored_only_once_the_index_holds_the_change(indexed_client, session, path):
    worker = indexed_client.app.state.search_worker
    assert "Renamed" not in indexed_client.get(path).text
    assert indexed_client.get(path).headers.get("x-cache") == "hit"
    _rename_zone(session, "kcn-tran-de", "Tran De Renamed Park")
    # the change is committed, the index not yet told: answered (the index's own lag), never stored
    for _ in range(2):
        assert "x-cache" not in indexed_client.get(path).headers
    worker.drain_now()
    fresh = indexed_client.get(path)
    assert "x-cache" not in fresh.headers and "Tran De Renamed Park" in fresh.text
    again = indexed_client.get(path)
    assert again.headers.get("x-cache") == "hit" and again.text == fresh.text


def test_search_keys_follow_the_parameters_it_reads(indexed_client):
    indexed_client.get("/en/search?q=kcn&kind=kcn")
    assert indexed_client.get("/en/search?kind=kcn&q=kcn").headers.get("x-cache") == "hit"
    indexed_client.get("/en/search?q=kcn&utm_source=x")
    assert "x-cache" not in indexed_client.get("/en/search?q=kcn&utm_source=x").headers


def test_search_is_not_stored_while_the_engine_is_down(indexed_client, monkeypatch):
    from search.engine import SearchUnavailable

    engine = indexed_client.app.state.search_worker.engine

    def down(*args, **kwargs):
        raise SearchUnavailable("down")

    with monkeypatch.context() as m:
        m.setattr(engine, "query", down)
        assert indexed_client.get("/en/search?q=kcn").status_code == 200
        assert indexed_client.get("/api/v1/search?q=kcn").status_code == 503
    for path in ("/en/search?q=kcn", "/api/v1/search?q=kcn"):
        answered = indexed_client.get(path)
        assert answered.status_code == 200 and "x-cache" not in answered.headers


def test_a_rebuilt_index_moves_the_generation(indexed_client):
    """A reindex (at start, after damage, `portal reindex`) rebuilds the index while no change is pending:
    no page is stored while this worker knows a rebuild is due, and pages stored before it (by a worker that
    did not know) are not served after it."""
    worker = indexed_client.app.state.search_worker
    indexed_client.get("/en/search?q=kcn")
    assert indexed_client.get("/en/search?q=kcn").headers.get("x-cache") == "hit"
    worker.needs_reindex = True
    for _ in range(2):
        assert "x-cache" not in indexed_client.get("/en/search?q=tran").headers
    worker.drain_now()  # the rebuild
    assert "x-cache" not in indexed_client.get("/en/search?q=kcn").headers
    assert indexed_client.get("/en/search?q=kcn").headers.get("x-cache") == "hit"
