"""desk moves: a form's transfer setting; the requests' search text

Revision ID: 0016
Revises: 0012
Create Date: 2026-12-05 02:30:00.000000

"""
import logging

from alembic import op
import sqlalchemy as sa

from widget.search_text import search_text


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0013'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
BATCH = 500


def upgrade():
    # Plain ADD COLUMN (SQLite too): a batch copy would drop tables other rows point at.
    op.add_column('forms', sa.Column('transfer_restarts_clock', sa.Boolean(),
                                     server_default=sa.false(), nullable=False))
    op.add_column('requests', sa.Column('search_text', sa.Text(), nullable=True))
    _backfill()
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        op.create_index('ix_requests_search_text', 'requests', ['search_text'], unique=False)
    elif _trigrams_available(bind):
        op.create_index('ix_requests_search_text', 'requests', ['search_text'], unique=False,
                        postgresql_using='gin', postgresql_ops={'search_text': 'gin_trgm_ops'})
    else:
        # A B-tree cannot serve LIKE '%word%' and refuses rows past ~2,700 bytes: without
        # pg_trgm the search reads the organisation's rows instead (correct, slower).
        log.warning("pg_trgm could not be created: the inbox search runs without its index. "
                    "Run CREATE EXTENSION pg_trgm as a superuser, then "
                    "CREATE INDEX ix_requests_search_text ON requests "
                    "USING gin (search_text gin_trgm_ops).")


def _trigrams_available(bind) -> bool:
    savepoint = bind.begin_nested()
    try:
        bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError:
        savepoint.rollback()
        return False
    savepoint.commit()
    return True


def _backfill():
    bind = op.get_bind()
    requests = sa.table('requests', sa.column('id', sa.Integer), sa.column('answers', sa.JSON),
                        sa.column('code', sa.String), sa.column('journal_number', sa.String),
                        sa.column('organization_id', sa.Integer),
                        sa.column('search_text', sa.Text))
    organisations = sa.table('organizations', sa.column('id', sa.Integer),
                             sa.column('country', sa.String))
    countries = dict(bind.execute(sa.select(organisations.c.id, organisations.c.country)).all())
    last = 0
    while True:
        rows = bind.execute(sa.select(requests.c.id, requests.c.answers, requests.c.code,
                                      requests.c.journal_number, requests.c.organization_id)
                            .where(requests.c.id > last).order_by(requests.c.id)
                            .limit(BATCH)).all()
        if not rows:
            return
        bind.execute(requests.update().where(requests.c.id == sa.bindparam('row_id')).values(
            search_text=sa.bindparam('text')), [
            {'row_id': row.id, 'text': search_text(row.answers, row.code, row.journal_number,
                                                   countries.get(row.organization_id) or 'VN')}
            for row in rows])
        last = rows[-1].id


def downgrade():
    op.drop_index('ix_requests_search_text', table_name='requests', if_exists=True)
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.drop_column('search_text')
    with op.batch_alter_table('forms', schema=None) as batch_op:
        batch_op.drop_column('transfer_restarts_clock')
