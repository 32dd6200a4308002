"""The screeners' work queue: default view (open cases, mine or nobody's), text search without diacritics,
sorting, the working-days clock (paused while waiting for the investor), overdue marks, bulk assignment,
and a CSV export that matches the list."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime

from portal.audit import service as audit
from portal.review import service
from portal.review.queue import Rules, clock, vi_key, working_days
from portal.review.schemas import QueueFilters
from tests.conftest import csrf_token
from tests.factories import login, make_user
from tests.review.factories import make_proposal


def refs(html: str) -> list[str]:
    return re.findall(r'<a href="/\w\w/review/\d+">(ST-TEST-\d+)</a>', html)


# --- the clock -------------------------------------------------------------------------------------------


def test_working_days_skip_weekends_holidays_and_waiting_days():
    friday = date(2026, 11, 27)
    assert working_days(friday, date(2026, 11, 29)) == 0  # Saturday, Sunday
    assert working_days(friday, date(2026, 12, 2)) == 3  # Mon, Tue, Wed
    assert working_days(friday, date(2026, 12, 2), holidays=frozenset({date(2026, 12, 1)})) == 2
    # waiting for the investor from Monday's request to Wednesday's answer: Monday and Tuesday do not count
    assert working_days(friday, date(2026, 12, 2), paused=[(date(2026, 11, 30), date(2026, 12, 2))]) == 1
    assert working_days(friday, date(2026, 12, 2), paused=[(date(2026, 11, 30), None)]) == 0


def test_the_clock_pauses_while_waiting_and_stops_at_the_decision():
    vn = lambda d, h=10: datetime(d.year, d.month, d.day, h - 7, tzinfo=UTC)  # noqa: E731  (10:00 Vietnam time)
    created = vn(date(2026, 11, 2))  # a Monday
    events = [(vn(date(2026, 11, 4)), "review.request_info"), (vn(date(2026, 11, 9)), "review.answer")]
    now = vn(date(2026, 11, 13))
    c = clock(created, events, now=now, due_days=5)
    # Tue 3 counts; Wed 4 .. Fri 6 waiting; Mon 9 (answered) .. Fri 13 count → 1 + 5
    assert c.working_days == 6 and c.overdue and not c.waiting
    waiting = clock(created, events[:1], now=now, due_days=5)
    assert waiting.working_days == 1 and waiting.waiting and not waiting.overdue
    decided = clock(created, [*events, (vn(date(2026, 11, 10)), "review.accept")], now=now, due_days=5)
    assert decided.working_days == 3 and decided.closed and not decided.overdue  # Tue 3, Mon 9, Tue 10


def test_vietnamese_order():
    names = ["Đông Hải", "Dũng", "Anh", "Ấn", "Ăn", "Bình", "An", "Ân", "Du", "Ơn", "Ôn", "On"]
    expected = ["An", "Anh", "Ăn", "Ân", "Ấn", "Bình", "Du", "Dũng", "Đông Hải", "On", "Ôn", "Ơn"]
    assert sorted(names, key=vi_key) == expected


# --- the list ----------------------------------------------------------------------------------------------


def test_default_view_shows_open_cases_mine_or_nobodys(client, session):
    me = login(client, session, roles=["screener"])
    other = make_user(session, roles=["screener"])
    mine, _ = make_proposal(session, status="in_review", company="Mine Co")
    free, _ = make_proposal(session, company="Free Co")
    theirs, _ = make_proposal(session, status="in_review", company="Theirs Co")
    closed, _ = make_proposal(session, status="accepted", company="Closed Co")
    service.assign(session, proposal=mine, screener=me, actor=me)
    service.assign(session, proposal=theirs, screener=other, actor=me)
    session.commit()
    shown = refs(client.get("/en/review/").text)
    assert mine.reference in shown and free.reference in shown
    assert theirs.reference not in shown and closed.reference not in shown
    everything = refs(client.get("/en/review/?applied=1").text)
    assert {mine.reference, free.reference, theirs.reference, closed.reference} <= set(everything)


def test_search_finds_a_company_without_diacritics_and_by_sector_name(client, session):
    login(client, session, roles=["screener"])
    hit, _ = make_proposal(session, company="Công ty TNHH Thủy sản Đông Hải")
    miss, _ = make_proposal(session, company="Mekong Textiles")
    for query in ("dong hai", "ĐÔNG HẢI", "thuy san dong"):
        shown = refs(client.get("/vi/review/", params={"applied": "1", "q": query}).text)
        assert hit.reference in shown and miss.reference not in shown, query
    by_email = refs(client.get("/vi/review/", params={"applied": "1", "q": hit.contact_email}).text)
    assert by_email == [hit.reference]
    by_reference = refs(client.get("/vi/review/", params={"applied": "1", "q": miss.reference}).text)
    assert by_reference == [miss.reference]
    # sector 1020's name is about aquatic products ("thủy sản"): both proposals have it by default
    seafood = refs(client.get("/vi/review/", params={"applied": "1", "q": "thuy san"}).text)
    assert {hit.reference, miss.reference} <= set(seafood)


def test_sortable_columns_and_overdue_marks(client, session):
    login(client, session, roles=["screener"])
    made = [
        make_proposal(session, age_days=45, company="Bình An")[0],
        make_proposal(session, age_days=3, company="An Phú")[0],
        make_proposal(session, age_days=20, company="Ánh Dương")[0],
    ]
    mine = {p.reference for p in made}

    def order(**params):
        return [r for r in refs(client.get("/vi/review/", params={"applied": "1", **params}).text) if r in mine]

    by_age = [made[0].reference, made[2].reference, made[1].reference]
    assert order() == by_age  # oldest first
    assert order(sort="company") == [made[1].reference, made[2].reference, made[0].reference]  # An, Ánh, Bình
    assert order(sort="company", dir="desc") == [made[0].reference, made[2].reference, made[1].reference]
    assert order(sort="clock", dir="desc") == by_age
    page = client.get("/vi/review/", params={"applied": "1", "sort": "clock", "dir": "desc"}).text
    row = re.search(rf"<tr class=\"overdue\">.*?{made[0].reference}.*?</tr>", page, re.S)
    assert row and "Quá hạn" in row.group(0)  # 45 calendar days are more than 15 working days
    fresh = re.search(rf"<tr>\s*<td class=\"select\">.*?{made[1].reference}.*?</tr>", page, re.S)
    assert fresh and "Quá hạn" not in fresh.group(0)
    assert 'aria-sort="descending"' in page


def test_the_due_time_is_a_setting(session):
    p, _ = make_proposal(session, age_days=10)
    strict = service.queue_rows(session, filters=QueueFilters(q=p.reference), rules=Rules(due_days=2))
    lenient = service.queue_rows(session, filters=QueueFilters(q=p.reference), rules=Rules(due_days=30))
    by_verdict = Rules(due_days=30, by_verdict=((p.verdict, 1),))
    [a], [b], [c] = strict, lenient, service.queue_rows(session, filters=QueueFilters(q=p.reference), rules=by_verdict)
    assert a.clock.overdue and not b.clock.overdue and c.clock.overdue and c.clock.due_days == 1


def test_bulk_assign_assigns_the_ticked_open_cases(client, session):
    me = login(client, session, roles=["screener"])
    other = make_user(session, roles=["screener"], display_name="Phạm Văn Bình")
    a, _ = make_proposal(session)
    b, _ = make_proposal(session, status="in_review")
    closed, _ = make_proposal(session, status="refused")
    response = client.post(
        "/en/review/bulk-assign",
        data={
            "csrf_token": csrf_token(client),
            "ids": [str(a.id), str(b.id), str(closed.id)],
            "screener_id": str(other.id),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303 and "done=bulk&n=2&skipped=1" in response.headers["location"]
    session.expire_all()
    assert service.assignment(session, proposal=a).screener_id == other.id
    assert service.assignment(session, proposal=b).screener_id == other.id
    assert service.assignment(session, proposal=closed) is None
    page = client.get(response.headers["location"]).text
    assert "2 cases assigned." in page and "1 closed case was left as it was." in page
    assert me.id != other.id


def test_csv_export_matches_the_filtered_list(client, session):
    login(client, session, roles=["screener"])
    made = [make_proposal(session, age_days=i, company=f"Công ty Đông Hải {i}")[0] for i in range(30)]
    make_proposal(session, company="Somebody Else")
    params = {"applied": "1", "q": "dong hai", "sort": "company", "dir": "desc"}
    shown = []
    for page_no in (1, 2):
        shown += refs(client.get("/en/review/", params={**params, "page": str(page_no)}).text)
    response = client.get("/en/review/queue.csv", params=params)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["Reference", "Company", "Project"]
    exported = [r[0] for r in rows[1:]]
    assert exported == shown and len(exported) == len(made)
    assert all(r[1].startswith("Công ty Đông Hải") for r in rows[1:])
    # the page's own link to the export carries the same filters
    page = client.get("/en/review/", params=params).text
    link = re.search(r'href="(/en/review/queue\.csv\?[^"]+)"', page).group(1).replace("&amp;", "&")
    assert [r[0] for r in list(csv.reader(io.StringIO(client.get(link).text.lstrip("\ufeff"))))[1:]] == exported


def test_waiting_cases_show_the_clock_paused(client, session):
    login(client, session, roles=["screener"])
    p, _ = make_proposal(session, status="info_requested", age_days=4)
    audit.record(
        session,
        actor=None,
        actor_label="test",
        action="review.request_info",
        object_type="proposal",
        object_id=p.id,
        after={"status": "info_requested"},
    )
    session.commit()
    page = client.get("/en/review/", params={"applied": "1", "q": p.reference}).text
    assert "paused: waiting for the investor" in page


def test_the_arithmetic_clock_agrees_with_counting_day_by_day():
    import random
    from datetime import timedelta

    def by_hand(submitted, until, paused, holidays):
        n, day = 0, submitted + timedelta(days=1)
        while day <= until:
            waited = any(s <= day and (e is None or day < e) for s, e in paused)
            n += day.weekday() < 5 and day not in holidays and not waited
            day += timedelta(days=1)
        return n

    rng = random.Random(15)
    for _ in range(3000):
        submitted = date(2026, 1, 1) + timedelta(days=rng.randint(0, 300))
        until = submitted + timedelta(days=rng.randint(-3, 120))
        paused, cursor = [], submitted
        for _ in range(rng.randint(0, 3)):  # waiting periods follow one another, as request/answer pairs do
            start = cursor + timedelta(days=rng.randint(0, 20))
            end = start + timedelta(days=rng.randint(0, 15)) if rng.random() < 0.8 else None
            paused.append((start, end))
            if end is None:
                break
            cursor = end
        holidays = frozenset(submitted + timedelta(days=rng.randint(-5, 130)) for _ in range(rng.randint(0, 4)))
        expected = by_hand(submitted, until, paused, holidays)
        assert working_days(submitted, until, paused=paused, holidays=holidays) == expected
