"""Public facts: load them from a research file, read them for the zone pages, and let staff confirm,
correct or withdraw each one (a compare-and-set on `version`, with a revision and an audit event in
the caller's transaction, as for any staff edit). Services take a Session and never commit."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from portal import clock
from portal import data as refdata
from portal.accounts.models import User
from portal.audit import service as audit
from portal.catalogue.changes import zone_changed
from portal.catalogue.models import Zone
from portal.facts import loader
from portal.facts.models import FactStatus, PublicFact
from portal.i18n import N_
from portal.versioning.service import write_revision  # the revision history every staff save uses

#: what an investor looks for first, in this order (topics of the research file)
KEY_TOPICS = (
    "location_post_merger",
    "status",
    "total_area",
    "area",
    "fill_rate",
    "wwtp",
    "developer",
    "management",
)
#: facts about places and coordinates that the location section shows rather than the fact list
LOCATION_TOPICS = ("location_pre_merger", "location_post_merger", "location", "coordinates")
SOURCE_FIELDS = (
    "scope",
    "topic",
    "position",
    "value",
    "unit",
    "quote",
    "quote_lang",
    "source_url",
    "source_title",
    "source_date",
    "published_on",
    "circa_year",
    "kind",
    "confidence",
    "note",
)


class StaleFact(Exception):
    """The fact was reviewed by someone else since the form was opened."""


class FactError(ValueError):
    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    kept: int = 0  # reviewed by staff: the file does not overwrite their review
    refused: list[loader.Refusal] | None = None


def today() -> date:
    return clock.today()


def import_facts(session: Session, *, data: Any, on: date | None = None) -> ImportReport:
    """Add or refresh the facts of `data`; rows staff reviewed are kept as they are; nothing is deleted."""
    zones = {z.slug: z.id for z in session.exec(select(Zone)).all()}
    parsed = loader.parse(data, zone_slugs=set(zones), today=on or today())
    report = ImportReport(refused=parsed.refused)
    existing = {f.key: f for f in session.exec(select(PublicFact)).all()}
    for row in parsed.rows:
        fact = existing.get(row["key"])
        if fact is None:
            session.add(PublicFact(**row, zone_id=zones.get(row["scope"])))
            report.added += 1
        elif fact.version > 1:
            report.kept += 1
        elif any(getattr(fact, k) != row[k] for k in SOURCE_FIELDS):
            for k in SOURCE_FIELDS:
                setattr(fact, k, row[k])
            fact.zone_id = zones.get(row["scope"])
            fact.updated_at = datetime.now(UTC)
            session.add(fact)
            report.updated += 1
    session.flush()
    return report


def seed_facts(session: Session) -> ImportReport:
    """The public facts shipped with the portal (`data/public_facts.yaml`)."""
    return import_facts(session, data=refdata.load("public_facts"))


def _order(facts: list[PublicFact]) -> list[PublicFact]:
    rank = {t: i for i, t in enumerate(KEY_TOPICS)}
    return sorted(facts, key=lambda f: (rank.get(f.topic, len(rank)), f.topic, f.position, f.id or 0))


def zone_facts(session: Session, *, zone: Zone, include_withdrawn: bool = False) -> list[PublicFact]:
    stmt = select(PublicFact).where(PublicFact.zone_id == zone.id)
    if not include_withdrawn:
        stmt = stmt.where(PublicFact.status != FactStatus.withdrawn)
    return _order(list(session.exec(stmt).all()))


def facts_by_zone(session: Session, zone_ids: list[int]) -> dict[int, list[PublicFact]]:
    out: dict[int, list[PublicFact]] = {z: [] for z in zone_ids}
    if not zone_ids:
        return out
    rows = session.exec(
        select(PublicFact).where(col(PublicFact.zone_id).in_(zone_ids), PublicFact.status != FactStatus.withdrawn)
    ).all()
    for f in rows:
        out[f.zone_id].append(f)
    return {z: _order(fs) for z, fs in out.items()}


def first_fact_by_zone(session: Session, zone_ids: list[int], *, topic: str) -> dict[int, PublicFact]:
    """zone id → the first public fact of `topic` in the zone page's order (the zone list's occupancy column):
    only that topic's rows are read, not every fact of the page's zones."""
    if not zone_ids:
        return {}
    rows = session.exec(
        select(PublicFact).where(
            col(PublicFact.zone_id).in_(zone_ids),
            PublicFact.topic == topic,
            PublicFact.status != FactStatus.withdrawn,
        )
    ).all()
    out: dict[int, PublicFact] = {}
    for f in _order(list(rows)):
        out.setdefault(f.zone_id, f)
    return out


def by_topic(facts: list[PublicFact]) -> OrderedDict[str, list[PublicFact]]:
    out: OrderedDict[str, list[PublicFact]] = OrderedDict()
    for f in facts:
        out.setdefault(f.topic, []).append(f)
    return out


def scope_facts(session: Session, *, scope: str) -> list[PublicFact]:
    stmt = select(PublicFact).where(PublicFact.scope == scope, PublicFact.status != FactStatus.withdrawn)
    return _order(list(session.exec(stmt).all()))


def list_facts(session: Session, *, scope: str | None = None, status: str | None = None) -> list[PublicFact]:
    stmt = select(PublicFact)
    if scope:
        stmt = stmt.where(PublicFact.scope == scope)
    if status:
        stmt = stmt.where(PublicFact.status == status)
    return sorted(session.exec(stmt).all(), key=lambda f: (f.scope, *_order_key(f)))


def _order_key(f: PublicFact) -> tuple:
    rank = {t: i for i, t in enumerate(KEY_TOPICS)}
    return rank.get(f.topic, len(rank)), f.topic, f.position


def get_fact(session: Session, *, fact_id: int) -> PublicFact | None:
    return session.get(PublicFact, fact_id)


def scopes(session: Session) -> list[tuple[str, int]]:
    from sqlalchemy import func

    return list(session.exec(select(PublicFact.scope, func.count()).group_by(PublicFact.scope)).all())


ACTIONS = {
    "confirm": FactStatus.confirmed,
    "correct": FactStatus.corrected,
    "withdraw": FactStatus.withdrawn,
    "reopen": FactStatus.unconfirmed,
}


def review(
    session: Session,
    *,
    fact: PublicFact,
    action: str,
    expected_version: int,
    actor: User | None,
    value: str | None = None,
    note: str | None = None,
    address: str | None = None,
    on: date | None = None,
) -> dict[str, tuple[Any, Any]]:
    """Confirm, correct (with the right value), withdraw (with a reason) or reopen one fact."""
    if action not in ACTIONS:
        raise FactError(N_("Unknown action."))
    value = (value or "").strip() or None
    note = (note or "").strip() or None
    if action == "correct" and not value:
        raise FactError(N_("Give the correct value."))
    if action == "withdraw" and not note:
        raise FactError(N_("Say why the fact is withdrawn."))
    if value and len(value) > 500:
        raise FactError(N_("At most %(n)s characters."), n=500)
    if note and len(note) > 1000:
        raise FactError(N_("At most %(n)s characters."), n=1000)
    on = on or today()
    new = {
        "status": str(ACTIONS[action]),
        "staff_value": value if action == "correct" else None,
        "staff_note": note,
        "reviewed_by_id": actor.id if actor and action != "reopen" else None,
        "reviewed_on": on if action != "reopen" else None,
    }
    changes = {k: (getattr(fact, k), v) for k, v in new.items() if getattr(fact, k) != v}
    result = session.exec(
        update(PublicFact)
        .where(col(PublicFact.id) == fact.id, col(PublicFact.version) == expected_version)
        .values(**new, version=PublicFact.version + 1, updated_at=datetime.now(UTC))
    )
    if result.rowcount != 1:
        raise StaleFact(fact.id)
    session.refresh(fact)
    jsonable = {k: [_j(a), _j(b)] for k, (a, b) in changes.items()}
    write_revision(
        session,
        object_type="fact",
        object_id=fact.id,
        version=fact.version,
        actor=actor,
        action=action,
        changes={k: tuple(v) for k, v in jsonable.items()},
    )
    audit.record(
        session,
        actor=actor,
        action=f"fact.{ACTIONS[action]}",
        object_type="fact",
        object_id=fact.id,
        before={k: v[0] for k, v in jsonable.items()},
        after={k: v[1] for k, v in jsonable.items()},
        address=address,
        detail=fact.key,
    )
    if fact.zone_id is not None:
        zone = session.get(Zone, fact.zone_id)
        if zone is not None:  # the zone's public page and search document change with its facts
            zone_changed(session, zone)
    return changes


def _j(v: Any) -> Any:
    return v.isoformat() if isinstance(v, date | datetime) else v
