"""The catalogue's public pages and API (home, zone list, zone page, sectors): they compose the catalogue with
the public facts and places that describe it, so they sit above all three (the catalogue imports neither)."""
