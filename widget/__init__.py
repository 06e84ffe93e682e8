"""Frontdesk: an embeddable request desk."""
from __future__ import annotations

import json
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask

from widget import request_guard, template_speed
from widget.session_cookie import SignedCookieSessions
from widget.config import INSTANCE_DIR, PROJECT_ROOT, load_config
from widget.extensions import babel, csrf, db, limiter, login, mail, migrate
from widget.uploads import FORM_ALLOWANCE


def create_app(config: dict | None = None) -> Flask:
    """Build the application: settings, extensions, blueprints, error handlers."""
    settings = load_config(overrides=config)
    from widget.notify.channels.address_guard import parse_networks
    parse_networks(settings["WEBHOOK_PRIVATE_NETWORKS"])  # a typo stops the start, not a delivery
    app = Flask(__name__, instance_path=str(INSTANCE_DIR))
    app.session_interface = SignedCookieSessions()
    request_guard.install(app)  # before the blueprints: their rules use its <id:...> converter
    app.config.update({f"FRONTDESK_{key}": value for key, value in settings.items()})
    app.config.update(
        SECRET_KEY=settings["SECRET_KEY"] or _development_secret(settings),
        DEBUG=settings["DEBUG"],
        TESTING=settings["TESTING"],
        SQLALCHEMY_DATABASE_URI=settings["DATABASE_URL"],
        SQLALCHEMY_ENGINE_OPTIONS={
            # A pooled connection to a server is pinged before use (one round trip), so that
            # the first request after a database restart does not fail on it; a SQLite file
            # has no server to lose.
            "pool_pre_ping": not settings["DATABASE_URL"].startswith("sqlite"),
            # JSON as written (not \u escapes), so staff can search answers in any script.
            "json_serializer": _json_dumps},
        # The largest legitimate post: every file at its limit plus the text fields.
        MAX_CONTENT_LENGTH=settings["UPLOAD_MAX_TOTAL_BYTES"] + FORM_ALLOWANCE,
        BABEL_DEFAULT_LOCALE=settings["DEFAULT_LANGUAGE"],
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
        RATELIMIT_ENABLED=settings["RATELIMIT_ENABLED"],
        RATELIMIT_STORAGE_URI=settings["REDIS_URL"] or "memory://",
        RATELIMIT_HEADERS_ENABLED=False,
        WTF_CSRF_TIME_LIMIT=None,
        # The staff area's session cookie: first-party only, never read by scripts.
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings["SECURE_COOKIES"],
        # The server ends a staff session at a moment fixed at sign-in (staff_sessions); the
        # cookie is not given a new expiry by every click either.
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings["STAFF_SESSION_HOURS"]),
        SESSION_REFRESH_EACH_REQUEST=False,
        # Our forms show their own translated messages; WTForms' catalogs would only be re-read
        # from disk on every request.
        WTF_I18N_ENABLED=False,
        MAIL_SERVER=settings["MAIL_SERVER"],
        MAIL_PORT=settings["MAIL_PORT"],
        MAIL_DEFAULT_SENDER=settings["MAIL_SENDER"],
    )
    if settings["DATABASE_URL"].startswith("sqlite:///"):
        Path(settings["DATABASE_URL"].removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    limiter.init_app(app)
    csrf.init_app(app)
    login.init_app(app, add_context_processor=False)  # template_speed gives current_user
    mail.init_app(app)

    from admin import bp as admin_bp
    from widget.api import bp as api_bp
    from widget.api.open311 import bp as open311_bp
    from widget import i18n
    from widget.cli import register_commands
    from widget.notify.staff_notices import watch_events
    from widget.public import bp as public_bp
    from widget.services.staff_sessions import staff_for_session
    from widget.verification import bp as verify_bp
    from widget.web import register_web_hooks

    login.user_loader(staff_for_session)
    watch_events()  # every event that may concern staff leaves a row for the worker
    login.login_view = "admin.login"

    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    i18n.register_template_helpers(app)
    template_speed.install(app)
    app.register_blueprint(public_bp)
    app.register_blueprint(admin_bp)
    # Machines authenticate with a key in a header, not a cookie: no CSRF token to carry.
    csrf.exempt(api_bp)
    app.register_blueprint(api_bp)
    # Open311 clients send an api_key parameter, not a cookie: no CSRF token to carry.
    csrf.exempt(open311_bp)
    app.register_blueprint(open311_bp)
    # The widget's forms are protected by signed form tokens, not cookie-bound CSRF tokens
    # (third-party cookies are blocked in the iframe): see widget.security.
    csrf.exempt(public_bp)
    # The verification page changes nothing: a posted PDF is only compared, never kept.
    csrf.exempt(verify_bp)
    app.register_blueprint(verify_bp)
    register_web_hooks(app)
    register_commands(app)
    if settings["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix
        n = settings["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    return app


def _json_dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def _development_secret(settings: dict) -> str:
    if not (settings["DEBUG"] or settings["TESTING"]):
        raise RuntimeError("FRONTDESK_SECRET_KEY must be set (see docs/configuration.md)")
    return secrets.token_hex(32)
