"""The public-data signal for catalogue records (portal.events): what a change to a zone or plot shows anew.

Every write to a zone, a plot or a registry project's land calls one of these in its transaction."""

from __future__ import annotations

from sqlmodel import Session, select

from portal.catalogue.models import Plot, Zone
from portal.events import public_data_changed


def zone_changed(session: Session, zone: Zone) -> None:
    """A zone and the plots that show its name."""
    plot_ids = session.exec(select(Plot.id).where(Plot.zone_id == zone.id)).all() if zone.id else []
    public_data_changed(session, [f"zone:{zone.slug}", *(f"plot:{i}" for i in plot_ids)])


def plot_changed(session: Session, plot: Plot) -> None:
    zone = session.get(Zone, plot.zone_id)
    public_data_changed(session, [f"plot:{plot.id}"] + ([f"zone:{zone.slug}"] if zone else []))
