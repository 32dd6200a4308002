"""The SEO audits of Lighthouse our pages could fail, checked on every public page (the sitemap, both
languages) in the suite, so a regression shows without a browser (`make lighthouse` runs the real thing):
status code, <html lang>, title, meta description, one absolute canonical link to the page itself,
hreflang links (vi, en, x-default; absolute), nothing that keeps robots out, descriptive link text
(Lighthouse's list of generic words, and their Vietnamese counterparts) and crawlable links."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

BASE = "https://dautu.example.vn"

#: Lighthouse 12's link-text blocklist (core/audits/seo/link-text.js, English), and the same words in
#: Vietnamese: link texts that say nothing of where they lead.
GENERIC = {
    *("click here", "click this", "go", "here", "information", "learn more", "more", "more info"),
    *("more information", "right here", "read more", "see more", "start", "this"),
    *("tại đây", "ở đây", "đây", "bấm vào đây", "nhấn vào đây", "xem thêm", "thêm", "đọc thêm", "thông tin"),
    *("bắt đầu", "này", "đi"),
}
JAVASCRIPT_VOID = re.compile(r"^javascript:\s*void\s*\(\s*0?\s*\)\s*;?$", re.I)


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lang: str | None = None
        self.title = ""
        self.in_title = False
        self.metas: list[dict[str, str]] = []
        self.links: list[dict[str, str]] = []
        self.anchors: list[dict[str, str]] = []
        self._open: list[dict[str, str]] = []

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.lang = a.get("lang")
        elif tag == "title":
            self.in_title = True
        elif tag == "meta":
            self.metas.append(a)
        elif tag == "link":
            self.links.append(a)
        elif tag == "a":
            anchor = {**a, "_text": ""}
            self.anchors.append(anchor)
            self._open.append(anchor)

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False
        elif tag == "a" and self._open:
            self._open.pop()

    def handle_data(self, data):
        if self.in_title:
            self.title += data
        for anchor in self._open:
            anchor["_text"] += data


def pages(client) -> list[str]:
    xml = client.get("/sitemap.xml").text
    return [urlsplit(loc).path for loc in re.findall(r"<loc>([^<]+)</loc>", xml)]


@pytest.fixture
def site(app, client):
    app.state.settings.base_url = BASE
    return client


def test_the_sitemap_holds_every_kind_of_public_page(site):
    paths = pages(site)
    assert len(paths) > 60
    for path in ("/vi/", "/en/zones", "/en/zones/kcn-an-nghiep", "/vi/sectors/1020", "/en/match", "/vi/map"):
        assert path in paths


def audit(client, path: str) -> list[str]:
    """Lighthouse's SEO audits that this page fails (empty: it passes them all)."""
    response = client.get(path)
    if response.status_code >= 400:
        return [f"http-status-code {response.status_code}"]
    return audit_html(response.text, path, response.headers.get("x-robots-tag", ""))


def audit_html(html: str, path: str, robots_header: str = "") -> list[str]:
    lang = path.split("/")[1]
    problems = []
    if "noindex" in robots_header.lower():
        problems.append("is-crawlable: X-Robots-Tag noindex")
    page = Page()
    page.feed(html)
    if page.lang != lang:
        problems.append(f"html-has-lang: {page.lang!r}")
    if not page.title.strip():
        problems.append("document-title: empty")
    descriptions = [m.get("content", "").strip() for m in page.metas if m.get("name") == "description"]
    if len(descriptions) != 1 or not descriptions[0]:
        problems.append(f"meta-description: {descriptions}")
    if any("noindex" in m.get("content", "").lower() for m in page.metas if m.get("name") in ("robots", "googlebot")):
        problems.append("is-crawlable: meta robots noindex")
    canonical = [link["href"] for link in page.links if link.get("rel") == "canonical"]
    if canonical != [f"{BASE}{path}"]:
        problems.append(f"canonical: {canonical}")
    alternates = {link.get("hreflang"): link.get("href", "") for link in page.links if link.get("rel") == "alternate"}
    if set(alternates) != {"vi", "en", "x-default"} or not all(h.startswith(BASE + "/") for h in alternates.values()):
        problems.append(f"hreflang: {alternates}")
    own = f"{BASE}{path}"
    for a in page.anchors:
        raw = re.sub(r"\s", "", a.get("href", ""))
        if a.get("role"):
            continue
        if "href" not in a or (raw == "" and not (a.get("id") or a.get("name"))) or JAVASCRIPT_VOID.match(raw):
            problems.append(f"crawlable-anchors: {a}")
            continue
        if raw.lower().startswith(("mailto:", "javascript:")) or "nofollow" in a.get("rel", ""):
            continue
        target = urljoin(own, raw)
        if urlsplit(target)._replace(fragment="") == urlsplit(own)._replace(fragment=""):
            continue
        if " ".join(a["_text"].split()).lower() in GENERIC:
            problems.append(f"link-text: {a['_text'].strip()!r} → {raw}")
    return problems


def test_every_public_page_passes_the_seo_audits(site):
    failures = {path: found for path in pages(site) if (found := audit(site, path))}
    assert failures == {}


def test_the_audit_catches_what_lighthouse_would(site, app):
    """The checks can fail: a page with generic link text, a relative canonical and no description."""
    bad = (
        '<html lang="vi"><title> </title><meta name="robots" content="noindex"><link rel="canonical" href="/en/">'
        '<a href="/en/zones"> Xem thêm </a><a href="javascript:void(0)">Map</a><a>Zones</a>'
        '<a href="#top">here</a></html>'  # a link to the page itself is not judged by its text
    )
    found = {problem.split(":")[0] for problem in audit_html(bad, "/en/", "noindex")}
    assert found == {"is-crawlable", "html-has-lang", "document-title", "meta-description", "canonical", "hreflang"} | {
        "link-text",
        "crawlable-anchors",
    }
    assert sum(p.startswith("crawlable-anchors") for p in audit_html(bad, "/en/")) == 2
    assert [p for p in audit_html(bad, "/en/") if p.startswith("link-text")] == ["link-text: 'Xem thêm' → /en/zones"]
    good = site.get("/en/zones").text
    assert audit_html(good, "/en/zones") == []
    assert audit(site, "/en/zones/no-such-zone") == ["http-status-code 404"]


def test_robots_txt_lets_crawlers_reach_the_public_pages(site):
    robots = site.get("/robots.txt").text
    disallowed = [line.split(":", 1)[1].strip() for line in robots.splitlines() if line.startswith("Disallow:")]
    for path in pages(site):
        assert not any(rule and path.startswith(rule) for rule in disallowed), (path, disallowed)
    assert f"Sitemap: {BASE}/sitemap.xml" in robots
