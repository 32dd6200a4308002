"""Cached public pages are served only for the catalogue generation they were rendered at."""

from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from portal.app import create_app
from portal.catalogue.changes import plot_changed
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


@pytest.mark.parametrize("path", ["/vi/proposals/new", "/en/precheck", "/api/v1/search?q=tran", "/vi/staff/login"])
def test_only_public_catalogue_pages_are_cached(cached_client, path):
    cached_client.get(path)
    assert "x-cache" not in cached_client.get(path).headers


def test_signed_in_staff_never_get_a_cached_page(cached_client):
    cached_client.get("/en/zones")
    cached_client.cookies.set("portal_session", "anything")
    assert "x-cache" not in cached_client.get("/en/zones").headers


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
