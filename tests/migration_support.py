"""What the data-migration tests share: an empty database to migrate step by step, and a zone row as the old
schema stores it (inserted with plain SQL before the migration under test)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from tests.servers import postgres_database

NOW = datetime(2026, 1, 1, tzinfo=UTC)

#: a zone as the tables before 0010 and 0012 hold it (plain column values)
OLD_ZONE_ROW = {
    "id": 1,
    "slug": "kcn-old",
    "kind": "kcn",
    "name_vi": "KCN cũ",
    "name_en": "Old park",
    "status": "operating",
    "location_approximate": True,
    "source": "staff",
    "source_ref": "",
    "facts": {},
    "published": True,
    "version": 1,
    "created_at": NOW,
    "updated_at": NOW,
}


@contextlib.contextmanager
def fresh_database(db_kind: str, tmp_path: Path, name: str) -> Iterator[str]:
    """The URL of an empty database of the pass's kind (PostgreSQL: a database of its own, dropped after)."""
    if db_kind == "postgresql":
        with postgres_database(name) as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path / 'old.db'}"
