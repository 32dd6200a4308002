"""The search page's sector facet: only the sectors of the parks, clusters and plots found (with their
counts), the most frequent first and the rest behind "More sectors", in both languages."""

import re

import pytest
from sqlmodel import select

from portal.catalogue.models import Sector, Zone, ZoneSector
from portal.i18n import ntranslate


@pytest.fixture
def indexed(app, client):
    worker = app.state.search_worker
    worker.needs_reindex = True
    worker.drain_now()
    return worker


def facet(html: str) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """(shown, more) sector links of the page as (code, count)."""
    section = html.split('id="facet-sectors"', 1)[1].split("</aside>", 1)[0]
    shown, _sep, more = section.partition("<details")
    pattern = re.compile(r'<a href="\?[^"]*"[^>]*>(?:✓ )?(\d{4,5}) [^<]*\((\d+)\)</a>')
    return [(c, int(n)) for c, n in pattern.findall(shown)], [(c, int(n)) for c, n in pattern.findall(more)]


def all_entries(html: str) -> dict[str, int]:
    shown, more = facet(html)
    return dict(shown + more)


def zone_sector_counts(client, **params) -> dict[str, int]:
    """The engine's own sector counts over zones and plots only (the API, type filter given)."""
    query = [("type", "zone"), ("type", "plot"), *params.items()]
    return client.get("/api/v1/search", params=query).json()["facets"]["sectors"]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_sector_facet_lists_the_sectors_of_the_zones_and_plots_found(indexed, client, lang):
    html = client.get(f"/{lang}/search").text
    shown, more = facet(html)
    expected = zone_sector_counts(client)
    assert dict(shown + more) == expected  # every sector that occurs, with its count, and no other class
    assert len(shown + more) < 495
    assert 0 < len(shown) <= 8
    counts = [n for _c, n in shown + more]
    assert counts == sorted(counts, reverse=True)  # the most frequent first


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_sectors_beyond_the_first_eight_are_behind_more(app, client, db, lang):
    """A zone naming many sectors: the eight most frequent are shown, the rest under "N more sectors"."""
    with db.write() as w:
        zones = w.exec(select(Zone).order_by(Zone.id)).all()
        taken = set(w.exec(select(ZoneSector.sector_code)).all())
        codes = [c for c in w.exec(select(Sector.code).order_by(Sector.code)).all() if c not in taken][:14]
        for i, code in enumerate(codes):  # the first codes on more zones: counts 3, 2, 1
            for zone in zones[: 3 if i < 4 else 2 if i < 8 else 1]:
                w.add(ZoneSector(zone_id=zone.id, sector_code=code, source="test", source_ref="this test"))
    worker = app.state.search_worker
    worker.needs_reindex = True
    worker.drain_now()
    html = client.get(f"/{lang}/search").text
    shown, more = facet(html)
    assert dict(shown + more) == zone_sector_counts(client)
    assert len(shown) == 8 and [n for _c, n in shown[:4]] == [3, 3, 3, 3] and len(more) >= 6
    summary = ntranslate(lang, "%(num)d more sector", "%(num)d more sectors", len(more))
    assert f"<summary>{summary}</summary>" in html


def test_the_facet_follows_the_query_and_keeps_a_chosen_sector_visible(indexed, client):
    everything = all_entries(client.get("/vi/search").text)
    rare = min(everything, key=lambda code: (everything[code], code))
    html = client.get("/vi/search", params={"sector": rare}).text
    shown, _more = facet(html)
    assert rare in dict(shown)  # chosen: shown at once, not hidden behind "More"
    assert 'aria-current="true">✓ ' + rare in html  # marked as chosen (its link takes the filter off)
    narrow = all_entries(client.get("/vi/search", params={"q": "tran de"}).text)
    assert narrow == zone_sector_counts(client, q="tran de") and len(narrow) <= len(everything)


def test_asking_for_sector_pages_only_counts_those(indexed, client):
    shown, more = facet(client.get("/en/search", params={"type": "sector", "q": "seafood"}).text)
    assert ("1020", 1) in shown + more


def test_split_keeps_the_most_frequent_and_the_chosen_in_view() -> None:
    from portal.searchpages.routes import split_sectors

    counts = {f"{1000 + i}": n for i, n in enumerate([5, 1, 3, 3, 2, 9, 1, 4, 1, 2])}
    shown, more = split_sectors(counts, ["1006"], top=3)
    assert shown == [("1005", 9), ("1000", 5), ("1007", 4), ("1006", 1)]
    assert more == [("1002", 3), ("1003", 3), ("1004", 2), ("1009", 2), ("1001", 1), ("1008", 1)]
