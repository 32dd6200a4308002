"""Review pages over HTTP: access per role, the full journey, 409 on illegal steps, attachments, forms."""

from __future__ import annotations

import re

import pytest
from sqlmodel import col, select

from portal.audit.models import AuditEvent
from portal.intake.models import Proposal
from portal.registry.models import Project
from portal.review.models import ReviewMessage
from tests.factories import login, logout
from tests.review.factories import make_attachment, make_proposal


def post(client, url, csrf, **data):
    return client.post(url, data={"csrf_token": csrf, **data}, follow_redirects=False)


def status_of(session, proposal):
    session.expire_all()
    return session.get(Proposal, proposal.id).status


# --- access ----------------------------------------------------------------------------------------------

SCREENER_GETS = ["/{lang}/review/", "/{lang}/review/{id}"]
SCREENER_POSTS = [
    "/{lang}/review/{id}/assign",
    "/{lang}/review/{id}/start",
    "/{lang}/review/{id}/comment",
    "/{lang}/review/{id}/request-info",
    "/{lang}/review/{id}/resume",
    "/{lang}/review/{id}/decide",
    "/{lang}/review/{id}/withdraw",
    "/{lang}/review/{id}/rescreen",
]


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("url", SCREENER_GETS)
def test_anonymous_is_sent_to_sign_in(client, session, lang, url):
    p, _ = make_proposal(session)
    response = client.get(url.format(lang=lang, id=p.id), follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith(f"/{lang}/staff/login?next=")


@pytest.mark.parametrize("url", SCREENER_GETS)
def test_staff_is_refused_pages(client, session, url):
    p, _ = make_proposal(session)
    login(client, session, roles=["staff"])
    assert client.get(url.format(lang="en", id=p.id)).status_code == 403


@pytest.mark.parametrize("url", SCREENER_POSTS)
@pytest.mark.parametrize("who", ["anonymous", "staff"])
def test_forbidden_posts_change_nothing(client, session, csrf, url, who):
    p, _ = make_proposal(session, status="in_review")
    if who == "staff":
        login(client, session, roles=["staff"])
    response = post(
        client,
        url.format(lang="en", id=p.id),
        csrf,
        text_vi="x",
        text_en="y",
        text="z",
        outcome="accept",
        screener_id="me",
    )
    assert response.status_code == (403 if who == "staff" else 303)
    if who == "anonymous":
        assert "/staff/login" in response.headers["location"]
    assert status_of(session, p) == "in_review"
    assert session.exec(select(ReviewMessage).where(ReviewMessage.proposal_id == p.id)).all() == []


@pytest.mark.parametrize("roles", [["screener"], ["admin"], ["staff", "screener"]])
def test_screeners_and_admins_see_the_queue_and_case(client, session, roles):
    p, _ = make_proposal(session)
    login(client, session, roles=roles)
    queue = client.get("/en/review/")
    assert queue.status_code == 200 and p.reference in queue.text
    case = client.get(f"/vi/review/{p.id}")
    assert case.status_code == 200 and p.company_name in case.text


def test_unknown_case_is_404(client, session):
    login(client, session, roles=["screener"])
    assert client.get("/en/review/999999999").status_code == 404
    assert client.get("/en/review/abc").status_code in (400, 404, 422)


def test_post_without_csrf_is_refused(client, session):
    p, _ = make_proposal(session)
    login(client, session, roles=["screener"])
    response = client.post(f"/en/review/{p.id}/start", data={}, follow_redirects=False)
    assert response.status_code == 403
    assert status_of(session, p) == "submitted"


# --- the journey -----------------------------------------------------------------------------------------


def test_full_journey_submit_assign_request_answer_accept_registry(client, session, csrf):
    p, token = make_proposal(session, locale="en", land_ha=7.5)
    me = login(client, session, roles=["screener"])

    # assign to me from the queue → in review
    r = post(client, f"/vi/review/{p.id}/assign?from=queue", csrf, screener_id="me")
    assert r.status_code == 303 and r.headers["location"] == "/vi/review/?done=assigned"
    assert status_of(session, p) == "in_review"
    queue = client.get("/vi/review/?assignee=me").text
    assert p.reference in queue and me.label in queue

    # request information (both languages)
    r = post(
        client,
        f"/en/review/{p.id}/request-info",
        csrf,
        text_vi="Đề nghị bổ sung công nghệ xử lý nước thải.",
        text_en="Please describe the wastewater treatment.",
    )
    assert r.status_code == 303
    assert status_of(session, p) == "info_requested"

    # the investor answers from the tracking page (their language: en)
    logout(client)
    r = post(client, f"/en/proposals/status/{token}/answer", csrf, text="We use an MBR plant, 60 m³/day.")
    assert r.status_code == 303 and r.headers["location"] == f"/en/proposals/status/{token}?done=answered"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert status_of(session, p) == "in_review"
    status_page = client.get(f"/en/proposals/status/{token}")
    assert status_page.status_code == 200
    assert "Please describe the wastewater treatment." in status_page.text
    assert "We use an MBR plant" in status_page.text

    # the screener sees the answer and accepts
    login(client, session, roles=["screener"])
    case = client.get(f"/en/review/{p.id}").text
    assert "We use an MBR plant" in case
    r = post(
        client,
        f"/en/review/{p.id}/decide",
        csrf,
        outcome="accept",
        text_vi="Phù hợp định hướng thu hút đầu tư.",
        text_en="Fits the investment orientation.",
    )
    assert r.status_code == 303, r.text
    assert status_of(session, p) == "accepted"

    project = session.exec(select(Project).where(Project.proposal_id == p.id)).one()
    assert project.zone_id == p.zone_id and project.land_ha == 7.5 and project.investor_name == p.company_name

    # the investor reads the decision in English; the Vietnamese page shows the Vietnamese reason
    assert "Fits the investment orientation." in client.get(f"/en/proposals/status/{token}").text
    assert "Phù hợp định hướng thu hút đầu tư." in client.get(f"/vi/proposals/status/{token}").text

    # every transition audited
    actions = [
        e.action
        for e in session.exec(
            select(AuditEvent)
            .where(
                AuditEvent.object_type == "proposal",
                AuditEvent.object_id == str(p.id),
                col(AuditEvent.action).startswith("review."),
            )
            .order_by(col(AuditEvent.id))
        ).all()
    ]
    assert actions == ["review.assign", "review.start_review", "review.request_info", "review.answer", "review.accept"]

    # once staff publish the project it appears on the public registry page
    project.published = True
    session.add(project)
    session.commit()
    registry = client.get("/en/registry")
    if registry.status_code == 404:
        pytest.skip("the registry page is not there yet")
    assert p.company_name in registry.text


def test_refuse_from_a_template_prefilled_without_js(client, session, csrf):
    p, _token = make_proposal(session, status="in_review")
    login(client, session, roles=["screener"])
    page = client.get(f"/en/review/{p.id}?use=decision&template=refuse-outside-zone").text
    assert "must be located inside an industrial park" in page  # English text prefilled
    assert "Nhà máy sản xuất phải đặt trong khu công nghiệp" in page  # and the Vietnamese one
    assert re.search(r'value="refuse"\s+checked', page)
    r = post(
        client,
        f"/en/review/{p.id}/decide",
        csrf,
        outcome="refuse",
        text_vi="Nhà máy sản xuất phải đặt trong khu công nghiệp.",
        text_en="Must be inside a park.",
    )
    assert r.status_code == 303
    assert status_of(session, p) == "refused"
    assert session.exec(select(Project).where(Project.proposal_id == p.id)).first() is None


@pytest.mark.parametrize(
    ("lang", "message"),
    [("en", "A decision needs its reason in English."), ("vi", "Quyết định cần có lý do bằng tiếng Anh.")],
)
def test_decision_without_reason_is_refused_and_keeps_the_text(client, session, csrf, lang, message):
    p, _ = make_proposal(session, status="in_review")
    login(client, session, roles=["screener"])
    r = post(
        client, f"/{lang}/review/{p.id}/decide", csrf, outcome="accept", text_vi="Lý do tiếng Việt đã nhập", text_en=""
    )
    assert r.status_code == 400
    assert "Lý do tiếng Việt đã nhập" in r.text
    assert message in r.text
    assert 'aria-invalid="true"' in r.text
    assert status_of(session, p) == "in_review"
    assert session.exec(select(Project).where(Project.proposal_id == p.id)).first() is None


def test_accepting_a_proposal_without_zone_asks_for_one(client, session, csrf):
    p, _ = make_proposal(session, status="in_review", zone=None, inside_zone=None)
    login(client, session, roles=["screener"])
    r = post(client, f"/en/review/{p.id}/decide", csrf, outcome="accept", text_vi="Đồng ý.", text_en="Agreed.")
    assert r.status_code == 400 and 'id="dc-zone"' in r.text
    assert status_of(session, p) == "in_review"
    zone_id = re.search(r'<option value="(\d+)"', r.text.split('id="dc-zone"')[1]).group(1)
    r = post(
        client,
        f"/en/review/{p.id}/decide",
        csrf,
        outcome="accept",
        text_vi="Đồng ý.",
        text_en="Agreed.",
        zone_id=zone_id,
    )
    assert r.status_code == 303
    project = session.exec(select(Project).where(Project.proposal_id == p.id)).one()
    assert project.zone_id == int(zone_id)
    assert session.get(Proposal, p.id).zone_id is None  # the investor's own facts are untouched


@pytest.mark.parametrize(
    ("status", "url", "data"),
    [
        ("accepted", "/en/review/{id}/decide", {"outcome": "refuse", "text_vi": "a", "text_en": "b"}),
        ("submitted", "/en/review/{id}/decide", {"outcome": "accept", "text_vi": "a", "text_en": "b"}),
        ("refused", "/en/review/{id}/request-info", {"text_vi": "a", "text_en": "b"}),
        ("in_review", "/en/review/{id}/resume", {}),
        ("withdrawn", "/en/review/{id}/start", {}),
        ("accepted", "/en/review/{id}/assign", {"screener_id": "me"}),
    ],
)
def test_illegal_steps_answer_409_with_an_explanation(client, session, csrf, status, url, data):
    p, _ = make_proposal(session, status=status)
    login(client, session, roles=["screener"])
    r = post(client, url.format(id=p.id), csrf, **data)
    assert r.status_code == 409
    assert "This step is not possible now" in r.text and "nothing was changed" in r.text
    assert status_of(session, p) == status


def test_409_page_in_vietnamese(client, session, csrf):
    p, _ = make_proposal(session, status="accepted")
    login(client, session, roles=["screener"])
    r = post(client, f"/vi/review/{p.id}/decide", csrf, outcome="refuse", text_vi="a", text_en="b")
    assert r.status_code == 409 and '<html lang="vi">' in r.text


def test_comment_is_internal(client, session, csrf):
    p, token = make_proposal(session, status="in_review")
    login(client, session, roles=["screener"])
    r = post(client, f"/en/review/{p.id}/comment", csrf, text="Internal: check the land lease NOW")
    assert r.status_code == 303
    assert "check the land lease NOW" in client.get(f"/en/review/{p.id}").text
    logout(client)
    assert "check the land lease NOW" not in client.get(f"/en/proposals/status/{token}").text
    empty = None
    login(client, session, roles=["screener"])
    empty = post(client, f"/en/review/{p.id}/comment", csrf, text="   ")
    assert empty.status_code == 400 and "Write the comment." in empty.text


def test_rescreen_over_http_stores_a_new_snapshot(client, session, csrf):
    p, _ = make_proposal(session, status="in_review")
    p.verdict = "refuse"
    p.screening = {**p.screening, "verdict": "refuse"}
    session.add(p)
    session.commit()
    login(client, session, roles=["screener"])
    r = post(client, f"/en/review/{p.id}/rescreen", csrf)
    assert r.status_code == 303
    session.expire_all()
    fresh = session.get(Proposal, p.id)
    assert fresh.verdict != "refuse" and fresh.screening["verdict"] == fresh.verdict
    page = client.get(f"/en/review/{p.id}").text
    assert "Earlier screening results" in page


# --- the investor's token -----------------------------------------------------------------------------------


def test_a_token_opens_only_its_own_proposal(client, session, csrf):
    a, token_a = make_proposal(session, status="info_requested")
    b, _token_b = make_proposal(session, status="info_requested")
    r = post(client, f"/en/proposals/status/{token_a}/answer", csrf, text="answer for A")
    assert r.status_code == 303
    assert status_of(session, a) == "in_review"
    assert status_of(session, b) == "info_requested"
    texts = session.exec(
        select(ReviewMessage.proposal_id).where(
            ReviewMessage.kind == "investor_answer", col(ReviewMessage.proposal_id).in_([a.id, b.id])
        )
    )
    assert list(texts) == [a.id]


@pytest.mark.parametrize("token", ["x" * 43, "short", "../../etc/passwd", "A" * 200])
def test_unknown_or_malformed_token_is_404(client, session, csrf, token):
    r = post(client, f"/en/proposals/status/{token}/answer", csrf, text="hi")
    assert r.status_code in (404, 405)
    r = post(client, f"/en/proposals/status/{token}/withdraw", csrf, confirm="1")
    assert r.status_code in (404, 405)


def test_investor_answer_needs_text_and_keeps_nothing_lost(client, session, csrf):
    p, token = make_proposal(session, status="info_requested")
    r = post(client, f"/en/proposals/status/{token}/answer", csrf, text="  ")
    assert r.status_code == 400 and "Write your answer." in r.text
    assert r.headers["x-robots-tag"].startswith("noindex")
    assert status_of(session, p) == "info_requested"


def test_investor_cannot_answer_when_nothing_was_asked(client, session, csrf):
    p, token = make_proposal(session, status="in_review")
    r = post(client, f"/en/proposals/status/{token}/answer", csrf, text="unsolicited")
    assert r.status_code == 409
    assert status_of(session, p) == "in_review"


def test_investor_withdraws_with_confirmation(client, session, csrf):
    p, token = make_proposal(session)
    r = post(client, f"/vi/proposals/status/{token}/withdraw", csrf, reason="Đổi địa điểm")
    assert r.status_code == 400 and "Đổi địa điểm" in r.text  # kept
    assert status_of(session, p) == "submitted"
    r = post(client, f"/vi/proposals/status/{token}/withdraw", csrf, reason="Đổi địa điểm", confirm="1")
    assert r.status_code == 303
    assert status_of(session, p) == "withdrawn"
    again = post(client, f"/vi/proposals/status/{token}/withdraw", csrf, confirm="1")
    assert again.status_code == 409


# --- attachments -----------------------------------------------------------------------------------------------


def test_attachment_download_for_screeners_only_with_safe_headers(client, session, settings):
    p, _token = make_proposal(session)
    att = make_attachment(session, p, settings.upload_dir, name="Báo cáo ĐTM 2025.pdf", content=b"%PDF-1.4 data")
    url = f"/en/review/{p.id}/attachments/{att.id}"

    assert client.get(url, follow_redirects=False).status_code == 303  # anonymous → sign in
    login(client, session, roles=["staff"])
    assert client.get(url).status_code == 403
    logout(client)
    login(client, session, roles=["screener"])
    r = client.get(url)
    assert r.status_code == 200 and r.content == b"%PDF-1.4 data"
    assert r.headers["content-disposition"] == (
        "attachment; filename*=UTF-8''B%C3%A1o%20c%C3%A1o%20%C4%90TM%202025.pdf"
    )
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["content-type"].startswith("application/pdf")
    assert "no-store" in r.headers["cache-control"]


def test_attachment_of_another_proposal_is_404(client, session, settings):
    a, _ = make_proposal(session)
    b, _ = make_proposal(session)
    att = make_attachment(session, b, settings.upload_dir)
    login(client, session, roles=["screener"])
    assert client.get(f"/en/review/{a.id}/attachments/{att.id}").status_code == 404
    assert client.get(f"/en/review/{b.id}/attachments/{att.id}").status_code == 200


@pytest.mark.parametrize("stored", ["../secret.pdf", "/etc/passwd", "sub/evil.pdf", ".incoming", "..", ""])
def test_attachment_path_from_the_database_cannot_leave_upload_dir(client, session, settings, tmp_path, stored):
    (tmp_path / "secret.pdf").write_bytes(b"%PDF top secret")
    p, _ = make_proposal(session)
    att = make_attachment(session, p, settings.upload_dir, stored_name=stored or "x")
    if not stored:
        att.stored_name = ""
        session.add(att)
        session.commit()
    login(client, session, roles=["screener"])
    r = client.get(f"/en/review/{p.id}/attachments/{att.id}")
    assert r.status_code == 404 and b"top secret" not in r.content


def test_attachment_symlink_out_of_upload_dir_is_refused(client, session, settings, tmp_path):
    (tmp_path / "outside.pdf").write_bytes(b"%PDF outside")
    settings.upload_dir.mkdir(parents=True, exist_ok=True)
    (settings.upload_dir / "link.pdf").symlink_to(tmp_path / "outside.pdf")
    p, _ = make_proposal(session)
    att = make_attachment(session, p, settings.upload_dir, stored_name="link.pdf")
    login(client, session, roles=["screener"])
    assert client.get(f"/en/review/{p.id}/attachments/{att.id}").status_code == 404


# --- the queue page -----------------------------------------------------------------------------------------------


def test_queue_page_filters_and_shows_the_columns(client, session):
    old, _ = make_proposal(session, age_days=40, zone="kcn-tran-de", company="Old Co")
    new, _ = make_proposal(session, age_days=2, company="New Co")
    login(client, session, roles=["screener"])
    page = client.get("/en/review/?older_than=30").text
    assert old.reference in page and new.reference not in page
    assert "Old Co" in page and ("Tran De" in page or "Trần Đề" in page)
    page = client.get("/en/review/?zone=kcn-tran-de&status=submitted").text
    assert old.reference in page and new.reference not in page
    both = client.get("/en/review/?status=submitted").text
    if old.reference in both and new.reference in both:
        assert both.index(old.reference) < both.index(new.reference)  # oldest first
    bad = client.get("/vi/review/?older_than=abc&status=zzz&sector=1;x")
    assert bad.status_code == 200 and 'class="field-error"' in bad.text
