"""reminders and concise SMS: form reminders with their own wording; an SMS name, a price per
part, and diacritics chosen or left to the country; the notice an outbox row carries

Revision ID: 0018
Revises: 0012
Create Date: 2026-12-05 02:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('form_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('date_field', sa.String(length=64), nullable=False),
    sa.Column('days_before', sa.Integer(), nullable=False),
    sa.Column('channels', sa.JSON(), nullable=False),
    sa.Column('wordings', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['form_id'], ['forms.id'], name=op.f('fk_form_reminders_form_id_forms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('form_reminders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_reminders_form_id'), ['form_id'], unique=False)
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notice', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_outbox_org_notice_created', ['organization_id', 'notice', 'created_at'], unique=False)
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sms_name', sa.String(length=40), server_default='', nullable=False))
        batch_op.add_column(sa.Column('sms_part_price', sa.Numeric(precision=12, scale=4), nullable=True))
        batch_op.alter_column('sms_without_diacritics', existing_type=sa.Boolean(), nullable=True,
                              server_default=None)
    # The old default (false) was never a choice: left to the country now (Vietnam: without).
    op.execute("UPDATE organizations SET sms_without_diacritics = NULL"
               " WHERE sms_without_diacritics = false")


def downgrade():
    op.execute("UPDATE organizations SET sms_without_diacritics = false"
               " WHERE sms_without_diacritics IS NULL")
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.alter_column('sms_without_diacritics', existing_type=sa.Boolean(), nullable=False,
                              server_default=sa.false())
        batch_op.drop_column('sms_part_price')
        batch_op.drop_column('sms_name')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_org_notice_created')
        batch_op.drop_column('notice')
    with op.batch_alter_table('form_reminders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_reminders_form_id'))
    op.drop_table('form_reminders')
