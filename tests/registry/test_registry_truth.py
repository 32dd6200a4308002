"""Registry truth: a screening acceptance files "accepted in principle"; licensed and later are set by staff;
leased land counts a project only from the status the province chooses; the registry entry and its case
link to each other; every public export shows exactly the fields the page shows, with the same values."""

from __future__ import annotations

import csv
import html as htmllib
import io
import re

from sqlmodel import select

from portal.i18n import fmt_area, fmt_number
from portal.registry import labels, service
from portal.registry.models import Project
from portal.registry.schemas import PUBLISHED_FIELDS
from portal.review import service as review
from tests.conftest import csrf_token
from tests.factories import login, make_user
from tests.publishing.factories import make_plot, zone
from tests.registry.test_registry import make_project
from tests.review.factories import make_proposal


def accept(session, proposal, screener):
    review.decide(
        session, proposal=proposal, actor=screener, outcome="accept", reason_vi="Phù hợp.", reason_en="In line."
    )
    session.commit()
    return service.project_of_proposal(session, proposal_id=proposal.id)


def test_an_acceptance_is_accepted_in_principle_and_takes_land_only_from_the_chosen_status(session):
    screener = make_user(session, roles=["screener"])
    p, _ = make_proposal(session, status="in_review", land_ha=7.0)
    project = accept(session, p, screener)
    assert project.status == "in_principle" and project.proposal_id == p.id
    zone_id = project.zone_id
    before = service.leased_outside_plots(session, [zone_id]).get(zone_id, 0.0)
    with_principle = service.leased_outside_plots(session, [zone_id], statuses=service.counted_statuses("in_principle"))
    assert with_principle.get(zone_id, 0.0) == before + 7.0  # a province that counts from acceptance
    assert service.counted_statuses() == ("licensed", "building", "operating")  # the default setting
    assert service.counted_statuses("building") == ("building", "operating")

    from portal.registry.schemas import ProjectIn

    data = ProjectIn(**{**service.project_values(project), "status": "licensed"})
    service.update_project(session, project=project, data=data, expected_version=project.version, actor=screener)
    session.commit()
    assert service.leased_outside_plots(session, [zone_id]).get(zone_id, 0.0) == before + 7.0


def test_a_project_in_principle_on_a_plot_leaves_the_plot_available_until_licensed(session):
    plot = make_plot(session, "kcn-an-nghiep", code="TRUTH-1", area_ha=4.0)
    project = make_project(session, plot_id=plot.id, status="in_principle")
    session.refresh(plot)
    assert plot.status == "available"
    from portal.registry.schemas import ProjectIn

    data = ProjectIn(**{**service.project_values(project), "status": "licensed"})
    service.update_project(session, project=project, data=data, expected_version=project.version, actor=None)
    session.commit()
    session.refresh(plot)
    assert plot.status == "leased"


def test_the_registry_entry_and_its_case_link_to_each_other(client, session):
    screener = login(client, session, roles=["screener", "staff"])
    p, _ = make_proposal(session, status="in_review")
    project = accept(session, p, screener)
    case = client.get(f"/en/review/{p.id}").text
    assert f'href="/en/staff/registry/{project.id}/edit"' in case
    staff_list = client.get("/en/staff/registry").text
    row = re.search(rf'id="project-{project.id}".*?</tr>', staff_list, re.S).group(0)
    assert f'href="/en/review/{p.id}"' in row and p.reference in row
    assert "Accepted in principle" in row
    edit = client.get(f"/vi/staff/registry/{project.id}/edit").text
    assert f'href="/vi/review/{p.id}"' in edit


# --- what the public sees: page and exports agree field by field -------------------------------------------


def page_rows(html: str) -> dict[str, dict]:
    """investor name → {zone, name, sector_code, land, jobs, status} as the public page shows them."""
    out = {}
    for section in re.findall(r'<section aria-labelledby="zone-([a-z0-9-]+)">(.*?)</section>', html, re.S):
        slug, body = section
        for cells in re.findall(r"<tr><th scope=\"row\">(.*?)</th>(.*?)</tr>", body, re.S):
            investor, rest = cells
            tds = [
                htmllib.unescape(re.sub(r"<[^>]+>", "", td)).strip() for td in re.findall(r"<td[^>]*>(.*?)</td>", rest)
            ]
            name, sector, land, jobs, status = tds
            out[htmllib.unescape(investor)] = {
                "zone": slug,
                "name": name,
                "sector_code": sector.split(" ")[0],
                "land": land,
                "jobs": jobs,
                "status": status,
            }
    return out


def test_registry_exports_and_pages_agree_field_by_field(client, session):
    from portal.i18n import translate

    make_project(
        session, investor_name="Alpha Seafood", land_ha=12.5, jobs=800, capital_amount=25e6, status="operating"
    )
    make_project(
        session, investor_name="Beta Foods", land_ha=None, jobs=None, capital_amount=7e9, capital_currency="VND"
    )
    make_project(session, investor_name="Gamma Hidden", published=False, capital_amount=3e6)

    api = client.get("/api/v1/registry/projects").json()["items"]
    as_json = client.get("/api/v1/registry.json").json()["projects"]
    as_csv = list(csv.DictReader(io.StringIO(client.get("/api/v1/registry.csv").text.lstrip("\ufeff"))))
    # the same fields everywhere: the published ones (open data adds the record id and its date)
    assert list(as_csv[0].keys()) == ["id", *PUBLISHED_FIELDS, "updated_at"]
    assert all(set(row) == {"id", *PUBLISHED_FIELDS, "updated_at"} for row in as_json)
    assert all(
        set(item) == {*PUBLISHED_FIELDS, "sector_name_vi", "sector_name_en", "zone_name_vi", "zone_name_en"}
        for item in api
    )
    for body in (client.get("/api/v1/registry.csv").text, client.get("/api/v1/registry.json").text):
        assert "capital" not in body and "25000000" not in body and "7000000000" not in body
        assert "Gamma Hidden" not in body

    by_name = {row["investor_name"]: row for row in as_json}
    assert {row["investor_name"] for row in as_csv} == set(by_name) == {i["investor_name"] for i in api}
    for row in as_csv:
        j = by_name[row["investor_name"]]
        assert {k: ("" if v is None else str(v)) for k, v in j.items()} == row  # CSV = JSON
    for item in api:
        j = by_name[item["investor_name"]]
        assert {k: item[k] for k in PUBLISHED_FIELDS} == {k: j[k] for k in PUBLISHED_FIELDS}  # API = JSON

    for lang in ("vi", "en"):
        shown = page_rows(client.get(f"/{lang}/registry").text)
        assert "Gamma Hidden" not in shown
        for investor, j in by_name.items():
            row = shown[investor]
            assert row["zone"] == j["zone"]
            assert row["name"] == j[f"name_{lang}"]
            assert row["sector_code"] == j["sector_code"]
            assert row["land"] == (
                fmt_area(j["land_ha"], lang) if j["land_ha"] is not None else translate(lang, "not published")
            )
            assert row["jobs"] == (
                fmt_number(j["jobs"], lang) if j["jobs"] is not None else translate(lang, "not published")
            )
            assert row["status"] == translate(lang, labels.STATUS[j["status"]])
        # a figure the page hides is in no export either (capital)
        page = client.get(f"/{lang}/registry").text
        assert "25.000.000" not in page and "25,000,000" not in page
    assert session.exec(select(Project).where(Project.investor_name == "Alpha Seafood")).first().capital_amount == 25e6
    assert zone(session, "kcn-an-nghiep").published


def test_staff_can_file_any_status_and_the_form_offers_in_principle(client, session):
    login(client, session, roles=["staff"])
    page = client.get("/en/staff/registry/new").text
    for status in ("in_principle", "licensed", "building", "operating"):
        assert f'value="{status}"' in page
    assert csrf_token(client)
