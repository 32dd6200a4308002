"""Public pipeline figures per quarter: received, pre-screening verdicts, refusals by rule, acceptances in
principle, median working days to a decision (waiting for the investor left out); page and CSV agree."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from portal.audit.models import AuditEvent
from portal.pipeline import service
from tests.review.factories import make_proposal


def vn(day: str, hour: int = 10) -> datetime:
    """`hour` o'clock Vietnam time on `day`, as UTC."""
    y, m, d = (int(x) for x in day.split("-"))
    return datetime(y, m, d, hour - 7, tzinfo=UTC)


def event(session, proposal, action: str, at: datetime) -> None:
    session.add(
        AuditEvent(at=at, actor_label="test", action=action, object_type="proposal", object_id=str(proposal.id))
    )


def test_quarters_verdicts_refusals_acceptances_and_median_days(client, session):
    a, _ = make_proposal(session, company="Công ty A bí mật")
    b, _ = make_proposal(session, company="Công ty B bí mật")
    refused, _ = make_proposal(
        session,
        company="Công ty C bí mật",
        equipment_condition="used",
        technology_level="outdated",
        environmental_measures=False,
        treatment="none",
    )
    later, _ = make_proposal(session, company="Công ty D bí mật")
    assert refused.verdict == "refuse"
    for p, day in ((a, "2026-07-01"), (b, "2026-07-06"), (refused, "2026-08-03"), (later, "2026-10-05")):
        p.created_at = vn(day)
        session.add(p)
    # A: decided (refused) Wed 8 July → Thu 2, Fri 3, Mon 6, Tue 7, Wed 8 = 5 working days
    event(session, a, "review.refuse", vn("2026-07-08"))
    # B: asked Tue 7, answered Mon 13, accepted Wed 15 → Tue 7 .. Fri 10 waiting; Mon 13, Tue 14, Wed 15 = 3
    event(session, b, "review.request_info", vn("2026-07-07"))
    event(session, b, "review.answer", vn("2026-07-13"))
    event(session, b, "review.accept", vn("2026-07-15"))
    session.commit()

    figures = service.figures(session)
    q3 = next(q for q in figures.quarters if q.key == "2026-Q3")
    q4 = next(q for q in figures.quarters if q.key == "2026-Q4")
    assert q3.received >= 3 and q4.received >= 1
    assert q3.verdicts["refuse"] >= 1
    assert q3.decided == 2 and q3.accepted == 1 and q3.median_days == 4  # median of 5 and 3
    refusing = {f["rule"] for f in refused.screening["findings"] if f["outcome"] == "refuse"}
    assert refusing and all(q3.refused_by_rule.get(rule, 0) >= 1 for rule in refusing)

    rows = list(csv.DictReader(io.StringIO(client.get("/api/v1/pipeline.csv").text)))
    row = next(r for r in rows if r["quarter"] == "2026-Q3")
    assert row["received"] == str(q3.received) and row["accepted_in_principle"] == "1"
    assert row["median_working_days_to_decision"] == "4" and row["decisions"] == "2"
    assert all(rule in row["refused_by_rule"] for rule in refusing)

    for lang, quarter, median in (("vi", "Quý 3 2026", "4"), ("en", "Q3 2026", "4")):
        page = client.get(f"/{lang}/pipeline")
        assert page.status_code == 200
        assert quarter in page.text and "<svg" in page.text and "<table>" in page.text
        assert "bí mật" not in page.text  # no company names
        assert f'<td class="num">2</td><td class="num">{median}</td>' in page.text
    # a quarter without a refusal by rule says so and counts 0 (not an empty cell)
    q4_vi, q4_en = "Quý 4 2026", "Q4 2026"
    assert not q4.refused_by_rule
    for lang, label, words in (
        ("vi", q4_vi, "không có hồ sơ bị từ chối trong quý"),
        ("en", q4_en, "no refusal in this quarter"),
    ):
        text = client.get(f"/{lang}/pipeline").text
        refused_table = text[text.index('id="pl-refused"') : text.index('id="pl-accepted"')]
        assert f'<tr><th scope="row">{label}</th><td>{words}</td><td class="num">0</td></tr>' in refused_table


def test_the_wide_first_table_names_every_figure_for_its_phone_cards(client, session):
    """On a phone the seven-column table becomes one card per quarter (static/css/portal.css, cards-phone):
    each figure carries its column's name, in the page's language."""
    make_proposal(session, company="Công ty E")
    session.commit()
    for lang, received in (("vi", "Đã nhận"), ("en", "Received")):
        text = client.get(f"/{lang}/pipeline").text
        first = text[text.index('id="pl-received"') : text.index('id="pl-refused"')]
        assert 'class="figure-wide"' in first and '<table class="cards-phone">' in first
        body = first[first.index("<tbody>") : first.index("</tbody>")]
        cells = body.count("<td")
        headers = first[first.index("<thead>") : first.index("</thead>")].count('<th scope="col"')
        assert cells == body.count("data-label=") == headers - 1  # every figure, the quarter is the card's title
        assert f'data-label="{received}"' in body
