"""Enquiries: store a question (parsed in schemas.py), list them for staff, record the answer (with an audit
event) and mail it to the asker through the notify outbox. Services take a Session and never commit."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from portal.accounts.models import User
from portal.audit import service as audit
from portal.catalogue.models import Zone
from portal.enquiries.models import Enquiry
from portal.notify import service as notify

#: per sender address and per e-mail: a person asks a few questions, a script is stopped
PER_ADDRESS = "10 per minute"
PER_EMAIL = "5 per minute"


def create(session: Session, *, zone: Zone, values: dict, lang: str, address: str | None) -> Enquiry:
    enquiry = Enquiry(zone_id=zone.id, lang=lang, address=address, **values)
    session.add(enquiry)
    session.flush()
    audit.record(
        session,
        actor=None,
        action="enquiry.created",
        object_type="enquiry",
        object_id=enquiry.id,
        address=address,
        detail=zone.slug,
        actor_label="investor",
    )
    return enquiry


def list_enquiries(session: Session) -> list[tuple[Enquiry, Zone]]:
    rows = session.exec(
        select(Enquiry, Zone).join(Zone, col(Zone.id) == Enquiry.zone_id).order_by(col(Enquiry.created_at).desc())
    ).all()
    return sorted(rows, key=lambda r: r[0].status != "open")  # open first, newest first within each


class StaleEnquiry(Exception):
    pass


def answer(
    session: Session, *, enquiry: Enquiry, text: str, expected_version: int, actor: User, address: str | None
) -> None:
    result = session.exec(
        update(Enquiry)
        .where(col(Enquiry.id) == enquiry.id, col(Enquiry.version) == expected_version)
        .values(
            answer=text,
            status="answered",
            answered_by_id=actor.id,
            answered_at=datetime.now(UTC),
            version=Enquiry.version + 1,
        )
    )
    if result.rowcount != 1:
        raise StaleEnquiry(enquiry.id)
    zone = session.get(Zone, enquiry.zone_id)
    lang = enquiry.lang if enquiry.lang in ("vi", "en") else "vi"
    notify.enquiry_answered(  # in the language the question was asked in, sent after the commit
        session,
        email=enquiry.email,
        name=enquiry.name,
        lang=lang,
        zone_name=getattr(zone, f"name_{lang}"),
        zone_slug=zone.slug,
        question=enquiry.question,
        answer=text,
        asked_at=enquiry.created_at,
    )
    audit.record(
        session,
        actor=actor,
        action="enquiry.answered",
        object_type="enquiry",
        object_id=enquiry.id,
        before={"status": enquiry.status},
        after={"status": "answered"},
        address=address,
    )
