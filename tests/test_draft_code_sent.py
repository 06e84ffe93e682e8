"""A saved draft's resume code is not only shown: it goes, through the outbox, to the e-mail
address (and mobile number) the draft already holds, in the draft's language, and the page says
where (masked). Saving again to the same contact sends nothing more."""
import re

import pytest
from sqlalchemy import select

from tests.conftest import form_token, settings_for
from tests.test_notify_worker import deliver_all
from widget.models import OutboxItem

RESUME = re.compile(r'<strong class="code" dir="ltr">([0-9A-Z-]+)</strong>')
FIELDS = [{"key": "name", "type": "text"}, {"key": "email", "type": "email"},
          {"key": "story", "type": "long_text"}]


@pytest.fixture
def app_settings(tmp_path, mail_server):
    return settings_for(tmp_path, MAIL_PORT=mail_server.port, MAIL_TIMEOUT=2.0,
                        NOTIFY_RETRY_SECONDS=0.01, NOTIFY_MAX_ATTEMPTS=3)


@pytest.fixture
def form(create_site, create_form):
    return create_form(create_site(), slug="contact", fields=FIELDS)


def save_draft(client, lang, token=None, **answers):
    if token is None:
        token = form_token(client.get(f"/w/test/{lang}/f/contact").get_data(as_text=True))
    response = client.post(f"/w/test/{lang}/f/contact", data={
        "form_token": token, "action": "draft", **answers})
    assert response.status_code == 200
    return response.get_data(as_text=True), token


@pytest.mark.parametrize("lang", ["en", "vi", "fa", "ru"])
def test_the_resume_code_goes_to_the_drafts_address_in_its_language(app, db, client, form,
                                                                    mail_server, lang):
    html, _token = save_draft(client, lang, name="Lan", email="lan.nguyen@example.org")
    code = RESUME.search(html).group(1)
    assert "l•••@example.org" in html  # where it went, masked
    assert "lan.nguyen@example.org" not in html.replace('value="lan.nguyen@example.org"', "")

    assert deliver_all(app) == 1
    message, = mail_server.received
    assert message["To"] == "lan.nguyen@example.org" and message["Content-Language"] == lang
    text = message.get_body(("plain",)).get_content()
    # Whole as a person copies it: the word joiners and isolates that keep it on one line in a
    # right-to-left text are invisible (and the code reader drops them).
    assert code in re.sub("[\u2060\u2066-\u2069]", "", text)
    if lang != "en":
        subject = str(message["Subject"])
        assert not re.search(r"\b(draft|saved)\b", subject, re.I), subject  # not left in English


def test_saving_again_sends_the_code_once_per_address(app, db, client, form, mail_server):
    html, token = save_draft(client, "en", email="lan@example.org")
    assert "l•••@example.org" in html
    again, _ = save_draft(client, "en", token=token, email="lan@example.org", story="More")
    assert "l•••@example.org" not in again  # nothing sent this time, so nothing said
    moved, _ = save_draft(client, "en", token=token, email="minh@example.org")
    assert "m•••@example.org" in moved
    assert deliver_all(app) == 2
    assert [m["To"] for m in mail_server.received] == ["lan@example.org", "minh@example.org"]


def test_a_draft_without_a_contact_only_shows_its_code(app, db, client, form):
    html, _ = save_draft(client, "en", name="Lan", email="not an address")
    assert RESUME.search(html)
    assert db.session.scalar(select(OutboxItem)) is None
