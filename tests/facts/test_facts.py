"""Public facts: the import refuses what must not be shown, the zone pages show the facts with their
source and date beside the resolutions' figures, and staff confirm, correct or withdraw each fact."""

from __future__ import annotations

import re
from datetime import date

from sqlmodel import select

from portal import data as refdata
from portal.audit.models import AuditEvent
from portal.catalogue.models import Zone
from portal.facts import loader
from portal.facts import service as facts_service
from portal.facts.models import PublicFact
from portal.versioning.models import Revision
from tests.factories import login

TODAY = date(2026, 12, 2)


def good_fact(**changes) -> dict:
    fact = {
        "value": 243,
        "unit": "ha",
        "quote": "KCN An Nghiệp có diện tích 243 ha",
        "source_url": "https://example.vn/a",
        "source_title": "Báo A",
        "source_date": "2023-11",
        "confidence": "high",
    }
    fact.update(changes)
    return fact


def parse(facts: dict, slugs=("kcn-an-nghiep",)):
    return loader.parse({"kcn-an-nghiep": {"facts": facts}}, zone_slugs=set(slugs), today=TODAY)


def test_import_accepts_a_sourced_fact_with_its_kind_date_and_language():
    parsed = parse({"total_area": [good_fact()]})
    assert parsed.refused == []
    [row] = parsed.rows
    assert row["published_on"] == "2023-11" and row["kind"] == "press" and row["quote_lang"] == "vi"


def test_import_refuses_missing_source_future_date_and_outside_coordinate_naming_row_and_reason():
    parsed = parse(
        {
            "total_area": [good_fact(source_url=""), good_fact(source_date="2027-03-01")],
            "coordinates": [good_fact(value={"lat": 10.78, "lon": 106.70}, unit=None)],  # Hồ Chí Minh City
            "fill_rate": [good_fact(confidence="certain")],
        }
    )
    assert parsed.rows == []
    refused = {(r.row, r.reason % r.params) for r in parsed.refused}
    assert ("kcn-an-nghiep / total_area #1", "No source: source_url is missing.") in refused
    assert ("kcn-an-nghiep / total_area #2", "The page's date 2027-03-01 is in the future.") in refused
    assert any(r.startswith("kcn-an-nghiep / coordinates #1") and "outside the former" in m for r, m in refused)
    assert any(r == "kcn-an-nghiep / fill_rate #1" and "Confidence" in m for r, m in refused)


def test_import_refuses_facts_of_a_zone_not_in_the_catalogue():
    parsed = parse({"total_area": [good_fact()]}, slugs=())
    assert parsed.rows == [] and [r.row for r in parsed.refused] == ["kcn-an-nghiep"]


def test_an_nghiep_coordinate_in_the_research_is_inside_the_former_province():
    assert loader.inside_province(9.63923, 105.95)
    assert not loader.inside_province(10.0341, 105.7882)  # old Cần Thơ city centre: outside Sóc Trăng


def test_every_shipped_fact_is_loaded_or_refused_for_a_zone_the_catalogue_lacks(session):
    data = refdata.load("public_facts")
    slugs = {z["slug"] for z in refdata.load("zones")["zones"]}
    parsed = loader.parse(data, zone_slugs=slugs, today=TODAY)
    assert all(r.reason == "No zone with this key in the catalogue." for r in parsed.refused)
    stored = session.exec(select(PublicFact)).all()
    assert len(stored) == len(parsed.rows) > 100


def test_shipped_facts_file_is_the_reference_file():
    from portal import ROOT_DIR
    from portal.data import DATA_DIR

    for mine, ref in (("public_facts.yaml", "zone-public-facts.yaml"), ("places.yaml", "places-approximate.yaml")):
        ref_path = ROOT_DIR / "reference" / "data" / ref
        assert (DATA_DIR / mine).read_bytes() == ref_path.read_bytes()


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_an_nghiep_page_shows_occupancy_and_plant_capacity_with_source_and_date(client):
    page = text_of(client.get("/en/zones/kcn-an-nghiep").text)
    assert "97% of the land for lease — press, undated (about 2023)" in page
    assert "10,000 m³/day — press, undated (about 2020)" in page
    assert "lấp đầy 97% diện tích đất cho thuê" in page  # the page's own words
    vi = text_of(client.get("/vi/zones/kcn-an-nghiep").text)
    assert "10.000 m³/ngày — báo chí" in vi


def test_disagreeing_areas_are_both_shown_with_their_dates(client):
    page = text_of(client.get("/en/zones/kcn-an-nghiep").text)
    assert "243 ha — Resolution 03-NQ/TU (2021)" in page
    assert "251 ha — press, undated (about 2024)" in page
    assert "The sources give different figures" in page
    assert page.index("243 ha — Resolution") < page.index("251 ha — press")


def _fact(session, topic="fill_rate", scope="kcn-an-nghiep") -> PublicFact:
    return session.exec(
        select(PublicFact).where(PublicFact.scope == scope, PublicFact.topic == topic).order_by(PublicFact.position)
    ).first()


def _review(client, csrf, fact, **form):
    data = {"csrf_token": csrf, "version": str(fact.version), **form}
    return client.post(f"/en/staff/facts/{fact.id}", data=data, follow_redirects=False)


def test_staff_confirm_writes_revision_and_audit_and_the_page_says_confirmed(client, session, csrf):
    user = login(client, session, roles=["staff"])
    fact = _fact(session)
    assert "✓ confirmed by the authority" not in client.get("/en/zones/kcn-an-nghiep").text
    response = _review(client, csrf, fact, action="confirm", note="Checked with the park's operator")
    assert response.status_code == 303
    session.expire_all()
    fact = session.get(PublicFact, fact.id)
    assert fact.status == "confirmed" and fact.version == 2 and fact.reviewed_by_id == user.id
    [rev] = session.exec(select(Revision).where(Revision.object_type == "fact", Revision.object_id == fact.id)).all()
    assert rev.changes["status"] == ["unconfirmed", "confirmed"] and rev.actor_id == user.id
    [event] = session.exec(select(AuditEvent).where(AuditEvent.object_type == "fact")).all()
    assert event.action == "fact.confirmed" and event.object_id == str(fact.id)
    page = text_of(client.get("/en/zones/kcn-an-nghiep").text)
    assert "97% of the land for lease — press, undated (about 2023) ✓ confirmed by the authority" in page
    assert "1 of them is confirmed by the authority." in page


def test_staff_correct_shows_the_authoritys_value_and_keeps_the_pages_words(client, session, csrf):
    login(client, session, roles=["staff"])
    fact = _fact(session)
    assert _review(client, csrf, fact, action="correct", value="95 %").status_code == 303
    page = text_of(client.get("/en/zones/kcn-an-nghiep").text)
    assert "95 % corrected by the authority" in page
    assert "The page gave: 97% of the land for lease" in page


def test_withdrawn_fact_leaves_the_public_page_and_needs_a_reason(client, session, csrf):
    login(client, session, roles=["staff"])
    fact = _fact(session, topic="total_area")
    facts = session.exec(
        select(PublicFact).where(PublicFact.scope == "kcn-an-nghiep", PublicFact.topic == "total_area")
    ).all()
    [fact] = [
        f for f in facts if f.value == 251
    ]  # value is JSON: compared here, not in SQL (PostgreSQL has no json = int)
    refused = _review(client, csrf, fact, action="withdraw")
    assert refused.status_code == 422 and "Say why the fact is withdrawn." in refused.text
    assert _review(client, csrf, fact, action="withdraw", note="Reprint of an older figure").status_code == 303
    page = text_of(client.get("/en/zones/kcn-an-nghiep").text)
    assert "251 ha — press" not in page and "251.13 ha — aggregator" in page


def test_a_stale_review_is_refused_with_409(client, session, csrf):
    login(client, session, roles=["staff"])
    fact = _fact(session)
    assert _review(client, csrf, fact, action="confirm").status_code == 303
    stale = _review(client, csrf, fact, action="withdraw", note="x")  # still version 1
    assert stale.status_code == 409
    session.expire_all()
    assert session.get(PublicFact, fact.id).status == "confirmed"


def test_review_needs_staff(client, session, csrf):
    fact = _fact(session)
    response = _review(client, csrf, fact, action="confirm")
    assert response.status_code in (302, 303, 401, 403)
    session.expire_all()
    assert session.get(PublicFact, fact.id).status == "unconfirmed"


def test_zone_list_says_unknown_once_hides_empty_columns_and_shows_public_occupancy(client):
    html = client.get("/en/zones").text
    body = html[html.index("<main") : html.index("</main>")]
    assert body.count("not published") <= 2  # the legend and the area filter's help, not one per cell
    table = body[body.index("<table") : body.index("</table>")]
    assert "Available land" not in table  # no zone shown has it
    assert "Not published for any zone shown: Available land" in body
    an_nghiep = table[table.index("kcn-an-nghiep") : table.index("</tr>", table.index("kcn-an-nghiep"))]
    assert "97% of the land for lease" in an_nghiep and "(press, undated (about 2023))" in an_nghiep
    assert "An Ninh commune, Thuận Hòa commune, Sóc Trăng ward" in an_nghiep
    every = client.get("/en/zones?columns=all").text
    assert "Available land</th>" in every and "Hide the empty columns" in every


def test_the_zone_lists_occupancy_fact_is_the_zone_pages_first_one_and_skips_withdrawn(session):
    ids = list(session.exec(select(Zone.id)).all())
    every = facts_service.facts_by_zone(session, ids)
    first = {
        z: next(f for f in fs if f.topic == "fill_rate")
        for z, fs in every.items()
        if any(f.topic == "fill_rate" for f in fs)
    }
    assert first and facts_service.first_fact_by_zone(session, ids, topic="fill_rate") == first
    zone_id, fact = next(iter(first.items()))
    fact.status = "withdrawn"
    session.flush()
    rest = [f for f in every[zone_id] if f.topic == "fill_rate" and f is not fact]
    found = facts_service.first_fact_by_zone(session, [zone_id], topic="fill_rate")
    assert found == ({zone_id: rest[0]} if rest else {})


def test_zone_page_folds_the_unknown_into_one_line(client):
    html = client.get("/en/zones/kcn-an-nghiep").text
    main = html[html.index("<main") : html.index("</main>")]
    assert '<span class="unknown">not published' not in main and main.count("Not yet published:") == 1
    line = re.search(r"Not yet published:</strong> ([^<]+)", main).group(1)
    assert "industrial land" in line and "phone" in line and "plots and land prices" in line
    assert "occupancy" not in line and "wastewater" not in line  # known from the public facts
