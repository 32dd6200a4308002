"""Every table, imported in one place so Alembic and metadata.create_all see them all.

A new models module is added to this list (tests/test_wiring.py fails while one is missing)."""

from sqlmodel import SQLModel

from portal.accounts import models as accounts
from portal.alerts import models as alerts
from portal.audit import models as audit
from portal.catalogue import models as catalogue
from portal.enquiries import models as enquiries
from portal.facts import models as facts
from portal.intake import models as intake
from portal.notify import models as notify
from portal.publishing import models as publishing
from portal.registry import models as registry
from portal.review import models as review
from portal.searchindex import models as searchindex
from portal.versioning import models as versioning

MODEL_MODULES = (
    accounts,
    alerts,
    audit,
    catalogue,
    enquiries,
    facts,
    intake,
    notify,
    publishing,
    registry,
    review,
    searchindex,
    versioning,
)

metadata = SQLModel.metadata
