"""Alert tests use the real SMTP server and the outbox of the e-mail tests (tests/notify/conftest.py)."""

from tests.notify.conftest import outbox, settings, smtp  # noqa: F401
