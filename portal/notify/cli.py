"""`portal send-mail`: send the e-mail outbox now (what the server's worker does in the background), e.g.
from cron where servers run with PORTAL_NOTIFY_WORKER=manual. Prints what was sent, retried and failed;
exit code 1 when something could not be sent."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command("send-mail")
    def send_mail() -> None:
        """Send the e-mail that is due (SMTP, or .eml files when PORTAL_SMTP_URL is empty)."""
        from portal.db import Database
        from portal.notify.mailer import make_transport
        from portal.notify.service import MailConfig, drain
        from portal.settings import get_settings

        settings = get_settings()
        db = Database(settings.database_url)
        try:
            result = drain(db, make_transport(settings), cfg=MailConfig.from_settings(settings))
        finally:
            db.dispose()
        typer.echo(f"sent: {result.sent}; to retry: {result.retried}; failed: {result.failed}")
        for error in result.errors[:5]:
            typer.echo(f"  {error}", err=True)
        if result.retried or result.failed:
            raise typer.Exit(1)
