"""What intake asks of the domains built on it, through functions wired at start-up (portal/wiring.py).

The review works on proposals and so imports intake; the investor's tracking page (an intake page) shows
the review's part — possible actions, an open information request, its timeline — through this port.
Asking a port nobody provided raises `portal.events.NotWired`."""

from __future__ import annotations

from collections.abc import Callable

from portal.events import NotWired

StatusContext = Callable[..., dict]

_status_context: StatusContext | None = None


def provide_status_context(provider: StatusContext) -> None:
    """`provider(session, proposal, lang, *, token, **options)`: what review/public.html needs on the tracking page."""
    global _status_context
    _status_context = provider


def status_context(session, proposal, lang: str, *, token: str, **options) -> dict:
    """`options`: what the answer form needs to say (max_files, max_bytes of attachments)."""
    if _status_context is None:
        raise NotWired("no provider of the tracking page's review context: call portal.wiring.wire() at start-up")
    return _status_context(session, proposal, lang, token=token, **options)
