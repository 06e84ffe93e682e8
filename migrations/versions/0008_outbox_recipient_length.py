"""outbox recipient as long as a webhook URL

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 05:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    # A webhook row's recipient is the system's URL, which may be 500 characters
    # (api_clients.webhook_url); an e-mail address needed only 254.
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.alter_column('recipient', existing_type=sa.String(length=254),
                              type_=sa.String(length=500), existing_nullable=False)


def downgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.alter_column('recipient', existing_type=sa.String(length=500),
                              type_=sa.String(length=254), existing_nullable=False)
