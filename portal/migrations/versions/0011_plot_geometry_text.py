"""plot.geometry_text: the outline as plots.geojson writes it, checked once when the plot is written; and an
index covering the land sums (plot: zone_id, status, area_ha)

The export concatenated stored text instead of parsing and checking (shapely) every outline per request.
This fills the column for the plots already stored with the check the application makes at write time
(portal.catalogue.geometry.geometry_text): NULL for no outline or one that is not valid GeoJSON.

Revision ID: 0011
Revises: 0010
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade() -> None:
    from portal.catalogue.geometry import geometry_text

    with op.batch_alter_table("plot", schema=None) as batch_op:
        batch_op.add_column(sa.Column("geometry_text", sa.Text(), nullable=True))
        batch_op.create_index("ix_plot_zone_status_area", ["zone_id", "status", "area_ha"], unique=False)
    conn = op.get_bind()
    plot = sa.table("plot", sa.column("id", sa.Integer), sa.column("geometry", sa.Text), sa.column("geometry_text"))
    last = 0
    while True:  # by id, BATCH rows at a time: constant memory on any number of plots
        rows = conn.execute(
            sa.select(plot.c.id, sa.cast(plot.c.geometry, sa.Text))
            .where(plot.c.id > last, plot.c.geometry.is_not(None))
            .order_by(plot.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        filled = [{"pid": pid, "text": text} for pid, raw in rows if (text := geometry_text(json.loads(raw)))]
        if filled:
            conn.execute(
                plot.update().where(plot.c.id == sa.bindparam("pid")).values(geometry_text=sa.bindparam("text")),
                filled,
            )
        last = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table("plot", schema=None) as batch_op:
        batch_op.drop_index("ix_plot_zone_status_area")
        batch_op.drop_column("geometry_text")
