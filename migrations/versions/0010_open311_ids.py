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
    # Plain ALTERs only: on SQLite a batch would rebuild `requests`, which its foreign keys refuse
    # once rows reference it (the demo's database). NOT NULL needs a default for the rows already
    # there; each then gets its own random id (models.requests.new_open311_id), and a unique
    # index holds them apart.
    op.add_column('requests', sa.Column('open311_id', sa.String(length=20), nullable=False,
                                        server_default=''))
    connection = op.get_bind()
    ids = connection.execute(sa.text("SELECT id FROM requests")).scalars().all()
    if ids:
        connection.execute(sa.text("UPDATE requests SET open311_id = :value WHERE id = :id"),
                           [{"id": row_id, "value": secrets.token_hex(10)} for row_id in ids])
    # New rows get their id from the model; SQLite cannot drop a default without that rebuild.
    if connection.dialect.name != 'sqlite':
        op.alter_column('requests', 'open311_id', server_default=None)
    op.create_index(op.f('ix_requests_open311_id'), 'requests', ['open311_id'], unique=True)


def downgrade():
    op.drop_index(op.f('ix_requests_open311_id'), table_name='requests')
    op.drop_column('requests', 'open311_id')
