"""Extensions made without an app; create_app binds them with init_app."""
import sqlite3

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

from widget.local_numbers import Babel


class Base(DeclarativeBase):
    """Declarative base of every model."""

    # Named constraints, so that migrations can drop or alter them on every database.
    metadata = MetaData(naming_convention={
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ix": "ix_%(column_0_label)s",
    })


# Objects stay readable after a commit: views render what a service just committed without
# reloading every row (a receipt would otherwise cost six extra queries).
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
babel = Babel()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
login = LoginManager()
# Composes e-mail (headers, MIME parts); the worker's EmailChannel does the sending.
mail = Mail()


@event.listens_for(Engine, "connect")
def _tune_sqlite(dbapi_connection, _record):
    # WAL lets readers run beside the one writer; foreign keys are off by default in SQLite.
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()
        # SQLite's own lower() folds ASCII only: "Иван" or "ĐỖ" would never match a search.
        dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)


def _unicode_lower(value):
    return value.lower() if isinstance(value, str) else value
