"""notifications: the e-mail outbox and staff notification preferences; documents with an investor's answer;
staff e-mail addresses no longer stored as the public reference of staff-entered figures

Revision ID: 0005
Revises: 0002
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0005'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('notify_preference',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('locale', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('new_submissions', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('user_id')
    )
    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('recipient', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('recipient_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('locale', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('message_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('digest_id', sa.Integer(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['digest_id'], ['notification.id'], ),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('message_id')
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_next_attempt_at'), ['next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_proposal_id'), ['proposal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_recipient'), ['recipient'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_attachment_message_id'), ['message_id'], unique=False)
        batch_op.create_foreign_key('fk_attachment_message_id_review_message', 'review_message', ['message_id'], ['id'])




    _scrub_staff_emails()


def _scrub_staff_emails() -> None:
    """Figures entered by staff used to carry the person's e-mail as their public reference: keep the date
    instead (the person stays in the audit log and the revisions)."""
    bind = op.get_bind()
    zone = sa.table("zone", sa.column("id", sa.Integer), sa.column("facts", sa.JSON))
    for zone_id, facts in bind.execute(sa.select(zone.c.id, zone.c.facts)).all():
        changed = False
        for fact in (facts or {}).values():
            if isinstance(fact, dict) and fact.get("source") == "staff" and "@" in str(fact.get("ref") or ""):
                fact["ref"] = fact.get("entered_on") or ""
                changed = True
        if changed:
            bind.execute(zone.update().where(zone.c.id == zone_id).values(facts=facts))
    plot = sa.table("plot", sa.column("source", sa.String), sa.column("source_ref", sa.String), sa.column("verified_on", sa.Date))
    bind.execute(
        plot.update()
        .where(plot.c.source == "staff", plot.c.source_ref.like("%@%"))
        .values(source_ref=sa.cast(plot.c.verified_on, sa.String))
    )
    zone_sector = sa.table("zonesector", sa.column("source", sa.String), sa.column("source_ref", sa.String))
    bind.execute(
        zone_sector.update()
        .where(zone_sector.c.source == "staff", zone_sector.c.source_ref.like("%@%"))
        .values(source_ref="staff")
    )


def downgrade() -> None:
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_constraint('fk_attachment_message_id_review_message', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_attachment_message_id'))
        batch_op.drop_column('message_id')

    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_user_id'))
        batch_op.drop_index(batch_op.f('ix_notification_status'))
        batch_op.drop_index(batch_op.f('ix_notification_recipient'))
        batch_op.drop_index(batch_op.f('ix_notification_proposal_id'))
        batch_op.drop_index(batch_op.f('ix_notification_next_attempt_at'))
        batch_op.drop_index(batch_op.f('ix_notification_kind'))

    op.drop_table('notification')
    op.drop_table('notify_preference')
