"""plot: an index on (zone_id, status, area_ha), so the land sums of every zone are read from the index

The zone list, map, targets, match and API sum each zone's plots by status (catalogue.service.land_figures);
without it the database reads every plot row, outlines included (50,000 plots: 62 → 14 ms in SQLite).

Revision ID: 0011
Revises: 0010
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_plot_zone_status_area", "plot", ["zone_id", "status", "area_ha"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_plot_zone_status_area", table_name="plot")
