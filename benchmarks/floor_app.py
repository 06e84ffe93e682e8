"""The floor the benchmark compares Frontdesk with: a minimal app on Frontdesk's own schema doing
only what a submission and a lookup must do, with Frontdesk's own code for each of those steps.

A submission (POST /w/<site>/<lang>/f/<slug>, the product's URL and body):
  - verify the signed form token (widget.security.read_form_token) and that it names this
    site, form and published version;
  - validate the answers with widget.services.answers.clean_answers, the product's validation;
  - in one transaction: take the organisation's change position (the API's change feed needs
    it, as widget.models.changes explains), INSERT the request (its nonce makes a replay fail on
    the unique index, and the replay then shows the first receipt), its "received" event and
    ONE outbox row, the promise the delivery worker composes the person's notices from;
  - render a small translated receipt (code, form, sent on, due by).
A lookup (POST /w/<site>/<lang>/track): parse the code (widget.codes), one SELECT through the
code's unique index, a small translated page with the status.

Everything that does not change per request is read once at start-up, as a per-process cache
would hold it: the site, the form version and its fields, the organisation's work calendar,
the compiled translations and templates. No Flask-Babel, Flask-WTF or ORM on the hot path:
SQLAlchemy Core statements, Babel's Translations and a Jinja environment of its own.

    FRONTDESK_DATABASE_URL=... FRONTDESK_SECRET_KEY=... gunicorn -w 2 floor_app:app

(bench_core.py runs it with the same settings as Frontdesk, on Frontdesk's database.)
"""
from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from babel.dates import format_date, format_datetime  # noqa: E402
from babel.support import Translations  # noqa: E402
from flask import Flask, abort, request  # noqa: E402
from flask_babel import Babel  # noqa: E402
from jinja2 import Environment  # noqa: E402
from sqlalchemy import bindparam, create_engine, insert, select  # noqa: E402
from sqlalchemy.dialects import postgresql, sqlite  # noqa: E402
from sqlalchemy.exc import IntegrityError  # noqa: E402

from widget import codes  # noqa: E402
from widget.models import EventKind, OutboxChannel, Request, RequestStatus  # noqa: E402
from widget.models._types import utcnow  # noqa: E402
from widget.models.changes import ChangeCounter  # noqa: E402
from widget.models.notify import OutboxItem  # noqa: E402
from widget.models.requests import Event, new_open311_id  # noqa: E402
from widget.security import TokenError, read_form_token  # noqa: E402
from widget.services.answers import clean_answers  # noqa: E402
from widget.workdays import WorkCalendar  # noqa: E402

TRANSLATIONS = HERE.parent / "widget" / "translations"
REQUESTS, EVENTS, OUTBOX = Request.__table__, Event.__table__, OutboxItem.__table__
COUNTERS = ChangeCounter.__table__
LANGUAGES = ("en", "vi", "fa", "ru")
# Built once and executed with a dict of values: SQLAlchemy compiles each once per process.
INSERT_REQUEST, INSERT_EVENT, INSERT_OUTBOX = insert(REQUESTS), insert(EVENTS), insert(OUTBOX)
LOOKUP = (select(REQUESTS.c.code, REQUESTS.c.status, REQUESTS.c.due_at,
                 REQUESTS.c.form_version_id)
          .where(REQUESTS.c.code == bindparam("code"),
                 REQUESTS.c.organization_id == bindparam("organization_id"),
                 REQUESTS.c.status != RequestStatus.DRAFT.value))
REPLAYED = (select(REQUESTS.c.code, REQUESTS.c.submitted_at, REQUESTS.c.due_at)
            .where(REQUESTS.c.submit_nonce == bindparam("nonce")))

RECEIPT = """<!doctype html><html lang="{{ lang }}"><meta charset="utf-8">
<title>{{ _("Receipt") }}</title>
<h1>{{ _("Your request has been sent") }}</h1>
<dl><dt>{{ _("Tracking code") }}</dt><dd><strong class="code tracking-code" dir="ltr">{{ code }}</strong></dd>
<dt>{{ _("Form") }}</dt><dd>{{ form_title }}</dd>
<dt>{{ _("Sent on") }}</dt><dd>{{ sent_on }}</dd>
<dt>{{ _("Answer due by") }}</dt><dd>{{ due_by }}</dd></dl>
<p>{{ _("Keep this code: with it alone you can follow your request, read messages and download the answer.") }}</p>
"""
STATUS = """<!doctype html><html lang="{{ lang }}"><meta charset="utf-8">
<title>{{ _("Request status") }}</title>
<h1>{{ _("Request status") }}</h1>
<dl><dt>{{ _("Tracking code") }}</dt><dd class="code" dir="ltr">{{ code }}</dd>
<dt>{{ _("Form") }}</dt><dd>{{ form_title }}</dd>
<dt>{{ _("Status") }}</dt><dd class="status">{{ status }}</dd>
<dt>{{ _("Answer due by") }}</dt><dd>{{ due_by }}</dd></dl>
"""
STATUS_WORDS = {RequestStatus.RECEIVED.value: "Received, waiting to be registered"}


@dataclass(frozen=True)
class FormConfig:
    """What a submission to one form needs, read once at start-up."""

    site_key: str
    site_id: int
    organization_id: int
    country: str
    timezone: str
    form_id: int
    slug: str
    version_id: int
    processing_days: int
    unit_id: int | None
    titles: dict
    fields: tuple  # detached Field rows, as clean_answers takes them
    calendar: WorkCalendar


def read_form_configs(settings: dict) -> dict[tuple[str, str], FormConfig]:
    """Every published form of every site, by (site key, form slug), through Frontdesk's models."""
    from widget import create_app
    from widget.extensions import db
    from widget.services.catalogue import list_catalogue
    from widget.models import Site

    app = create_app(settings)
    configs = {}
    with app.app_context():
        for site in db.session.scalars(select(Site)):
            organization = site.organization
            for section in list_catalogue(site):
                for form in section.forms:
                    version = form.current_version
                    for field in version.fields:  # what clean_answers reads, loaded now
                        _ = field.version.form.sends_sms, field.choices
                    configs[site.key, form.slug] = FormConfig(
                        site.key, site.id, organization.id, organization.country,
                        organization.timezone or "UTC", form.id, form.slug, version.id,
                        form.processing_days, form.unit_id, dict(form.titles or {}),
                        tuple(version.fields), WorkCalendar.for_organization(organization))
        db.session.remove()  # the rows stay, detached, with what was loaded
        db.engine.dispose()
    return configs


def counter_statement(dialect_name: str, organization_id: int):
    """Move the organisation's change counter on by one and return it (as the product does)."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    statement = dialect.insert(COUNTERS).values(organization_id=organization_id, last_position=1)
    return statement.on_conflict_do_update(
        index_elements=[COUNTERS.c.organization_id],
        set_={"last_position": COUNTERS.c.last_position + 1}).returning(COUNTERS.c.last_position)


def first_contact(config: FormConfig, answers: dict) -> str:
    """The e-mail address the notices will go to (the worker decides the rest)."""
    return next((answers[field.key] for field in config.fields
                 if field.type == "email" and answers.get(field.key)), "")


class Floor:
    """The floor's state, read once per process, and its two hot paths."""

    def __init__(self, settings: dict):
        self.secret_key = settings["SECRET_KEY"]
        self.max_age = int(settings.get("FORM_TOKEN_MAX_AGE", 12 * 3600))
        self.engine = create_engine(
            settings["DATABASE_URL"],
            json_serializer=lambda value: json.dumps(value, ensure_ascii=False))
        self.configs = read_form_configs(settings)
        self.by_site = {config.site_key: config for config in self.configs.values()}
        self.titles = {config.version_id: config.titles for config in self.configs.values()}
        self.counters = {config.organization_id: counter_statement(self.engine.dialect.name,
                                                                   config.organization_id)
                         for config in self.configs.values()}
        self.translations = {lang: Translations.load(str(TRANSLATIONS), [lang])
                             for lang in LANGUAGES}
        self.templates = Environment(autoescape=True, extensions=["jinja2.ext.i18n"])
        self.receipt = self.templates.from_string(RECEIPT)
        self.status = self.templates.from_string(STATUS)

    def render(self, template, lang: str, **values) -> str:
        self.templates.install_gettext_translations(self.translations[lang], newstyle=True)
        return template.render(lang=lang, **values)

    def submit(self, config: FormConfig, lang: str, form) -> tuple[str, int]:
        """Token, validation, the rows, the receipt."""
        try:
            token = read_form_token(self.secret_key, form.get("form_token", ""), self.max_age)
        except TokenError:
            return "bad token", 400
        if (token.site_id, token.form_id, token.version_id) != (
                config.site_id, config.form_id, config.version_id):
            return "bad token", 400
        raw = {key: form.getlist(key) for key in form}
        answers, errors = clean_answers(config.fields, raw, config.country)
        if errors:
            return f"invalid: {', '.join(sorted(errors))}", 422
        try:
            code, sent, due = self.write_request(config, lang, token.nonce, answers)
        except IntegrityError:  # a replayed page: show the receipt of the request it wrote
            with self.engine.connect() as connection:
                row = connection.execute(REPLAYED, {"nonce": token.nonce}).first()
            if row is None:
                raise
            code, sent, due = row
        return self.render(
            self.receipt, lang, code=codes.display(code),
            form_title=config.titles.get(lang) or config.slug,
            sent_on=format_datetime(sent, "medium", tzinfo=config.timezone, locale=lang),
            due_by=format_date(config.calendar.local_date(due), "long", locale=lang)), 200

    def write_request(self, config: FormConfig, lang: str, nonce: str, answers: dict):
        """The change position, the request, its event and one outbox row, in one transaction;
        returns (code, sent, due)."""
        now = utcnow()
        due = config.calendar.due_at(now, config.processing_days)
        code = codes.generate()
        with self.engine.begin() as connection:
            position = connection.scalar(self.counters[config.organization_id])
            request_id = connection.execute(INSERT_REQUEST, {
                "organization_id": config.organization_id, "site_id": config.site_id,
                "unit_id": config.unit_id, "form_version_id": config.version_id,
                "status": RequestStatus.RECEIVED.value, "channel": "web", "language": lang,
                "code": code, "open311_id": new_open311_id(), "submit_nonce": nonce,
                "answers": answers, "created_at": now, "updated_at": now, "submitted_at": now,
                "due_at": due, "lock_version": 1,
                "change_position": position}).inserted_primary_key[0]
            event_id = connection.execute(INSERT_EVENT, {
                "request_id": request_id, "kind": EventKind.RECEIVED.value, "created_at": now,
                "data": {"channel": "web"}, "public": True}).inserted_primary_key[0]
            connection.execute(INSERT_OUTBOX, {
                "organization_id": config.organization_id, "request_id": request_id,
                "event_id": event_id, "channel": OutboxChannel.EMAIL.value,
                "recipient": first_contact(config, answers), "language": lang,
                "body_text": ""})
        return code, now, due

    def lookup(self, config: FormConfig, lang: str, typed: str) -> tuple[str, int]:
        """One SELECT, the status page."""
        code = codes.parse(typed)
        if code is None:
            return "typo", 422
        with self.engine.connect() as connection:
            row = connection.execute(LOOKUP, {"code": code,
                                              "organization_id": config.organization_id}).first()
        if row is None:
            return "not found", 404
        status = self.translations[lang].gettext(STATUS_WORDS.get(row.status, row.status))
        return self.render(
            self.status, lang, code=row.code,
            form_title=self.titles.get(row.form_version_id, {}).get(lang, ""), status=status,
            due_by=format_date(config.calendar.local_date(row.due_at), "long", locale=lang)), 200


def create_app() -> Flask:
    """The floor as a Flask app on the product's URLs, configured by FRONTDESK_* variables."""
    floor = Floor({key.removeprefix("FRONTDESK_"): value for key, value in os.environ.items()
                   if key.startswith("FRONTDESK_")})
    app = Flask(__name__)
    app.extensions["floor"] = floor
    # Only for the error messages of a refused answer (FieldError translates its message).
    Babel(app, locale_selector=lambda: (request.view_args or {}).get("lang"),
          default_translation_directories=str(TRANSLATIONS))

    @app.get("/healthz")
    def healthz():
        return "ok"

    @app.post("/w/<site_key>/<lang>/f/<slug>")
    def submit(site_key, lang, slug):
        config = floor.configs.get((site_key, slug))
        if config is None or lang not in LANGUAGES:
            abort(404)
        return floor.submit(config, lang, request.form)

    @app.post("/w/<site_key>/<lang>/track")
    def lookup(site_key, lang):
        config = floor.by_site.get(site_key)
        if config is None or lang not in LANGUAGES:
            abort(404)
        return floor.lookup(config, lang, request.form.get("code", ""))

    return app


app = create_app() if "FRONTDESK_DATABASE_URL" in os.environ else None
