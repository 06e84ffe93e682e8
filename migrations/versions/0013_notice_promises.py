"""notice promises: notices composed by the delivery worker from a row the change writes

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 02:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notice_promises',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('notice_key', sa.String(length=64), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('state', sa.JSON(), nullable=False),
    sa.Column('only_channels', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_notice_promises_event_id_events')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_notice_promises_organization_id_organizations')),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_notice_promises_request_id_requests')),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('notice_promises', schema=None) as batch_op:
        batch_op.create_index('ix_notice_promises_due', ['next_attempt_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notice_promises_request_id'), ['request_id'], unique=False)


def downgrade():
    # Promises not composed yet would be lost: run the worker until the table is empty first.
    with op.batch_alter_table('notice_promises', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_promises_request_id'))
        batch_op.drop_index('ix_notice_promises_due')
    op.drop_table('notice_promises')
