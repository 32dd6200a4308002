"""No English on Vietnamese pages and no Vietnamese on English ones: every public page (the sitemap, the
search and match results, a pre-check result) in both languages, its visible text and the attributes people
read (description, alt, aria-label, title, placeholder).

What may stay in the other language is marked so: an element with its own `lang`, code (`<code>`), the
title of a work (`<cite>`: a source's page title as published) and verbatim quotations (`<q>`,
`<blockquote>`), each of which must carry the `lang` of its own words (checked with
`portal.i18n.text_language`); and, in any text, acronyms (KCN, VSIC), units (km, m³), addresses and file
names, legal numbers (995/QĐ-TTg), Vietnamese words borrowed in the official class names (video, plastic),
the file formats and protocol words of the open-data page, and the data codes it explains.

- Vietnamese pages: a word that is not a Vietnamese syllable (Vietnamese writes one syllable a word:
  onset, vowels, coda) is English ("Appendix", "reprint"); and no identifier (`resolution-03-iv7`).
- English pages: Vietnamese function words and phrases ("của", "và", "chưa công bố"); place and zone names
  (Trần Đề, An Nghiệp) are names, not Vietnamese text, and are not flagged.
"""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from portal.catalogue.models import PlotStatus, WastewaterStatus, ZoneKind, ZoneStatus
from portal.i18n import text_language
from portal.places.service import AUTHORITY

VOID = {"meta", "link", "br", "img", "input", "hr", "source", "wbr", "col", "area", "base", "param", "track", "embed"}
SKIP = {"script", "style", "code", "pre", "kbd", "samp", "template", "svg"}
QUOTED = {"q", "blockquote", "cite"}  # verbatim words of a source: their own `lang` is checked instead
STRIP = re.compile(
    r"https?://\S+|\b[\w.-]+\.(?:org|vn|com|net)\b|\b\w+\.(?:csv|json|geojson|xlsx)\b|/api/\S*"
    r"|\b\w+_\w+\b|\d+/\d{4}/[\w\-]+|\b[A-ZĐ]+-[A-Za-z]+\b|“[^”]*”|\"[^\"]*\"|<[^>]*>"
)
ALLOWED_IN_VIETNAMESE = {
    *("km", "m", "m²", "m³", "m3", "ha", "kWh", "MW"),  # units
    *("video", "plastic", "uranium", "thorium", "sôcôla", "vali", "spa", "web"),  # in VSIC 2025's own names
    *("Ctrl", "Mac"),  # keys
    *("GeoJSON", "JSON", "CSV", "ETag", "Last", "Modified", "If", "None", "Match", "Since", "null"),
    *("True", "False", "Feature", "geometry", "Creative", "Commons", "Attribution", "International"),
    *(v.value for enum in (ZoneStatus, PlotStatus, WastewaterStatus, ZoneKind) for v in enum),
    *("licensed", "list", "number", "text", "boolean", "date", "datetime", "integer", "object", "source"),
}
READ_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt")
IDENTIFIER = re.compile(r"\b[a-z]+(?:-[a-z0-9]+){2,}\b")  # resolution-03-iv7, kcn-an-nghiep
SYLLABLE = re.compile(r"^(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?([aeiouy]{1,3})(ch|ng|nh|[cmnptiyou])?$")
#: Vietnamese words that are never part of a name in English text.
VIETNAMESE = {
    *("của", "và", "các", "được", "những", "không", "chưa", "theo", "cho", "với", "trong", "đã", "là", "một"),
    *("này", "đến", "từ", "về", "hoặc", "nếu", "thì", "bị", "sẽ", "đang", "cũng", "như", "tại", "còn"),
}
VIETNAMESE_PHRASES = ("công bố", "khu công nghiệp", "cụm công nghiệp", "nghị quyết", "nhà máy", "xử lý")


def fold(word: str) -> str:
    word = unicodedata.normalize("NFD", word.lower().replace("đ", "d"))
    return "".join(c for c in word if not unicodedata.combining(c))


def foreign_words(text: str, lang: str) -> list[str]:
    if lang == "vi":
        text = STRIP.sub(" ", text)
        ids = IDENTIFIER.findall(text)
        words = re.findall(r"[^\W\d_]+", IDENTIFIER.sub(" ", text))
        return [
            w
            for w in words
            if len(w) > 1 and not w.isupper() and w not in ALLOWED_IN_VIETNAMESE and not SYLLABLE.match(fold(w))
        ] + ids
    lowered = STRIP.sub(" ", text.replace(AUTHORITY["name_vi"], " ")).lower()
    found = [w for w in re.findall(r"[^\W\d_]+", lowered) if w in VIETNAMESE]
    return found + [p for p in VIETNAMESE_PHRASES if p in lowered]


class Scan(HTMLParser):
    """Text and read attributes outside code and outside elements in another language."""

    def __init__(self, lang: str) -> None:
        super().__init__(convert_charrefs=True)
        self.lang = lang
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped)
        self.found: list[tuple[str, str, list[str]]] = []
        self.quotes: list[list[str]] = []  # [tag, declared lang, text] of each quotation and title
        self._quoting: list[list[str]] = []

    @property
    def skipped(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag in QUOTED and not self.skipped:
            self.quotes.append([tag, a.get("lang") or self.lang, ""])
        skipped = self.skipped or tag in SKIP or tag in QUOTED or (a.get("lang") or self.lang) != self.lang
        if not skipped:
            if tag == "meta" and a.get("name") == "description":
                self.check(a.get("content", ""), "meta description")
            for name in READ_ATTRIBUTES:
                if a.get(name):
                    self.check(a[name], f"{tag}[{name}]")
        if tag not in VOID:
            self.stack.append((tag, skipped))

    def handle_endtag(self, tag):
        if tag in QUOTED and self.quotes and self.quotes[-1][0] == tag:
            self._quoting.append(self.quotes[-1])
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        open_quotes = [q for q in self.quotes if q not in self._quoting]
        if open_quotes:
            open_quotes[-1][2] += data
        if not self.skipped:
            self.check(data, self.stack[-1][0] if self.stack else "")

    def check(self, text: str, where: str) -> None:
        words = foreign_words(text, self.lang)
        if words:
            self.found.append((where, " ".join(text.split())[:160], words))


def scan(html: str, lang: str) -> list[tuple[str, str, list[str]]]:
    """What reads in the other language, and each quotation or title whose `lang` is not its language."""
    parser = Scan(lang)
    parser.feed(html)
    wrong = [
        (tag, " ".join(text.split())[:160], [f"lang={declared}"])
        for tag, declared, text in parser.quotes
        if len(text.split()) >= 3 and text_language(text) != declared
    ]
    return parser.found + wrong


def test_the_scan_finds_the_other_language():
    vi = '<html lang="vi"><p>Phụ lục II (Appendix II) — bộ quy tắc resolution-03-iv7</p><code>x-y-z</code></html>'
    assert [w for _, _, words in scan(vi, "vi") for w in words] == ["Appendix", "resolution-03-iv7"]
    en = '<html lang="en"><p>Land price: chưa công bố</p><p>Trần Đề, An Nghiệp, Sóc Trăng</p></html>'
    assert [w for _, _, words in scan(en, "en") for w in words] == ["chưa", "công bố"]
    quoted = '<html lang="vi"><blockquote lang="en">When put into operation</blockquote><p>KCN, VSIC</p></html>'
    assert scan(quoted, "vi") == []
    mislabelled = '<html lang="vi"><blockquote lang="vi">When put into operation</blockquote></html>'
    assert scan(mislabelled, "vi") == [("blockquote", "When put into operation", ["lang=vi"])]
    attrs = '<html lang="vi"><img alt="Map of the zones"><meta name="description" content="Industrial parks"></html>'
    assert len(scan(attrs, "vi")) == 2


def public_pages(client, csrf) -> dict[str, str]:
    xml = client.get("/sitemap.xml").text
    paths = [urlsplit(loc).path for loc in re.findall(r"<loc>([^<]+)</loc>", xml)]
    pages = {}
    for path in paths:
        pages[path] = client.get(path).text
    for lang in ("vi", "en"):
        pages[f"/{lang}/search?q=thủy sản"] = client.get(f"/{lang}/search", params={"q": "thủy sản"}).text
        pages[f"/{lang}/search?q=tran de"] = client.get(f"/{lang}/search", params={"q": "tran de"}).text
        match = {"sectors": "1020", "land_ha": "10", "include_planned": "yes", "near_port": "yes"}
        for page in (1, 2, 3, 4, 5):
            pages[f"/{lang}/match?page={page}"] = client.get(f"/{lang}/match", params={**match, "page": page}).text
        form = {"csrf_token": csrf, "sectors": ["1313"], "technology_level": "standard", "wastewater_m3_day": "120"}
        pages[f"/{lang}/precheck (result)"] = client.post(f"/{lang}/precheck", data=form).text
    return pages


def test_no_page_speaks_the_other_language(client, csrf):
    failures = {}
    for path, html in public_pages(client, csrf).items():
        lang = path.split("/")[1]
        assert f'<html lang="{lang}">' in html, path
        found = scan(html, lang)
        if found:
            failures[path] = found
    assert failures == {}


@pytest.mark.parametrize(
    ("lang", "planted", "flagged"), [("vi", "Not published", "published"), ("en", "chưa có", "chưa")]
)
def test_the_scan_reads_real_pages(client, lang, planted, flagged):
    """Not vacuous: a sentence of the other language planted deep in a real page is found."""
    html = client.get(f"/{lang}/zones/kcn-an-nghiep").text
    assert "</main>" in html
    found = scan(html.replace("</main>", f"<div><p><span>{planted}</span></p></div></main>"), lang)
    assert any(flagged in words for _, _, words in found)
