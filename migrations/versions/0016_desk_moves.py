"""desk moves: a form's transfer setting

Revision ID: 0016
Revises: 0012
Create Date: 2026-12-05 02:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('forms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('transfer_restarts_clock', sa.Boolean(),
                                      server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('forms', schema=None) as batch_op:
        batch_op.drop_column('transfer_restarts_clock')
