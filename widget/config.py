"""Configuration: one DEFAULTS mapping, overridden by FRONTDESK_* environment variables.

Each key K is read from the environment variable FRONTDESK_K; the type of the default decides how
the text is parsed (int, float, bool, list = comma separated). docs/configuration.md's table
lists the same keys: keep them in step.
"""
from __future__ import annotations

import os
import warnings
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"

DEFAULTS: dict[str, object] = {
    # Storage
    "DATABASE_URL": f"sqlite:///{INSTANCE_DIR / 'frontdesk.db'}",
    "UPLOAD_DIR": str(INSTANCE_DIR / "uploads"),
    # Attached files in a bucket of an S3-compatible object store instead of UPLOAD_DIR, when a
    # bucket is named. Credentials come from boto3's own chain (AWS_ACCESS_KEY_ID and
    # AWS_SECRET_ACCESS_KEY, a profile, an instance role), never from here.
    "S3_BUCKET": "",
    "S3_ENDPOINT_URL": "",  # empty: AWS itself; otherwise MinIO, Ceph, another provider
    "S3_REGION": "",        # empty: boto3's (AWS_DEFAULT_REGION, the profile), else us-east-1
    "S3_PREFIX": "",        # objects are named PREFIX/KEY
    # A person waits for the store while sending a form: seconds per try, and tries per call.
    "S3_TIMEOUT": 10.0,
    "S3_MAX_ATTEMPTS": 3,
    # Secrets: a random key per process is useless across restarts and processes; production
    # must set FRONTDESK_SECRET_KEY (create_app refuses to start without one unless DEBUG/TESTING).
    "SECRET_KEY": "",
    "DEBUG": False,
    "TESTING": False,
    # Languages
    "LANGUAGES": ["en", "vi", "fa", "ru"],
    "DEFAULT_LANGUAGE": "en",
    # Form token (the widget's replacement for cookie-bound CSRF): how long a page may stay open
    # and how fast a human can possibly fill a form.
    "FORM_TOKEN_MAX_AGE": 12 * 3600,
    "MIN_FILL_SECONDS": 3,
    "DRAFT_MAX_AGE_DAYS": 30,
    # How long a status page, once opened with the code, may reply and download.
    "STATUS_TOKEN_MAX_AGE": 2 * 3600,
    # Uploads: defaults until the admin area makes them configurable per form.
    "UPLOAD_MAX_FILE_BYTES": 10 * 1024 * 1024,
    "UPLOAD_MAX_FILES": 5,
    "UPLOAD_MAX_TOTAL_BYTES": 25 * 1024 * 1024,
    # Rate limits (Flask-Limiter syntax), per client address.
    "RATELIMIT_ENABLED": True,
    "RATE_LIMIT_SUBMIT": "10 per minute;100 per day",
    "RATE_LIMIT_LOOKUP": "10 per minute;100 per hour",
    "REDIS_URL": "",
    # Number of reverse proxies in front of the app whose X-Forwarded-* headers are trusted.
    "PROXY_COUNT": 0,
    # Staff sessions: how long one lasts, and whether its cookie needs HTTPS (true in production).
    "STAFF_SESSION_HOURS": 8,
    "SECURE_COOKIES": False,
    "RATE_LIMIT_LOGIN": "5 per minute;50 per day",
    # Failed staff sign-ins per client address: a flood guard only (a whole office may share
    # one address; successful sign-ins never count, and guessing is stopped per account).
    "RATE_LIMIT_STAFF_SIGNIN_FAILURES": "60 per minute;600 per day",
    # Calls one API key may make (the REST API; Open311 too).
    "RATE_LIMIT_API": "600 per minute",
    # The address people reach the widget at: links in e-mails point there.
    "PUBLIC_URL": "http://127.0.0.1:5000",
    # Notifications: the SMTP server the worker sends e-mail through.
    "MAIL_SERVER": "127.0.0.1",
    "MAIL_PORT": 25,
    "MAIL_SENDER": "Frontdesk <no-reply@localhost>",
    "MAIL_USERNAME": "",
    "MAIL_PASSWORD": "",
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_TIMEOUT": 10.0,
    # The SMS gateway: "console" (development: written to the log) or "http" (a provider).
    "SMS_BACKEND": "console",
    "SMS_HTTP_URL": "",
    "SMS_HTTP_METHOD": "POST",
    "SMS_HTTP_AUTH_HEADER": "",
    "SMS_HTTP_BODY": "",  # empty: the content type's default body (see docs/configuration.md)
    "SMS_HTTP_CONTENT_TYPE": "application/json",
    "SMS_HTTP_SUCCESS_PATTERN": "",
    "SMS_HTTP_SENDER": "",
    "SMS_HTTP_TIMEOUT": 10.0,
    # Webhooks: seconds a connected system's receiver may take to answer before it counts as down.
    "WEBHOOK_TIMEOUT": 10.0,
    # Webhooks reach public internet addresses only, and these private networks (CIDR, comma
    # separated), for a connected system inside the organisation's network: "10.20.0.0/16".
    "WEBHOOK_PRIVATE_NETWORKS": [],
    # Delivery: attempts before a message is dead-lettered, the first retry's delay (doubled
    # each time, at most an hour), and how long a worker may hold a claimed message.
    "NOTIFY_MAX_ATTEMPTS": 8,
    "NOTIFY_RETRY_SECONDS": 30.0,
    "NOTIFY_LEASE_SECONDS": 120,
    # The overdue warning goes this many hours before a deadline the answer is not ready for.
    "NOTIFY_DUE_SOON_HOURS": 3.0,
    # A person who typed an e-mail address into a draft hears this many days before it is deleted.
    "NOTIFY_DRAFT_WARNING_DAYS": 3,
    # People's accounts in the widget: how long a sign-in lasts.
    "ACCOUNT_SESSION_DAYS": 14,
    # Lost codes: asks a contact may make a day, and SMS an organisation spends on them a day.
    "RECOVERY_PER_CONTACT_PER_DAY": 3,
    "RECOVERY_SMS_DAILY_BUDGET": 200,
}


def _parse(default: object, text: str) -> object:
    if isinstance(default, bool):
        return text.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(text)
    if isinstance(default, float):
        return float(text)
    if isinstance(default, list):
        return [part.strip() for part in text.split(",") if part.strip()]
    return text


def load_config(environ: os._Environ | dict | None = None, overrides: dict | None = None) -> dict:
    """Return the effective settings: DEFAULTS, then FRONTDESK_* variables, then overrides."""
    environ = os.environ if environ is None else environ
    settings = dict(DEFAULTS)
    for name, text in environ.items():
        if not name.startswith("FRONTDESK_"):
            continue
        key = name.removeprefix("FRONTDESK_")
        if key not in DEFAULTS:
            warnings.warn(f"unknown setting {name} ignored", stacklevel=2)
            continue
        settings[key] = _parse(DEFAULTS[key], text)
    settings.update(overrides or {})
    return settings


def setting(key: str):
    """A setting of the running app: setting("UPLOAD_DIR") is its FRONTDESK_UPLOAD_DIR."""
    from flask import current_app  # only this helper needs an app; loading settings does not
    return current_app.config[f"FRONTDESK_{key}"]
