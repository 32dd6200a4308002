"""Search engines and shared links: absolute hreflang and canonical links from PORTAL_BASE_URL, a meta
description and Open Graph tags in the page's language, and schema.org Place data for zones."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest

PAGES = ["/", "/zones", "/zones/kcn-an-nghiep", "/map", "/compare", "/targets", "/sectors", "/rules", "/search?q=x"]


def meta(html: str, attr: str, name: str) -> str | None:
    m = re.search(rf'<meta {attr}="{re.escape(name)}" content="([^"]*)"', html)
    return unescape(m.group(1)) if m else None


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("path", PAGES)
def test_every_public_page_has_absolute_links_and_a_description_in_its_language(app, client, lang, path):
    app.state.settings.base_url = "https://dautu.example.vn"
    html = client.get(f"/{lang}{path}").text
    links = dict(re.findall(r'<link rel="alternate" hreflang="([a-z-]+)" href="([^"]+)">', html))
    assert set(links) == {"vi", "en", "x-default"}
    assert all(u.startswith("https://dautu.example.vn/") for u in links.values()), links
    assert re.search(r'<link rel="canonical" href="https://dautu\.example\.vn/' + lang + "/", html)
    description = meta(html, "name", "description")
    assert description and len(description) > 40
    assert meta(html, "property", "og:title") and meta(html, "property", "og:description") == description
    assert meta(html, "property", "og:locale") == ("vi_VN" if lang == "vi" else "en_GB")
    assert meta(html, "property", "og:url").startswith("https://dautu.example.vn/")


def test_zone_page_carries_a_schema_org_place_with_its_2025_address(client):
    html = client.get("/en/zones/kcn-dai-ngai").text
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["@type"] == "Place" and data["name"] == "Đại Ngãi Industrial Park"
    assert data["address"]["addressLocality"] == "Đại Ngãi commune"
    assert data["address"]["addressRegion"] == "Cần Thơ city" and data["address"]["addressCountry"] == "VN"
    assert "geo" not in data  # only a commune's reference point is known, not the park's site
    assert data["url"].endswith("/en/zones/kcn-dai-ngai")
