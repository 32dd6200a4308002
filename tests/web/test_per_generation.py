"""What public pages keep per catalogue generation (the map's and the compare picker's order of every zone)
follows a change of the catalogue at once: every staff change signals it (catalogue.changes)."""

from __future__ import annotations

import re

from sqlmodel import select

from portal.catalogue.changes import plot_changed, zone_changed
from portal.catalogue.models import Plot, Zone, ZoneSector


def _rename(db, slug: str, name: str) -> None:
    with db.write() as w:
        zone = w.exec(select(Zone).where(Zone.slug == slug)).one()
        zone.name_vi = name
        zone_changed(w, zone)


def test_the_map_and_the_compare_picker_show_a_renamed_zone_at_once(client, db):
    for path in ("/vi/map", "/vi/compare?zones=kcn-tran-de,kcn-an-nghiep"):
        assert "Khu thử đổi tên" not in client.get(path).text  # read (and kept) before the change
    _rename(db, "ccn-nga-nam", "Khu thử đổi tên")
    assert "Khu thử đổi tên" in client.get("/vi/compare?zones=kcn-tran-de,kcn-an-nghiep").text
    pages = [client.get(f"/vi/map?page={n}").text for n in range(1, 4)]
    assert any("Khu thử đổi tên" in page for page in pages)


def _results(page: str) -> int:
    return int(re.search(r'id="results-title">(\d+)', page).group(1))


def test_the_zone_list_follows_a_change_at_once(client, db):
    """Its total, facets and collated order are kept per generation and filters (catalogue.service)."""
    before = client.get("/vi/zones?sort=name").text  # read (and kept) before the changes
    kcn_before = client.get("/vi/zones?kind=kcn").text
    _rename(db, "ccn-nga-nam", "Aaa khu thử đổi tên")
    first_row = client.get("/vi/zones?sort=name").text.split('<th scope="row">')[1]
    assert "Aaa khu thử đổi tên" in first_row and "Aaa khu thử đổi tên" not in before
    with db.write() as w:
        zone = w.exec(select(Zone).where(Zone.slug == "kcn-tran-de")).one()
        zone.published = False
        zone_changed(w, zone)
    after = client.get("/vi/zones?sort=name").text
    assert _results(after) == _results(before) - 1
    assert _results(client.get("/vi/zones?kind=kcn").text) == _results(kcn_before) - 1
    assert 'href="/vi/zones/kcn-tran-de"' not in after and 'href="/vi/zones/kcn-tran-de"' in before


def _plots_listed(page: str) -> int:
    found = re.search(r"Plots listed</dt><dd>(\d+)</dd>", page)
    return int(found.group(1)) if found else 0


def test_land_figures_follow_a_new_plot_at_once(client, db):
    """The land sums of a page's zones are kept per generation and zone ids (catalogue.service.land_figures)."""
    before = client.get("/en/zones/kcn-tran-de").text  # read (and kept) before the change
    client.get("/en/zones")
    with db.write() as w:
        zone = w.exec(select(Zone).where(Zone.slug == "kcn-tran-de")).one()
        plot = Plot(zone_id=zone.id, code="GEN-TEST-1", area_ha=12.5, status="leased")
        w.add(plot)
        w.flush()
        plot_changed(w, plot)
    after = client.get("/en/zones/kcn-tran-de").text
    assert _plots_listed(after) == _plots_listed(before) + 1


def test_a_zones_priority_sectors_follow_a_change_at_once(client, db):
    """A zone's sectors are kept per generation and zone ids (catalogue.service.zone_sectors)."""
    before = client.get("/api/v1/zones/kcn-tran-de").json()  # read (and kept) before the change
    codes = {s["code"] for s in before["priority_sectors"]}
    new = next(code for code in ("1020", "1030", "1061", "1410") if code not in codes)
    with db.write() as w:
        zone = w.exec(select(Zone).where(Zone.slug == "kcn-tran-de")).one()
        w.add(ZoneSector(zone_id=zone.id, sector_code=new, relation="priority", source="staff", source_ref="test"))
        w.flush()
        zone_changed(w, zone)
    after = client.get("/api/v1/zones/kcn-tran-de").json()
    assert {s["code"] for s in after["priority_sectors"]} == codes | {new}
