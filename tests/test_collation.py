"""Every list sorted by name follows the language's collation (ICU through PyICU): in Vietnamese
a < ă < â, d < đ and the tones in their order; "Đại Ngãi" comes after the D names and before E in
both languages, never last. Each list the portal sorts by name is checked against the library."""

from __future__ import annotations

import re

import icu
import pytest

from portal.collation import sort_key

LOCALES = {"vi": "vi_VN", "en": "en_GB"}


def icu_sorted(names: list[str], lang: str) -> list[str]:
    collator = icu.Collator.createInstance(icu.Locale(LOCALES[lang]))
    return sorted(names, key=collator.getSortKey)


def test_vietnamese_letters_and_tones_in_order():
    words = ["Mạ", "Má", "Mã", "Mả", "Mà", "Ma", "Đa", "Dz", "Âm", "Ăn", "Az", "An", "Em"]
    assert sorted(words, key=lambda w: sort_key(w, "vi")) == [
        "An", "Az", "Ăn", "Âm", "Dz", "Đa", "Em", "Ma", "Mà", "Mả", "Mã", "Má", "Mạ",
    ]  # fmt: skip


def _between_d_and_e(names: list[str], target: str, lang: str) -> None:
    i = names.index(target)
    initial = lambda s: s.split()[0] if lang == "en" else s  # noqa: E731
    assert all(sort_key(initial(n), lang) < sort_key("E", lang) for n in names[:i]), names
    assert all(sort_key(initial(n), lang) > sort_key("Đ", lang) for n in names[i + 1 :]), names
    assert i < len(names) - 1


def _row_names(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/[a-z]{2}/zones/[a-z0-9-]+">([^<]+)</a></th>', html)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_zone_list_sorted_by_name_follows_the_collation(client, lang):
    names = _row_names(client.get(f"/{lang}/zones?sort=name").text)
    assert len(names) == 20 or len(names) == 21
    assert names == icu_sorted(names, lang)
    if lang == "en":
        _between_d_and_e(names, "Đại Ngãi Industrial Park", lang)
    else:  # all start "Khu công nghiệp …" / "Cụm công nghiệp …": Đại Ngãi sorts after the D and before E parks
        parks = [n.removeprefix("Khu công nghiệp ") for n in names if n.startswith("Khu công nghiệp ")]
        _between_d_and_e(parks, "Đại Ngãi", lang)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_zone_api_sorted_by_name_and_by_kind_follows_the_collation(client, lang):
    items = client.get("/api/v1/zones", params={"sort": "name", "lang": lang, "per_page": 200}).json()["items"]
    names = [z[f"name_{lang}"] for z in items]
    assert names == icu_sorted(names, lang) and len(names) == 21
    by_kind = client.get("/api/v1/zones", params={"lang": lang, "per_page": 200}).json()["items"]
    for kind in ("kcn", "kkt", "ccn"):
        group = [z[f"name_{lang}"] for z in by_kind if z["kind"] == kind]
        assert group == icu_sorted(group, lang)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_map_lists_and_compare_choices_follow_the_collation(client, lang):
    html = client.get(f"/{lang}/map").text
    table = html[html.index('<table class="zones">') : html.index("</table>")]
    rows = re.findall(r'<th scope="row"><a href="/[a-z]{2}/zones/([a-z0-9-]+)">([^<]+)</a>', table)
    kinds = {}
    for slug, name in rows:
        kinds.setdefault(slug[:3], []).append(name)
    for names in kinds.values():
        assert names == icu_sorted(names, lang)
    page = client.get(f"/{lang}/compare").text
    select = page[page.index('id="compare-add"') : page.index("</select>", page.index('id="compare-add"'))]
    options = re.findall(r'<option value="([a-z0-9-]+)">([^<]+)</option>', select)
    by_kind = {}
    for slug, name in options:
        by_kind.setdefault(slug[:3], []).append(name)
    for names in by_kind.values():
        assert names == icu_sorted(names, lang)


@pytest.fixture
def indexed(app, client):
    worker = app.state.search_worker
    worker.needs_reindex = True
    worker.drain_now()
    return worker


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_search_browse_order_follows_the_collation(indexed, client, lang):
    hits = client.get("/api/v1/search", params={"type": "zone", "lang": lang, "per_page": 50}).json()["hits"]
    titles = [h[f"title_{lang}"] if f"title_{lang}" in h else h["title"] for h in hits]
    assert len(titles) >= 20 and titles == icu_sorted(titles, lang)
