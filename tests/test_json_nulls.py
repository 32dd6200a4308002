"""JSON columns: None is SQL NULL, so `IS NOT NULL` means "has a value" (it matched every row when None
was stored as the JSON text 'null'); migration 0010 turns the 'null' already stored into SQL NULL."""

from __future__ import annotations

import importlib

from alembic import command
from sqlalchemy import JSON, create_engine, func, insert, select
from sqlmodel import SQLModel, col

from portal import models  # noqa: F401  every table
from portal.catalogue.models import Plot, Zone
from portal.migrate import alembic_config
from tests.migration_support import NOW, OLD_ZONE_ROW, fresh_database

migration = importlib.import_module("portal.migrations.versions.0010_json_nulls")


def _nullable_json_columns() -> set[tuple[str, str]]:
    return {
        (table.name, column.name)
        for table in SQLModel.metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, JSON) and column.nullable
    }


def test_every_nullable_json_column_stores_none_as_sql_null():
    columns = _nullable_json_columns()
    assert ("plot", "geometry") in columns
    for table, name in columns:
        assert SQLModel.metadata.tables[table].columns[name].type.none_as_null, f"{table}.{name}"
    assert set(migration.COLUMNS) == columns  # the data migration covers every one of them


def test_is_not_null_on_a_json_column_means_it_holds_a_value(db):
    square = {"type": "Polygon", "coordinates": [[[105.9, 9.6], [105.91, 9.6], [105.91, 9.61], [105.9, 9.6]]]}
    with db.write() as w:
        zone_id = w.exec(select(Zone.id).order_by(Zone.id)).first()[0]
        drawn = Plot(zone_id=zone_id, code="JSON-1", area_ha=1.0, geometry=square)
        undrawn = Plot(zone_id=zone_id, code="JSON-2", area_ha=1.0, geometry=None)
        w.add_all([drawn, undrawn])
        w.flush()
        ids = [drawn.id, undrawn.id]
        with_geometry = w.exec(select(Plot.id).where(col(Plot.id).in_(ids), col(Plot.geometry).is_not(None))).all()
        assert [r[0] for r in with_geometry] == [drawn.id]
        without = w.exec(
            select(func.count()).select_from(Plot).where(col(Plot.id).in_(ids), col(Plot.geometry).is_(None))
        )
        assert without.one()[0] == 1
        w.expire_all()
        assert w.get(Plot, undrawn.id).geometry is None  # and it reads back as None


def test_0010_turns_the_stored_json_null_into_sql_null(db_kind, tmp_path):
    with fresh_database(db_kind, tmp_path, "json_nulls") as url:
        cfg = alembic_config(url)
        command.upgrade(cfg, "0006")
        engine = create_engine(url)
        now = NOW
        zone = OLD_ZONE_ROW
        plot = {"zone_id": 1, "area_ha": 1.0, "status": "available", "source": "staff", "source_ref": "", "version": 1}
        with engine.begin() as conn:
            conn.execute(insert(Zone.__table__), zone)
            conn.execute(
                insert(Plot.__table__), {**plot, "id": 1, "code": "A", "updated_at": now, "geometry": JSON.NULL}
            )
            conn.execute(
                insert(Plot.__table__),
                {**plot, "id": 2, "code": "B", "updated_at": now, "geometry": {"type": "Point", "coordinates": [1, 2]}},
            )
            stored = conn.execute(select(Plot.__table__.c.id).where(Plot.__table__.c.geometry.is_not(None))).all()
            assert len(stored) == 2  # the old behaviour: the JSON 'null' is not SQL NULL
        command.upgrade(cfg, "0010")
        with engine.connect() as conn:
            rows = conn.execute(select(Plot.__table__.c.id).where(Plot.__table__.c.geometry.is_not(None))).all()
            kept = conn.execute(select(Plot.__table__.c.geometry).where(Plot.__table__.c.id == 2)).scalar_one()
        engine.dispose()
        assert [r[0] for r in rows] == [2]
        assert kept == {"type": "Point", "coordinates": [1, 2]}
