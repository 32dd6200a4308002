from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, update
from sqlmodel import select

from portal.audit import service as audit
from portal.audit.models import AuditEvent
from tests.factories import make_user


def _event(session, **kwargs):
    base = {"actor": None, "action": "zone.updated", "object_type": "zone", "object_id": 1}
    ev = audit.record(session, **{**base, **kwargs})
    session.flush()
    return ev


def test_record_adds_to_the_callers_transaction(session, db):
    user = make_user(session)
    ev = audit.record(
        session,
        actor=user,
        action="zone.updated",
        object_type="zone",
        object_id=7,
        before={"area": Decimal("12.5"), "at": datetime(2024, 1, 2, tzinfo=UTC)},
        after={"area": 13.0, "name": "Trần Đề"},
        address="192.0.2.1",
        detail="sửa diện tích",
    )
    assert ev in session.new  # not committed by record()
    session.flush()
    assert ev.id is not None and ev.object_id == "7" and ev.actor_label == user.email
    assert ev.before == {"area": 12.5, "at": "2024-01-02T00:00:00+00:00"}
    assert ev.after["name"] == "Trần Đề"
    assert ev.at.tzinfo is not None
    session.rollback()  # the change is abandoned: so is its audit event
    assert session.exec(select(AuditEvent).where(AuditEvent.detail == "sửa diện tích")).first() is None


def test_labels_without_actor(session):
    assert _event(session).actor_label == "system"
    assert _event(session, actor_label="investor").actor_label == "investor"


def test_events_cannot_be_updated(session):
    ev = _event(session)
    session.commit()
    ev.detail = "rewritten history"
    with pytest.raises(audit.AuditAppendOnlyError):
        session.flush()
    session.rollback()


def test_events_cannot_be_deleted(session):
    ev = _event(session)
    session.commit()
    session.delete(ev)
    with pytest.raises(audit.AuditAppendOnlyError):
        session.flush()
    session.rollback()
    assert session.get(AuditEvent, ev.id) is not None


@pytest.mark.parametrize(
    "statement",
    [
        update(AuditEvent).values(detail="x"),
        delete(AuditEvent),
    ],
)
def test_bulk_updates_and_deletes_are_refused(session, statement):
    _event(session)
    with pytest.raises(audit.AuditAppendOnlyError):
        session.execute(statement)


def test_list_filters_and_paginates(session):
    alice = make_user(session)
    bob = make_user(session)
    for i in range(7):
        _event(session, actor=alice, action="zone.updated", object_id=i)
    _event(session, actor=bob, action="zone.published", object_id=3)
    _event(
        session,
        actor=None,
        action="proposal.submitted",
        object_type="proposal",
        object_id="P-1",
        actor_label="investor",
    )
    page = audit.list(session, actor_id=alice.id, per_page=5)
    assert page.total == 7 and page.pages == 2 and len(page.items) == 5
    assert [e.object_id for e in page.items] == ["6", "5", "4", "3", "2"]  # newest first
    assert len(audit.list(session, actor_id=alice.id, per_page=5, page=2).items) == 2
    assert audit.list(session, action="zone.published").items[0].actor_id == bob.id
    assert audit.list(session, object_type="zone", object_id=3).total == 2
    assert audit.list(session, object_type="proposal").items[0].actor_label == "investor"
    now = datetime.now(UTC)
    assert audit.list(session, actor_id=alice.id, since=now - timedelta(minutes=5)).total == 7
    assert audit.list(session, actor_id=alice.id, until=now - timedelta(minutes=5)).total == 0
    assert audit.list(session, actor_id=alice.id, since=now + timedelta(minutes=5)).total == 0
    assert "zone.published" in audit.distinct_values(session, column="action")


def test_client_address():
    class Client:
        host = "203.0.113.5"

    class Request:
        client = Client()

    assert audit.client_address(Request()) == "203.0.113.5"
    assert audit.client_address(None) is None
