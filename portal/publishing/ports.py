"""What publishing asks of the domains built on it, through functions wired at start-up (portal/wiring.py).

The registry places projects on plots and so imports publishing; publishing cannot import the registry.
Asking a port nobody provided raises `portal.events.NotWired`."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from portal.events import NotWired

PlotInUse = Callable[[Session, int], bool]

_plot_in_use: PlotInUse | None = None


def provide_plot_in_use(provider: PlotInUse) -> None:
    """The registry says whether one of its projects is placed on a plot (such a plot is not deleted)."""
    global _plot_in_use
    _plot_in_use = provider


def plot_in_use(session: Session, plot_id: int) -> bool:
    if _plot_in_use is None:
        raise NotWired("no provider of plot_in_use: call portal.wiring.wire() at start-up")
    return _plot_in_use(session, plot_id)
