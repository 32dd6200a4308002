"""plot.geometry_text: the outline as plots.geojson writes it, checked once when the plot is written

The export concatenated stored text instead of parsing and checking (shapely) every outline per request.
This fills the column for the plots already stored with the check the application makes at write time
(portal.catalogue.geometry.geometry_text): NULL for no outline or one that is not valid GeoJSON.

Revision ID: 0012
Revises: 0011
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade() -> None:
    from portal.catalogue.geometry import geometry_text

    with op.batch_alter_table("plot", schema=None) as batch_op:
        batch_op.add_column(sa.Column("geometry_text", sa.Text(), nullable=True))
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
        batch_op.drop_column("geometry_text")
