"""What a person, an integrator and staff get while the database cannot be reached: a 503 with
Retry-After and a clear page in the person's language (JSON for the API and Open311), never a
500 or a traceback. The database here is a PostgreSQL URL on a loopback port nobody listens on,
which is what every connection meets while the server restarts; tests/test_load_and_faults.py
stops a real server under load."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy.exc import OperationalError

from tests.conftest import settings_for
from tests.mailserver import free_port
from widget import create_app
from widget.db_outage import RETRY_AFTER_SECONDS

TITLE = "The service is briefly unavailable"
WIDGET_MESSAGE = ("Please try again in a minute. If you were sending a form, send it again: a "
                  "form sent twice is saved only once.")


@pytest.fixture(scope="module")
def unreachable(tmp_path_factory):
    """An app whose PostgreSQL is down (nothing listens on its port)."""
    url = f"postgresql+psycopg://frontdesk@127.0.0.1:{free_port()}/frontdesk"
    app = create_app(settings_for(tmp_path_factory.mktemp("outage"), DATABASE_URL=url))
    yield app
    with app.app_context():
        from widget.extensions import db
        db.engine.dispose()


def in_language(app, language: str, text: str) -> str:
    with app.test_request_context(), force_locale(language):
        return gettext(text)


@pytest.mark.parametrize("language", ["vi", "fa"])
def test_a_widget_page_says_in_the_persons_language_that_the_service_is_briefly_down(
        unreachable, language):
    response = unreachable.test_client().get(f"/w/demo/{language}/track")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert f'<html lang="{language}" dir="{"rtl" if language == "fa" else "ltr"}">' in page
    assert f"<h1>{in_language(unreachable, language, TITLE)}</h1>" in page
    assert in_language(unreachable, language, WIDGET_MESSAGE) in page
    assert "Traceback" not in page and "OperationalError" not in page


def test_the_widget_page_shows_inside_any_embedding_site(unreachable):
    """The site's allowed origins cannot be read: the page (nothing to click on it) may be framed
    by anyone, so a person inside the iframe reads it instead of a browser error."""
    response = unreachable.test_client().post("/w/demo/en/f/complaint",
                                              data={"form_token": "x", "action": "send"})
    assert response.status_code == 503
    assert response.headers["Content-Security-Policy"].endswith("; frame-ancestors *")
    assert "X-Frame-Options" not in response.headers


def test_staff_signing_in_get_503_on_a_page_that_still_refuses_framing(unreachable):
    client = unreachable.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      client.get("/admin/login").get_data(as_text=True)).group(1)
    response = client.post("/admin/login", headers={"Accept-Language": "ru"}, data={
        "csrf_token": token, "email": "op@example.org", "password": "correct horse battery"})
    assert response.status_code == 503 and response.headers["Retry-After"]
    page = response.get_data(as_text=True)
    assert '<html lang="ru"' in page and in_language(unreachable, "ru", TITLE) in page
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Content-Security-Policy"].endswith("frame-ancestors 'none'")


def test_the_api_answers_a_problem_document(unreachable):
    response = unreachable.test_client().get(
        "/api/v1/requests", headers={"Authorization": "Bearer fd_abcdefghijkl_secret"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response.content_type == "application/problem+json"
    problem = response.get_json(force=True)
    assert problem["status"] == 503 and problem["title"] == "Service Unavailable"
    assert "Retry-After" in problem["detail"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_answers_its_error_list(unreachable, fmt):
    response = unreachable.test_client().get(f"/open311/v2/services.{fmt}?jurisdiction_id=demo")
    assert response.status_code == 503 and response.headers["Retry-After"]
    if fmt == "json":
        error, = response.get_json()
        code, description = error["code"], error["description"]
    else:
        error, = ET.fromstring(response.data).findall("error")
        code, description = int(error.findtext("code")), error.findtext("description")
    assert code == 503 and "try again" in description


def test_healthz_still_says_unreachable(unreachable):
    response = unreachable.test_client().get("/healthz")
    assert response.status_code == 503 and response.get_json()["database"] == "unreachable"


def test_a_broken_statement_is_a_bug_not_an_outage(tmp_path):
    """A database that answers but lacks a table (migrations not run) is not "briefly down": the
    error goes on as an error, with its traceback, and is not hidden behind a 503."""
    app = create_app(settings_for(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'empty.db'}"))
    with pytest.raises(OperationalError, match="no such table"):
        app.test_client().get("/w/demo/en/track")
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the ordinary 500 page
    assert app.test_client().get("/w/demo/en/track").status_code == 500
