"""letter documents: organisations' letter templates; each issued letter's PDF, its hash and
verification code

Revision ID: 0017
Revises: 0012
Create Date: 2026-12-05 02:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('letter_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_letter_templates_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_templates')),
    sa.UniqueConstraint('organization_id', 'kind', 'language', name=op.f('uq_letter_templates_organization_id'))
    )
    with op.batch_alter_table('letter_templates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letter_templates_organization_id'), ['organization_id'], unique=False)

    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verification_code', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('document_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('journal_number', sa.String(length=40), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_letters_verification_code'), ['verification_code'])
        batch_op.create_foreign_key(batch_op.f('fk_letters_unit_id_units'), 'units', ['unit_id'], ['id'])


def downgrade():
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_letters_unit_id_units'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_letters_verification_code'), type_='unique')
        batch_op.drop_column('journal_number')
        batch_op.drop_column('unit_id')
        batch_op.drop_column('document_sha256')
        batch_op.drop_column('verification_code')

    with op.batch_alter_table('letter_templates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letter_templates_organization_id'))

    op.drop_table('letter_templates')
