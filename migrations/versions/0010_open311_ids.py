"""requests.open311_id: Open311's opaque service_request_id, in place of the tracking code

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 09:00:00.000000

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('open311_id', sa.String(length=20), nullable=True))
    # Every request already made gets its random id (models.requests.new_open311_id).
    connection = op.get_bind()
    ids = connection.execute(sa.text("SELECT id FROM requests")).scalars().all()
    if ids:
        connection.execute(sa.text("UPDATE requests SET open311_id = :value WHERE id = :id"),
                           [{"id": row_id, "value": secrets.token_hex(10)} for row_id in ids])
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.alter_column('open311_id', existing_type=sa.String(length=20), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_requests_open311_id'), ['open311_id'])


def downgrade():
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_requests_open311_id'), type_='unique')
        batch_op.drop_column('open311_id')
