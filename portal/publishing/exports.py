"""Staff exports of plots and zones (the columns the import reads back)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from portal.catalogue.models import Plot, Zone
from portal.publishing.plots import plot_values
from portal.publishing.zones import list_zones


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
