"""Project registry: staff pages, public page and API (published only), land figures, proposals, totals."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from sqlmodel import select

from portal.audit.models import AuditEvent
from portal.catalogue.models import Plot
from portal.registry import service
from portal.registry.models import Project
from portal.registry.schemas import ProjectIn
from portal.versioning.models import Revision
from tests.conftest import csrf_token
from tests.factories import login
from tests.publishing.factories import make_plot, post_zone, zone, zone_form

FORM = {
    "investor_name": "Công ty TNHH Thủy sản Mekong",
    "investor_country": "VN",
    "name_vi": "Nhà máy chế biến tôm",
    "name_en": "Shrimp processing plant",
    "sector_code": "1020",
    "zone": "kcn-an-nghiep",
    "plot_id": "",
    "land_ha": "12",
    "capital_amount": "25000000",
    "capital_currency": "USD",
    "jobs": "800",
    "status": "operating",
    "published": "1",
}


def make_project(session, *, zone_slug="kcn-an-nghiep", published=True, **kw) -> Project:
    data = {
        "investor_name": "Investor A",
        "name_vi": "Dự án A",
        "name_en": "Project A",
        "sector_code": "1020",
        "zone_id": zone(session, zone_slug).id,
        "land_ha": 5.0,
        "jobs": 100,
        "capital_amount": 1e6,
        "capital_currency": "USD",
        "published": published,
        **kw,
    }
    project = service.create_project(session, data=ProjectIn(**data), actor=None)
    session.commit()
    return project


def post(client, url, data, csrf):
    return client.post(url, data={**data, "csrf_token": csrf}, follow_redirects=False)


def test_staff_adds_a_project_with_audit_and_revision(client, session, csrf):
    user = login(client, session, roles=["staff"])
    response = post(client, "/en/staff/registry/new", FORM, csrf)
    assert response.status_code == 303, response.text[-1500:]
    project = session.exec(select(Project).where(Project.investor_name == FORM["investor_name"])).one()
    assert (project.jobs, project.capital_amount, project.status, project.published) == (800, 25e6, "operating", True)
    assert project.created_by == user.id and project.zone_id == zone(session, "kcn-an-nghiep").id
    event = session.exec(
        select(AuditEvent).where(AuditEvent.action == "project.created", AuditEvent.object_id == str(project.id))
    ).one()
    assert event.actor_id == user.id
    assert (
        session.exec(select(Revision).where(Revision.object_type == "project", Revision.object_id == project.id))
        .one()
        .action
        == "create"
    )
    assert FORM["investor_name"] in client.get("/vi/staff/registry").text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("investor_name", "", "This field is required."),
        ("zone", "nowhere", "Choose a zone."),
        ("sector_code", "9999", "Unknown sector code."),
        ("jobs", "12.5", "Must be a whole number."),
        ("land_ha", "-1", "Must not be negative."),
        ("capital_currency", "", "Required when an amount is given."),
        ("status", "dreaming", "Choose one of"),
        ("investor_country", "XX", "Choose one of"),
    ],
)
def test_project_form_validation(client, session, csrf, field, value, message):
    login(client, session, roles=["staff"])
    response = post(client, "/en/staff/registry/new", {**FORM, field: value}, csrf)
    assert response.status_code == 422
    assert message in response.text
    assert FORM["name_en"] in response.text  # values kept
    assert session.exec(select(Project).where(Project.investor_name == FORM["investor_name"])).first() is None


def test_plot_must_be_in_the_zone_and_placing_a_project_marks_it_leased(client, session, csrf):
    login(client, session, roles=["staff"])
    plot = make_plot(session, code="R1", area_ha=7)  # in kcn-tran-de
    response = post(client, "/en/staff/registry/new", {**FORM, "plot_id": str(plot.id)}, csrf)
    assert response.status_code == 422 and "This plot is not in the chosen zone." in response.text
    response = post(client, "/en/staff/registry/new", {**FORM, "zone": "kcn-tran-de", "plot_id": str(plot.id)}, csrf)
    assert response.status_code == 303
    session.expire_all()
    assert session.get(Plot, plot.id).status == "leased"
    assert session.exec(
        select(AuditEvent).where(AuditEvent.action == "plot.updated", AuditEvent.object_id == str(plot.id))
    ).one()


def test_project_edit_and_stale_edit(client, session, csrf):
    from fastapi.testclient import TestClient

    project = make_project(session)
    login(client, session, roles=["staff"])
    url = f"/en/staff/registry/{project.id}/edit"
    form = {**FORM, "zone": "kcn-an-nghiep", "investor_name": "Investor A", "version": "1", "jobs": "150"}
    other = TestClient(client.app, base_url="http://127.0.0.1:8000")
    login(other, session, roles=["staff"], display_name="Phúc")
    assert post(other, url, {**form, "jobs": "120"}, csrf_token(other)).status_code == 303
    stale = post(client, url, form, csrf)
    assert stale.status_code == 409 and "Changed by Phúc" in stale.text and 'value="150"' in stale.text
    session.expire_all()
    assert session.get(Project, project.id).jobs == 120
    assert post(client, url, {**form, "version": "2"}, csrf).status_code == 303
    session.expire_all()
    assert session.get(Project, project.id).jobs == 150
    history = client.get(f"/en/staff/registry/{project.id}/history").text
    assert re.search(r"Jobs</th><td><del>120</del></td><td><ins>150</ins>", history)
    events = session.exec(
        select(AuditEvent).where(AuditEvent.action == "project.updated", AuditEvent.object_id == str(project.id))
    ).all()
    assert len(events) == 2


def test_public_page_and_api_show_only_published_projects_on_published_zones(client, session, csrf):
    make_project(session, investor_name="Visible Investor", published=True)
    make_project(session, investor_name="Hidden Investor", published=False)
    make_project(session, investor_name="Draft Zone Investor", zone_slug="kcn-tran-de", published=True)
    login(client, session, roles=["staff"])
    assert post_zone(client, csrf, zone_form(session, "kcn-tran-de", action="draft")).status_code == 303
    for lang in ("vi", "en"):
        html = client.get(f"/{lang}/registry").text
        assert "Visible Investor" in html
        assert "Hidden Investor" not in html and "Draft Zone Investor" not in html
        assert "25000000" not in html and "1.000.000" not in html and "1,000,000" not in html  # no capital
    assert "Dự án A" in client.get("/vi/registry").text and "Project A" in client.get("/en/registry").text
    data = client.get("/api/v1/registry/projects").json()
    assert [p["investor_name"] for p in data["items"]] == ["Visible Investor"]
    assert data["total"] == 1
    item = data["items"][0]
    assert "capital_amount" not in item and "investor_country" not in item
    assert item["zone"] == "kcn-an-nghiep" and item["sector_code"] == "1020" and item["jobs"] == 100


def test_registry_land_counts_as_leased_outside_plots(client, session):
    make_project(session, land_ha=50.0, published=False)
    html = client.get("/en/zones/kcn-an-nghiep").text
    assert re.search(r"<dt>Leased land</dt><dd>50\u00a0ha</dd>", html)
    # An Nghiệp publishes no industrial land and lists no plots: available land stays unknown, not invented
    assert re.search(r"<dt>Available land</dt><dd><span class=\"unknown\">not published</span></dd>", html)
    make_project(session, land_ha=None, published=False)
    assert re.search(r"<dt>Leased land</dt><dd>50\u00a0ha</dd>", client.get("/en/zones/kcn-an-nghiep").text)


def test_registry_totals(session):
    make_project(session, jobs=100, land_ha=5.0, capital_amount=1e6, capital_currency="USD")
    make_project(session, jobs=None, land_ha=None, capital_amount=2e9, capital_currency="VND")
    make_project(session, jobs=40, published=False)
    assert service.registry_totals(session) == {
        "projects": 2,
        "jobs": 100,
        "land_ha": 5.0,
        "capital_by_currency": {"USD": 1e6, "VND": 2e9},
    }
    assert service.registry_totals(session, published_only=False)["jobs"] == 140


def test_create_from_proposal(session):
    proposal = SimpleNamespace(
        id=77,
        company_name="Sóc Trăng Foods JSC",
        investor_country="Nhật Bản",
        project_name="Nhà máy bánh",
        sectors=["1020", "1010"],
        zone_id=zone(session, "kcn-an-nghiep").id,
        land_ha=3.5,
        capital_amount=5e6,
        capital_currency="usd",
        jobs=250,
    )
    project = service.create_from_proposal(session, proposal=proposal, actor=None, status="licensed")
    assert (project.investor_name, project.investor_country, project.name_vi, project.name_en) == (
        "Sóc Trăng Foods JSC",
        "JP",
        "Nhà máy bánh",
        "Nhà máy bánh",
    )
    assert (project.sector_code, project.land_ha, project.capital_amount, project.capital_currency, project.jobs) == (
        "1020",
        3.5,
        5e6,
        "USD",
        250,
    )
    assert project.proposal_id == 77 and project.published is False and project.source == "proposal"
    granted = service.create_from_proposal(session, proposal=proposal, actor=None, land_ha=2.0, status="building")
    assert granted.land_ha == 2.0 and granted.status == "building"
    with pytest.raises(service.RegistryError):
        service.create_from_proposal(
            session, proposal=SimpleNamespace(**{**proposal.__dict__, "zone_id": None}), actor=None
        )
    with pytest.raises(service.RegistryError):
        service.create_from_proposal(
            session, proposal=SimpleNamespace(**{**proposal.__dict__, "sectors": []}), actor=None
        )


def test_screener_and_anonymous_cannot_use_staff_registry(client, session, csrf):
    project = make_project(session)
    for path in (
        "/en/staff/registry",
        "/en/staff/registry/new",
        f"/en/staff/registry/{project.id}/edit",
        f"/en/staff/registry/{project.id}/history",
    ):
        assert client.get(path, follow_redirects=False).status_code == 303
    login(client, session, roles=["screener"])
    for path in ("/en/staff/registry", f"/en/staff/registry/{project.id}/edit"):
        assert client.get(path).status_code == 403
    assert post(client, f"/en/staff/registry/{project.id}/edit", {**FORM, "version": "1"}, csrf).status_code == 403
    assert client.get("/en/registry").status_code == 200  # the public page stays public
