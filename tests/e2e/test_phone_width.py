"""No public page scrolls sideways on a 390 px phone, in either language; the main menu folds behind
its button there and opens again."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import LANGS, T

WIDTH = 390
PUBLIC_PAGES = [
    "/",
    "/zones",
    "/zones?columns=all",
    "/zones/kcn-an-nghiep",
    "/zones/kcn-tran-de",
    "/zones/ccn-xay-da-b",
    "/zones/kkt-tran-de",
    "/map",
    "/compare?zones=kcn-an-nghiep,kcn-tran-de,ccn-xay-da-b",
    "/compare?zones=kcn-an-nghiep,kcn-tran-de,ccn-xay-da-b,kcn-dai-ngai&rows=all",
    "/search?q=th%E1%BB%A7y+s%E1%BA%A3n",
    "/match",
    "/precheck",
    "/proposals/new",
    "/targets",
    "/sectors",
    "/rules",
    "/registry",
    "/open-data",
    "/pipeline",
    "/staff/login",
    "/no-such-page",
]


@pytest.mark.parametrize("lang", LANGS)
def test_no_public_page_is_wider_than_a_390px_phone(browser, live_server, lang):
    context = browser.new_context(base_url=live_server.base_url, viewport={"width": WIDTH, "height": 800})
    page = context.new_page()
    too_wide = {}
    try:
        for path in PUBLIC_PAGES:
            page.goto(f"/{lang}{path}")
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > WIDTH:
                too_wide[path] = width
    finally:
        context.close()
    assert too_wide == {}, f"pages wider than {WIDTH} px ({lang}): {too_wide}"


@pytest.mark.parametrize("lang", LANGS)
def test_the_main_menu_folds_on_a_phone(browser, live_server, lang):
    context = browser.new_context(base_url=live_server.base_url, viewport={"width": WIDTH, "height": 800})
    page = context.new_page()
    try:
        page.goto(f"/{lang}/")
        menu = page.get_by_role("button", name=T(lang, "Menu"))
        link = page.get_by_role("navigation", name=T(lang, "Main")).get_by_role("link", name=T(lang, "Map"))
        assert menu.get_attribute("aria-expanded") == "false" and not link.is_visible()
        menu.click()
        assert menu.get_attribute("aria-expanded") == "true" and link.is_visible()
    finally:
        context.close()
