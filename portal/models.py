"""Every table, imported in one place so Alembic and metadata.create_all see them all.

Each domain package with a `models.py` is imported (sorted, so the order is stable)."""

from importlib import import_module

from sqlmodel import SQLModel

from portal import PACKAGE_DIR

DOMAINS_WITH_MODELS = sorted(p.parent.name for p in PACKAGE_DIR.glob("*/models.py"))
for _name in DOMAINS_WITH_MODELS:
    import_module(f"portal.{_name}.models")

metadata = SQLModel.metadata
