import pytest
import typer
from sqlmodel import select
from typer.testing import CliRunner

from portal.accounts import cli, service
from portal.audit.models import AuditEvent

runner = CliRunner()


@pytest.fixture
def portal_cli(db, monkeypatch):
    monkeypatch.setattr(cli, "_database", lambda: db)
    monkeypatch.delenv(cli.PASSWORD_ENV, raising=False)
    app = typer.Typer()
    cli.register(app)
    return app


def test_createuser_prompts_twice_without_echo(portal_cli, session):
    password = "a strong password 42"
    result = runner.invoke(
        portal_cli,
        ["createuser", "Admin@SocTrang.gov.vn", "--role", "admin", "--role", "staff", "--name", "Quản trị"],
        input=f"{password}\n{password}\n",
    )
    assert result.exit_code == 0, result.output
    assert password not in result.output
    assert "created admin@soctrang.gov.vn (admin, staff)" in result.output
    user = service.get(session, email="admin@soctrang.gov.vn")
    assert user.display_name == "Quản trị"
    assert service.verify_password(user.password_hash, password)
    event = session.exec(
        select(AuditEvent).where(AuditEvent.action == "user.created", AuditEvent.object_id == str(user.id))
    ).one()
    assert event.actor_label == "system"


def test_createuser_refuses_mismatch_and_short_passwords(portal_cli, session):
    result = runner.invoke(
        portal_cli,
        ["createuser", "a@soctrang.gov.vn", "--role", "staff"],
        input="a strong password 1\nsomething else 12\n",
    )
    assert result.exit_code != 0
    result = runner.invoke(portal_cli, ["createuser", "a@soctrang.gov.vn", "--role", "staff"], input="short\nshort\n")
    assert result.exit_code == 2
    assert "at least 12" in result.output
    assert service.get(session, email="a@soctrang.gov.vn") is None


def test_createuser_refuses_unknown_roles(portal_cli, session, monkeypatch):
    monkeypatch.setenv(cli.PASSWORD_ENV, "a strong password 42")
    result = runner.invoke(portal_cli, ["createuser", "b@soctrang.gov.vn", "--role", "root"])
    assert result.exit_code == 2
    assert service.get(session, email="b@soctrang.gov.vn") is None


def test_createuser_from_env_then_users_lists(portal_cli, session, monkeypatch):
    monkeypatch.setenv(cli.PASSWORD_ENV, "scripted password 123")
    result = runner.invoke(portal_cli, ["createuser", "screener@soctrang.gov.vn", "--role", "screener"])
    assert result.exit_code == 0, result.output
    assert "scripted password" not in result.output
    # again: updates the password and roles, ends sessions
    monkeypatch.setenv(cli.PASSWORD_ENV, "another password 456")
    result = runner.invoke(portal_cli, ["createuser", "screener@soctrang.gov.vn", "--role", "staff"])
    assert result.exit_code == 0 and "updated" in result.output
    user = service.get(session, email="screener@soctrang.gov.vn")
    session.refresh(user)
    assert user.roles == ["staff"] and service.verify_password(user.password_hash, "another password 456")
    listing = runner.invoke(portal_cli, ["users"])
    assert listing.exit_code == 0
    assert "screener@soctrang.gov.vn\tstaff\tactive\tlast sign-in: never" in listing.output
