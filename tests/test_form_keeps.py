"""Nothing typed or attached is lost: a form page that comes back (with errors, or in another
language) keeps its files, held on the server for that page's signed form token, and what was
typed. The files are reachable from that page's token only."""
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import form_token
from tests.test_widget_routes import PDF, RESUME_RE, count_requests, good_answers, open_form, post_form
# The site and the form with every field type, as the widget's route tests have them.
from tests.test_widget_routes import form, site  # noqa: F401 - fixtures
from widget.models import Attachment, Request
from widget.models._types import utcnow

LANGUAGES = ("en", "vi", "fa", "ru")


def attachments(db) -> list[Attachment]:
    db.session.expire_all()
    return list(db.session.scalars(select(Attachment).order_by(Attachment.id)))


def stored_files(app) -> list[Path]:
    return [path for path in Path(app.config["FRONTDESK_UPLOAD_DIR"]).rglob("*") if path.is_file()]


def held_list(html: str) -> str:
    """The page's list of files already attached ('' when there is none)."""
    match = re.search(r'<ul class="attached"[^>]*>(.*?)</ul>', html, re.S)
    return match.group(1) if match else ""


def test_files_of_a_page_with_errors_are_held_shown_and_sent_with_the_correction(client, db, form):
    token = open_form(client)
    wrong = post_form(client, good_answers(token, name=None, proof=(io.BytesIO(PDF), "deed.pdf")))
    html = wrong.get_data(as_text=True)
    assert wrong.status_code == 422 and "Please" in html
    shown = held_list(html)
    assert "deed.pdf" in shown and "KB" in shown and "Remove" in shown
    assert form_token(html) == token  # the same page, so the same files
    assert "Your draft is saved" not in html  # held for this page, not a draft to resume

    # Corrected and sent without attaching again: the file goes with the request.
    sent = post_form(client, good_answers(token))
    assert sent.status_code == 200
    db.session.expire_all()
    request = db.session.scalar(select(Request))
    assert count_requests(db) == 1 and request.status == "received"
    assert [a.filename for a in request.attachments] == ["deed.pdf"]


def test_a_held_file_can_be_removed_and_another_attached(client, db, form, app):
    token = open_form(client)
    post_form(client, good_answers(token, name=None, proof=(io.BytesIO(PDF), "wrong.pdf")))
    held, = attachments(db)
    again = post_form(client, good_answers(token, name=None, remove_attachment=str(held.id),
                                           proof=(io.BytesIO(PDF), "right.pdf")))
    assert again.status_code == 422
    assert "wrong.pdf" not in held_list(again.get_data(as_text=True))
    assert [a.filename for a in attachments(db)] == ["right.pdf"]
    assert len(stored_files(app)) == 1  # the removed file's bytes are gone too
    post_form(client, good_answers(token))
    db.session.expire_all()
    assert [a.filename for a in db.session.scalar(select(Request)).attachments] == ["right.pdf"]


def test_held_files_count_against_the_upload_limits(client, db, form, app):
    app.config["FRONTDESK_UPLOAD_MAX_FILES"] = 2
    token = open_form(client)
    post_form(client, good_answers(token, name=None,
                                   proof=[(io.BytesIO(PDF), f"{i}.pdf") for i in range(2)]))
    assert len(attachments(db)) == 2
    third = post_form(client, good_answers(token, proof=(io.BytesIO(PDF), "2.pdf")))
    assert third.status_code == 422 and "at most 2 files" in third.get_data(as_text=True)
    assert len(attachments(db)) == 2
    assert db.session.scalar(select(Request)).status == "draft"  # nothing sent


def test_held_files_are_reachable_from_their_own_page_only(client, app, db, form):
    from itsdangerous import URLSafeTimedSerializer

    from widget.security import FORM_TOKEN_SALT
    victim = open_form(client)
    post_form(client, good_answers(victim, name=None, proof=(io.BytesIO(PDF), "passport.pdf")))
    held, = attachments(db)

    # Another person's page: nothing of it shown, their remove ticks touch nothing, their
    # request carries nothing of it.
    other = open_form(client)
    page = post_form(client, good_answers(other, name=None, remove_attachment=str(held.id)))
    assert "passport.pdf" not in page.get_data(as_text=True)
    assert [a.id for a in attachments(db)] == [held.id]

    # A token forged for the victim's page: a tampered one, and one signed with another key
    # carrying the victim's nonce. Refused; the files are neither shown nor moved.
    payload = URLSafeTimedSerializer(app.secret_key, salt=FORM_TOKEN_SALT).loads(victim)
    forged = [victim[:-3] + ("AAA" if not victim.endswith("AAA") else "BBB"),
              URLSafeTimedSerializer("guessed", salt=FORM_TOKEN_SALT).dumps(payload)]
    for token in forged:
        answer = post_form(client, good_answers(token, proof=(io.BytesIO(PDF), "mine.pdf")))
        assert answer.status_code == 400
        assert "passport.pdf" not in answer.get_data(as_text=True)
        switched = post_form(client, {"form_token": token, "action": "language"}, lang="vi")
        assert "passport.pdf" not in switched.get_data(as_text=True)
    assert [a.filename for a in attachments(db)] == ["passport.pdf"]

    post_form(client, good_answers(other))
    assert [a.filename for a in attachments(db)] == ["passport.pdf"]
    mine = db.session.scalar(select(Request).where(Request.status != "draft"))
    assert mine.attachments == []

    # The victim's page, once sent, is a receipt: replaying it attaches nothing more.
    post_form(client, good_answers(victim))
    replay = post_form(client, good_answers(victim, proof=(io.BytesIO(PDF), "extra.pdf")))
    assert replay.status_code == 200
    assert sorted(a.filename for a in attachments(db)) == ["passport.pdf"]


def test_held_files_go_when_their_page_can_no_longer_be_sent(app, client, db, form):
    """Held files live as long as their page's token: after that nobody can send them, so the
    worker deletes them like an abandoned draft; a saved draft of the same age stays."""
    from widget.notify.worker import scheduled
    post_form(client, good_answers(open_form(client), name=None,
                                   proof=(io.BytesIO(PDF), "held.pdf")))
    saved = post_form(client, {"form_token": open_form(client), "action": "draft", "name": "Mine",
                               "proof": (io.BytesIO(PDF), "draft.pdf")})
    assert RESUME_RE.search(saved.get_data(as_text=True))
    long_ago = utcnow() - timedelta(seconds=app.config["FRONTDESK_FORM_TOKEN_MAX_AGE"] + 60)
    for row in db.session.scalars(select(Request)):
        row.updated_at = long_ago
    db.session.commit()

    scheduled(app.config)

    assert [a.filename for a in attachments(db)] == ["draft.pdf"]
    assert count_requests(db) == 1 and len(stored_files(app)) == 1


# --- switching language -----------------------------------------------------------------------

@pytest.mark.parametrize("to", LANGUAGES)
def test_switching_language_keeps_what_was_typed_and_attached(client, db, form, app, to):
    app.config["FRONTDESK_MIN_FILL_SECONDS"] = 60  # a switch is no send: no speed check
    token = open_form(client, lang="en")
    switched = post_form(client, {"form_token": token, "action": "language", "name": "Lan",
                                  "story": "Half a story", "colour": "blue",
                                  "proof": (io.BytesIO(PDF), "photo.pdf")}, lang=to)
    html = switched.get_data(as_text=True)
    assert switched.status_code == 200
    assert f'<html lang="{to}"' in html
    assert 'value="Lan"' in html and ">Half a story</textarea>" in html
    assert re.search(r'value="blue" checked', html)
    assert "photo.pdf" in held_list(html)
    assert form_token(html) == token
    assert 'class="error' not in html and "error-summary" not in html  # nothing was checked
    assert f'action="/w/test/{to}/f/everything"' in html

    app.config["FRONTDESK_MIN_FILL_SECONDS"] = 0
    sent = post_form(client, good_answers(token), lang=to)
    assert sent.status_code == 200
    db.session.expire_all()
    request = db.session.scalar(select(Request))
    assert request.language == to and [a.filename for a in request.attachments] == ["photo.pdf"]
    assert db.session.scalar(select(func.count()).select_from(Request)) == 1


def test_the_language_links_of_a_form_page_carry_what_was_typed(client, form):
    """Without any script: on a form page each language is a button of the form itself,
    posting it to the same form in that language."""
    html = client.get("/w/test/en/f/everything").get_data(as_text=True)
    form_id = re.search(r'<form [^>]*id="([^"]+)"[^>]*class="request-form', html).group(1)
    for code in LANGUAGES:
        button = re.search(rf'<button [^>]*formaction="/w/test/{code}/f/everything"[^>]*>', html)
        assert button, code
        assert f'form="{form_id}"' in button.group(0)
        assert 'name="action" value="language"' in button.group(0)
