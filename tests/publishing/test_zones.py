"""Editing zones: saves, provenance, revisions, audit, drafts, validation and stale edits."""

from __future__ import annotations

import re

from sqlmodel import select

from portal import clock
from portal.audit.models import AuditEvent
from portal.catalogue.models import ZoneSector
from portal.versioning.models import Revision
from tests.conftest import count_rows
from tests.factories import login
from tests.publishing.factories import post_zone, zone, zone_form


def revisions_of(session, zone_id):
    return list(
        session.exec(
            select(Revision).where(Revision.object_type == "zone", Revision.object_id == zone_id).order_by(Revision.id)
        ).all()
    )


def audit_of(session, object_type, object_id):
    return list(
        session.exec(
            select(AuditEvent)
            .where(AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id))
            .order_by(AuditEvent.id)
        ).all()
    )


def test_save_updates_zone_with_staff_provenance_revision_and_audit(client, session, csrf):
    user = login(client, session, roles=["staff"], display_name="Lan Nguyễn")
    z = zone(session)
    before_version = z.version
    form = zone_form(
        session,
        industrial_land_ha="120.5",
        wastewater_status="working",
        wastewater_capacity_m3_day="2000",
        contact_phone="+84 299 3822 222",
    )
    response = post_zone(client, csrf, form)
    assert response.status_code == 303
    assert response.headers["location"] == "/en/staff/zones/kcn-tran-de/edit?saved=published"
    session.expire_all()
    z = zone(session)
    assert z.version == before_version + 1
    assert z.industrial_land_ha == 120.5 and z.wastewater_status == "working"
    assert z.contact_phone == "+84 299 3822 222"
    fact = z.facts["industrial_land_ha"]
    assert fact["source"] == "staff" and fact["ref"] == clock.today().isoformat() and fact["quote"] is None
    assert fact["entered_on"]
    assert z.facts["total_area_ha"]["source"] == "nq-03-2021"  # untouched field keeps its seed source
    [rev] = revisions_of(session, z.id)
    assert rev.actor_id == user.id and rev.version == z.version
    assert rev.changes["industrial_land_ha"] == [None, 120.5]
    assert rev.changes["wastewater_status"] == [None, "working"]
    assert "total_area_ha" not in rev.changes
    [event] = audit_of(session, "zone", z.id)
    assert event.action == "zone.updated" and event.actor_id == user.id
    assert event.before == {
        "industrial_land_ha": None,
        "wastewater_status": None,
        "wastewater_capacity_m3_day": None,
        "contact_phone": None,
    }
    assert event.after["industrial_land_ha"] == 120.5
    public = client.get("/en/zones/kcn-tran-de").text
    assert user.email not in public and "Entered by staff on" in public  # the person stays in the audit log
    assert f"provincial staff, {clock.today().isoformat()}" in public
    assert "Working" in public


def test_priority_sectors_are_edited(client, session, csrf):
    login(client, session, roles=["staff"])
    z = zone(session)
    response = post_zone(client, csrf, zone_form(session, priority_sectors=["1010", "2720"]))
    assert response.status_code == 303, response.text
    codes = sorted(s.sector_code for s in session.exec(select(ZoneSector).where(ZoneSector.zone_id == z.id)))
    assert codes == ["1010", "2720"]
    assert revisions_of(session, z.id)[-1].changes["priority_sectors"][1] == ["1010", "2720"]


def test_nothing_changed_writes_nothing(client, session, csrf):
    login(client, session, roles=["staff"])
    z = zone(session)
    revs, events = count_rows(session, "revision"), count_rows(session, "auditevent")
    response = post_zone(client, csrf, zone_form(session))
    assert response.headers["location"].endswith("saved=unchanged")
    assert count_rows(session, "revision") == revs and count_rows(session, "auditevent") == events
    session.refresh(z)
    assert z.version == 1


def test_validation_messages_by_the_field_in_each_language_and_values_kept(client, session, csrf):
    login(client, session, roles=["staff"])
    bad = zone_form(
        session,
        name_en="",
        total_area_ha="12,5",
        industrial_land_ha="-3",
        lat="95",
        contact_email="nope",
        verified_on="2999-01-01",
        description_en="My typed text",
    )
    en = post_zone(client, csrf, bad)
    assert en.status_code == 422
    html = en.text
    for message in [
        "This field is required.",
        "Use a dot for decimals",
        "Must not be negative.",
        "Must be between -90 and 90.",
        "Enter a valid email address.",
        "cannot be in the future",
    ]:
        assert message in html
    assert re.search(r'id="f-total_area_ha-error" class="field-error">[^<]*Use a dot', html)
    assert 'id="f-total_area_ha" name="total_area_ha" type="text" value="12,5"' in html
    assert "My typed text" in html and 'aria-invalid="true"' in html
    vi = post_zone(client, csrf, bad, lang="vi")
    assert vi.status_code == 422
    assert "Vui lòng điền mục này." in vi.text
    assert "This field is required." not in vi.text
    session.expire_all()
    assert zone(session).version == 1


def test_industrial_land_cannot_exceed_total(client, session, csrf):
    login(client, session, roles=["staff"])
    response = post_zone(client, csrf, zone_form(session, total_area_ha="100", industrial_land_ha="150"))
    assert response.status_code == 422
    assert "Industrial land cannot exceed the total area." in response.text


def test_draft_hides_zone_from_public_pages_and_api_and_publish_shows_it(client, session, csrf):
    user = login(client, session, roles=["staff"])
    z = zone(session)
    response = post_zone(client, csrf, zone_form(session, action="draft"))
    assert response.headers["location"].endswith("saved=draft")
    for url in ["/vi/zones/kcn-tran-de", "/en/zones/kcn-tran-de", "/api/v1/zones/kcn-tran-de"]:
        assert client.get(url).status_code == 404
    assert not re.search(r"^kcn-tran-de,", client.get("/api/v1/zones.csv").text, re.MULTILINE)
    assert client.get("/en/staff/zones/kcn-tran-de/edit").status_code == 200
    events = audit_of(session, "zone", z.id)
    assert [e.action for e in events] == ["zone.unpublished"]
    assert revisions_of(session, z.id)[-1].action == "unpublish"
    response = post_zone(client, csrf, zone_form(session, action="publish"))
    assert response.headers["location"].endswith("saved=published")
    assert client.get("/vi/zones/kcn-tran-de").status_code == 200
    assert [e.action for e in audit_of(session, "zone", z.id)] == ["zone.unpublished", "zone.published"]
    assert all(e.actor_id == user.id for e in audit_of(session, "zone", z.id))


def test_edit_page_explains_drafts_in_both_languages(client, session):
    login(client, session, roles=["staff"])
    assert "There is no separate draft copy" in client.get("/en/staff/zones/kcn-tran-de/edit").text
    assert "Lưu nháp" in client.get("/vi/staff/zones/kcn-tran-de/edit").text


def test_stale_edit_is_refused_with_409_keeping_the_users_values(client, session, csrf):
    from fastapi.testclient import TestClient

    # Lan opens the form …
    login(client, session, roles=["staff"], display_name="Lan")
    lans_form = zone_form(session, total_area_ha="170", description_en="Lan's new description")
    # … meanwhile Minh saves a change from another browser.
    other = TestClient(client.app, base_url="http://127.0.0.1:8000")
    from tests.conftest import csrf_token

    login(other, session, roles=["staff"], display_name="Minh Trần")
    minh = post_zone(other, csrf_token(other), zone_form(session, industrial_land_ha="90"))
    assert minh.status_code == 303
    # Lan saves: refused, nothing of hers written, Minh's change intact, her values still in the form.
    response = post_zone(client, csrf, lans_form)
    assert response.status_code == 409
    html = response.text
    assert "Changed by Minh Trần at " in html and "reload the page" in html
    assert 'value="170"' in html and "Lan&#39;s new description" in html
    assert 'name="version" value="1"' in html
    assert "Industrial land (ha)" in html and "90" in html  # Minh's change is shown
    session.expire_all()
    z = zone(session)
    assert z.version == 2 and z.industrial_land_ha == 90 and z.total_area_ha == 160
    vi = post_zone(client, csrf, lans_form, lang="vi")
    assert vi.status_code == 409 and "Minh Trần" in vi.text and "Changed by" not in vi.text
    # She read the changes and saves on top of version 2: both changes now stand.
    response = post_zone(client, csrf, {**lans_form, "confirm_version": "2"})
    assert response.status_code == 303
    session.expire_all()
    z = zone(session)
    assert (z.version, z.total_area_ha, z.industrial_land_ha) == (3, 170, 90)


def test_concurrent_compare_and_set_lets_only_one_save_win(session):
    from portal.publishing import zones
    from portal.publishing.schemas import ZoneUpdate
    from portal.versioning import service as versioning

    z = zone(session)
    data = ZoneUpdate(**{**zones.zone_values(session, z), "total_area_ha": 161.0})
    zones.update_zone(session, zone=z, data=data, expected_version=1, actor=None)
    data2 = ZoneUpdate(**{**zones.zone_values(session, z), "total_area_ha": 162.0})
    import pytest

    with pytest.raises(versioning.StaleEdit) as info:
        zones.update_zone(session, zone=z, data=data2, expected_version=1, actor=None)
    assert info.value.current_version == 2
    assert z.total_area_ha == 161.0


def test_history_shows_field_by_field_diff(client, session, csrf):
    login(client, session, roles=["staff"], display_name="Hoa")
    post_zone(client, csrf, zone_form(session, total_area_ha="175", contact_email="kcn@soctrang.gov.vn"))
    post_zone(client, csrf, zone_form(session, total_area_ha="180"))
    html = client.get("/en/staff/zones/kcn-tran-de/history").text
    assert "Version 3" in html and "Version 2" in html and "By Hoa on" in html
    assert re.search(r"Total area \(ha\)</th><td><del>175\.0</del></td><td><ins>180\.0</ins>", html)
    assert re.search(r"Total area \(ha\)</th><td><del>160\.0</del></td><td><ins>175\.0</ins>", html)
    assert "kcn@soctrang.gov.vn" in html
    assert html.index("Version 3") < html.index("Version 2")
    vi = client.get("/vi/staff/zones/kcn-tran-de/history").text
    assert "Phiên bản 3" in vi


def test_zone_changes_reach_the_search_outbox(client, session, csrf):
    login(client, session, roles=["staff"])
    before = count_rows(session, "search_outbox")
    assert post_zone(client, csrf, zone_form(session, contact_phone="0299 3822 222")).status_code == 303
    assert count_rows(session, "search_outbox") > before
