"""Fixtures: an app on a fresh SQLite file per test, a client, and factories for test data."""
from __future__ import annotations

import os
import re
from datetime import datetime, timezone
from collections.abc import Callable

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import select

from widget import create_app
from widget.extensions import db as _db
from widget.models import Field, Form, FormGroup, FormVersion, Organization, Site, Unit

TEST_SECRET = "test-secret-key"


@pytest.fixture(autouse=True, scope="session")
def _hash_each_test_password_once():
    """scrypt is slow on purpose; tests make the same few staff accounts again and again."""
    import functools

    import widget.passwords as passwords
    original = passwords.generate_password_hash
    passwords.generate_password_hash = functools.lru_cache(maxsize=None)(original)
    yield
    passwords.generate_password_hash = original


def _database_of_this_worker(url: str) -> str:
    """Under pytest-xdist each worker process gets a database of its own on the same server
    (frontdesk_test_gw0, ...), made from the given one's name: two workers emptying one
    database under each other's tests would fail at random."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not url or not worker:
        return url
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    base = make_url(url)
    name = f"{base.database}_{worker}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                   {"name": name})
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


# A server database for the whole run instead of a SQLite file per test, e.g.
# postgresql+psycopg://user@127.0.0.1:5432/frontdesk_test (emptied before every test).
SERVER_DATABASE_URL = _database_of_this_worker(os.environ.get("TEST_DATABASE_URL", ""))


# -- The clock ---------------------------------------------------------------------------------
# No test reads the real clock. Every test module starts at SUITE_INSTANT (and time flows on from there,
# so waits and leases behave), whatever day `make test` runs on. TEST_CLOCK=<ISO instant>
# runs the suite at another one: the way to hunt for tests that assume a day, a month or a year.
SUITE_INSTANT = os.environ.get("TEST_CLOCK") or "2026-11-18T03:00:00+00:00"  # a Wednesday

# Instants around the midnights a date-sensitive module must survive: the organisation's (Hanoi,
# UTC+7), UTC's and Tehran's (UTC+3:30), at the turn of a day, a week, a month and a year. Modules
# marked `awkward_hours` run every test at each of them, on a clock that stands still.
AWKWARD_INSTANTS = {
    "hanoi-new-year-eve": "2026-12-31T16:59:59+00:00",   # 23:59:59 on 31 December in Hanoi
    "hanoi-new-year": "2026-12-31T17:00:00+00:00",       # 00:00 on 1 January 2027 in Hanoi, UTC still 2026
    "tehran-new-year": "2026-12-31T20:30:00+00:00",      # 00:00 on 1 January 2027 in Tehran
    "utc-new-year-eve": "2026-12-31T23:59:59+00:00",     # UTC's last second of 2026 (07:00 in Hanoi)
    "utc-new-year": "2027-01-01T00:00:00+00:00",
    "hanoi-monday": "2026-11-29T17:00:00+00:00",         # Monday 30 November, 00:00 in Hanoi
    "month-end-utc": "2027-02-28T23:59:59+00:00",        # last second of February in UTC (1 March in Hanoi)
}


def pytest_generate_tests(metafunc):
    """Tests of modules marked `awkward_hours` run once at each of AWKWARD_INSTANTS."""
    if metafunc.definition.get_closest_marker("awkward_hours") and "frozen_clock" in metafunc.fixturenames:
        metafunc.parametrize("frozen_clock", list(AWKWARD_INSTANTS.values()),
                             ids=list(AWKWARD_INSTANTS), indirect=True)


def _keeps_the_real_clock(node) -> bool:
    """The browser tests keep the real clock: Chromium judges cookie lifetimes by its own, so
    their live app must agree with it (they assert no date); so do tests marked real_clock."""
    return bool(node.get_closest_marker("e2e") or node.get_closest_marker("real_clock"))


@pytest.fixture(autouse=True, scope="module")
def suite_clock(request):
    """The clock for a module's shared fixtures (a world built once per module): SUITE_INSTANT,
    flowing on. Autouse, so it starts before the module's other fixtures."""
    if _keeps_the_real_clock(request.node):
        yield None
        return
    with time_machine.travel(SUITE_INSTANT, tick=True) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def frozen_clock(request, suite_clock):
    """The moment the test runs at: the module's clock, flowing on (or, for awkward_hours tests,
    standing still at one of AWKWARD_INSTANTS). Yields time-machine's traveller, whose move_to()
    sets another moment for this test only."""
    if _keeps_the_real_clock(request.node):
        if suite_clock is None:
            yield None
        else:  # one test of a module on the module's clock: back to the real one
            with time_machine.travel(time_machine.escape_hatch.time.time(), tick=True):
                yield None
        return
    instant = getattr(request, "param", None)
    with time_machine.travel(instant or datetime.now(timezone.utc), tick=instant is None) as traveller:
        yield traveller


def pytest_collection_modifyitems(items):
    """The browser tests share one Chromium and one live app: with pytest-xdist
    (`--dist loadgroup`) they all run in the same worker process."""
    for item in items:
        if item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.xdist_group("browser"))
            # The live app's development server (a thread of this process) leaves a static
            # file open when Chromium abandons its download by navigating away; the garbage
            # collector then warns inside whichever browser test runs. gunicorn closes them.
            item.add_marker(pytest.mark.filterwarnings(
                r"ignore:unclosed file <_io\.BufferedReader name='[^']*/widget/static/:ResourceWarning"))
            item.add_marker(pytest.mark.filterwarnings(
                r"ignore:Exception ignored in. <_io\.FileIO name='[^']*/widget/static/"
                ":pytest.PytestUnraisableExceptionWarning"))


def settings_for(tmp_path, **overrides) -> dict:
    """Settings for an app under test: its own database and upload folder, no waiting."""
    return {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET,
        "DATABASE_URL": SERVER_DATABASE_URL or f"sqlite:///{tmp_path / 'test.db'}",
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "MIN_FILL_SECONDS": 0,
        "RATELIMIT_ENABLED": False,
        **overrides,
    }


@pytest.fixture
def app_settings(tmp_path) -> dict:
    """Override in a test module to change settings for its app."""
    return settings_for(tmp_path)


_server_schema_made = False


def empty_server_database() -> None:
    """Give the test an empty server database with the models' schema. Making the schema costs
    ~0.4 s on PostgreSQL, deleting the few rows a test left ~0.01 s: the schema is made once per
    process and afterwards only emptied (ids restart at 1, as in a new database). Tests that
    drop tables themselves (migrations, shared limits) make them again before they end."""
    global _server_schema_made
    if not _server_schema_made:
        _db.drop_all()
        _db.create_all()
        _server_schema_made = True
        return
    with _db.engine.begin() as connection:
        sequences = connection.exec_driver_sql(
            "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename) "
            "FROM pg_sequences").scalars().all()
        connection.exec_driver_sql("; ".join(
            [f'DELETE FROM "{table.name}"' for table in reversed(_db.metadata.sorted_tables)]
            + [f"ALTER SEQUENCE {name} RESTART" for name in sequences]))


@pytest.fixture
def app(app_settings):
    application = create_app(app_settings)
    with application.app_context():
        if SERVER_DATABASE_URL:
            empty_server_database()
        else:
            _db.create_all()
        yield application
        _db.session.remove()
        _db.engine.dispose()


class IsolatedClient(FlaskClient):
    """Runs each request in its own app context, as production does: a fresh `g` and its own
    database session. The test's session (the fixture's context) then forgets what it loaded,
    so the next query reads what the request committed."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        _db.session.expire_all()
        return response


@pytest.fixture
def client(app):
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def limited_app(tmp_path):
    """make(site_key, **limits): an app with rate limits on (the other tests run without) and one
    site on an emptied database. Its engine is disposed afterwards: on PostgreSQL a pooled
    connection left to the garbage collector warns later, inside whichever test runs then."""
    made = []

    def make(site_key: str = "rl", **limits):
        limited = create_app(settings_for(tmp_path / f"limited-{len(made)}",
                                          RATELIMIT_ENABLED=True, **limits))
        made.append(limited)
        with limited.app_context():
            _db.drop_all()  # a server database may hold an earlier test's rows
            _db.create_all()
            _db.session.add(Site(key=site_key, name=site_key, allowed_origins=[],
                                 organization=Organization(slug=f"org-{site_key}",
                                                           names={"en": "Limited"}, country="VN",
                                                           timezone="Asia/Ho_Chi_Minh")))
            _db.session.commit()
            _db.session.remove()
        return limited
    yield make
    for limited in made:
        with limited.app_context():
            _db.session.remove()
            _db.engine.dispose()


@pytest.fixture
def mail_server():
    """A real SMTP server on loopback (aiosmtpd) for the test."""
    from tests.mailserver import MailServer
    server = MailServer().start()
    yield server
    server.stop()


def _t(text: str) -> dict:
    return {"en": text, "vi": f"{text} (vi)", "fa": f"{text} (fa)", "ru": f"{text} (ru)"}


def new_site(key: str = "test", origins=("http://localhost:8000",), country: str = "VN",
             timezone: str = "Asia/Ho_Chi_Minh", slug: str | None = None) -> Site:
    """An organisation with a site; returns the site (inside an app context)."""
    organization = Organization(slug=slug or f"org-{key}", names=_t(f"Org {key}"),
                                country=country, timezone=timezone)
    site = Site(key=key, name=f"Site {key}", allowed_origins=list(origins),
                default_language="en", organization=organization)
    _db.session.add(site)
    _db.session.commit()
    return site


def _unit_of(site: Site) -> Unit:
    """The unit a test form's requests go to, as every form's do: the organisation's first,
    or a new one."""
    unit = _db.session.scalar(select(Unit).where(Unit.organization_id == site.organization_id)
                              .order_by(Unit.code))
    if unit is None:
        unit = Unit(organization_id=site.organization_id, code="MAIN", names=_t("Main office"))
        _db.session.add(unit)
        _db.session.flush()
    return unit


def new_form(site: Site, slug: str = "contact", fields=None, processing_days: int = 5,
             group_title: str | None = "Applications", published: bool = True) -> Form:
    """A published form with one version, its requests going to the organisation's first unit
    (made when it has none); fields are dicts of Field attributes."""
    group = None
    if group_title:
        group = FormGroup(organization_id=site.organization_id, titles=_t(group_title))
        _db.session.add(group)
    fields = fields if fields is not None else [
        {"key": "name", "type": "text", "required": True, "max_length": 50},
        {"key": "message", "type": "long_text", "required": True},
    ]
    form = Form(organization_id=site.organization_id, group=group, slug=slug,
                titles=_t(slug.title()), processing_days=processing_days,
                is_published=published, unit_id=_unit_of(site).id)
    form.versions.append(FormVersion(number=1, fields=[
        Field(position=i, labels=_t(spec["key"].title()), **spec) for i, spec in enumerate(fields)]))
    _db.session.add(form)
    _db.session.commit()
    return form


@pytest.fixture
def create_site(db) -> Callable[..., Site]:
    """Make an organisation with a site; returns the site (new_site, for a test's database)."""
    return new_site


@pytest.fixture
def create_form(db) -> Callable[..., Form]:
    """Make a published form with one version (new_form, for a test's database)."""
    return new_form


TOKEN_RE = re.compile(r'name="form_token" value="([^"]+)"')


def form_token(html: str) -> str:
    """The signed form token of a rendered form page."""
    match = TOKEN_RE.search(html)
    assert match, "no form token on the page"
    return match.group(1)


CODE_RE = re.compile(r'class="code tracking-code" dir="ltr">([0-9A-Z-]+)<')


def tracking_code(html: str) -> str:
    """The tracking code shown on a receipt."""
    match = CODE_RE.search(html)
    assert match, "no tracking code on the page"
    return match.group(1)
