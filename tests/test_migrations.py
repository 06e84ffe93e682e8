"""The migrations: one head, and upgrading an empty database gives exactly the models' schema."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import text

from tests.conftest import SERVER_DATABASE_URL, settings_for
from widget import create_app
from widget.extensions import db


def test_single_head(app):
    config = app.extensions["migrate"].migrate.get_config()
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_upgrade_on_empty_database_matches_models(tmp_path):
    app = create_app(settings_for(tmp_path / "migrated"))
    with app.app_context():
        if SERVER_DATABASE_URL:  # a shared server database: empty it first
            db.drop_all()
            with db.engine.begin() as connection:
                connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert differences == []
