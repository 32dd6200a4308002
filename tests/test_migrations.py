"""The migrations produce exactly the models: no pending autogenerate diff, on this run's database."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal.models import metadata


def test_migrations_match_models(db_engine):
    with db_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
    assert diff == []


def test_serve_refuses_an_unmigrated_database_with_a_clear_message(tmp_path, monkeypatch):
    """A new user running `portal serve` before `portal bootstrap` gets told what to do, not 503 pages."""
    import uvicorn
    from typer.testing import CliRunner

    from portal import cli
    from portal.migrate import pending, upgrade
    from portal.settings import Settings

    url = f"sqlite:///{tmp_path / 'portal.db'}"
    monkeypatch.setattr(cli, "get_settings", lambda: Settings(database_url=url))
    served: list[str] = []
    monkeypatch.setattr(uvicorn, "run", lambda target, **options: served.append(target))
    runner = CliRunner()

    assert pending(url)
    result = runner.invoke(cli.app, ["serve"])
    assert result.exit_code == 1
    assert "is not migrated" in result.output and "portal bootstrap" in result.output
    assert served == []

    upgrade(url)
    assert not pending(url)
    result = runner.invoke(cli.app, ["serve"])
    assert result.exit_code == 0, result.output
    assert served == ["portal.main:app"]
