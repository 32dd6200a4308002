"""What is wired at start-up, once per process, by the app factory, the command line and the test suite:
who listens to public-data events (portal/events) and who provides the ports through which a lower domain
asks a higher one (portal/{catalogue,publishing,intake,notify}/ports.py). Before `wire()`, a change
signalled or a port asked raises `portal.events.NotWired`."""

from __future__ import annotations

from portal import events, housekeeping
from portal.accounts import service as accounts
from portal.alerts import service as alerts
from portal.catalogue import ports as catalogue_ports
from portal.intake import labels as intake_labels
from portal.intake import ports as intake_ports
from portal.intake import service as intake
from portal.notify import ports as notify_ports
from portal.publishing import imports as publishing_imports
from portal.publishing import ports as publishing_ports
from portal.registry import service as registry
from portal.review import service as review
from portal.searchindex import sync as search_sync
from portal.web import pagecache


def wire() -> None:
    """Subscribe the page cache (the public-data generation), the search indexer (its outbox rows) and the
    land alerts (mail to the subscribers whose search matches land that became available); register the
    scheduled purges (portal/housekeeping.py)."""
    events.subscribe(pagecache.bump_generation)
    events.subscribe(search_sync.queue)
    events.subscribe(alerts.on_public_data_changed)
    catalogue_ports.provide_leased_outside_plots(registry.leased_outside_plots)
    publishing_ports.provide_plot_in_use(registry.plot_in_use)
    intake_ports.provide_status_context(review.status_context)
    housekeeping.register("expired sessions", accounts.purge_expired_sessions)
    housekeeping.register("expired import previews", publishing_imports.purge_expired_imports)
    housekeeping.register("unconfirmed land alerts", alerts.purge_unconfirmed)
    notify_ports.provide_proposals(
        notify_ports.Proposals(token_for=intake.token_for, get=intake.get, verdict_labels=intake_labels.VERDICT)
    )
