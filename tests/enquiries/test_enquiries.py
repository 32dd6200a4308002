"""Ask about a zone: the form on the zone page (CSRF), bad input refused with the fields named,
spam (same address, 20 a minute) answered 429, questions stored, listed and answered by staff."""

from __future__ import annotations

from sqlmodel import select

from portal.audit.models import AuditEvent
from portal.enquiries.models import Enquiry
from tests.factories import login

GOOD = {"name": "Nguyễn Văn A", "email": "a@example.vn", "question": "Giá thuê đất bao nhiêu một mét vuông?"}


def post(client, csrf, **form):
    data = {"csrf_token": csrf, **GOOD, **form}
    return client.post("/vi/zones/kcn-an-nghiep/enquiry", data=data, follow_redirects=False)


def test_zone_page_has_the_form_and_a_question_is_stored(client, session, csrf):
    page = client.get("/en/zones/kcn-an-nghiep").text
    assert 'action="/en/zones/kcn-an-nghiep/enquiry"' in page and 'name="csrf_token"' in page
    response = post(client, csrf)
    assert response.status_code == 303 and response.headers["location"].endswith("?asked=1#ask")
    [e] = session.exec(select(Enquiry)).all()
    assert e.email == "a@example.vn" and e.status == "open" and e.lang == "vi"
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "enquiry.created")).first()
    assert "Cảm ơn bạn" in client.get("/vi/zones/kcn-an-nghiep?asked=1").text


def test_bad_input_is_refused_with_the_fields_named_and_nothing_stored(client, session, csrf):
    response = post(client, csrf, email="not-an-address", question="?")
    assert response.status_code == 422
    assert "Hãy nhập địa chỉ thư điện tử" in response.text and "ít nhất 10 ký tự" in response.text
    assert 'value="Nguyễn Văn A"' in response.text  # nothing lost
    assert session.exec(select(Enquiry)).all() == []


def test_a_post_without_csrf_is_refused(client, session):
    response = client.post("/vi/zones/kcn-an-nghiep/enquiry", data=GOOD, follow_redirects=False)
    assert response.status_code == 403
    assert session.exec(select(Enquiry)).all() == []


def test_spam_from_one_address_gets_429(client, session, csrf):
    codes = [post(client, csrf, email=f"bot{i}@example.vn").status_code for i in range(20)]
    assert codes[:10] == [303] * 10 and set(codes[10:]) == {429}
    assert len(session.exec(select(Enquiry)).all()) == 10


def test_staff_list_and_answer(client, session, csrf):
    post(client, csrf)
    user = login(client, session, roles=["staff"])
    page = client.get("/en/staff/enquiries").text
    assert "Giá thuê đất bao nhiêu" in page and "a@example.vn" in page
    [e] = session.exec(select(Enquiry)).all()
    data = {"csrf_token": csrf, "version": str(e.version), "answer": "Xin liên hệ Ban Quản lý."}
    assert client.post(f"/en/staff/enquiries/{e.id}", data=data, follow_redirects=False).status_code == 303
    session.expire_all()
    e = session.get(Enquiry, e.id)
    assert e.status == "answered" and e.answered_by_id == user.id
    again = client.post(f"/en/staff/enquiries/{e.id}", data=data, follow_redirects=False)
    assert again.status_code == 409  # the old version


def test_enquiries_need_staff(client):
    response = client.get("/en/staff/enquiries", follow_redirects=False)
    assert response.status_code in (302, 303, 401, 403)
