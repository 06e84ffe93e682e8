"""inbox notice keys: what re-renders a notice in the language of the page that shows it

Revision ID: 0019
Revises: 0016
Create Date: 2026-12-05 03:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('inbox_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notice_key', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('notice_values', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('inbox_items', schema=None) as batch_op:
        batch_op.drop_column('notice_values')
        batch_op.drop_column('notice_key')
