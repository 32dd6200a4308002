"""Plots: add, edit, delete through the staff pages; the public land figures follow; bad input refused."""

from __future__ import annotations

import json
import re

import pytest
from sqlmodel import select

from portal import clock
from portal.audit.models import AuditEvent
from portal.catalogue.models import Plot
from portal.versioning.models import Revision
from tests.conftest import count_rows, csrf_token
from tests.factories import login
from tests.publishing.factories import make_plot, plot_form, zone

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[106.0, 9.5], [106.01, 9.5], [106.01, 9.51], [106.0, 9.51], [106.0, 9.5]]],
}
NEW = {
    "code": "B-7",
    "area_ha": "12.5",
    "status": "available",
    "price_amount": "",
    "price_currency": "",
    "price_unit": "",
    "geometry": "",
}


def post(client, url, data, csrf):
    return client.post(url, data={**data, "csrf_token": csrf}, follow_redirects=False)


def plots_url(slug="kcn-tran-de", lang="en"):
    return f"/{lang}/staff/zones/{slug}/plots"


def land_text(html: str, label: str) -> str:
    match = re.search(rf"<dt>{re.escape(label)}</dt>\s*<dd>(.*?)</dd>", html, re.S)
    assert match, label
    figure = re.search(r"<strong>(.*?)</strong>", match.group(1))  # the zone page leads with the figure
    return figure.group(1) if figure else match.group(1)


def test_add_plot_writes_plot_revision_and_audit(client, session, csrf):
    user = login(client, session, roles=["staff"])
    data = {
        **NEW,
        "price_amount": "1500000",
        "price_currency": "VND",
        "price_unit": "m2_year",
        "geometry": json.dumps(SQUARE),
    }
    response = post(client, plots_url() + "/new", data, csrf)
    assert response.status_code == 303 and response.headers["location"].endswith("/plots?saved=created")
    plot = session.exec(select(Plot).where(Plot.code == "B-7")).one()
    assert (plot.area_ha, plot.status, plot.price_amount, plot.price_currency, plot.price_unit) == (
        12.5,
        "available",
        1500000,
        "VND",
        "m2_year",
    )
    assert (
        plot.geometry["type"] == "Polygon" and plot.source == "staff" and plot.source_ref == clock.today().isoformat()
    )  # never the person
    rev = session.exec(select(Revision).where(Revision.object_type == "plot", Revision.object_id == plot.id)).one()
    assert rev.action == "create" and rev.changes["code"] == [None, "B-7"] and rev.actor_id == user.id
    event = session.exec(
        select(AuditEvent).where(AuditEvent.action == "plot.created", AuditEvent.object_id == str(plot.id))
    ).one()
    assert event.after["zone"] == "kcn-tran-de" and event.actor_id == user.id
    listing = client.get(plots_url()).text
    assert "B-7" in listing and "per m² per year" in listing


def test_duplicate_code_is_refused_by_the_field(client, session, csrf):
    login(client, session, roles=["staff"])
    make_plot(session, code="DUP")
    response = post(client, plots_url(lang="vi") + "/new", {**NEW, "code": "dup"}, csrf)
    assert response.status_code == 422
    assert re.search(r'id="f-code-error" class="field-error">', response.text)
    assert 'value="dup"' in response.text


@pytest.mark.parametrize(
    ("geometry", "message"),
    [
        ("{not json", "Not valid GeoJSON"),
        (json.dumps({"type": "Point", "coordinates": [106, 9.5]}), "must be a GeoJSON Polygon or MultiPolygon"),
        (
            json.dumps(
                {
                    "type": "Polygon",
                    "coordinates": [[[106, 9.5], [106.01, 9.51], [106.01, 9.5], [106, 9.51], [106, 9.5]]],
                }
            ),
            "The polygon is not valid",
        ),
        (json.dumps({"type": "Polygon", "coordinates": [[["a", "b"]]]}), "malformed"),
        (
            json.dumps(
                {
                    "type": "Polygon",
                    "coordinates": [[[1060000, 95000], [1060100, 95000], [1060100, 95100], [1060000, 95000]]],
                }
            ),
            "WGS 84",
        ),
    ],
)
def test_malformed_geometry_is_refused_naming_the_field(client, session, csrf, geometry, message):
    login(client, session, roles=["staff"])
    before = count_rows(session, "plot")
    response = post(client, plots_url() + "/new", {**NEW, "geometry": geometry}, csrf)
    assert response.status_code == 422
    match = re.search(r'id="f-geometry-error" class="field-error">([^<]*)<', response.text)
    assert match and message in match.group(1)
    assert count_rows(session, "plot") == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("area_ha", "0", "Must be greater than 0."),
        ("area_ha", "-5", "Must be greater than 0."),
        ("area_ha", "", "This field is required."),
        ("status", "sold", "Choose one of"),
        ("code", "A 1", "Use letters, digits"),
        ("price_amount", "100", "Required when a price is given."),
        ("price_currency", "EUR", "Choose one of: VND, USD."),
    ],
)
def test_plot_field_validation(client, session, csrf, field, value, message):
    login(client, session, roles=["staff"])
    response = post(client, plots_url() + "/new", {**NEW, field: value}, csrf)
    assert response.status_code == 422
    assert message in response.text


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_marking_a_plot_leased_changes_public_available_land_and_fill_rate(client, session, csrf, lang):
    a = make_plot(session, code="A1", area_ha=40.0)
    make_plot(session, code="A2", area_ha=60.0)
    public = client.get(f"/{lang}/zones/kcn-tran-de").text
    available, leased = ("Đất còn trống", "Tỷ lệ lấp đầy") if lang == "vi" else ("Available land", "Occupancy")
    assert land_text(public, available) == ("100\u00a0ha")
    assert land_text(public, leased) == ("0%")
    login(client, session, roles=["staff"])
    response = post(client, f"{plots_url(lang=lang)}/{a.id}/edit", plot_form(a, status="leased"), csrf)
    assert response.status_code == 303
    public = client.get(f"/{lang}/zones/kcn-tran-de").text
    assert land_text(public, available) == "60\u00a0ha"
    # no industrial land published for Trần Đề, so the fill rate is over all plots: 40 / 100
    assert land_text(public, leased) == "40%"
    api = client.get("/api/v1/zones/kcn-tran-de").json()
    assert api["available_ha"]["value"] == 60 and api["fill_rate"]["value"] == 0.4


def test_edit_plot_records_revision_diff_and_audit(client, session, csrf):
    user = login(client, session, roles=["staff"])
    plot = make_plot(session, code="E1", area_ha=5)
    response = post(client, f"{plots_url()}/{plot.id}/edit", plot_form(plot, status="reserved", area_ha="5.5"), csrf)
    assert response.headers["location"].endswith("saved=updated")
    session.expire_all()
    plot = session.get(Plot, plot.id)
    assert (plot.version, plot.status, plot.area_ha) == (2, "reserved", 5.5)
    event = session.exec(
        select(AuditEvent).where(AuditEvent.action == "plot.updated", AuditEvent.object_id == str(plot.id))
    ).one()
    assert event.before == {"area_ha": 5.0, "status": "available"} and event.after == {
        "area_ha": 5.5,
        "status": "reserved",
    }
    assert event.actor_id == user.id
    html = client.get(f"{plots_url()}/{plot.id}/history").text
    assert "<del>Available</del>" not in html  # values are shown as stored
    assert re.search(r"Status</th><td><del>available</del></td><td><ins>reserved</ins>", html)


def test_stale_plot_edit_is_refused_and_nothing_lost(client, session, csrf):
    from fastapi.testclient import TestClient

    plot = make_plot(session, code="S1", area_ha=8)
    login(client, session, roles=["staff"])
    mine = plot_form(plot, status="leased", area_ha="8.25")
    other = TestClient(client.app, base_url="http://127.0.0.1:8000")
    login(other, session, roles=["staff"], display_name="Bình")
    assert (
        post(other, f"{plots_url()}/{plot.id}/edit", plot_form(plot, status="reserved"), csrf_token(other)).status_code
        == 303
    )
    response = post(client, f"{plots_url(lang='vi')}/{plot.id}/edit", mine, csrf)
    assert response.status_code == 409
    assert "Bình" in response.text and 'value="8.25"' in response.text
    assert re.search(r'value="leased" checked', response.text)
    session.expire_all()
    plot = session.get(Plot, plot.id)
    assert (plot.status, plot.area_ha, plot.version) == ("reserved", 8, 2)


def test_delete_plot_with_version_check_revision_and_audit(client, session, csrf):
    user = login(client, session, roles=["staff"])
    plot = make_plot(session, code="D1")
    plot_id = plot.id
    assert post(client, f"{plots_url()}/{plot_id}/delete", {"version": "7"}, csrf).status_code == 409
    assert session.get(Plot, plot_id) is not None
    response = post(client, f"{plots_url()}/{plot_id}/delete", {"version": "1"}, csrf)
    assert response.status_code == 303
    session.expire_all()
    assert session.get(Plot, plot_id) is None
    rev = session.exec(
        select(Revision).where(
            Revision.object_type == "plot", Revision.object_id == plot_id, Revision.action == "delete"
        )
    ).one()
    assert rev.changes["code"] == ["D1", None]
    event = session.exec(
        select(AuditEvent).where(AuditEvent.action == "plot.deleted", AuditEvent.object_id == str(plot_id))
    ).one()
    assert event.before["code"] == "D1" and event.actor_id == user.id
    assert "D1" in client.get(f"{plots_url()}/{plot_id}/history").text


def test_plot_changes_reach_the_search_outbox(client, session, csrf):
    login(client, session, roles=["staff"])
    before = count_rows(session, "search_outbox")
    response = post(client, plots_url() + "/new", NEW, csrf)
    assert response.status_code == 303
    assert count_rows(session, "search_outbox") > before
    assert zone(session).slug == "kcn-tran-de"


def test_saving_on_top_of_a_newer_version_keeps_the_other_persons_changes(client, session, csrf):
    from fastapi.testclient import TestClient

    plot = make_plot(session, code="M1", area_ha=8)
    login(client, session, roles=["staff"])
    mine = plot_form(plot, status="leased")
    other = TestClient(client.app, base_url="http://127.0.0.1:8000")
    login(other, session, roles=["staff"])
    assert (
        post(other, f"{plots_url()}/{plot.id}/edit", plot_form(plot, area_ha="9"), csrf_token(other)).status_code == 303
    )
    assert post(client, f"{plots_url()}/{plot.id}/edit", mine, csrf).status_code == 409
    assert post(client, f"{plots_url()}/{plot.id}/edit", {**mine, "confirm_version": "2"}, csrf).status_code == 303
    session.expire_all()
    plot = session.get(Plot, plot.id)
    assert (plot.status, plot.area_ha, plot.version) == ("leased", 9, 3)
