import re

import pytest

from portal.dashboard import service
from portal.dashboard.present import fmt_value, target_view
from tests.opendata.factories import make_plot, make_project, update_zone

ALL_TARGETS = [
    "new-zones-2025",
    "operating-zones-2030",
    "fill-rate-2025",
    "fill-rate-2030",
    "jobs-2030",
    "housing-2030",
    "new-parks-planned",
    "industry-share-2025",
    "industrial-output-2025",
    "industrial-growth-2025",
    "cluster-per-district-2025",
]


def staff_status(session, slug: str, status: str) -> None:
    """A status set by staff (its provenance says so), as the zone editor saves it."""
    from portal.publishing.service import get_zone

    z = get_zone(session, slug=slug)
    update_zone(session, slug, status=status, facts={**z.facts, "status": {"source": "staff", "ref": "t@example.org"}})


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_passed_deadline_without_a_published_figure_says_so_never_not_reached(client, lang):
    article = _article(client.get(f"/{lang}/targets").text, "new-zones-2025")
    assert (
        "Đã qua hạn năm 2025 — chưa có số liệu công bố"
        if lang == "vi"
        else "2025 deadline passed — no figure published"
    ) in article
    assert "not-reached" not in article and "<svg" not in article
    future = _article(client.get(f"/{lang}/targets").text, "operating-zones-2030")  # 2030: still counted
    assert "<strong>0</strong> / 9" in future


def test_a_passed_deadline_with_staff_statuses_shows_the_count(client, session):
    staff_status(session, "kcn-tran-de", "operating")
    article = _article(client.get("/en/targets").text, "new-zones-2025")
    assert "deadline passed" not in article and "<strong>1</strong> / 4" in article


def _article(html: str, target_id: str) -> str:
    start = html.index(f'id="target-{target_id}"')
    return html[start : html.index("</article>", start)]


def _by_id(session) -> dict[str, service.TargetProgress]:
    return {t.id: t for t in service.list_targets(session)}


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_target_shows_its_citation_target_and_a_value_or_reason(client, lang):
    html = client.get(f"/{lang}/targets").text
    for target_id in ALL_TARGETS:
        article = _article(html, target_id)
        assert '<details class="prov citation">' in article and "<blockquote" in article
        assert ("Nghị quyết" if lang == "vi" else "Resolution") in article or "Industry resolution" in article
        assert ("Giá trị hiện tại" if lang == "vi" else "Current value") in article
    housing = _article(html, "housing-2030")
    assert ("chưa tính được" if lang == "vi" else "not yet computable") in housing
    assert ("chưa có dữ liệu" if lang == "vi" else "holds no data") in housing
    assert "<strong>0</strong>" not in housing  # unknown is never zero
    assert "bảo đảm từng khu công nghiệp đều có khu nhà ở công nhân" in housing  # the quote, in Vietnamese
    parks = _article(html, "new-parks-planned")
    assert "<strong>3</strong>" in parks and ("3–4" in parks)


def test_fill_rate_is_not_computable_without_operating_zones(session, client):
    fill = _by_id(session)["fill-rate-2025"].progress
    assert not fill.computable and "operating" in fill.reason.msgid
    assert "Chưa có khu nào trong danh mục có trạng thái đang hoạt động." in client.get("/vi/targets").text


def test_fill_rate_of_operating_zones_is_weighted_by_leasable_land(session):
    update_zone(session, "kcn-tran-de", status="operating", industrial_land_ha=100.0)
    update_zone(session, "kcn-song-hau", status="operating", industrial_land_ha=300.0)
    update_zone(session, "kcn-dai-ngai", status="operating")  # no land figures: left out, said so
    make_project(session, "kcn-tran-de", land_ha=50.0)
    make_project(session, "kcn-song-hau", land_ha=150.0, published=False)  # still land taken
    progress = _by_id(session)["fill-rate-2025"].progress
    assert progress.computable
    assert progress.measures[0].current == pytest.approx((50 + 150) / 400)
    assert progress.notes[0].params == {"counted": 2, "total": 3}


def test_fill_rate_not_computable_when_operating_zones_lack_land_data(session):
    update_zone(session, "kcn-dai-ngai", status="operating")
    progress = _by_id(session)["fill-rate-2030"].progress
    assert not progress.computable and progress.reason.params == {"count": 1}


def test_operating_counts_follow_the_catalogue(session, client):
    update_zone(session, "kcn-tran-de", status="operating")
    update_zone(session, "ccn-nga-nam", status="operating")
    update_zone(session, "ccn-xay-da-b", status="operating")
    measures = {m.key: m.current for m in _by_id(session)["operating-zones-2030"].progress.measures}
    assert measures == {"kcn": 1, "ccn": 2}
    new = {m.key: m.current for m in _by_id(session)["new-zones-2025"].progress.measures}
    assert new == {"kcn": 1, "ccn": 2}
    article = _article(client.get("/en/targets").text, "operating-zones-2030")
    assert "<strong>1</strong> / 9" in article and "<strong>2</strong> / 9" in article


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_jobs_come_from_operating_published_registry_projects(client, session, lang):
    before = _article(client.get(f"/{lang}/targets").text, "jobs-2030")
    assert ("chưa tính được" if lang == "vi" else "not yet computable") in before
    make_project(session, "kcn-tran-de", jobs=1200, status="operating")
    make_project(session, "kcn-song-hau", jobs=800, status="operating")
    make_project(session, "kcn-song-hau", jobs=5000, status="operating", published=False)  # draft: not counted
    make_project(session, "kcn-dai-ngai", jobs=300, status="licensed")  # planned, reported beside
    after = _article(client.get(f"/{lang}/targets").text, "jobs-2030")
    assert ("<strong>2.000</strong>" if lang == "vi" else "<strong>2,000</strong>") in after
    assert ("250.000–280.000" if lang == "vi" else "250,000–280,000") in after
    assert "300" in after
    assert re.search(
        r'<svg class="chart" role="img" aria-labelledby="chart-jobs-2030-title chart-jobs-2030-desc"', after
    )
    assert '<title id="chart-jobs-2030-title">' in after and '<desc id="chart-jobs-2030-desc">' in after
    assert "<table" in after  # the values beside the chart


def test_chart_uses_presentation_attributes_only(client, session):
    make_project(session, "kcn-tran-de", jobs=100)
    html = client.get("/en/targets").text
    assert "style=" not in html
    widths = [float(w) for w in re.findall(r'<rect x="\d+" y="\d+" width="([\d.]+)"', html)]
    assert widths and all(0 <= w <= 300 for w in widths)


def test_target_texts_per_locale(session):
    targets = _by_id(session)
    assert target_view(targets["fill-rate-2025"], "vi").target == "70%"
    assert target_view(targets["industry-share-2025"], "en").target == "29.64%"
    assert target_view(targets["industry-share-2025"], "vi").target == "29,64%"
    assert target_view(targets["industrial-output-2025"], "vi").target == "Trên 90.000 tỷ đồng"
    assert fmt_value(None, "count", "en") is None


def test_unknown_metric_is_no_data(session):
    progress = service.progress_of(session, "something-new", {"ratio": 1})
    assert not progress.computable and progress.reason.msgid == service.NO_DATA


def test_fill_rate_uses_plots_when_industrial_land_is_not_published(session, client):
    staff_status(session, "ccn-nga-nam", "operating")
    make_plot(session, "ccn-nga-nam", area_ha=30.0, status="leased")
    make_plot(session, "ccn-nga-nam", area_ha=10.0, status="available")
    progress = _by_id(session)["fill-rate-2025"].progress
    assert progress.measures[0].current == pytest.approx(0.75)
    article = _article(client.get("/vi/targets").text, "fill-rate-2025")
    assert "<strong>75%</strong> / 70%" in article and "đã đạt" in article


def test_targets_leave_the_main_menu_for_the_about_the_province_footer(client):
    html = client.get("/en/").text
    nav = html[html.index('<nav aria-label="Main">') : html.index("</nav>", html.index('<nav aria-label="Main">'))]
    assert "/en/targets" not in nav
    footer = html[html.index('<footer class="site">') :]
    assert "About the province" in footer and 'href="/en/targets"' in footer
