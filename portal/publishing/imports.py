"""Imports between dry run and apply: the plan of an upload (parsed and checked by importer.py), kept
server-side as a PendingImport, then written row by row with the version seen at the dry run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from portal.accounts.models import User
from portal.audit import service as audit
from portal.catalogue.models import Plot, Zone
from portal.clock import aware, local_time, today, utcnow
from portal.i18n import N_
from portal.publishing.plots import create_plot, plot_values, update_plot
from portal.publishing.schemas import PlotIn
from portal.publishing.service import PublishingError
from portal.publishing.zones import update_zone_facts
from portal.versioning.service import (
    StaleEdit,
)

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
