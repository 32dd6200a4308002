"""`portal demo-data`: a synthetic catalogue, refused on a database with real data, every record marked."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlmodel import SQLModel, col, select
from typer.testing import CliRunner

from portal import cli as portal_cli
from portal import models  # noqa: F401  every table
from portal.audit.models import AuditEvent
from portal.catalogue.demo import SYNTHETIC, RealDataPresent, generate, real_data
from portal.catalogue.models import Plot, Sector, Zone, ZoneSector
from portal.catalogue.seed import seed
from portal.db import Database
from portal.migrate import upgrade
from tests.conftest import count_rows

TABLES = list(SQLModel.metadata.tables)


def _empty(session) -> None:
    """Every row gone (inside the test's rolled-back transaction): an empty, migrated database."""
    for table in reversed(SQLModel.metadata.sorted_tables):
        session.execute(table.delete())


def test_refused_on_the_seeded_database(db):
    with db.write() as w:
        zones_before = count_rows(w, "zone")
        with pytest.raises(RealDataPresent, match="zone: 21 rows not marked synthetic"):
            generate(w, zones=3, plots=3, table_names=TABLES)
        assert count_rows(w, "zone") == zones_before  # nothing added


def test_refused_when_people_records_exist_even_without_zones(db):
    with db.write() as w:
        _empty(w)
        w.add(AuditEvent(actor_label="someone@example.vn", action="x", object_type="zone"))
        w.flush()
        assert real_data(w, TABLES) == [f"{AuditEvent.__tablename__}: holds rows"]
        with pytest.raises(RealDataPresent):
            generate(w, zones=1, plots=0, table_names=TABLES)


def test_every_record_is_marked_synthetic(db):
    with db.write() as w:
        _empty(w)
        report = generate(w, zones=40, plots=300, table_names=TABLES)
        assert (report.zones, report.plots) == (40, 300)
        assert report.sectors_added > 0  # the reference sector list, loaded because it was missing
        for model in (Zone, Plot, ZoneSector):
            assert w.exec(select(func.count()).select_from(model)).one() > 0
            assert w.exec(select(func.count()).select_from(model).where(col(model.source) != SYNTHETIC)).one() == 0
        assert all(name.startswith("Synthetic zone") for name in w.exec(select(Zone.name_en)).all())
        assert w.exec(select(func.count()).select_from(Sector)).one() == report.sectors_added
        assert real_data(w, TABLES) == []  # a synthetic database may be topped up
        more = generate(w, zones=2, plots=0, table_names=TABLES)
        assert more.zones == 2
        assert w.exec(select(func.count()).select_from(Zone)).one() == 42


def test_the_command_refuses_a_database_with_real_data(tmp_path):
    url = f"sqlite:///{tmp_path / 'real.db'}"
    upgrade(url)
    with Database(url).write() as w:
        seed(w)
    result = CliRunner().invoke(portal_cli.app, ["demo-data", "--zones", "2", "--plots", "2", "--database-url", url])
    assert result.exit_code == 2, result.output
    assert "holds real data" in result.output
    with Database(url).session() as s:
        assert s.exec(select(func.count()).select_from(Zone).where(Zone.source == SYNTHETIC)).one() == 0
