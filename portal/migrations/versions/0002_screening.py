"""screening: VSIC 2025 sector fields; environmental classification inputs and regime on proposals

Revision ID: 0002
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sector", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sensitive_basis", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True))
        batch_op.add_column(
            sa.Column(
                "name_en_source", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False, server_default="portal"
            )
        )
        batch_op.add_column(sa.Column("isic_code", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True))
        batch_op.add_column(sa.Column("keywords", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.add_column(sa.Column("equipment_imported", sa.Boolean(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "sector_system", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False, server_default="vsic-2025"
            )
        )
        batch_op.add_column(sa.Column("capacity", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("sensitive_factors", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("imports_scrap", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("hazardous_waste_treatment", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("regime", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
    with op.batch_alter_table("review_decision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("regime", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
    with op.batch_alter_table("review_screening", schema=None) as batch_op:
        batch_op.add_column(sa.Column("regime", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("review_screening", schema=None) as batch_op:
        batch_op.drop_column("regime")
    with op.batch_alter_table("review_decision", schema=None) as batch_op:
        batch_op.drop_column("regime")
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        for name in (
            "regime",
            "hazardous_waste_treatment",
            "imports_scrap",
            "sensitive_factors",
            "capacity",
            "sector_system",
            "equipment_imported",
        ):
            batch_op.drop_column(name)
    with op.batch_alter_table("sector", schema=None) as batch_op:
        for name in ("keywords", "isic_code", "name_en_source", "sensitive_basis"):
            batch_op.drop_column(name)
