"""The screeners' review queue reads on a 390 px phone (each case a card, each value under its column's
name) and at desktop width; nowhere does a cell break a word letter by letter."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import LANGS, T, sign_in
from tests.e2e.test_screener_journey import submit_by_api

# Every word of every cell of the queue that the browser laid out on more than one line (a word split
# across lines has more than one client rectangle), and the cells narrower than their longest word.
BROKEN_WORDS = """() => {
  const hidden = (el) => {  // visually hidden: inside a clipped box of 1 px (the headings of the phone cards)
    for (; el; el = el.parentElement) {
      if (el.getBoundingClientRect().width <= 1 && getComputedStyle(el).overflow === "hidden") return true;
    }
    return false;
  };
  const broken = [];
  for (const cell of document.querySelectorAll("table.review-queue th, table.review-queue td")) {
    if (hidden(cell) || !cell.getClientRects().length) continue;
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (hidden(node.parentElement)) continue;
      for (const m of node.data.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        const word = range.getBoundingClientRect().width;
        if (lines.size > 1 || word > cell.getBoundingClientRect().width + 0.5) broken.push(m[0]);
      }
    }
  }
  return broken;
}"""


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("width", [390, 1280])
def test_the_review_queue_fits_the_screen_and_breaks_no_word(browser, live_server, screener_account, lang, width):
    reference = submit_by_api(live_server, lang)["reference"]
    context = browser.new_context(base_url=live_server.base_url, viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, lang, screener_account)
        page.goto(f"/{lang}/review/?applied=1")
        page.get_by_role("link", name=reference, exact=True).wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert page.evaluate(BROKEN_WORDS) == []
        if width == 390:  # a card: the column's name is shown beside each value
            status = page.locator("table.review-queue td[data-label]").nth(3)
            label = page.evaluate("(el) => getComputedStyle(el, '::before').content", status.element_handle())
            assert label == f'"{T(lang, "Status")}"'
    finally:
        context.close()


@pytest.mark.parametrize("lang", LANGS)
def test_the_case_pages_environmental_classification_gives_its_values_room(
    browser, live_server, screener_account, lang
):
    proposal = submit_by_api(live_server, lang)
    context = browser.new_context(base_url=live_server.base_url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, lang, screener_account)
        page.goto(f"/{lang}/review/?applied=1")
        page.get_by_role("link", name=proposal["reference"], exact=True).click()
        widths = page.evaluate(
            """() => [...document.querySelectorAll(".classification dl.facts")].map((dl) => ({
                 dl: dl.getBoundingClientRect().width,
                 dd: Math.min(...[...dl.querySelectorAll(":scope > dd")].map((d) => d.getBoundingClientRect().width)),
               }))"""
        )
        assert widths, "no environmental classification on the case page"
        assert all(w["dd"] >= 0.5 * w["dl"] for w in widths), widths  # was ~175 of ~700 px in Vietnamese
    finally:
        context.close()
