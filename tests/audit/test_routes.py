from sqlmodel import select

from portal.audit import service as audit
from portal.audit.models import AuditEvent
from tests.factories import make_user, signed_in


def test_audit_page_lists_and_filters(client, csrf, session):
    admin = signed_in(client, csrf, session, roles=("admin",))
    other = make_user(session, email="other@soctrang.gov.vn")
    audit.record(
        session,
        actor=other,
        action="zone.updated",
        object_type="zone",
        object_id=42,
        before={"name": "Cũ"},
        after={"name": "Mới"},
    )
    session.commit()
    html = client.get("/vi/admin/audit").text
    assert 'data-action="zone.updated"' in html and 'data-action="login.succeeded"' in html and "Mới" in html
    filtered = client.get(f"/vi/admin/audit?actor={other.id}&object_type=zone&object_id=42").text
    assert 'data-action="zone.updated"' in filtered and 'data-action="login.succeeded"' not in filtered
    assert client.get(f"/en/admin/audit?actor={admin.id}&action=zone.updated").text.count("data-action=") == 0


def test_audit_page_reports_bad_dates_next_to_the_field(client, csrf, session):
    signed_in(client, csrf, session, roles=("admin",))
    response = client.get("/en/admin/audit?since=yesterday&until=2024-01-01")
    assert response.status_code == 200
    assert 'id="af-since-error"' in response.text and 'value="yesterday"' in response.text
    response = client.get("/en/admin/audit?since=2024-02-01&until=2024-01-01")
    assert 'id="af-until-error"' in response.text


def test_audit_date_range_in_vietnam_days(client, csrf, session):
    signed_in(client, csrf, session, roles=("admin",))
    assert 'data-action="login.succeeded"' not in client.get("/en/admin/audit?until=2000-01-01").text
    assert 'data-action="login.succeeded"' in client.get("/en/admin/audit?since=2000-01-01").text


def test_audit_page_is_read_only(client, csrf, session):
    signed_in(client, csrf, session, roles=("admin",))
    before = session.exec(select(AuditEvent)).all()
    for method in ("post", "put", "delete", "patch"):
        response = client.request(method, "/vi/admin/audit", data={"csrf_token": csrf})
        assert response.status_code == 405
    assert len(session.exec(select(AuditEvent)).all()) == len(before)


def test_audit_paginates(client, csrf, session):
    signed_in(client, csrf, session, roles=("admin",))
    for i in range(60):
        audit.record(session, actor=None, action="bulk.test", object_type="thing", object_id=i)
    session.commit()
    first = client.get("/en/admin/audit?action=bulk.test").text
    assert 'rel="next"' in first and "#59" in first and "#9<" not in first
    second = client.get("/en/admin/audit?action=bulk.test&page=2").text
    assert "#9<" in second and 'rel="prev"' in second
