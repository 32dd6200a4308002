"""What every publishing change shares: the refusal tied to a field, and the provenance of a staff-entered figure.

The changes themselves: zones.py, plots.py (compare-and-set via portal.versioning, revision, audit, search
outbox in the caller's transaction), imports.py (pending imports, applying a dry-run plan), exports.py,
dashboard.py (the staff overview)."""

from __future__ import annotations

from datetime import date
from typing import Any

from portal.accounts.models import User
from portal.i18n import fmt_date
from portal.versioning.service import (
    actor_email,
)

PUBLISHING_OBJECTS = ("zone", "plot", "project", "import")


class PublishingError(ValueError):
    """A change refused for a reason tied to one field (msgid + params)."""

    def __init__(self, field: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.params = params


FACT_KEY = {
    "contact_org_vi": "contact_org",
    "contact_org_en": "contact_org",
    "name_vi": "name",
    "name_en": "name",
    "lat": "location",
    "lon": "location",
    "location_approximate": "location",
}


def fact_key(name: str) -> str:
    return FACT_KEY.get(name, name)


def staff_fact(actor: User | None, on: date, *, ref: str | None = None) -> dict:
    """Provenance of a figure entered by staff: replaces the seed's source for that field."""
    return {
        "source": "staff",
        "ref": ref or actor_email(actor, "cli"),
        "quote": None,
        "entered_on": on.isoformat(),
        "note_vi": f"Cán bộ nhập ngày {fmt_date(on, 'vi')}",
        "note_en": f"Entered by staff on {fmt_date(on, 'en')}",
    }
