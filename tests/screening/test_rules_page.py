"""The rules page quotes the ruleset: every quote it shows is a rule's citation, and the template holds none."""

from __future__ import annotations

import html
import re
from pathlib import Path

from portal.screening import service

TEMPLATE = Path(__file__).resolve().parents[2] / "portal/templates/screening/rules.html"


def test_rules_page_quotes_come_from_the_ruleset(client, session):
    quotes = {rule.citation.quote for rule in service.get_ruleset(session).rules}
    for lang in ("vi", "en"):
        page = client.get(f"/{lang}/rules")
        assert page.status_code == 200
        shown = [html.unescape(q) for q in re.findall(r'<blockquote lang="vi">“(.*?)”</blockquote>', page.text)]
        assert len(shown) == 6 and set(shown) <= quotes


def test_the_template_repeats_no_quote():
    with open(TEMPLATE, encoding="utf-8") as fh:
        text = fh.read()
    assert "“" not in text.replace("“{{ citations[rule_id].quote }}”", "")
