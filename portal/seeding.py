"""What a fresh install holds: the catalogue's reference data (sectors, zones), then the public facts about
those zones. Composition, above both domains: the catalogue knows nothing of the facts that describe it."""

from __future__ import annotations

from sqlmodel import Session

from portal.catalogue.seed import SeedReport
from portal.catalogue.seed import seed as seed_catalogue
from portal.facts.service import seed_facts


def seed(session: Session, *, on_change=None) -> SeedReport:
    """Seed the catalogue, then its public facts (both idempotent); the catalogue's report."""
    report = seed_catalogue(session, on_change=on_change)
    seed_facts(session)
    return report
