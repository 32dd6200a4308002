from sqlmodel import select

from portal.catalogue.models import Sector, Zone, ZoneSector
from portal.catalogue.seed import seed

REQUIRED_SLUGS = {
    "kcn-an-nghiep",
    "kcn-tran-de",
    "kcn-song-hau",
    "kcn-dai-ngai",
    "kcn-my-thanh",
    "kkt-tran-de",
    "ccn-nga-nam",
    "ccn-xay-da-b",
    "ccn-an-lac-thon-1",
    "ccn-an-lac-thon-2",
    "ccn-long-duc-1",
    "ccn-long-duc-2",
    "ccn-thanh-pho-soc-trang",
    "ccn-thanh-phu",
    "ccn-ap-nhi",
    "ccn-vinh-chau",
    "kcn-an-nghiep-mo-rong",
    "kcn-tran-de-mo-rong",
    "kcn-moi-tran-de",
    "kcn-moi-vinh-chau",
    "kcn-moi-nga-nam",
}


def test_every_zone_the_sources_name_is_seeded(session):
    slugs = set(session.exec(select(Zone.slug)).all())
    assert slugs >= REQUIRED_SLUGS


def test_areas_are_the_sources_and_sum_to_1106(session):
    zones = {z.slug: z for z in session.exec(select(Zone)).all()}
    assert zones["kcn-tran-de"].total_area_ha == 160
    assert zones["kcn-song-hau"].total_area_ha == 286
    assert zones["kcn-dai-ngai"].total_area_ha == 200
    assert zones["kcn-my-thanh"].total_area_ha == 217
    approved = [z for z in zones.values() if z.kind == "kcn" and z.status == "approved"]
    assert len(approved) == 5
    assert sum(z.total_area_ha for z in approved) == 1106
    an_nghiep = zones["kcn-an-nghiep"]
    assert an_nghiep.total_area_ha == 243
    assert an_nghiep.facts["total_area_ha"]["derived"] is True
    assert "1.106" in an_nghiep.facts["total_area_ha"]["note_vi"]


def test_unknown_figures_stay_unknown(session):
    for zone in session.exec(select(Zone)).all():
        assert zone.industrial_land_ha is None
        assert zone.wastewater_status is None
        assert zone.lat is None and zone.lon is None
        assert zone.contact_phone is None
    planned = session.exec(select(Zone).where(Zone.slug == "kcn-moi-vinh-chau")).one()
    assert planned.total_area_ha is None and planned.status == "planned"


def test_every_figure_records_its_source(session):
    for zone in session.exec(select(Zone)).all():
        assert zone.source in {"nq-03-2021", "nq-cn-2020-2025"}
        assert zone.source_ref
        assert zone.verified_on is not None
        if zone.total_area_ha is not None:
            fact = zone.facts["total_area_ha"]
            assert fact["source"] and fact["ref"] and fact["quote"]
        assert "status" in zone.facts


def test_expansions_point_to_their_parent(session):
    zones = {z.slug: z for z in session.exec(select(Zone)).all()}
    assert zones["kcn-an-nghiep-mo-rong"].parent_id == zones["kcn-an-nghiep"].id
    assert zones["kcn-an-nghiep-mo-rong"].total_area_ha == 200
    assert zones["kcn-tran-de-mo-rong"].total_area_ha == 120
    assert zones["kcn-tran-de-mo-rong"].status == "expansion_planned"


def test_sensitive_and_priority_sectors(session):
    sectors = {s.code: s for s in session.exec(select(Sector)).all()}
    for code in ("1313", "3511", "2410", "1701", "1511", "2394", "2592", "2720"):
        assert sectors[code].sensitive, code
    assert sectors["1020"].priority and not sectors["1020"].sensitive
    assert sectors["1313"].sensitive_basis == "named" and sectors["2592"].sensitive_basis == "reading"
    assert sectors["2394"].pollution_risk_confirmed  # Decree 48/2026 item 12 gives its thresholds
    assert not sectors["1020"].pollution_risk_confirmed  # seafood: named, thresholds not seen
    assert len(sectors) == 495
    kkt = session.exec(select(Zone).where(Zone.slug == "kkt-tran-de")).one()
    links = session.exec(select(ZoneSector).where(ZoneSector.zone_id == kkt.id)).all()
    # Resolution 03-NQ/TU III.3: marine-economy industries and clean energy (the portal's reading)
    assert sorted(zs.sector_code for zs in links) == ["1020", "3011", "3315", "3512"]


def test_seed_is_idempotent(session):
    before = len(session.exec(select(Zone)).all()), len(session.exec(select(ZoneSector)).all())
    report = seed(session)
    after = len(session.exec(select(Zone)).all()), len(session.exec(select(ZoneSector)).all())
    assert before == after
    assert report.zones_added == 0 and report.sectors_added == 0


def test_seed_keeps_staff_edits(session):
    zone = session.exec(select(Zone).where(Zone.slug == "kcn-tran-de")).one()
    zone.description_en = "Edited by staff"
    zone.version = 2
    session.add(zone)
    session.flush()
    report = seed(session)
    session.refresh(zone)
    assert zone.description_en == "Edited by staff"
    assert report.zones_kept == 1
