"""Investment-attraction portal and project registry for Sóc Trăng province."""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
ROOT_DIR = PACKAGE_DIR.parent

# Every constraint gets a predictable name (set before any table is defined: every models module imports
# this package first). Unnamed constraints make SQLite batch migrations guess; see migration 0006.
from sqlmodel import SQLModel as _SQLModel  # noqa: E402

_SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
