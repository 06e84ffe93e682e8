"""change positions: the API's change feed in commit order

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-01 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('change_counters',
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('last_position', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_change_counters_organization_id_organizations')),
    sa.PrimaryKeyConstraint('organization_id')
    )
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('change_position', sa.BigInteger(), nullable=True))
        batch_op.create_index('ix_requests_org_change_position', ['organization_id', 'change_position'], unique=False)
    # The requests sent so far take positions in the order the old cursors gave them (their last
    # change time, then id), so a time cursor kept by a system goes on where it was.
    op.execute(
        "UPDATE requests SET change_position = ranked.position FROM ("
        " SELECT id, ROW_NUMBER() OVER (PARTITION BY organization_id ORDER BY updated_at, id)"
        " AS position FROM requests WHERE status <> 'draft') AS ranked"
        " WHERE requests.id = ranked.id")
    op.execute(
        "INSERT INTO change_counters (organization_id, last_position)"
        " SELECT organization_id, MAX(change_position) FROM requests"
        " WHERE change_position IS NOT NULL GROUP BY organization_id")


def downgrade():
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.drop_index('ix_requests_org_change_position')
        batch_op.drop_column('change_position')
    op.drop_table('change_counters')
