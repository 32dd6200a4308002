"""Registry figures used by the catalogue and the dashboard."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from portal.registry.models import Project


def leased_outside_plots(session: Session, zone_ids: list[int]) -> dict[int, float]:
    """Land taken by registry projects that are not placed on a plot (a plot marked leased already
    counts its own area; a project on a plot would count it twice)."""
    if not zone_ids:
        return {}
    rows = session.exec(
        select(Project.zone_id, func.sum(Project.land_ha))
        .where(col(Project.zone_id).in_(zone_ids), col(Project.plot_id).is_(None),
               col(Project.land_ha).is_not(None))
        .group_by(Project.zone_id)
    ).all()
    return {zone_id: float(total) for zone_id, total in rows if total}
