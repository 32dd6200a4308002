"""The case page: facts and findings beside the action panel; a template fills the form without losing what
was typed (without JavaScript: a post that writes nothing); a decision shows a summary and waits for the
screener's confirmation."""

from __future__ import annotations

import html as htmllib
import re

import pytest
from sqlmodel import select

from portal.audit import service as audit
from portal.i18n import translate
from portal.intake.models import Proposal
from portal.review import service, workflow
from portal.review.models import ReviewMessage
from tests.conftest import csrf_token
from tests.factories import login
from tests.review.factories import make_proposal


def textarea(page: str, element_id: str) -> str:
    match = re.search(rf'<textarea id="{element_id}"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, element_id
    return htmllib.unescape(match.group(1))


def test_facts_and_findings_sit_beside_the_action_panel(client, session):
    login(client, session, roles=["screener"])
    p, _ = make_proposal(session, status="in_review")
    page = client.get(f"/en/review/{p.id}").text
    main = page[page.index('<div class="case-main">') : page.index('<aside class="case-panel"')]
    panel = page[page.index('<aside class="case-panel"') : page.index("</aside>")]
    assert 'id="facts-title"' in main and 'id="screening-title"' in main
    assert "/request-info" in panel and "/decide" in panel and "/assign" in panel
    assert '<script src="/static/js/review.js' in page
    assert client.get("/static/js/review.js").status_code == 200


def test_without_javascript_fill_in_keeps_what_was_typed_and_writes_nothing(client, session):
    login(client, session, roles=["screener"])
    p, _ = make_proposal(session, status="in_review")
    [template] = [t for t in service.reason_templates(use="request_info")][:1]
    response = client.post(
        f"/vi/review/{p.id}/fill/request_info",
        data={
            "csrf_token": csrf_token(client),
            "text_vi": "Tôi đã gõ dòng này.",
            "text_en": "",
            "template": template.key,
        },
    )
    assert response.status_code == 200
    vi, en = textarea(response.text, "ri-vi"), textarea(response.text, "ri-en")
    assert vi.startswith("Tôi đã gõ dòng này.") and template.vi in vi
    assert en == template.en
    session.expire_all()
    assert session.exec(select(ReviewMessage).where(ReviewMessage.proposal_id == p.id)).all() == []
    assert session.get(Proposal, p.id).status == "in_review"


def test_a_decision_template_sets_the_outcome_when_none_was_chosen(client, session):
    login(client, session, roles=["screener"])
    p, _ = make_proposal(session, status="in_review")
    refuse = service.reason_templates(use="refuse")[0]
    page = client.post(
        f"/en/review/{p.id}/fill/decision",
        data={"csrf_token": csrf_token(client), "template": refuse.key, "text_vi": "", "text_en": "My own words."},
    ).text
    assert re.search(r'<input type="radio" name="outcome" value="refuse" checked', page)
    assert textarea(page, "dc-en").startswith("My own words.") and refuse.en in textarea(page, "dc-en")


def test_a_decision_is_summarised_and_recorded_only_once_confirmed(client, session):
    login(client, session, roles=["screener"])
    p, _ = make_proposal(session, status="in_review", locale="en")
    csrf = csrf_token(client)
    fields = {
        "csrf_token": csrf,
        "outcome": "accept",
        "text_vi": "Đáp ứng điều kiện.\nDòng hai.",
        "text_en": "Meets the conditions.\nLine two.",
        "land_ha": "4.5",
    }
    summary = client.post(f"/en/review/{p.id}/decide", data={**fields, "step": "summary"}, follow_redirects=False)
    assert summary.status_code == 200
    assert "Confirm the decision" in summary.text and "Meets the conditions." in summary.text
    assert "accepted in principle" in summary.text and "4.5" in summary.text and p.contact_email in summary.text
    session.expire_all()
    assert session.get(Proposal, p.id).status == "in_review"  # nothing recorded yet
    # the confirmation form carries every value, newlines included
    hidden = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', summary.text))
    assert htmllib.unescape(hidden["text_en"]) == "Meets the conditions.\nLine two."
    change = client.post(f"/en/review/{p.id}/fill/decision", data={**fields, "template": ""})
    assert textarea(change.text, "dc-en") == "Meets the conditions.\nLine two."  # "Change it" loses nothing
    confirmed = client.post(
        f"/en/review/{p.id}/decide",
        data={k: htmllib.unescape(v) for k, v in hidden.items()},
        follow_redirects=False,
    )
    assert confirmed.status_code == 303
    session.expire_all()
    assert session.get(Proposal, p.id).status == "accepted"


def test_a_summary_with_missing_reasons_goes_back_to_the_form(client, session):
    login(client, session, roles=["screener"])
    p, _ = make_proposal(session, status="in_review")
    response = client.post(
        f"/en/review/{p.id}/decide",
        data={
            "csrf_token": csrf_token(client),
            "outcome": "refuse",
            "text_vi": "Lý do.",
            "text_en": "",
            "step": "summary",
        },
    )
    assert response.status_code == 400 and "Confirm the decision" not in response.text
    assert textarea(response.text, "dc-vi") == "Lý do."


# every audit action a case records (portal/intake/service.py submit, portal/review/service.py steps)
CASE_ACTIONS = ["proposal.submitted", "review.assign", "review.comment", "review.rescreen"] + [
    f"review.{a}" for a in workflow.Action
]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_history_names_every_action_in_words_never_by_its_code(client, session, lang):
    user = login(client, session, roles=["screener"])
    p, _ = make_proposal(session, status="in_review")
    for action in CASE_ACTIONS:
        audit.record(session, actor=user, action=action, object_type="proposal", object_id=p.id)
    session.commit()
    page = client.get(f"/{lang}/review/{p.id}").text
    history = page[page.index('id="history-title"') : page.index("</ol>", page.index('id="history-title"'))]
    assert re.findall(r"\b(?:review|proposal)\.[a-z_]+", history) == []
    for action in CASE_ACTIONS:
        label = workflow.event_label(action)
        assert label != workflow.OTHER_EVENT, action
        assert htmllib.escape(translate(lang, label), quote=False) in history, action
        assert lang == "en" or translate(lang, label) != label, f"{label!r} has no Vietnamese"
    # who acted: the screener by e-mail, the public by a translated word (audit stores "investor" / "system")
    audit.record(
        session, actor=None, actor_label="investor", action="review.answer", object_type="proposal", object_id=p.id
    )
    audit.record(session, actor=None, action="review.rescreen", object_type="proposal", object_id=p.id)
    session.commit()
    page = client.get(f"/{lang}/review/{p.id}").text
    history = page[page.index('id="history-title"') : page.index("</ol>", page.index('id="history-title"'))]
    assert user.email in history
    assert f"— {translate(lang, 'Investor')} —" in history and f"— {translate(lang, 'System')} —" in history
