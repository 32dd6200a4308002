"""The sector picker on the pre-check and proposal forms, in both languages: with JavaScript the filter box
narrows the VSIC list as one types ("thuy san" without accents and "seafood" both offer 1020), and the
chosen class is what the form sends; without JavaScript, "Find" sends the form back with the matching
classes as checkboxes, and the pre-check still runs on the class ticked there."""

from __future__ import annotations

import re
from urllib.parse import parse_qs

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import LANGS, TIMEOUT_MS, T, _host_allowed

SEAFOOD = "1020"  # Chế biến, bảo quản thủy sản và các sản phẩm từ thủy sản
QUERIES = ("thuy san", "seafood")


def visible_codes(page) -> list[str]:
    """The values of the options the filter leaves visible in the sector list."""
    return page.locator("select#f-sectors").evaluate(
        "select => Array.from(select.options).filter(o => !o.hidden).map(o => o.value)"
    )


def sent_sectors(request) -> list[str]:
    """The `sectors` values of a form the browser sent (urlencoded, or multipart for the proposal form)."""
    body = request.post_data_buffer or b""
    if "multipart/form-data" in (request.headers.get("content-type") or ""):
        return [v.decode() for v in re.findall(rb'name="sectors"\r\n\r\n([^\r]*)\r\n', body)]
    return parse_qs(body.decode()).get("sectors", [])


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("form", ["precheck", "proposals/new"])
def test_typing_filters_the_list_and_the_chosen_class_is_sent(page, lang, form):
    page.goto(f"/{lang}/{form}")
    sectors = page.get_by_label(T(lang, "Sectors (VSIC)"))
    box = page.get_by_label(T(lang, "Find your sector by name or code"))
    picker = page.locator("[data-sector-picker]")
    expect(picker.get_by_role("button", name=T(lang, "Find"), exact=True)).to_be_hidden()  # not needed with JS
    everything = len(visible_codes(page))
    assert everything > 400  # all VSIC 2025 classes before typing

    for query in QUERIES:
        box.fill(query)
        shown = visible_codes(page)
        assert SEAFOOD in shown, (query, shown)
        assert 0 < len(shown) < 20, (query, shown)  # a short list, not the whole classification
        expect(sectors.locator(f"option[value='{SEAFOOD}']")).to_contain_text(SEAFOOD)

    sectors.select_option(SEAFOOD)
    box.fill("")  # the chosen class stays chosen when the filter changes
    assert len(visible_codes(page)) == everything
    box.fill("thuy san")
    expect(sectors).to_have_values([SEAFOOD])

    if form == "precheck":  # the real pre-check answers, with the class still chosen
        with page.expect_request(lambda r: r.method == "POST" and r.url.endswith(f"/{lang}/precheck")) as sent:
            page.get_by_role("button", name=T(lang, "Check"), exact=True).click()
        assert sent_sectors(sent.value) == [SEAFOOD]
        expect(page.get_by_role("heading", level=2, name=T(lang, "Result"))).to_be_visible()
        expect(page.get_by_label(T(lang, "Sectors (VSIC)"))).to_have_values([SEAFOOD])
    else:  # only what the browser sends is looked at here (the investor journey submits real proposals)
        sent = []

        def capture(route):
            if route.request.method != "POST":
                return route.continue_()
            sent.append(route.request)
            return route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>sent</title>")

        page.route(f"**/{lang}/proposals/new", capture)
        page.get_by_role("button", name=T(lang, "Submit the proposal"), exact=True).click()
        expect(page).to_have_title("sent")
        assert [sent_sectors(request) for request in sent] == [[SEAFOOD]]


@pytest.mark.parametrize("lang", LANGS)
def test_without_javascript_find_lists_the_matching_classes_and_the_precheck_runs(browser, live_server, lang):
    context = browser.new_context(
        base_url=live_server.base_url, locale="vi-VN" if lang == "vi" else "en-US", java_script_enabled=False
    )
    context.set_default_timeout(TIMEOUT_MS)
    foreign: list[str] = []

    def guard(route):
        if _host_allowed(route.request.url):
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    try:
        for query in QUERIES:
            page.goto(f"/{lang}/precheck")
            page.get_by_label(T(lang, "Find your sector by name or code")).fill(query)
            picker = page.locator("[data-sector-picker]")
            with page.expect_navigation():  # count() does not wait: read the boxes of the page that came back
                picker.get_by_role("button", name=T(lang, "Find"), exact=True).click()  # the form, filtered
            group = page.get_by_role("group", name=T(lang, "Sectors (VSIC)"))
            boxes = group.get_by_role("checkbox")
            assert 0 < boxes.count() < 20, query
            expect(group.locator(f"input[type=checkbox][value='{SEAFOOD}']")).to_have_count(1)
        group.locator(f"input[type=checkbox][value='{SEAFOOD}']").check()
        with page.expect_request(lambda r: r.method == "POST") as sent:
            page.get_by_role("button", name=T(lang, "Check"), exact=True).click()
        assert sent_sectors(sent.value) == [SEAFOOD]
        expect(page.get_by_role("heading", level=2, name=T(lang, "Result"))).to_be_visible()
        expect(page.get_by_label(T(lang, "Sectors (VSIC)"))).to_have_values([SEAFOOD])
    finally:
        context.close()
    assert not foreign, foreign
