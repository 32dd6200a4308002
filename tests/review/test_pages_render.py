"""The review pages in both languages: headings in order, labelled fields, CSRF in every form, no inline script."""

from __future__ import annotations

import itertools
import re

import pytest

from tests.factories import login
from tests.review.factories import make_proposal


def check_page(html: str) -> None:
    levels = [int(h) for h in re.findall(r"<h([1-6])[\s>]", html)]
    assert levels and levels[0] == 1 and levels.count(1) == 1
    for before, after in itertools.pairwise(levels):
        assert after <= before + 1, f"heading jumps from h{before} to h{after}"
    for form in re.findall(r'<form[^>]*method="post".*?</form>', html, flags=re.S):
        assert 'name="csrf_token"' in form
    for field_id in re.findall(r'<(?:input|textarea|select)[^>]*\sid="([^"]+)"', html):
        if field_id not in ("q-top",):
            assert f'for="{field_id}"' in html, f"field {field_id} has no label"
    assert "<script>" not in html and ' style="' not in html


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("status", ["submitted", "in_review", "info_requested", "accepted"])
def test_case_and_queue_pages_are_well_formed(client, session, lang, status):
    p, _ = make_proposal(session, status=status)
    login(client, session, roles=["screener"])
    for url in (f"/{lang}/review/", f"/{lang}/review/{p.id}"):
        response = client.get(url)
        assert response.status_code == 200
        assert f'<html lang="{lang}">' in response.text
        check_page(response.text)


def test_case_page_shows_findings_with_citations_in_the_page_language(client, session):
    p, _ = make_proposal(session, status="in_review", equipment_condition="used", technology_level="outdated")
    login(client, session, roles=["screener"])
    finding = p.screening["findings"][0]
    vi = client.get(f"/vi/review/{p.id}").text
    en = client.get(f"/en/review/{p.id}").text
    assert finding["title"]["vi"] in vi and finding["title"]["en"] in en
    assert finding["citation"]["en"]["section"] in en


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_status_page_snippet_offers_answer_and_withdraw_only_when_allowed(session, lang):
    from types import SimpleNamespace

    from portal.review import service
    from portal.web.render import environment
    from tests.factories import make_user

    screener = make_user(session, roles=["screener"])
    p, token = make_proposal(session, status="in_review", locale=lang)
    service.request_info(session, proposal=p, actor=screener, text_vi="Cần bổ sung.", text_en="Please add.")
    session.commit()
    template = environment(lang).get_template("review/public.html")
    request = SimpleNamespace(query_params={})

    def render():
        return template.render(
            review=service.status_context(session, p, lang, token=token), lang=lang, csrf_token="tok", request=request
        )

    html = render()
    assert f'action="/{lang}/proposals/status/{token}/answer"' in html
    assert f'action="/{lang}/proposals/status/{token}/withdraw"' in html
    assert ("Cần bổ sung." if lang == "vi" else "Please add.") in html
    assert html.count('name="csrf_token" value="tok"') == 2
    service.answer_info_request(session, proposal=p, text="Done")
    html = render()
    assert "/answer" not in html and "/withdraw" in html
    service.withdraw(session, proposal=p)
    assert "<form" not in render()
