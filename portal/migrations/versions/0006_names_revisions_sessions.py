"""constraint naming convention in force; revisions unique per (object_type, object_id, version) and read by
(object_type, object_id, at); audit timelines by (object_type, object_id, at); expired sessions purged
(and usersession.expires_at indexed for the purge done at each sign-in)

Revision ID: 0006
Revises: 0002

The naming convention (portal/__init__.py) names every constraint created from now on; the existing
unnamed ones keep the names their database gave them (autogenerate does not compare those).
Before the unique constraint, a deletion's revision that shares its version with the update before it
(the old rule: "a delete records the version it deleted") is moved to the next version.
"""

from alembic import op
import sqlalchemy as sa


revision = "0006"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "UPDATE revision SET version = version + 1 WHERE action = 'delete' AND EXISTS ("
        "SELECT 1 FROM revision AS r WHERE r.object_type = revision.object_type"
        " AND r.object_id = revision.object_id AND r.version = revision.version AND r.id <> revision.id)"
    )
    with op.batch_alter_table("revision", schema=None) as batch_op:
        batch_op.drop_index("ix_revision_object_type")
        batch_op.drop_index("ix_revision_object_id")
        batch_op.create_index("ix_revision_object_at", ["object_type", "object_id", "at"], unique=False)
        batch_op.create_unique_constraint("uq_revision_object_version", ["object_type", "object_id", "version"])
    with op.batch_alter_table("auditevent", schema=None) as batch_op:
        batch_op.create_index("ix_auditevent_object_at", ["object_type", "object_id", "at"], unique=False)
    op.execute(sa.text("DELETE FROM usersession WHERE expires_at <= CURRENT_TIMESTAMP"))
    with op.batch_alter_table("usersession", schema=None) as batch_op:
        batch_op.create_index("ix_usersession_expires_at", ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("usersession", schema=None) as batch_op:
        batch_op.drop_index("ix_usersession_expires_at")
    with op.batch_alter_table("auditevent", schema=None) as batch_op:
        batch_op.drop_index("ix_auditevent_object_at")
    with op.batch_alter_table("revision", schema=None) as batch_op:
        batch_op.drop_constraint("uq_revision_object_version", type_="unique")
        batch_op.drop_index("ix_revision_object_at")
        batch_op.create_index("ix_revision_object_id", ["object_id"], unique=False)
        batch_op.create_index("ix_revision_object_type", ["object_type"], unique=False)
