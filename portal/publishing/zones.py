"""Staff changes to zones: every fact of the form, or a subset (the zone-facts import), with provenance."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, select

from portal.accounts.models import User
from portal.audit import service as audit
from portal.catalogue.models import Zone, ZoneSector
from portal.clock import today
from portal.publishing.schemas import ZONE_SCALAR_FIELDS, ZoneUpdate
from portal.publishing.service import fact_key, staff_fact
from portal.versioning.service import (
    actor_email,
    compare_and_set,
    jsonable,
    require_version,
    write_revision,
)


def _outbox_zone(session: Session, zone: Zone) -> None:
    from portal.searchindex.sync import enqueue_zone

    enqueue_zone(session, zone)


def zone_sector_codes(session: Session, *, zone: Zone) -> list[str]:
    return sorted(session.exec(select(ZoneSector.sector_code).where(ZoneSector.zone_id == zone.id)).all())


def zone_values(session: Session, zone: Zone) -> dict[str, Any]:
    """The editable facts of a zone as the form shows them."""
    out = {name: getattr(zone, name) for name in ZONE_SCALAR_FIELDS}
    out["priority_sectors"] = zone_sector_codes(session, zone=zone)
    return out


def list_zones(session: Session) -> list[Zone]:
    return list(session.exec(select(Zone).order_by(Zone.kind, Zone.slug)).all())


def get_zone(session: Session, *, slug: str) -> Zone | None:
    return session.exec(select(Zone).where(Zone.slug == slug)).first()


def _save_zone(
    session: Session,
    *,
    zone: Zone,
    new: dict[str, Any],
    expected_version: int,
    actor: User | None,
    publish: bool | None,
    address: str | None,
    on: date,
    actor_ref: str | None = None,
    detail: str | None = None,
) -> dict[str, tuple[Any, Any]]:
    """Compare-and-set the given fields (a subset of ZONE_SCALAR_FIELDS, plus `priority_sectors`)."""
    current = zone_values(session, zone)
    current["published"] = zone.published
    wanted = dict(new)
    if publish is not None:
        wanted["published"] = publish
    changes = {k: (current[k], v) for k, v in wanted.items() if current.get(k) != v}
    if not changes:
        require_version(session, zone, object_type="zone", expected_version=expected_version)
        return {}
    facts = dict(zone.facts or {})
    for name in changes:
        if name != "published":
            facts[fact_key(name)] = staff_fact(actor, on, ref=actor_ref)
    scalar = {k: v for k, (_, v) in changes.items() if k != "priority_sectors"}
    compare_and_set(
        session, zone, object_type="zone", expected_version=expected_version, values={**scalar, "facts": facts}
    )
    if "priority_sectors" in changes:
        before, after = set(changes["priority_sectors"][0]), set(changes["priority_sectors"][1])
        for link in session.exec(select(ZoneSector).where(ZoneSector.zone_id == zone.id)).all():
            if link.sector_code not in after:
                session.delete(link)
        for code in sorted(after - before):
            session.add(
                ZoneSector(
                    zone_id=zone.id,
                    sector_code=code,
                    relation="priority",
                    source="staff",
                    source_ref=(actor_ref or actor_email(actor, "cli"))[:80],
                )
            )
        session.flush()
    only_publish = set(changes) == {"published"}
    action = ("publish" if zone.published else "unpublish") if only_publish else "update"
    write_revision(
        session,
        object_type="zone",
        object_id=zone.id,
        version=zone.version,
        actor=actor,
        action=action,
        changes=changes,
        actor_label=actor_ref,
    )
    audit_action = {"publish": "zone.published", "unpublish": "zone.unpublished", "update": "zone.updated"}[action]
    audit.record(
        session,
        actor=actor,
        action=audit_action,
        object_type="zone",
        object_id=zone.id,
        before={k: jsonable(a) for k, (a, _) in changes.items()},
        after={k: jsonable(b) for k, (_, b) in changes.items()},
        address=address,
        detail=detail or zone.slug,
        actor_label=actor_ref,
    )
    if "published" in changes and not only_publish:
        audit.record(
            session,
            actor=actor,
            action="zone.published" if zone.published else "zone.unpublished",
            object_type="zone",
            object_id=zone.id,
            before={"published": changes["published"][0]},
            after={"published": zone.published},
            address=address,
            detail=zone.slug,
            actor_label=actor_ref,
        )
    _outbox_zone(session, zone)
    return changes


def update_zone(
    session: Session,
    *,
    zone: Zone,
    data: ZoneUpdate,
    expected_version: int,
    actor: User | None,
    publish: bool | None = None,
    address: str | None = None,
    on: date | None = None,
) -> dict[str, tuple[Any, Any]]:
    """Save every fact of the zone form. `publish`: True publish, False draft (hidden), None unchanged.

    Returns the changes {field: (before, after)}; raises StaleEdit when `expected_version` is old."""
    return _save_zone(
        session,
        zone=zone,
        new=data.model_dump(),
        expected_version=expected_version,
        actor=actor,
        publish=publish,
        address=address,
        on=on or today(),
    )


def update_zone_facts(
    session: Session,
    *,
    zone: Zone,
    values: dict[str, Any],
    expected_version: int,
    actor: User | None,
    address: str | None = None,
    on: date | None = None,
    actor_ref: str | None = None,
    detail: str | None = None,
) -> dict[str, tuple[Any, Any]]:
    """Partial update (the zone-facts import): only the fields given."""
    unknown = set(values) - set(ZONE_SCALAR_FIELDS)
    if unknown:
        raise ValueError(f"not zone facts: {sorted(unknown)}")
    return _save_zone(
        session,
        zone=zone,
        new=values,
        expected_version=expected_version,
        actor=actor,
        publish=None,
        address=address,
        on=on or today(),
        actor_ref=actor_ref,
        detail=detail,
    )
