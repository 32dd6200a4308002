import pytest
from sqlmodel import select

from portal.catalogue import service
from portal.catalogue.models import Plot, Zone
from portal.catalogue.schemas import ZoneFilters, parse_zone_filters
from portal.registry.models import Project

KNOWN = {"locality": {"ke-sach", "long-phu"}, "sector": {"1020", "3512"}}


def test_parse_filters_keeps_good_values_and_reports_bad_ones():
    parsed = parse_zone_filters(
        [
            ("kind", "kcn"),
            ("kind", "xyz"),
            ("status", "approved"),
            ("min_area", "abc"),
            ("locality", "ke-sach"),
            ("sort", "bogus"),
            ("sector", "9999"),
        ],
        known=KNOWN,
    )
    assert parsed.filters.kind == ("kcn",)
    assert parsed.filters.status == ("approved",)
    assert parsed.filters.locality == ("ke-sach",)
    assert parsed.filters.min_area_ha is None and parsed.filters.sort is None
    assert sorted(e.field for e in parsed.errors) == ["kind", "min_area", "sector", "sort"]


@pytest.mark.parametrize("raw", ["-1", "1e9", "nan", "inf"])
def test_min_area_out_of_range_is_refused(raw):
    parsed = parse_zone_filters([("min_area", raw)], known=KNOWN)
    assert parsed.filters.min_area_ha is None
    assert [e.field for e in parsed.errors] == ["min_area"]


def test_min_area_accepts_a_decimal_comma():
    assert parse_zone_filters([("min_area", "150,5")], known=KNOWN).filters.min_area_ha == 150.5


def test_list_filters_by_kind_and_status(session):
    page = service.list_zones(session, filters=ZoneFilters(kind=("kcn",), status=("approved",)), lang="vi")
    assert page.total == 5
    assert {z.slug for z in page.zones} == {
        "kcn-an-nghiep",
        "kcn-tran-de",
        "kcn-song-hau",
        "kcn-dai-ngai",
        "kcn-my-thanh",
    }


def test_list_min_area_excludes_unknown_areas(session):
    page = service.list_zones(session, filters=ZoneFilters(min_area_ha=200), lang="en")
    assert {z.slug for z in page.zones} == {
        "kcn-an-nghiep",
        "kcn-song-hau",
        "kcn-dai-ngai",
        "kcn-my-thanh",
        "kcn-an-nghiep-mo-rong",
    }


def test_list_sorts_by_area_with_unknown_last(session):
    page = service.list_zones(session, filters=ZoneFilters(sort="area_desc"), lang="en", per_page=100)
    areas = [z.total_area_ha for z in page.zones]
    known = [a for a in areas if a is not None]
    assert known == sorted(known, reverse=True)
    assert areas.index(None) == len(known)


def test_pagination_and_facets_add_up(session):
    first = service.list_zones(session, filters=ZoneFilters(), lang="vi", per_page=5)
    assert first.pages == (first.total + 4) // 5 and len(first.zones) == 5
    assert sum(first.facets["kind"].values()) == first.total
    assert sum(first.facets["status"].values()) == first.total
    last = service.list_zones(session, filters=ZoneFilters(), lang="vi", page=999, per_page=5)
    assert last.page == last.pages


def test_facets_of_a_field_ignore_its_own_filter(session):
    page = service.list_zones(session, filters=ZoneFilters(kind=("ccn",)), lang="vi")
    assert page.facets["kind"]["kcn"] >= 5  # the user can see what choosing kcn would give
    assert set(page.facets["status"]) <= {"building", "approved"}


def test_sector_filter(session):
    page = service.list_zones(session, filters=ZoneFilters(sector=("3512",)), lang="vi")
    assert [z.slug for z in page.zones] == ["kkt-tran-de"]


def _zone(session, slug):
    return session.exec(select(Zone).where(Zone.slug == slug)).one()


def test_land_unknown_without_plots_or_registry(session):
    zone = _zone(session, "kcn-tran-de")
    land = service.land_figures(session, [zone])[zone.id]
    assert land.total_ha == 160
    assert land.leased_ha is None and land.available_ha is None and land.fill_rate is None


def test_land_derived_from_plots_and_registry(session):
    zone = _zone(session, "kcn-tran-de")
    session.add_all(
        [
            Plot(zone_id=zone.id, code="A1", area_ha=10, status="leased"),
            Plot(zone_id=zone.id, code="A2", area_ha=6, status="available"),
            Plot(zone_id=zone.id, code="A3", area_ha=4, status="reserved"),
            Project(
                zone_id=zone.id, investor_name="X", name_vi="Dự án", name_en="Project", sector_code="1020", land_ha=5
            ),
        ]
    )
    session.flush()
    land = service.land_figures(session, [zone])[zone.id]
    assert land.plot_count == 3
    assert land.leased_ha == 15
    assert land.available_ha == 6
    assert land.fill_rate == pytest.approx(15 / 20)
    zone.industrial_land_ha = 100
    session.add(zone)
    session.flush()
    assert service.land_figures(session, [zone])[zone.id].fill_rate == pytest.approx(0.15)


def test_project_on_a_plot_is_not_counted_twice(session):
    zone = _zone(session, "kcn-song-hau")
    plot = Plot(zone_id=zone.id, code="B1", area_ha=8, status="leased")
    session.add(plot)
    session.flush()
    session.add(
        Project(
            zone_id=zone.id, plot_id=plot.id, investor_name="Y", name_vi="a", name_en="a", sector_code="1020", land_ha=8
        )
    )
    session.flush()
    assert service.land_figures(session, [zone])[zone.id].leased_ha == 8


def test_unpublished_zones_are_hidden(session):
    zone = _zone(session, "ccn-ap-nhi")
    zone.published = False
    session.add(zone)
    session.flush()
    assert service.get_zone(session, slug="ccn-ap-nhi") is None
    assert service.get_zone(session, slug="ccn-ap-nhi", include_unpublished=True) is not None
