"""The map's lists are paged: at any catalogue size a page holds MAP_PAGE zones (markers and tables)."""

from __future__ import annotations

import re

from portal.catalogue.demo import add_synthetic
from portal.events import public_data_changed
from portal.maps.service import MAP_PAGE


def test_map_lists_one_page_of_zones_at_a_time(client, db):
    with db.write() as w:
        add_synthetic(w, zones=100, plots=0)
        public_data_changed(w, ["catalogue:test"])
    seen: set[str] = set()
    for page in (1, 2, 3):
        html = client.get(f"/vi/map?page={page}").text
        rows = set(re.findall(r'<tr id="zone-([a-z0-9-]+)"', html))
        assert 0 < len(rows) <= MAP_PAGE
        assert not rows & seen  # each zone on one page only
        seen |= rows
        assert ('rel="next"' in html) == (page < 3)
        assert ('rel="prev"' in html) == (page > 1)
    assert len(seen) >= 100  # the synthetic zones are all listed across the pages
