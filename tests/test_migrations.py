"""The migrations produce exactly the models: no pending autogenerate diff, on this run's database."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal.models import metadata


def test_migrations_match_models(db_engine):
    with db_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
    assert diff == []
