"""Staff changes to plots: create, update (compare-and-set), delete."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import delete, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from portal.accounts.models import User
from portal.audit import service as audit
from portal.catalogue.models import Plot, Zone
from portal.clock import today
from portal.i18n import N_
from portal.publishing.schemas import PLOT_FIELDS, PlotIn
from portal.publishing.service import PublishingError
from portal.versioning.service import (
    actor_email,
    compare_and_set,
    jsonable,
    require_version,
    stale_error,
    write_revision,
)


def _outbox_plot(session: Session, plot: Plot) -> None:
    from portal.searchindex.sync import enqueue_plot

    enqueue_plot(session, plot)


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
    ref = actor_ref or actor_email(actor, "cli")
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
        after={"zone": zone.slug, **{k: jsonable(v) for k, v in data.model_dump().items()}},
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
    ref = actor_ref or actor_email(actor, "cli")
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
        before={k: jsonable(a) for k, (a, _) in changes.items()},
        after={k: jsonable(b) for k, (_, b) in changes.items()},
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
        before={"zone": zone.slug if zone else None, **{k: jsonable(v) for k, v in before.items()}},
        address=address,
        detail=f"{zone.slug if zone else ''}/{before['code']}",
    )
