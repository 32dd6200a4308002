"""plot.geometry_text: the outline as plots.geojson writes it, set at every write of a plot and filled for the
plots already stored by migration 0012, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

from alembic import command
from sqlalchemy import create_engine, insert, select, text
from sqlmodel import col

from portal import models  # noqa: F401  every table
from portal.catalogue.geometry import geometry_text
from portal.catalogue.models import Plot, Zone
from portal.migrate import alembic_config
from tests.migration_support import NOW, OLD_ZONE_ROW, fresh_database

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[105.9, 9.6], [105.91, 9.6], [105.91, 9.61], [105.9, 9.61], [105.9, 9.6]]],
}
BOWTIE = {
    "type": "Polygon",
    "coordinates": [[[105.9, 9.6], [105.91, 9.61], [105.91, 9.6], [105.9, 9.61], [105.9, 9.6]]],
}
#: geometry stored → the text the export writes (None: left out of plots.geojson)
CASES = {
    "square": (SQUARE, json.dumps(SQUARE)),
    "feature": ({"type": "Feature", "properties": {"tên": "lô"}, "geometry": SQUARE}, json.dumps(SQUARE)),
    "bowtie": (BOWTIE, None),  # self-intersecting: not valid
    "not a shape": ({"type": "Polygon", "coordinates": "x"}, None),
    "out of range": ({"type": "Point", "coordinates": [500.0, 9.6]}, None),
    "none": (None, None),
}


def test_geometry_text_is_the_exports_text_of_a_valid_outline_only():
    for name, (geometry, expected) in CASES.items():
        assert geometry_text(geometry) == expected, name


def test_every_orm_write_of_a_plot_sets_its_geometry_text(db):
    with db.write() as w:
        zone_id = w.exec(select(Zone.id).order_by(Zone.id)).first()[0]
        plots = [
            Plot(zone_id=zone_id, code=f"GT-{n}", area_ha=1.0, geometry=g) for n, (g, _t) in enumerate(CASES.values())
        ]
        w.add_all(plots)
        w.flush()
        w.expire_all()
        stored = [w.get(Plot, p.id).geometry_text for p in plots]
        assert stored == [t for _g, t in CASES.values()]
        first = w.get(Plot, plots[0].id)
        first.geometry = BOWTIE  # a valid outline replaced by an invalid one
        w.add(first)
        w.flush()
        assert w.exec(select(Plot.geometry_text).where(col(Plot.id) == first.id)).one()[0] is None
        first.geometry = {"type": "Feature", "geometry": SQUARE}
        w.add(first)
        w.flush()
        assert w.exec(select(Plot.geometry_text).where(col(Plot.id) == first.id)).one()[0] == json.dumps(SQUARE)
        w.rollback()


def test_0012_fills_geometry_text_of_the_stored_plots(db_kind, tmp_path):
    with fresh_database(db_kind, tmp_path, "geometry_text") as url:
        cfg = alembic_config(url)
        command.upgrade(cfg, "0011")
        engine = create_engine(url)
        now = NOW
        zone = OLD_ZONE_ROW
        base = {"zone_id": 1, "area_ha": 1.0, "status": "available", "source": "staff", "source_ref": ""}
        plot = Plot.__table__
        n_plots = 2500  # more than one batch of the migration
        with engine.begin() as conn:
            conn.execute(insert(Zone.__table__), zone)
            for n, (geometry, _text) in enumerate(CASES.values(), start=1):
                row = {**base, "id": n, "code": f"C-{n}", "version": 1, "updated_at": now}
                conn.execute(insert(plot).values(**row, geometry=geometry))
            many = [
                {**base, "id": 100 + k, "code": f"M-{k}", "version": 1, "updated_at": now, "geometry": SQUARE}
                for k in range(n_plots)
            ]
            conn.execute(insert(plot), many)
        command.upgrade(cfg, "0012")
        with engine.connect() as conn:
            texts = dict(conn.execute(text("SELECT id, geometry_text FROM plot")).all())
        engine.dispose()
        assert [texts[n] for n in range(1, len(CASES) + 1)] == [t for _g, t in CASES.values()]
        assert all(texts[100 + k] == json.dumps(SQUARE) for k in range(n_plots))
