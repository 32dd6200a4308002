"""Staff changes to zones and plots: optimistic locking, revisions, provenance, audit and the search outbox.

Every save is a compare-and-set: `UPDATE … WHERE id = :id AND version = :seen` bumping `version`. When no
row matches, someone saved in between and `StaleEdit` says who and when; nothing is written. The revision,
the audit event and the search outbox rows are added in the caller's transaction (the caller commits).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from portal.accounts.models import User
from portal.audit import service as audit
from portal.audit.models import AuditEvent
from portal.catalogue.models import Plot, Zone, ZoneSector
from portal.i18n import N_, fmt_date
from portal.publishing.models import Revision
from portal.publishing.schemas import PLOT_FIELDS, ZONE_SCALAR_FIELDS, PlotIn, ZoneUpdate

PROVINCE_TZ = timezone(timedelta(hours=7), "ICT")  # Viet Nam, no daylight saving
PUBLISHING_OBJECTS = ("zone", "plot", "project", "import")


def today() -> date:
    """The date in the province (staff enter dates as they see them)."""
    return datetime.now(PROVINCE_TZ).date()


def aware(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes for timezone columns; they were written as UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def local_time(value: datetime | None) -> datetime | None:
    value = aware(value)
    return value.astimezone(PROVINCE_TZ) if value else None


def utcnow() -> datetime:
    return datetime.now(UTC)


class StaleEdit(Exception):
    """The record changed since the form was opened (version mismatch)."""

    def __init__(
        self,
        *,
        object_type: str,
        object_id: int | None,
        current_version: int | None,
        by: str,
        at: datetime | None,
        deleted: bool = False,
    ) -> None:
        super().__init__(f"{object_type} {object_id} changed by {by} at {at}")
        self.object_type = object_type
        self.object_id = object_id
        self.current_version = current_version
        self.by = by
        self.at = at
        self.deleted = deleted


class PublishingError(ValueError):
    """A change refused for a reason tied to one field (msgid + params)."""

    def __init__(self, field: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.params = params


def _jsonable(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def _actor_label(actor: User | None, fallback: str = "system") -> str:
    return actor.email if actor is not None else fallback


def _outbox_zone(session: Session, zone: Zone) -> None:
    from search.sync import enqueue_zone

    enqueue_zone(session, zone)


def _outbox_plot(session: Session, plot: Plot) -> None:
    from search.sync import enqueue_plot

    enqueue_plot(session, plot)


def last_change(session: Session, *, object_type: str, object_id: int) -> tuple[str, datetime | None]:
    """Who last saved an object, and when (from its revisions)."""
    rev = session.exec(
        select(Revision)
        .where(Revision.object_type == object_type, Revision.object_id == object_id)
        .order_by(col(Revision.id).desc())
        .limit(1)
    ).first()
    if rev is None:
        return "", None
    user = session.get(User, rev.actor_id) if rev.actor_id else None
    return (user.label if user else rev.actor_label), aware(rev.at)


def stale_error(session: Session, *, object_type: str, obj, fallback_at: datetime | None = None) -> StaleEdit:
    """Build the StaleEdit for `obj` after a failed compare-and-set (re-reads the current row)."""
    try:
        session.refresh(obj)
        current, deleted = obj.version, False
    except Exception:  # the row is gone (deleted in the meantime)
        current, deleted = None, True
    by, at = last_change(session, object_type=object_type, object_id=obj.id)
    return StaleEdit(
        object_type=object_type, object_id=obj.id, current_version=current, by=by, at=at or fallback_at, deleted=deleted
    )


def require_version(session: Session, obj, *, object_type: str, expected_version: int) -> None:
    """A save with nothing to change still fails (StaleEdit) when the form was read at an older version."""
    if obj.version != expected_version:
        raise stale_error(session, object_type=object_type, obj=obj, fallback_at=obj.updated_at)


def compare_and_set(session: Session, obj, *, object_type: str, expected_version: int, values: dict[str, Any]) -> None:
    """UPDATE the row of `obj` (a table with id, version and updated_at) with `values`, the next version and
    the time, only while it is still at `expected_version`; else StaleEdit. Refreshes `obj`."""
    model = type(obj)
    result = session.exec(
        update(model)
        .where(col(model.id) == obj.id, col(model.version) == expected_version)
        .values(**values, version=expected_version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise stale_error(session, object_type=object_type, obj=obj, fallback_at=obj.updated_at)
    session.refresh(obj)


def revisions(session: Session, *, object_type: str, object_id: int) -> list[Revision]:
    return list(
        session.exec(
            select(Revision)
            .where(Revision.object_type == object_type, Revision.object_id == object_id)
            .order_by(col(Revision.id).desc())
        ).all()
    )


def revisions_since(session: Session, *, object_type: str, object_id: int, version: int) -> list[Revision]:
    return [r for r in revisions(session, object_type=object_type, object_id=object_id) if r.version > version]


def merge_on_top(
    session: Session,
    *,
    object_type: str,
    object_id: int,
    base_version: int,
    current: dict[str, Any],
    mine: dict[str, Any],
) -> dict[str, Any]:
    """Three-way merge for "save my values on top of theirs": a field the user did not change (still equal to
    the version they opened) takes the current value, so the other person's changes are kept; fields the
    user changed keep the user's value. The base is rebuilt from the revisions since `base_version`."""
    base = {k: _jsonable(v) for k, v in current.items()}
    for rev in revisions_since(session, object_type=object_type, object_id=object_id, version=base_version):
        for name, (before, _after) in (rev.changes or {}).items():
            if name in base:
                base[name] = before  # newest first: ends at the value of the opened version
    return {k: (current[k] if k in base and _jsonable(v) == base[k] else v) for k, v in mine.items()}


def actor_names(session: Session, revs: list[Revision]) -> dict[int, str]:
    ids = {r.actor_id for r in revs if r.actor_id}
    if not ids:
        return {}
    return {u.id: u.label for u in session.exec(select(User).where(col(User.id).in_(ids))).all()}


def write_revision(
    session: Session,
    *,
    object_type: str,
    object_id: int,
    version: int,
    actor: User | None,
    action: str,
    changes: dict,
    actor_label: str | None = None,
) -> Revision:
    rev = Revision(
        object_type=object_type,
        object_id=object_id,
        version=version,
        actor_id=actor.id if actor else None,
        actor_label=actor_label or _actor_label(actor),
        action=action,
        changes={k: [_jsonable(a), _jsonable(b)] for k, (a, b) in changes.items()},
    )
    session.add(rev)
    return rev


# --- zones ------------------------------------------------------------------------------------------

FACT_KEY = {
    "contact_org_vi": "contact_org",
    "contact_org_en": "contact_org",
    "name_vi": "name",
    "name_en": "name",
    "lat": "location",
    "lon": "location",
    "location_approximate": "location",
}


def fact_key(name: str) -> str:
    return FACT_KEY.get(name, name)


def public_ref(on: date) -> str:
    """The public reference of a figure staff entered: its date. Who entered it stays in the audit log and
    the revisions; public pages and exports say "provincial staff, <date>" and never name the person."""
    return on.isoformat()


def staff_fact(actor: User | None, on: date, *, ref: str | None = None) -> dict:
    """Provenance of a figure entered by staff: replaces the seed's source for that field (public: the
    date only; the person is in the audit event of the same change)."""
    return {
        "source": "staff",
        "ref": ref or public_ref(on),
        "quote": None,
        "entered_on": on.isoformat(),
        "note_vi": f"Cán bộ nhập ngày {fmt_date(on, 'vi')}",
        "note_en": f"Entered by staff on {fmt_date(on, 'en')}",
    }


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
                    source_ref=(actor_ref or public_ref(on))[:80],
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
        before={k: _jsonable(a) for k, (a, _) in changes.items()},
        after={k: _jsonable(b) for k, (_, b) in changes.items()},
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


# --- plots -----------------------------------------------------------------------------------------


def plot_values(plot: Plot) -> dict[str, Any]:
    return {name: getattr(plot, name) for name in PLOT_FIELDS}


def list_plots(session: Session, *, zone: Zone) -> list[Plot]:
    return list(session.exec(select(Plot).where(Plot.zone_id == zone.id).order_by(Plot.code)).all())


def get_plot(session: Session, *, zone: Zone, plot_id: int) -> Plot | None:
    plot = session.get(Plot, plot_id)
    return plot if plot is not None and plot.zone_id == zone.id else None


def _code_taken(session: Session, *, zone_id: int, code: str, except_id: int | None = None) -> bool:
    stmt = select(Plot.id).where(Plot.zone_id == zone_id, func.lower(Plot.code) == code.lower())
    if except_id is not None:
        stmt = stmt.where(Plot.id != except_id)
    return session.exec(stmt).first() is not None


def create_plot(
    session: Session,
    *,
    zone: Zone,
    data: PlotIn,
    actor: User | None,
    address: str | None = None,
    on: date | None = None,
    actor_ref: str | None = None,
    detail: str | None = None,
) -> Plot:
    if _code_taken(session, zone_id=zone.id, code=data.code):
        raise PublishingError("code", N_("This zone already has a plot with this code."))
    ref = actor_ref or public_ref(on or today())
    plot = Plot(
        zone_id=zone.id, **data.model_dump(), source="staff", source_ref=ref[:80], verified_on=on or today(), version=1
    )
    try:
        with session.begin_nested():
            session.add(plot)
            session.flush()
    except IntegrityError:
        raise PublishingError("code", N_("This zone already has a plot with this code.")) from None
    changes = {k: (None, v) for k, v in data.model_dump().items() if v is not None}
    write_revision(
        session,
        object_type="plot",
        object_id=plot.id,
        version=1,
        actor=actor,
        action="create",
        changes=changes,
        actor_label=actor_ref,
    )
    audit.record(
        session,
        actor=actor,
        action="plot.created",
        object_type="plot",
        object_id=plot.id,
        after={"zone": zone.slug, **{k: _jsonable(v) for k, v in data.model_dump().items()}},
        address=address,
        detail=detail or f"{zone.slug}/{plot.code}",
        actor_label=actor_ref,
    )
    _outbox_plot(session, plot)
    return plot


def update_plot(
    session: Session,
    *,
    plot: Plot,
    data: PlotIn,
    expected_version: int,
    actor: User | None,
    address: str | None = None,
    on: date | None = None,
    actor_ref: str | None = None,
    detail: str | None = None,
) -> dict[str, tuple[Any, Any]]:
    current = plot_values(plot)
    changes = {k: (current[k], v) for k, v in data.model_dump().items() if current[k] != v}
    if not changes:
        require_version(session, plot, object_type="plot", expected_version=expected_version)
        return {}
    if "code" in changes and _code_taken(session, zone_id=plot.zone_id, code=data.code, except_id=plot.id):
        raise PublishingError("code", N_("This zone already has a plot with this code."))
    ref = actor_ref or public_ref(on or today())
    values = {k: v for k, (_, v) in changes.items()}
    values.update(source="staff", source_ref=ref[:80], verified_on=on or today())
    compare_and_set(session, plot, object_type="plot", expected_version=expected_version, values=values)
    write_revision(
        session,
        object_type="plot",
        object_id=plot.id,
        version=plot.version,
        actor=actor,
        action="update",
        changes=changes,
        actor_label=actor_ref,
    )
    zone = session.get(Zone, plot.zone_id)
    audit.record(
        session,
        actor=actor,
        action="plot.updated",
        object_type="plot",
        object_id=plot.id,
        before={k: _jsonable(a) for k, (a, _) in changes.items()},
        after={k: _jsonable(b) for k, (_, b) in changes.items()},
        address=address,
        detail=detail or f"{zone.slug if zone else plot.zone_id}/{plot.code}",
        actor_label=actor_ref,
    )
    _outbox_plot(session, plot)
    return changes


def delete_plot(
    session: Session, *, plot: Plot, expected_version: int, actor: User | None, address: str | None = None
) -> None:
    from portal.registry.models import Project

    if session.exec(select(Project.id).where(Project.plot_id == plot.id)).first() is not None:
        raise PublishingError("plot", N_("A registry project is placed on this plot: move or edit that project first."))
    before = plot_values(plot)
    zone = session.get(Zone, plot.zone_id)
    _outbox_plot(session, plot)  # the outbox row names the plot; the sync sees it gone and drops it
    result = session.exec(
        delete(Plot)
        .where(col(Plot.id) == plot.id, col(Plot.version) == expected_version)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise stale_error(session, object_type="plot", obj=plot, fallback_at=plot.updated_at)
    session.expunge(plot)
    write_revision(
        session,
        object_type="plot",
        object_id=plot.id,
        version=expected_version,
        actor=actor,
        action="delete",
        changes={k: (v, None) for k, v in before.items() if v is not None},
    )
    audit.record(
        session,
        actor=actor,
        action="plot.deleted",
        object_type="plot",
        object_id=plot.id,
        before={"zone": zone.slug if zone else None, **{k: _jsonable(v) for k, v in before.items()}},
        address=address,
        detail=f"{zone.slug if zone else ''}/{before['code']}",
    )


# --- dashboard ---------------------------------------------------------------------------------------


@dataclass
class Counts:
    zones: int
    unpublished: int
    plots: int
    projects: int


def counts(session: Session) -> Counts:
    from portal.registry.models import Project

    return Counts(
        zones=session.exec(select(func.count()).select_from(Zone)).one(),
        unpublished=session.exec(select(func.count()).select_from(Zone).where(Zone.published == False)).one(),  # noqa: E712
        plots=session.exec(select(func.count()).select_from(Plot)).one(),
        projects=session.exec(select(func.count()).select_from(Project)).one(),
    )


def recent_changes(session: Session, *, limit: int = 15) -> list[AuditEvent]:
    """The latest audit events about publishing objects (zones, plots, registry projects, imports)."""
    return list(
        session.exec(
            select(AuditEvent)
            .where(col(AuditEvent.object_type).in_(PUBLISHING_OBJECTS))
            .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
            .limit(limit)
        ).all()
    )


# --- import -----------------------------------------------------------------------------------------

IMPORT_TTL = timedelta(hours=1)


class ImportBlocked(Exception):
    """Apply refused: the dry run has errors (and skipping was not chosen), or rows changed since."""

    def __init__(self, problems: list) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0


def plot_snapshot(session: Session) -> tuple[dict[str, int], dict[tuple[int, str], dict]]:
    zones = {slug: zid for zid, slug in session.exec(select(Zone.id, Zone.slug)).all()}
    plots = {}
    for plot in session.exec(select(Plot)).all():
        plots[(plot.zone_id, plot.code.lower())] = {"id": plot.id, "version": plot.version, **plot_values(plot)}
    return zones, plots


def zone_snapshot(session: Session) -> dict[str, dict]:
    from portal.publishing.importer import ZONE_COLUMNS

    return {
        z.slug: {"id": z.id, "version": z.version, **{c: getattr(z, c) for c in ZONE_COLUMNS[1:]}}
        for z in session.exec(select(Zone)).all()
    }


def plan_upload(session: Session, *, data: bytes, kind: str) -> list:
    """Dry run without storing anything (the CLI uses this directly). Raises ImportRefused."""
    from portal.publishing import importer

    table = importer.read_upload(data)
    if kind == "plots":
        zones, plots = plot_snapshot(session)
        return importer.plan_plots(table, zones=zones, plots=plots)
    if kind == "zones":
        return importer.plan_zones(table, zones=zone_snapshot(session), today=today())
    raise ValueError(f"unknown import kind {kind!r}")


def create_pending_import(session: Session, *, plan: list, kind: str, filename: str, owner: User | None):
    """Keep the plan of a dry run (`plan_upload`, done before the write) server-side for an hour."""
    import secrets

    from portal.publishing.models import PendingImport

    purge_expired_imports(session)
    pending = PendingImport(
        id=secrets.token_urlsafe(24),
        owner_id=owner.id if owner else None,
        kind=kind,
        filename=(filename or "")[:200],
        rows=[r.as_json() for r in plan],
        errors=[p.as_json() for r in plan for p in r.problems],
        created_at=utcnow(),
        expires_at=utcnow() + IMPORT_TTL,
    )
    session.add(pending)
    session.flush()
    return pending


def get_pending_import(session: Session, *, import_id: str, owner: User | None):
    """The owner's pending import, or None (unknown, someone else's, or expired)."""
    from portal.publishing.models import PendingImport

    pending = session.get(PendingImport, import_id[:43])
    if pending is None or (owner is not None and pending.owner_id != owner.id):
        return None
    if aware(pending.expires_at) <= utcnow():
        return None
    return pending


def discard_pending_import(session: Session, *, pending) -> None:
    session.delete(pending)
    session.flush()


def purge_expired_imports(session: Session) -> int:
    from portal.publishing.models import PendingImport

    result = session.exec(
        delete(PendingImport)
        .where(col(PendingImport.expires_at) <= utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def apply_plan(
    session: Session,
    *,
    kind: str,
    plan: list,
    actor: User | None,
    skip_bad_rows: bool = False,
    address: str | None = None,
    actor_ref: str | None = None,
    label: str = "",
) -> ImportResult:
    """Write a dry-run plan in the caller's transaction (the caller commits, or rolls back on ImportBlocked).

    Each row is written with the version seen at the dry run: a row changed since is a conflict."""
    from portal.publishing.schemas import Problem

    bad = [p for r in plan for p in r.problems]
    if bad and not skip_bad_rows:
        raise ImportBlocked(bad)
    result = ImportResult()
    conflicts: list[Problem] = []
    on = today()
    for row in plan:
        if row.action == "error":
            result.skipped += 1
            continue
        if row.action == "unchanged":
            result.unchanged += 1
            continue
        common = {"actor": actor, "address": address, "on": on, "actor_ref": actor_ref}
        common["detail"] = f"import {label} row {row.row}".strip()
        try:
            if kind == "plots":
                data = PlotIn(**row.values)
                if row.action == "create":
                    zone = session.get(Zone, row.zone_id)
                    if zone is None:
                        raise PublishingError("zone_slug", N_("The zone no longer exists."))
                    create_plot(session, zone=zone, data=data, **common)
                    result.created += 1
                else:
                    plot = session.get(Plot, row.target_id)
                    if plot is None:
                        raise PublishingError("code", N_("The plot was deleted since the dry run."))
                    update_plot(session, plot=plot, data=data, expected_version=row.version, **common)
                    result.updated += 1
            else:
                zone = session.get(Zone, row.target_id)
                if zone is None:
                    raise PublishingError("zone_slug", N_("The zone no longer exists."))
                values = dict(row.values)
                if values.get("verified_on"):
                    values["verified_on"] = date.fromisoformat(values["verified_on"])
                update_zone_facts(session, zone=zone, values=values, expected_version=row.version, **common)
                result.updated += 1
        except StaleEdit as err:
            conflicts.append(
                Problem(
                    "file",
                    N_("Changed by %(who)s at %(when)s since the dry run — upload the file again."),
                    {"who": err.by or "?", "when": local_time(err.at).strftime("%Y-%m-%d %H:%M") if err.at else "?"},
                    row=row.row,
                )
            )
        except PublishingError as err:
            conflicts.append(Problem(err.field, err.message, err.params, row=row.row))
    if conflicts:
        if not skip_bad_rows:
            raise ImportBlocked(conflicts)
        result.skipped += len(conflicts)
    return result


def apply_pending_import(
    session: Session, *, pending, actor: User | None, skip_bad_rows: bool = False, address: str | None = None
) -> ImportResult:
    from portal.publishing.importer import PlanRow

    plan = [PlanRow.from_json(r) for r in pending.rows]
    result = apply_plan(
        session,
        kind=pending.kind,
        plan=plan,
        actor=actor,
        skip_bad_rows=skip_bad_rows,
        address=address,
        label=pending.filename,
    )
    audit.record(
        session,
        actor=actor,
        action="import.applied",
        object_type="import",
        object_id=pending.id,
        after={
            "kind": pending.kind,
            "file": pending.filename,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "skipped": result.skipped,
        },
        address=address,
        detail=pending.filename,
    )
    session.delete(pending)
    session.flush()
    return result


# --- export -----------------------------------------------------------------------------------------


def export_plot_rows(session: Session) -> list[dict[str, Any]]:
    import json

    rows = []
    stmt = select(Plot, Zone.slug).join(Zone, col(Zone.id) == Plot.zone_id).order_by(Zone.slug, Plot.code)
    for plot, slug in session.exec(stmt).all():
        row = {"zone_slug": slug, **plot_values(plot)}
        row["geometry"] = json.dumps(plot.geometry, separators=(",", ":")) if plot.geometry else None
        rows.append(row)
    return rows


def export_zone_rows(session: Session) -> list[dict[str, Any]]:
    from portal.publishing.importer import ZONE_COLUMNS

    return [
        {
            "zone_slug": z.slug,
            "name_vi": z.name_vi,
            "name_en": z.name_en,
            **{c: getattr(z, c) for c in ZONE_COLUMNS[1:]},
        }
        for z in list_zones(session)
    ]
