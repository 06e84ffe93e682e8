"""The status page's message keeps its chosen files across a language switch, as the request form
does (held on a row only that page's signed hold names, services/message_files.py): they are
listed as attached, may be removed, and go with the message when it is sent; a switch sends
nothing. Files held for one request are never attached to another's message: a hold replayed
from another request's page, or made up, is refused with a translated error and changes
nothing. Hostile files are refused on a switch as on a send."""
from __future__ import annotations

import io
import re

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from tests.html_pages import PageForms
from tests.test_widget_routes import PDF, form, send_one, site  # noqa: F401 - fixtures
from widget.models import Attachment, Event, Message, OutboxItem, Request

LANGUAGES = ("en", "vi", "fa", "ru")
SAME_SITE = {"Sec-Fetch-Site": "same-origin"}
TEXT = "Thư kèm bản sao.\n".encode() * 3
HOSTILE = b"MZ\x90\x00 a program named as a PDF"
HELD_GONE = ("The files attached earlier to this message are no longer kept. Please attach "
             "them again.")


class Page(PageForms):
    """The status page as a person sees it (PageForms), and of its reply form: the fields a post
    carries, its address, the files it lists as attached (name -> the removal box's name, value
    and whether it is ticked), and the error beside the message."""

    def __init__(self, html: str):
        self.attached: dict[str, tuple] = {}
        self.error = ""
        self._in_attached = self._in_name = self._in_error = False
        self._attached_name = ""
        super().__init__(html)
        form = self.by_id("reply-form")
        self.reply = {"attached": self.attached, "action": form.action if form else "",
                      "fields": [(item.name, item.value) for item in (form.fields if form else [])
                                 if item.kind in ("hidden", "text", "textarea")]}

    def handle_starttag(self, tag, attrs):
        super().handle_starttag(tag, attrs)
        a = {key: value or "" for key, value in attrs}
        in_reply = self._form is not None and self._form.id == "reply-form"
        if in_reply and tag == "li":
            self._in_attached, self._attached_name = True, ""
        elif self._in_attached and tag == "span" and "size" not in a.get("class", ""):
            self._in_name = True
        elif self._in_attached and tag == "input" and a.get("type") == "checkbox":
            self.attached[self._attached_name] = (a["name"], a["value"], "checked" in a)
        elif in_reply and tag == "p" and "error" in a.get("class", ""):
            self._in_error = True

    def handle_endtag(self, tag):
        super().handle_endtag(tag)
        if tag == "span":
            self._in_name = False
        elif tag == "li":
            self._in_attached = False
        elif tag == "p":
            self._in_error = False

    def handle_data(self, data):
        super().handle_data(data)
        if self._in_name:
            self._attached_name += data
        if self._in_error:
            self.error += data

    def field(self, name: str) -> str | None:
        return next((value for key, value in self.reply["fields"] if key == name), None)


def status_page(client, code: str, lang: str):
    response = client.post(f"/w/test/{lang}/track", data={"code": code}, headers=SAME_SITE)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def post_reply_form(client, html: str, target: str, changes: dict, files=(), remove=()):
    """Post the reply form as a browser would: its fields, what was typed, the files chosen and
    the held files ticked for removal."""
    page = Page(html)
    data: dict = {}
    for name, value in page.reply["fields"]:
        data.setdefault(name, []).append(value)
    for name, value in changes.items():
        data[name] = [value]
    data["files"] = [(io.BytesIO(content), name) for name, content in files]
    data["remove_held"] = [page.reply["attached"][name][1] for name in remove]
    return client.post(target, data=data, content_type="multipart/form-data", headers=SAME_SITE)


def switch(client, html: str, lang: str, changes=None, files=(), remove=()):
    button = Page(html).switches[lang]
    assert button.get("form") == "reply-form"
    return post_reply_form(client, html, button["formaction"],
                           {**(changes or {}), "action": "language"}, files, remove)


def send(client, html: str, changes=None, files=(), remove=()):
    return post_reply_form(client, html, Page(html).reply["action"], changes or {}, files, remove)


def written(db) -> tuple:
    """What sending writes: messages, events, outbox rows."""
    db.session.expire_all()
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (Message, Event, OutboxItem))


def translated(msgid: str, lang: str) -> str:
    with force_locale(lang):
        return _(msgid)


def other_language(lang: str) -> str:
    return "ru" if lang == "en" else "en"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_files_chosen_before_a_switch_stay_attached_and_go_with_the_message(app, client, db, form,
                                                                            lang):
    code = send_one(client)
    html = status_page(client, code, other_language(lang))
    before = written(db)
    switched = switch(client, html, lang, {"body": "Half a sentence"},
                      files=[("passport.pdf", PDF), ("note.txt", TEXT)])
    page_html = switched.get_data(as_text=True)
    assert switched.status_code == 200, page_html[:300]
    page = Page(page_html)
    assert (page.lang, page.dir) == (lang, "rtl" if lang == "fa" else "ltr")
    assert page.field("body") == "Half a sentence"
    assert set(page.reply["attached"]) == {"passport.pdf", "note.txt"}
    assert written(db) == before  # a switch sends nothing

    # Once more, to a third language, choosing nothing new: still attached.
    third = next(code for code in LANGUAGES if code not in (lang, other_language(lang)))
    again = Page(page_html := switch(client, page_html, third).get_data(as_text=True))
    assert again.lang == third and set(again.reply["attached"]) == {"passport.pdf", "note.txt"}
    assert again.field("body") == "Half a sentence"
    assert written(db) == before

    # Sent with one held file removed and one more chosen now.
    sent = send(client, page_html, files=[("photo.txt", b"one more file")], remove=["note.txt"])
    assert sent.status_code == 200
    message = db.session.scalar(select(Message).where(Message.from_staff.is_(False)))
    assert message.body == "Half a sentence"
    files = {a.filename: a for a in message.attachments}
    assert set(files) == {"passport.pdf", "photo.txt"}
    assert all(a.request_id == message.request_id for a in message.attachments)
    sent_page = sent.get_data(as_text=True)
    assert "passport.pdf" in sent_page and "note.txt" not in sent_page
    access = re.search(r'name="access" value="([^"]+)"', sent_page).group(1)
    download = client.post(f"/w/test/{third}/track/file/{files['passport.pdf'].id}",
                           data={"access": access}, headers=SAME_SITE)
    assert download.get_data() == PDF
    # Nothing stays held: no row of held files, no file of the removed one.
    assert db.session.scalar(select(func.count()).select_from(Request)
                             .where(Request.status == "draft")) == 0
    assert db.session.scalar(select(func.count()).select_from(Attachment)
                             .where(Attachment.filename == "note.txt")) == 0
    # The same page sent again (a double click) is the message already sent.
    assert send(client, page_html, files=[("photo.txt", b"one more file")],
                remove=["note.txt"]).status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Message)
                             .where(Message.from_staff.is_(False))) == 1


@pytest.mark.parametrize("lang", LANGUAGES)
def test_files_held_for_one_request_are_never_attached_to_another(app, client, db, form, lang):
    mine, theirs = send_one(client), send_one(client)
    held_for_theirs = switch(client, status_page(client, theirs, lang), lang,
                             {"body": "theirs"}, files=[("private.pdf", PDF)])
    their_hold = Page(held_for_theirs.get_data(as_text=True)).field("held")
    assert their_hold
    my_page = status_page(client, mine, lang)
    my_held = switch(client, my_page, lang, {"body": "mine"}, files=[("mine.txt", TEXT)])
    my_page_with_files = my_held.get_data(as_text=True)
    before = written(db)
    held_rows = db.session.scalar(select(func.count()).select_from(Attachment))
    with app.test_request_context():
        refusal = translated(HELD_GONE, lang)
    for forged in (their_hold, their_hold[:-3] + "abc", "1", "deadbeef" * 4):
        for attempt in (send(client, my_page_with_files, {"held": forged, "body": "mine"}),
                        switch(client, my_page_with_files, lang, {"held": forged, "body": "mine"},
                               files=[("more.txt", TEXT)]),
                        send(client, my_page, {"held": forged, "body": "mine"})):
            page = Page(attempt.get_data(as_text=True))
            assert attempt.status_code == 422
            assert page.lang == lang and refusal in page.error
            assert page.field("body") == "mine"
            assert "private.pdf" not in attempt.get_data(as_text=True)
    assert written(db) == before
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == held_rows
    # Their files are still theirs, sent with their message.
    assert send(client, held_for_theirs.get_data(as_text=True)).status_code == 200
    message = db.session.scalar(select(Message).where(Message.body == "theirs"))
    assert [a.filename for a in message.attachments] == ["private.pdf"]
    assert message.request.code == theirs.replace("-", "")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_hostile_file_is_refused_on_a_switch_and_never_held(app, client, db, form, lang):
    html = status_page(client, send_one(client), other_language(lang))
    before = written(db)
    switched = switch(client, html, lang, {"body": "see files"},
                      files=[("x.pdf", HOSTILE), ("passport.pdf", PDF)])
    page = Page(switched.get_data(as_text=True))
    assert switched.status_code == 422 and page.lang == lang
    with app.test_request_context(), force_locale(lang):
        assert "x.pdf" in page.error and page.error.strip()
    assert set(page.reply["attached"]) == {"passport.pdf"}
    assert page.field("body") == "see files"
    assert written(db) == before
    assert db.session.scalar(select(func.count()).select_from(Attachment)
                             .where(Attachment.filename == "x.pdf")) == 0


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_refused_send_shows_the_held_files_as_the_person_left_them(app, client, db, form, lang):
    # A send refused (here for a hostile file chosen with it) sends nothing: the held files stay
    # held, the one ticked for removal is shown still ticked, not silently unticked, and the
    # good file chosen with the hostile one is not lost.
    html = status_page(client, send_one(client), other_language(lang))
    held = switch(client, html, lang, {"body": "two files"},
                  files=[("passport.pdf", PDF), ("note.txt", TEXT)]).get_data(as_text=True)
    before = written(db)
    refused = send(client, held, files=[("x.pdf", HOSTILE), ("photo.txt", b"chosen now")],
                   remove=["note.txt"])
    page = Page(refused.get_data(as_text=True))
    assert refused.status_code == 422 and page.lang == lang
    with app.test_request_context(), force_locale(lang):
        assert "x.pdf" in page.error
    # The good file chosen with the hostile one is held beside the others, as a form page holds
    # the files of a post with errors; the hostile one is not.
    assert {name: ticked for name, (_n, _v, ticked) in page.reply["attached"].items()} == {
        "passport.pdf": False, "note.txt": True, "photo.txt": False}
    assert page.field("body") == "two files"
    assert written(db) == before
    assert db.session.scalar(select(func.count()).select_from(Attachment)
                             .where(Attachment.filename == "x.pdf")) == 0
    # Sent again as shown: the ticked one goes, the others with the message.
    assert send(client, refused.get_data(as_text=True), remove=["note.txt"]).status_code == 200
    message = db.session.scalar(select(Message).where(Message.from_staff.is_(False)))
    assert sorted(a.filename for a in message.attachments) == ["passport.pdf", "photo.txt"]


def test_files_held_for_a_message_nobody_sent_go_with_the_worker(app, client, db, form):
    """Held past a form token's age, the worker deletes them (row and bytes); the page that
    named them then says so instead of sending the message without them."""
    from datetime import timedelta
    from pathlib import Path

    from widget.models._types import utcnow
    from widget.notify.worker import scheduled
    code = send_one(client)
    held = switch(client, status_page(client, code, "en"), "vi", {"body": "later"},
                  files=[("passport.pdf", PDF)]).get_data(as_text=True)
    row = db.session.scalar(select(Request).where(Request.status == "draft"))
    stored_key = row.attachments[0].storage_key
    store = Path(app.config["FRONTDESK_UPLOAD_DIR"])
    assert any(stored_key in path.name for path in store.rglob("*"))
    row.updated_at = utcnow() - timedelta(seconds=app.config["FRONTDESK_FORM_TOKEN_MAX_AGE"] + 1)
    db.session.commit()
    before = written(db)

    scheduled(app.config)

    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Request)
                             .where(Request.status == "draft")) == 0
    assert not any(stored_key in path.name for path in store.rglob("*"))
    refused = send(client, held)
    page = Page(refused.get_data(as_text=True))
    assert refused.status_code == 422 and page.lang == "vi" and page.field("body") == "later"
    with app.test_request_context():
        assert translated(HELD_GONE, "vi") in page.error
    assert written(db) == before
