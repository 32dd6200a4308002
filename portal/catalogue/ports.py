"""What the catalogue asks of other domains, through functions wired at start-up (portal/wiring.py).

The catalogue sits below the domains that build on it (registry, publishing, intake…), so it cannot import
them; a figure one of them owns comes through a port here. Asking a port nobody provided raises
`portal.events.NotWired` rather than answering a wrong figure."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from portal.events import NotWired

#: zone ids, or None for every zone (a whole-catalogue page: no `IN (…)` list of every id)
LeasedOutsidePlots = Callable[[Session, list[int] | None], dict[int, float]]

_leased_outside_plots: LeasedOutsidePlots | None = None


def provide_leased_outside_plots(provider: LeasedOutsidePlots) -> None:
    """The registry provides the leased land of its projects that are not placed on a plot."""
    global _leased_outside_plots
    _leased_outside_plots = provider


def leased_outside_plots(session: Session, zone_ids: list[int] | None) -> dict[int, float]:
    if _leased_outside_plots is None:
        raise NotWired("no provider of leased land outside plots: call portal.wiring.wire() at start-up")
    return _leased_outside_plots(session, zone_ids)
