"""E-mail tests run against a real SMTP server started here (tests/notify/smtp.py); the outbox is sent by
calling the app's worker in the test's thread (`notify_worker="manual"`)."""

from __future__ import annotations

import pytest

from tests.notify.smtp import SMTPServer


@pytest.fixture
def smtp():
    with SMTPServer() as server:
        yield server


@pytest.fixture
def settings(settings, smtp):
    return settings.model_copy(
        update={"smtp_url": smtp.url, "notify_worker": "manual", "mail_from": "Portal <noreply@soctrang.test>"}
    )


@pytest.fixture
def outbox(app):
    """Send what is due now; returns the DrainResult."""
    return app.state.notify_worker.drain_now
