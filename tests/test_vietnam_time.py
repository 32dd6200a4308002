"""Dates and times as people in Viet Nam read them: Vietnam time (UTC+7), labelled, "18:40, 01/12/2026"."""

from datetime import UTC, date, datetime

from portal.i18n import fmt_date


def test_times_are_shown_in_vietnam_time_and_say_so():
    utc = datetime(2026, 12, 1, 11, 40, tzinfo=UTC)
    assert fmt_date(utc, "vi") == "18:40, 01/12/2026 (giờ Việt Nam)"
    assert fmt_date(utc, "en") == "1 December 2026, 18:40 (Vietnam time)"
    assert fmt_date(datetime(2026, 12, 1, 20, 5), "vi") == "03:05, 02/12/2026 (giờ Việt Nam)"  # stored naive = UTC


def test_dates_in_natural_vietnamese():
    assert fmt_date(date(2026, 11, 25), "vi") == "25/11/2026"


def test_zone_page_dates_read_naturally(client):
    assert "Đối chiếu với nguồn ngày 25/11/2026" in client.get("/vi/zones/kcn-tran-de").text
