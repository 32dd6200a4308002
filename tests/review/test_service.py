"""The review service on the real database: transitions, audit rows, decisions, re-screening, queue."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from portal.audit.models import AuditEvent
from portal.intake.models import Proposal
from portal.review import service
from portal.review.models import Decision, ReviewMessage, ScreeningRecord
from portal.review.schemas import QueueFilters
from portal.review.workflow import IllegalTransition
from tests.factories import make_user
from tests.review.factories import make_proposal


@pytest.fixture
def screener(session):
    return make_user(session, roles=["screener"])


def events(session, proposal, prefix="review."):
    return list(
        session.exec(
            select(AuditEvent)
            .where(
                AuditEvent.object_type == "proposal",
                AuditEvent.object_id == str(proposal.id),
                col(AuditEvent.action).startswith(prefix),
            )
            .order_by(col(AuditEvent.id))
        ).all()
    )


def test_assign_starts_the_review_and_audits_both(session, screener):
    p, _ = make_proposal(session)
    service.assign(session, proposal=p, screener=screener, actor=screener, address="10.0.0.1")
    session.commit()
    assert session.get(Proposal, p.id).status == "in_review"
    assert service.assignment(session, proposal=p).screener_id == screener.id
    evs = events(session, p)
    assert [e.action for e in evs] == ["review.assign", "review.start_review"]
    move = evs[1]
    assert move.before == {"status": "submitted"}
    assert move.after["status"] == "in_review"
    assert move.actor_id == screener.id and move.address == "10.0.0.1"


def test_reassign_keeps_one_row_and_records_who_had_it(session, screener):
    other = make_user(session, roles=["screener"])
    p, _ = make_proposal(session, status="in_review")
    service.assign(session, proposal=p, screener=screener, actor=screener)
    service.assign(session, proposal=p, screener=other, actor=screener)
    session.commit()
    assert service.assignment(session, proposal=p).screener_id == other.id
    last = events(session, p)[-1]
    assert last.action == "review.assign" and last.before == {"screener_id": screener.id}


def test_staff_cannot_be_assigned(session, screener):
    staff = make_user(session, roles=["staff"])
    p, _ = make_proposal(session)
    with pytest.raises(service.ReviewError):
        service.assign(session, proposal=p, screener=staff, actor=screener)


def test_full_cycle_with_audit_row_for_every_transition(session, screener):
    p, _ = make_proposal(session)
    service.start_review(session, proposal=p, actor=screener)
    service.request_info(
        session,
        proposal=p,
        actor=screener,
        text_vi="Bổ sung công nghệ xử lý.",
        text_en="Describe the treatment technology.",
    )
    service.answer_info_request(session, proposal=p, text="Chúng tôi dùng công nghệ MBR.", address="1.2.3.4")
    service.request_info(session, proposal=p, actor=screener, text_vi="Thêm nữa.", text_en="More.")
    service.resume(session, proposal=p, actor=screener)
    service.decide(session, proposal=p, actor=screener, outcome="refuse", reason_vi="Lý do.", reason_en="Reason.")
    session.commit()
    moves = [
        (e.action, e.before["status"], e.after["status"])
        for e in events(session, p)
        if e.before and "status" in e.before
    ]
    assert moves == [
        ("review.start_review", "submitted", "in_review"),
        ("review.request_info", "in_review", "info_requested"),
        ("review.answer", "info_requested", "in_review"),
        ("review.request_info", "in_review", "info_requested"),
        ("review.resume", "info_requested", "in_review"),
        ("review.refuse", "in_review", "refused"),
    ]
    answer = next(e for e in events(session, p) if e.action == "review.answer")
    assert answer.actor_id is None and answer.actor_label == "investor" and answer.address == "1.2.3.4"
    refuse = events(session, p)[-1]
    assert refuse.detail == "Reason."
    assert session.get(Proposal, p.id).status == "refused"


def test_transition_updates_updated_at(session, screener):
    p, _ = make_proposal(session, age_days=10)
    before = service.aware(p.updated_at)
    service.start_review(session, proposal=p, actor=screener)
    session.commit()
    session.expire_all()
    assert service.aware(session.get(Proposal, p.id).updated_at) > before


@pytest.mark.parametrize("status", ["accepted", "refused", "withdrawn"])
def test_closed_cases_refuse_every_step_and_nothing_changes(session, screener, status):
    p, _ = make_proposal(session, status=status)
    for call in (
        lambda: service.start_review(session, proposal=p, actor=screener),
        lambda: service.request_info(session, proposal=p, actor=screener, text_vi="a", text_en="b"),
        lambda: service.resume(session, proposal=p, actor=screener),
        lambda: service.answer_info_request(session, proposal=p, text="x"),
        lambda: service.decide(session, proposal=p, actor=screener, outcome="accept", reason_vi="a", reason_en="b"),
        lambda: service.decide(session, proposal=p, actor=screener, outcome="refuse", reason_vi="a", reason_en="b"),
        lambda: service.withdraw(session, proposal=p),
        lambda: service.assign(session, proposal=p, screener=screener, actor=screener),
        lambda: service.rescreen(session, proposal=p, actor=screener),
    ):
        with pytest.raises(IllegalTransition):
            call()
    session.rollback()
    assert session.get(Proposal, p.id).status == status
    assert events(session, p) == []
    assert session.exec(select(ReviewMessage).where(ReviewMessage.proposal_id == p.id)).all() == []


def test_a_stale_copy_cannot_move_a_case_someone_else_moved(session, screener, db):
    p, _ = make_proposal(session, status="in_review")
    with db.session() as other:
        theirs = other.get(Proposal, p.id)
        service.decide(other, proposal=theirs, actor=screener, outcome="refuse", reason_vi="a", reason_en="b")
        other.commit()
    # our copy still says in_review; the conditional UPDATE sees the real state
    assert p.status == "in_review"
    with pytest.raises(IllegalTransition):
        service.decide(session, proposal=p, actor=screener, outcome="accept", reason_vi="a", reason_en="b")
    session.rollback()
    assert session.get(Proposal, p.id).status == "refused"


@pytest.mark.parametrize(
    ("vi", "en", "field"), [("", "Reason", "text_vi"), ("Lý do", "", "text_en"), ("  ", "  ", "text_vi")]
)
@pytest.mark.parametrize("outcome", ["accept", "refuse"])
def test_a_decision_without_its_reason_in_both_languages_is_refused(session, screener, vi, en, field, outcome):
    p, _ = make_proposal(session, status="in_review")
    with pytest.raises(service.ReviewError) as err:
        service.decide(session, proposal=p, actor=screener, outcome=outcome, reason_vi=vi, reason_en=en)
    assert err.value.field == field
    session.rollback()
    assert session.get(Proposal, p.id).status == "in_review"
    assert session.exec(select(Decision).where(Decision.proposal_id == p.id)).all() == []


def test_information_request_needs_both_languages(session, screener):
    p, _ = make_proposal(session, status="in_review")
    with pytest.raises(service.ReviewError) as err:
        service.request_info(session, proposal=p, actor=screener, text_vi="Bổ sung", text_en="")
    assert err.value.field == "text_en"


def test_refusal_stores_the_decision_with_its_screening_snapshot(session, screener):
    p, _ = make_proposal(session, status="in_review")
    service.decide(
        session, proposal=p, actor=screener, outcome="refuse", reason_vi="Không phù hợp.", reason_en="Does not fit."
    )
    session.commit()
    (d,) = service.decisions(session, proposal=p)
    assert (d.outcome, d.reason_vi, d.reason_en, d.decided_by) == (
        "refused",
        "Không phù hợp.",
        "Does not fit.",
        screener.id,
    )
    assert d.ruleset_id == p.ruleset_id and d.verdict == p.verdict and d.screening["verdict"] == p.verdict


def test_withdraw_by_investor_and_by_screener(session, screener):
    a, _ = make_proposal(session)
    service.withdraw(session, proposal=a, reason="Đổi kế hoạch.", address="5.6.7.8")
    b, _ = make_proposal(session, status="info_requested")
    with pytest.raises(service.ReviewError):
        service.withdraw(session, proposal=b, actor=screener, reason_vi="", reason_en="")
    service.withdraw(session, proposal=b, actor=screener, reason_vi="Nhà đầu tư rút.", reason_en="Investor withdrew.")
    session.commit()
    assert session.get(Proposal, a.id).status == session.get(Proposal, b.id).status == "withdrawn"
    ev = events(session, a)[-1]
    assert ev.action == "review.withdraw" and ev.actor_label == "investor" and ev.detail == "Đổi kế hoạch."


def test_internal_comments_never_reach_the_investor(session, screener):
    p, _ = make_proposal(session, status="in_review", locale="en")
    service.comment(session, proposal=p, actor=screener, text="SECRET internal note")
    service.request_info(session, proposal=p, actor=screener, text_vi="Bổ sung hồ sơ.", text_en="Send documents.")
    session.commit()
    for lang in ("vi", "en"):
        timeline = service.public_timeline(session, p, lang)
        assert "SECRET" not in repr(timeline)
        assert [e["kind"] for e in timeline] == ["info_request"]
    assert service.public_timeline(session, p, "vi")[0]["text"] == "Bổ sung hồ sơ."
    assert service.public_timeline(session, p, "en")[0]["text"] == "Send documents."
    from portal.intake.service import timeline as intake_timeline

    assert "SECRET" not in repr(intake_timeline(session, p))
    assert [e.text("en") for e in intake_timeline(session, p)] == ["Send documents."]
    assert [m.kind for m in service.messages(session, proposal=p, public_only=True)] == ["info_request"]


def test_rescreen_stores_a_new_snapshot_and_keeps_the_old_one(session, screener):
    p, _ = make_proposal(session, status="in_review")
    old_snapshot = dict(p.screening)
    # pretend the proposal was screened under an older ruleset with another result
    p.screening = {**old_snapshot, "verdict": "refuse", "ruleset": {"id": "resolution-03-iv7", "version": "0.9"}}
    p.verdict, p.ruleset_version = "refuse", "0.9"
    session.add(p)
    session.commit()
    new = service.rescreen(session, proposal=p, actor=screener)
    session.commit()
    fresh = session.get(Proposal, p.id)
    assert fresh.verdict == new["verdict"] == old_snapshot["verdict"]
    assert fresh.ruleset_version == old_snapshot["ruleset"]["version"] != "0.9"
    (kept,) = session.exec(select(ScreeningRecord).where(ScreeningRecord.proposal_id == p.id)).all()
    assert kept.verdict == "refuse" and kept.ruleset_version == "0.9" and kept.replaced_by == screener.id
    ev = events(session, p)[-1]
    assert ev.action == "review.rescreen"
    assert ev.before["verdict"] == "refuse" and ev.after["ruleset"]["version"] == fresh.ruleset_version
    assert "public" not in ev.after  # the investor's page does not show re-screens


def test_reason_templates_are_bilingual_and_typed():
    templates = service.reason_templates()
    assert templates and all(t.vi and t.en and t.use for t in templates)
    assert {u for t in templates for u in t.use} == {"accept", "refuse", "request_info", "withdraw"}
    assert service.get_template(key="refuse-outside-zone", use="refuse") is not None
    assert service.get_template(key="refuse-outside-zone", use="accept") is None


# --- queue -------------------------------------------------------------------------------------------------


def refs(page):
    return [row.proposal.reference for row in page.rows]


def only_mine(session, page, made):
    return [r for r in refs(page) if r in made]


def test_queue_filters_and_order(session, screener):
    old, _ = make_proposal(session, age_days=30, zone="kcn-tran-de", sectors=("1020",))
    mid, _ = make_proposal(session, age_days=10, status="in_review", sectors=("1030",))
    new, _ = make_proposal(
        session, age_days=1, status="info_requested", zone=None, inside_zone=False, sectors=("1020", "1061")
    )
    made = {p.reference for p in (old, mid, new)}
    service.assign(session, proposal=mid, screener=screener, actor=screener)
    session.commit()

    def q(**kw):
        return only_mine(
            session, service.list_queue(session, filters=QueueFilters(**kw), me=screener.id, per_page=500), made
        )

    assert q() == [old.reference, mid.reference, new.reference]  # oldest first
    assert q(status=["in_review"]) == [mid.reference]
    assert q(status=["submitted", "info_requested"]) == [old.reference, new.reference]
    assert q(zone="kcn-tran-de") == [old.reference]
    assert q(zone="no-such-zone") == []
    assert q(sector="1020") == [old.reference, new.reference]
    assert q(sector="1061") == [new.reference]
    assert q(sector="10200") == []  # a subclass does not match its class
    assert q(older_than=5) == [old.reference, mid.reference]
    assert q(older_than=20) == [old.reference]
    assert q(assignee="me") == [mid.reference]
    assert q(assignee="none") == [old.reference, new.reference]
    assert q(verdict=[old.verdict]) == [r.reference for r in (old, mid, new) if r.verdict == old.verdict]
    assert q(verdict=["refuse"]) == [r.reference for r in (old, mid, new) if r.verdict == "refuse"]


def test_queue_verdict_filter_separates_verdicts(session):
    eligible, _ = make_proposal(session)
    refused, _ = make_proposal(
        session, equipment_condition="used", technology_level="outdated", environmental_measures=False, treatment="none"
    )
    assert eligible.verdict != refused.verdict
    made = {eligible.reference, refused.reference}
    page = service.list_queue(session, filters=QueueFilters(verdict=[refused.verdict]), per_page=500)
    assert only_mine(session, page, made) == [refused.reference]


def test_queue_pagination(session):
    made = {make_proposal(session, age_days=100 + i)[0].reference for i in range(5)}
    seen = []
    total_pages = None
    for page_no in (1, 2, 3):
        page = service.list_queue(session, filters=QueueFilters(older_than=99), page=page_no, per_page=2)
        total_pages = page.pages
        seen += only_mine(session, page, made)
    assert total_pages >= 3 and sorted(seen) == sorted(made) and len(seen) == 5


def test_queue_filter_parsing_drops_bad_values_with_messages():
    filters, errors = QueueFilters.parse(
        [
            ("status", "in_review"),
            ("status", "bogus"),
            ("verdict", "x"),
            ("sector", "12;drop"),
            ("older_than", "-3"),
            ("zone", "../x"),
            ("assignee", "someone"),
            ("page", "abc"),
            ("sector", "102"),
        ]
    )
    assert filters.status == ["in_review"] and filters.verdict == [] and filters.sector is None
    assert filters.older_than is None and filters.zone is None and filters.assignee is None and filters.page == 1
    assert set(errors) == {"status", "verdict", "sector", "older_than", "zone", "assignee"}


def test_rescreen_says_what_changed_between_regimes(session, screener):
    """A plating shop screened under Decree 08 + 05/2025 (no plating row seen: group not determined) and
    re-screened under Decree 48/2026 (item 10, medium: group II): the event and the case page say so."""
    from datetime import date

    from portal.screening import ScreeningFacts
    from portal.screening import service as screening

    p, _ = make_proposal(
        session,
        status="in_review",
        sectors=("2592",),
        sensitive_factors=[],
        capacity={"amount": 5000, "unit": "t_product", "per": "year"},
    )
    old = screening.prepare(session, ScreeningFacts.model_validate(p.facts), as_of=date(2025, 6, 1))
    p.screening = old.screen(as_of=date(2025, 6, 1)).as_dict()
    p.regime = p.screening["regime"]
    session.add(p)
    session.commit()
    service.rescreen(session, proposal=p, actor=screener)
    session.commit()
    changes = events(session, p)[-1].after["changes"]
    assert changes["regime"] == {"before": "lep2020-nd08-nd05", "after": "lep146-nd48"}
    assert changes["group"] == {"before": None, "after": "II"}
    assert "group-undetermined-may-be-refused" in [f["rule"] for f in changes["findings_removed"]]
    (kept,) = session.exec(select(ScreeningRecord).where(ScreeningRecord.proposal_id == p.id)).all()
    assert kept.regime == "lep2020-nd08-nd05" and session.get(Proposal, p.id).regime == "lep146-nd48"
    assert service.screening_changes(session.get(Proposal, p.id), [kept]) == [changes]
