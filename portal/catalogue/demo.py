"""A synthetic catalogue for benchmarks and scale tests (`portal demo-data`), never for real use.

Every record it writes is marked synthetic in the `source` column the catalogue already has (zones, plots,
the zones' priority sectors: `source = "synthetic"`, `source_ref = "demo-data"`), and the names say so
("Khu giả lập 0001" / "Synthetic zone 0001"). No figure here describes a real place.

It refuses a database that holds real data: any zone, plot or zone sector not marked synthetic, or any row
in a table of people's records (accounts, proposals, registry projects, enquiries, audit, facts…). The
sector list (the VSIC reference classes of `portal/data/sectors.yaml`) is loaded when missing: zones
name sectors, and the sector list is reference data, not a catalogue record.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy import func, insert, literal_column, table
from sqlmodel import Session, col, select

from portal.catalogue.geometry import geometry_text
from portal.catalogue.models import Plot, Sector, Zone, ZoneSector, utcnow
from portal.catalogue.seed import sector_values
from portal.data import load

SYNTHETIC = "synthetic"
SOURCE_REF = "demo-data"
#: tables that may hold rows in a synthetic database: the marked catalogue, reference data, bookkeeping
MARKED = (Zone, Plot, ZoneSector)
ALLOWED_TABLES = {m.__tablename__ for m in (*MARKED, Sector)} | {
    "catalogue_generation",
    "search_outbox",
    "alembic_version",
}
LOCALITIES = ("chau-thanh", "ke-sach", "long-phu", "my-xuyen", "nga-nam", "tp-soc-trang", "tran-de", "vinh-chau")
STATUSES = ("operating", "building", "approved", "planned", "expansion_planned")
PLOT_STATUSES = ("available", "available", "reserved", "leased", "leased")
BATCH = 2000


class RealDataPresent(RuntimeError):
    """The database holds records that are not synthetic: demo data is never mixed with real data."""


@dataclass
class DemoReport:
    zones: int
    plots: int
    zone_sectors: int
    sectors_added: int


def real_data(session: Session, table_names: list[str]) -> list[str]:
    """What in the database is not synthetic: one line per table ("zone: 21 rows not marked synthetic")."""
    found = []
    for model in MARKED:
        n = session.exec(select(func.count()).select_from(model).where(col(model.source) != SYNTHETIC)).one()
        if n:
            found.append(f"{model.__tablename__}: {n} rows not marked synthetic")
    for name in sorted(set(table_names) - ALLOWED_TABLES):
        if session.execute(select(literal_column("1")).select_from(table(name)).limit(1)).first() is not None:
            found.append(f"{name}: holds rows")
    return found


def _square(lat: float, lon: float, size: float) -> dict:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]}


def generate(session: Session, *, zones: int, plots: int, table_names: list[str], seed: int = 17) -> DemoReport:
    """Add `zones` synthetic zones and `plots` plots spread over them (deterministic for a given seed).
    Raises RealDataPresent when the database holds real data. Does not commit."""
    problems = real_data(session, table_names)
    if problems:
        raise RealDataPresent("; ".join(problems))
    return add_synthetic(session, zones=zones, plots=plots, seed=seed)


def add_synthetic(session: Session, *, zones: int, plots: int, seed: int = 17) -> DemoReport:
    """The records themselves, without the real-data check (tests add them inside a rolled-back
    transaction on top of the seeded data; `generate` is the only other caller)."""
    rng = random.Random(seed)
    sectors_added = 0
    codes = list(session.exec(select(Sector.code).order_by(Sector.code)).all())
    if not codes:
        data = load("sectors")
        for row in data["sectors"] if isinstance(data, dict) else data:
            session.add(Sector(code=row["code"], **sector_values(row)))
            sectors_added += 1
        session.flush()
        codes = list(session.exec(select(Sector.code).order_by(Sector.code)).all())
    start = (session.exec(select(func.count()).select_from(Zone).where(Zone.source == SYNTHETIC)).one() or 0) + 1
    now = utcnow()
    rows = []
    for n in range(start, start + zones):
        kind = rng.choice(("kcn", "kcn", "ccn", "ccn", "ccn", "kkt"))
        area = round(rng.uniform(20, 900), 1) if rng.random() > 0.1 else None
        rows.append(
            {
                "slug": f"demo-{n:05d}",
                "kind": kind,
                "name_vi": f"Khu giả lập {n:05d}",
                "name_en": f"Synthetic zone {n:05d}",
                "locality": LOCALITIES[n % len(LOCALITIES)],
                "status": rng.choice(STATUSES),
                "total_area_ha": area,
                "industrial_land_ha": round(area * 0.7, 1) if area and rng.random() > 0.3 else None,
                "description_vi": "Dữ liệu giả lập để đo hiệu năng; không phải một khu có thật.",
                "description_en": "Synthetic data for benchmarks; not a real zone.",
                "lat": round(9.3 + rng.uniform(0, 0.6), 5),
                "lon": round(105.7 + rng.uniform(0, 0.6), 5),
                "location_approximate": True,
                "source": SYNTHETIC,
                "source_ref": SOURCE_REF,
                "facts": {},
                "published": True,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
    for i in range(0, len(rows), BATCH):
        session.execute(insert(Zone), rows[i : i + BATCH])
    created = session.exec(
        select(Zone.id, Zone.lat, Zone.lon).where(Zone.source == SYNTHETIC).order_by(Zone.id).offset(start - 1)
    ).all()
    links = []
    for zone_id, _lat, _lon in created:
        for code in rng.sample(codes, k=min(3, len(codes))):
            links.append(
                {
                    "zone_id": zone_id,
                    "sector_code": code,
                    "relation": "priority",
                    "source": SYNTHETIC,
                    "source_ref": SOURCE_REF,
                }
            )
    for i in range(0, len(links), BATCH):
        session.execute(insert(ZoneSector), links[i : i + BATCH])
    plot_rows = []
    for k in range(plots):
        zone_id, lat, lon = created[k % len(created)]
        # every fifth plot has no drawn outline (SQL NULL), as real plots often do
        outline = None if k % 5 == 0 else _square(lat + 0.001 * (k % 7), lon + 0.001 * (k % 11), 0.0008)
        plot_rows.append(
            {
                "zone_id": zone_id,
                "code": f"S-{k // len(created) + 1:04d}",
                "area_ha": round(rng.uniform(0.5, 20), 2),
                "status": rng.choice(PLOT_STATUSES),
                "price_amount": round(rng.uniform(40, 120), 0) if rng.random() > 0.5 else None,
                "price_currency": "USD",
                "price_unit": "m2_lease_term",
                "geometry": outline,
                "geometry_text": geometry_text(outline),  # a bulk insert: no mapper event sets it
                "source": SYNTHETIC,
                "source_ref": SOURCE_REF,
                "version": 1,
                "updated_at": now,
            }
        )
        if len(plot_rows) >= BATCH:
            session.execute(insert(Plot), plot_rows)
            plot_rows = []
    if plot_rows:
        session.execute(insert(Plot), plot_rows)
    return DemoReport(len(created), plots, len(links), sectors_added)
