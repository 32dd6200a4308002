"""JSON columns store None as SQL NULL (JSON(none_as_null=True)); the JSON 'null' already stored becomes NULL

Before, a nullable JSON column given None stored the JSON text 'null', so `geometry IS NOT NULL` matched
every plot. The models now say `JSON(none_as_null=True)`; this turns the stored 'null' into SQL NULL. No
schema change: the column types are the same in the database.

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

#: every nullable JSON column (table, column)
COLUMNS = (
    ("plot", "geometry"),
    ("public_fact", "value"),
    ("auditevent", "before"),
    ("auditevent", "after"),
    ("proposal", "capacity"),
    ("proposal", "sensitive_factors"),
    ("review_decision", "screening"),
    ("review_screening", "screening"),
)


def upgrade() -> None:
    for table, column in COLUMNS:
        # CAST(... AS TEXT): SQLite stores JSON as text already; PostgreSQL's json type has no '=' of its own
        op.execute(f'UPDATE {table} SET "{column}" = NULL WHERE CAST("{column}" AS TEXT) = \'null\'')


def downgrade() -> None:
    """Nothing to undo: SQL NULL reads back as None, as the JSON 'null' did."""
