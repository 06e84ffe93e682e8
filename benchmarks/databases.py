"""The benchmarks' databases: where they live (SQLite files, or PostgreSQL databases on one
server) and how they are filled with a million sent requests quickly.

    BENCH_DATABASE_URL=postgresql+psycopg://USER@HOST:PORT/DB   (else TEST_DATABASE_URL)

names a PostgreSQL server the benchmarks may create databases on (DB is only connected to, to
run CREATE DATABASE); without either, every database is an SQLite file in the run's temporary
folder. On PostgreSQL each benchmark database is `frontdesk_bench_<random>_<name>`, dropped at
the end of the run. `python -m tests.postgres_server COMMAND` (what `make bench` uses) starts a
throwaway server and sets TEST_DATABASE_URL.

Not a benchmark itself: bench_core.py, bench_scale.py and bench_weight.py import it.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import random
import secrets
import shutil
import sqlite3
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from harness import ROOT, BenchError, children_cpu, process_cpu

sys.path.insert(0, str(ROOT))

SAMPLE_CODES = 10_000  # codes the lookups cycle through, drawn from the whole table
BATCH = 50_000
ANSWERS = {"topic": "delay", "message": "The bus to the district office was late again this week",
           "name": "", "email": "a@example.com", "call_back": False, "phone": ""}


def database_url_from_environment() -> str:
    """The PostgreSQL server to use, or "" for SQLite files."""
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL") or ""
    if url and not url.startswith("postgresql"):
        raise BenchError(f"only PostgreSQL URLs are supported, not {url.split(':')[0]}")
    return url


@dataclass
class Database:
    """One benchmark database: its SQLAlchemy URL and how to count a table's rows."""

    url: str
    conninfo: str = ""  # libpq URI (PostgreSQL only)

    @property
    def is_postgres(self) -> bool:
        return self.url.startswith("postgresql")

    @property
    def path(self) -> Path:
        return Path(self.url.removeprefix("sqlite:///"))

    def count(self, table: str) -> int:
        """The number of rows in a table, read outside the app (committed rows only)."""
        if self.is_postgres:
            import psycopg

            with psycopg.connect(self.conninfo, autocommit=True) as connection:
                return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        connection = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)
        try:
            return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        finally:
            connection.close()


class SQLiteStore:
    """Every database a file in the run's temporary folder; the work happens in the app."""

    label = "SQLite"

    def __init__(self, folder: Path):
        self.folder = folder

    def new_database(self, name: str) -> Database:
        return Database(f"sqlite:///{self.folder / (name + '.db')}")

    def server_cpu(self) -> float:
        return 0.0  # SQLite's work is done inside the gunicorn workers, and counted there

    def close(self) -> None:
        pass


class PostgresStore:
    """Databases created on one PostgreSQL server, dropped by close()."""

    label = "PostgreSQL"

    def __init__(self, url: str):
        from sqlalchemy.engine import make_url

        self.base = make_url(url).set(drivername="postgresql+psycopg")
        self.prefix = f"frontdesk_bench_{secrets.token_hex(3)}_"
        self.created: list[str] = []
        self.postmaster = self._find_postmaster()

    def _conninfo(self, database: str) -> str:
        return self.base.set(drivername="postgresql", database=database).render_as_string(
            hide_password=False)

    def _admin(self):
        import psycopg

        return psycopg.connect(self._conninfo(self.base.database), autocommit=True)

    def _find_postmaster(self) -> int | None:
        """The server's main process when it runs on this machine (its CPU time is then
        counted with the app's), else None."""
        with self._admin() as connection:
            backend = connection.execute("SELECT pg_backend_pid()").fetchone()[0]
        try:
            parent = int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])
            if Path(f"/proc/{parent}/comm").read_text().strip() in ("postgres", "postmaster"):
                return parent
        except (OSError, ValueError, IndexError):
            pass
        return None

    def new_database(self, name: str) -> Database:
        from psycopg import sql

        full = self.prefix + name
        with self._admin() as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(full)))
        self.created.append(full)
        return Database(self.base.set(database=full).render_as_string(hide_password=False),
                        conninfo=self._conninfo(full))

    def server_cpu(self) -> float:
        """CPU seconds used so far by the whole server (postmaster, backends, background
        processes), when it runs here: the database's share of each request."""
        if self.postmaster is None:
            return 0.0
        return process_cpu(self.postmaster, children=True) + children_cpu(self.postmaster)

    def close(self) -> None:
        from psycopg import sql

        with self._admin() as connection:
            for name in self.created:
                connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(name)))
        self.created.clear()


def open_store(folder: Path):
    """PostgreSQL when the environment names a server, else SQLite files in `folder`."""
    url = database_url_from_environment()
    return PostgresStore(url) if url else SQLiteStore(folder)


def tidy_up(tmp: Path, store, keep: bool) -> None:
    """After a run that worked: with BENCH_KEEP, say what was kept (the temporary folder and the
    PostgreSQL databases, which the store then did not drop); else delete the folder."""
    if keep:
        print(f"kept {tmp}" + (f" and the databases {', '.join(store.created)}"
                               if getattr(store, "created", None) else ""))
    else:
        shutil.rmtree(tmp, ignore_errors=True)


def vacuum_analyze(database: Database) -> None:
    """Statistics and visibility map up to date, as autovacuum would leave them after a bulk
    load: without it, autovacuum may start in the middle of a measured round."""
    import psycopg

    with psycopg.connect(database.conninfo, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")


# ------------------------------------------------------------------------------- builders
#
# On SQLite both builders insert through SQLAlchemy's Connection at the driver level
# (exec_driver_sql with plain tuples, in batches, one transaction) with values already in the
# form SQLAlchemy stores them: insert(table) with a million dicts runs every type processor per
# row and takes four times as long. On PostgreSQL they COPY the rows in through psycopg.

def _stamp(moment: datetime) -> str:
    """A datetime as SQLAlchemy's DateTime stores it in SQLite (and PostgreSQL reads it)."""
    return f"{moment:%Y-%m-%d %H:%M:%S.%f}"


def _copy(database: Database, statement: str, rows) -> None:
    import psycopg

    with psycopg.connect(database.conninfo) as connection:
        with connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)


def grow_sample(sample: list[str], existing: int, added: int,
                rng: random.Random) -> tuple[list[str], set[int]]:
    """Keep `sample` a uniform sample of (up to) SAMPLE_CODES codes over all rows when `added`
    rows join `existing` ones: the old codes to keep, and the offsets among the new rows whose
    codes join them."""
    if added <= 0:
        return list(sample), set()
    total = existing + added
    size = min(SAMPLE_CODES, total)
    from_new = min(added, round(size * added / total))
    kept = rng.sample(sample, min(len(sample), size - from_new))
    return kept, set(rng.sample(range(added), from_new))


@dataclass
class BaselineData:
    """The baseline's database: how many entries it holds and a sample of their codes."""

    database: Database
    rows: int = 0
    sample: list[str] = field(default_factory=list)


def build_baseline_db(database: Database, rows: int, rng: random.Random) -> BaselineData:
    """The baseline's table with `rows` entries."""
    import baseline_app

    engine = baseline_app.make_engine(database.url)
    baseline_app.create_schema(engine)
    engine.dispose()
    data = BaselineData(database)
    add_baseline_entries(data, rows, rng)
    return data


def add_baseline_entries(data: BaselineData, count: int, rng: random.Random) -> None:
    """`count` more entries in the baseline's table; the sample stays uniform over all."""
    import baseline_app

    if count <= 0:
        return
    database = data.database
    kept, sample_at = grow_sample(data.sample, data.rows, count, rng)
    sample = []
    answers = json.dumps({key: ANSWERS[key] for key in ("topic", "message", "name", "email")})
    created = _stamp(datetime.now(timezone.utc) - timedelta(days=30))
    alphabet = baseline_app.ALPHABET

    def entries(start: int, stop: int):
        for i in range(start, stop):
            code = "".join(rng.choices(alphabet, k=14))
            if i in sample_at:
                sample.append(code)
            yield code, answers, created

    if database.is_postgres:
        _copy(database, "COPY entries (code, answers, created_at) FROM STDIN", entries(0, count))
        vacuum_analyze(database)
    else:
        engine = baseline_app.make_engine(database.url)
        with engine.begin() as connection:
            for start in range(0, count, BATCH):
                connection.exec_driver_sql(
                    "INSERT INTO entries (code, answers, created_at) VALUES (?, ?, ?)",
                    list(entries(start, min(start + BATCH, count))))
        engine.dispose()
    data.sample = kept + sample
    data.rows += count
    rng.shuffle(data.sample)


@dataclass
class AppData:
    database: Database
    secret_key: str
    site_id: int
    form_id: int
    version_id: int
    settings: dict = field(default_factory=dict)  # create_app's overrides
    env: dict = field(default_factory=dict)       # the same as FRONTDESK_* variables
    sample: list[str] = field(default_factory=list)
    rows: int = 0  # requests added in bulk (besides the demo data's)


def app_settings(database: Database, upload_dir: Path) -> dict:
    """The app's settings for a benchmark (without the FRONTDESK_ prefix)."""
    return {
        "DATABASE_URL": database.url,
        "SECRET_KEY": secrets.token_hex(32),
        "RATELIMIT_ENABLED": False,
        "MIN_FILL_SECONDS": 0,
        "UPLOAD_DIR": str(upload_dir),
    }


def migrate_quietly() -> None:
    """Run the app's migrations (inside its app context); alembic's INFO lines are shown only if
    the upgrade fails."""
    from flask_migrate import upgrade

    chatter = io.StringIO()
    try:
        with contextlib.redirect_stderr(chatter):
            upgrade()
    except BaseException:
        sys.stderr.write(chatter.getvalue())
        raise


def build_app_db(database: Database, upload_dir: Path, rows: int,
                 rng: random.Random) -> AppData:
    """Frontdesk's schema (its migrations) and demo data, then `rows` sent complaints with the
    "received" event the app writes beside each."""
    data = create_app_db(database, upload_dir)
    add_requests(data, rows, rng)
    return data


def create_app_db(database: Database, upload_dir: Path) -> AppData:
    """Frontdesk's schema (its migrations) and demo data; the ids the benchmarks post to."""
    from sqlalchemy import select

    from widget import create_app
    from widget.demo import load_demo_data
    from widget.extensions import db
    from widget.models import Form, Site

    settings = app_settings(database, upload_dir)
    env = {f"FRONTDESK_{key}": str(value).lower() if isinstance(value, bool) else str(value)
           for key, value in settings.items()}
    app = create_app(settings)
    with app.app_context():
        migrate_quietly()
        load_demo_data("http://localhost:8000")
        site = db.session.scalar(select(Site).where(Site.key == "demo"))
        form = db.session.scalar(select(Form).where(Form.organization_id == site.organization_id,
                                                    Form.slug == "complaint"))
        data = AppData(database, settings["SECRET_KEY"], site.id, form.id,
                       form.current_version.id, settings, env)
        db.session.remove()
        db.engine.dispose()
    return data


def add_requests(data: AppData, count: int, rng: random.Random) -> None:
    """`count` more sent complaints, each with the "received" event the app writes beside it,
    inserted in bulk; data.sample stays a uniform sample of all their codes."""
    from sqlalchemy import select

    from widget import codes, create_app
    from widget.extensions import db
    from widget.models import EventKind, Request, RequestStatus, Site

    if count <= 0:
        return
    database = data.database
    kept, sample_at = grow_sample(data.sample, data.rows, count, rng)
    sample: list[str] = []
    app = create_app(data.settings)
    with app.app_context():
        site = db.session.get(Site, data.site_id)
        fixed = (site.organization_id, site.id, data.version_id, RequestStatus.RECEIVED.value,
                 "web", "en", json.dumps(ANSWERS), 1)
        first_id = (db.session.scalar(select(db.func.max(Request.id))) or 0) + 1
        db.session.commit()
        # Codes exactly as codes.generate() makes them (13 symbols + the Damm check symbol),
        # drawn from a seeded PRNG: secrets.choice would cost ~25 s per million codes.
        start_day = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(days=400)
        received = EventKind.RECEIVED.value

        def requests(start: int, stop: int):
            for i in range(start, stop):
                payload = "".join(rng.choices(codes.ALPHABET, k=codes.DATA_LENGTH))
                code = payload + codes.check_symbol(payload)
                if i in sample_at:
                    sample.append(code)
                moment = start_day + timedelta(seconds=(data.rows + i) * 30)
                stamp = _stamp(moment)
                # Random like models.requests.new_open311_id, from the same seeded PRNG.
                yield (first_id + i, code, f"{rng.getrandbits(80):020x}", stamp, stamp, stamp,
                       _stamp(moment + timedelta(days=14)), *fixed)

        columns = ("id, code, open311_id, created_at, updated_at, submitted_at, due_at, organization_id, "
                   "site_id, form_version_id, status, channel, language, answers, lock_version")
        if database.is_postgres:
            _copy(database, f"COPY requests ({columns}) FROM STDIN", requests(0, count))
            with db.engine.begin() as connection:
                connection.exec_driver_sql(
                    "INSERT INTO events (request_id, kind, created_at, data) "
                    "SELECT id, %(kind)s, created_at, '{}' FROM requests WHERE id >= %(first)s",
                    {"kind": received, "first": first_id})
                # The ids were given: move the sequence past them, as the app's inserts need.
                connection.exec_driver_sql(
                    "SELECT setval(pg_get_serial_sequence('requests', 'id'), "
                    "(SELECT max(id) FROM requests))")
            vacuum_analyze(database)
        else:
            with db.engine.begin() as connection:
                for start in range(0, count, BATCH):
                    batch = list(requests(start, min(start + BATCH, count)))
                    connection.exec_driver_sql(
                        f"INSERT INTO requests ({columns}) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", batch)
                    connection.exec_driver_sql(
                        "INSERT INTO events (request_id, kind, created_at, data) "
                        "VALUES (?, ?, ?, ?)", [(row[0], received, row[3], "{}") for row in batch])
        # The rows read back through the models like rows the app wrote.
        probe = db.session.scalar(select(Request).where(Request.code == sample[0])) if sample \
            else None
        if sample and (probe is None or probe.status != RequestStatus.RECEIVED.value
                       or probe.due_at is None or len(probe.events) != 1
                       or probe.answers != ANSWERS):
            raise BenchError("the inserted requests do not read back as sent requests")
        db.session.remove()
        db.engine.dispose()
    if not all(codes.is_valid(code) for code in sample):
        raise BenchError("generated codes fail widget.codes.is_valid")
    data.sample = kept + sample
    data.rows += count
    rng.shuffle(data.sample)
