"""`portal createuser EMAIL --role staff [--role screener] [--name "…"]` and `portal users`.

The password is asked twice and never echoed. For scripted use (provisioning, CI) set the environment
variable PORTAL_NEW_PASSWORD instead; it is read once and never printed. Passwords need at least
12 characters. Creating an existing account sets its password and roles and ends its sessions.
"""

from __future__ import annotations

import os

import typer

PASSWORD_ENV = "PORTAL_NEW_PASSWORD"  # noqa: S105 - the variable's name


def _database():
    """The database the commands use (tests replace this)."""
    from portal.db import Database
    from portal.settings import get_settings

    return Database(get_settings().database_url)


def register(app: typer.Typer) -> None:
    @app.command("createuser")
    def createuser(
        email: str = typer.Argument(..., help="login email (stored lower-case)"),
        role: list[str] = typer.Option(..., "--role", help="admin, staff or screener; repeat for several"),
        name: str = typer.Option("", "--name", help="display name"),
    ) -> None:
        """Create a staff account (or reset an existing one's password and roles).

        The password is prompted twice (hidden) or read from $PORTAL_NEW_PASSWORD."""
        from portal.accounts import service
        from portal.accounts.models import ROLES

        unknown = [r for r in role if r not in ROLES]
        if unknown:
            typer.echo(f"unknown role(s): {', '.join(unknown)}; choose from {', '.join(ROLES)}", err=True)
            raise typer.Exit(2)
        password = os.environ.get(PASSWORD_ENV) or typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        if len(password) < service.MIN_PASSWORD_LENGTH:
            typer.echo(f"refused: the password must have at least {service.MIN_PASSWORD_LENGTH} characters", err=True)
            raise typer.Exit(2)
        try:
            password_hash = service.new_password_hash(password, email=email)
        except service.AccountError as err:
            typer.echo(f"refused: {err.message}", err=True)
            raise typer.Exit(2) from None
        db = _database()
        try:
            with db.write() as session:
                existing = service.get(session, email=email)
                if existing is None:
                    user = service.create(
                        session, email=email, password_hash=password_hash, roles=role, display_name=name
                    )
                    verb = "created"
                else:
                    user = service.set_password(session, user=existing, password_hash=password_hash, actor=None)
                    service.set_roles(session, user=user, roles=role, actor=None)
                    if name:
                        user.display_name = name[:120]
                    verb = "updated"
        except service.AccountError as err:
            typer.echo(f"refused: {err.message}", err=True)
            raise typer.Exit(2) from None
        typer.echo(f"{verb} {user.email} ({', '.join(user.roles)})")

    @app.command("users")
    def users() -> None:
        """List staff accounts: email, roles, active, last sign-in."""
        from portal.accounts import service

        db = _database()
        with db.session() as session:
            rows = service.list(session)
        if not rows:
            typer.echo("no accounts yet: create one with `portal createuser EMAIL --role admin`")
            return
        for u in rows:
            last = u.last_login_at.isoformat(timespec="minutes") if u.last_login_at else "never"
            state = "active" if u.active else "deactivated"
            typer.echo(f"{u.email}\t{','.join(u.roles)}\t{state}\tlast sign-in: {last}")
