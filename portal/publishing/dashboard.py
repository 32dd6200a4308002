"""The staff overview: counts and the latest publishing changes."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from portal.audit.models import AuditEvent
from portal.catalogue.models import Plot, Zone
from portal.publishing.service import PUBLISHING_OBJECTS


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
