"""Factories shared by the maps, compare, dashboard and open-data tests. Each write signals the public-data
change as the portal's own writes do (the catalogue generation moves on: cached pages and export ETags)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from sqlmodel import select

from portal.catalogue.models import Plot, Zone
from portal.events import public_data_changed
from portal.registry.models import Project

_seq = itertools.count(1)


def zone(session, slug: str) -> Zone:
    return session.exec(select(Zone).where(Zone.slug == slug)).one()


def locate(session, slug: str, *, lat: float = 9.52, lon: float = 106.2, approximate: bool = True) -> Zone:
    z = zone(session, slug)
    z.lat, z.lon, z.location_approximate = lat, lon, approximate
    session.add(z)
    public_data_changed(session, [f"zone:{slug}"])
    session.commit()
    return z


def update_zone(session, slug: str, **fields) -> Zone:
    z = zone(session, slug)
    for k, v in fields.items():
        setattr(z, k, v)
    session.add(z)
    public_data_changed(session, [f"zone:{slug}"])
    session.commit()
    return z


def make_plot(
    session,
    slug: str = "kcn-tran-de",
    *,
    code: str | None = None,
    area_ha: float = 5.0,
    status: str = "available",
    geometry: dict | None = None,
    updated_at: datetime | None = None,
    **fields,
) -> Plot:
    plot = Plot(
        zone_id=zone(session, slug).id,
        code=code or f"P-{next(_seq)}",
        area_ha=area_ha,
        status=status,
        geometry=geometry,
        **fields,
    )
    if updated_at is not None:
        plot.updated_at = updated_at
    session.add(plot)
    public_data_changed(session, [f"zone:{slug}"])
    session.commit()
    return plot


def make_project(
    session,
    slug: str = "kcn-tran-de",
    *,
    jobs: int | None = 100,
    status: str = "operating",
    published: bool = True,
    land_ha: float | None = None,
    updated_at: datetime | None = None,
    **fields,
) -> Project:
    n = next(_seq)
    values = {
        "investor_name": f"Investor {n}",
        "name_vi": f"Dự án {n}",
        "name_en": f"Project {n}",
        "sector_code": "1020",
        **fields,
    }
    project = Project(
        zone_id=zone(session, slug).id, jobs=jobs, status=status, published=published, land_ha=land_ha, **values
    )
    if updated_at is not None:
        project.updated_at = updated_at
    session.add(project)
    public_data_changed(session, [f"zone:{slug}"])
    session.commit()
    return project


def square(lon: float = 106.2, lat: float = 9.5, size: float = 0.01) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [[[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]],
    }


def at(year: int, month: int = 1, day: int = 1) -> datetime:
    return datetime(year, month, day, 12, 0, tzinfo=UTC)
