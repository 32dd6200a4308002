"""What the outbox asks of the domains above it, through functions wired at start-up (portal/wiring.py).

Notify sits below intake and review (both write mail through it), so it cannot import them; what a
proposal's mail needs of intake comes through this port: the proposal's tracking token (its link), a
proposal by id (the daily digest) and the label of a pre-screening verdict. Asking a port nobody
provided raises `portal.events.NotWired`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from portal.events import NotWired


@dataclass(frozen=True)
class Proposals:
    token_for: Callable[..., str]  # (proposal, *, secret) -> the tracking token
    get: Callable[..., Any]  # (session, *, proposal_id) -> the proposal or None
    verdict_labels: Mapping[str, str]  # verdict -> msgid


_proposals: Proposals | None = None


def provide_proposals(provider: Proposals) -> None:
    """Intake provides its proposals' tracking tokens, lookup and verdict labels."""
    global _proposals
    _proposals = provider


def proposals() -> Proposals:
    if _proposals is None:
        raise NotWired("no provider of proposals for the e-mail outbox: call portal.wiring.wire() at start-up")
    return _proposals


def tracking_token(proposal: Any, *, secret: str) -> str:
    return proposals().token_for(proposal, secret=secret)


def proposal(session: Session, proposal_id: int) -> Any:
    return proposals().get(session, proposal_id=proposal_id)


def verdict_label(verdict: str | None) -> str | None:
    return proposals().verdict_labels.get(verdict, verdict) if verdict is not None else None
