"""public facts: press and public-record facts about the zones, with their source and staff review

Revision ID: 0003
Revises: 0002
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "public_fact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("zone_id", sa.Integer(), nullable=True),
        sa.Column("topic", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("unit", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("quote", sa.Text(), nullable=False),
        sa.Column("quote_lang", sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
        sa.Column("source_url", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("source_title", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("source_date", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("published_on", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
        sa.Column("circa_year", sa.Integer(), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("confidence", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("staff_value", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("staff_note", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["reviewed_by_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["zone_id"], ["zone.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("public_fact", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_public_fact_key"), ["key"], unique=True)
        batch_op.create_index(batch_op.f("ix_public_fact_scope"), ["scope"], unique=False)
        batch_op.create_index(batch_op.f("ix_public_fact_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_public_fact_topic"), ["topic"], unique=False)
        batch_op.create_index(batch_op.f("ix_public_fact_zone_id"), ["zone_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("public_fact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_public_fact_zone_id"))
        batch_op.drop_index(batch_op.f("ix_public_fact_topic"))
        batch_op.drop_index(batch_op.f("ix_public_fact_status"))
        batch_op.drop_index(batch_op.f("ix_public_fact_scope"))
        batch_op.drop_index(batch_op.f("ix_public_fact_key"))
    op.drop_table("public_fact")
