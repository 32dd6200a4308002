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


class _LateEveningUTC(datetime):
    """18:30 UTC on 4 December 2026: already 01:30 on 5 December in Viet Nam."""

    @classmethod
    def now(cls, tz=None):
        moment = datetime(2026, 12, 4, 18, 30, tzinfo=UTC)
        return moment.astimezone(tz) if tz else moment.replace(tzinfo=None)


def test_today_is_the_province_date_not_the_server_date(monkeypatch, client):
    from portal import clock
    from tests.intake.factories import facts

    monkeypatch.setattr(clock, "datetime", _LateEveningUTC)
    assert clock.today() == date(2026, 12, 5)
    body = client.post("/api/v1/screening", json=facts()).json()
    assert body["as_of"] == "2026-12-05"  # the rules in force in the province that day


def test_no_portal_code_asks_the_server_for_its_own_date():
    """`date.today()` is the server's date (UTC on our machines): from 17:00 UTC it is a day behind the province,
    so staff figures were dated yesterday and screening applied yesterday's rules. `clock.today()` is the rule."""
    import ast
    from pathlib import Path

    import portal

    found = []
    for path in Path(portal.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in {"today", "now"}
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in {"date", "datetime"}
                and not (node.func.attr == "now" and node.args)  # datetime.now(tz) names its zone
                and not any(k.arg == "tz" for k in node.keywords)
            ):
                found.append(f"{path.name}:{node.lineno}")
    assert found == []
