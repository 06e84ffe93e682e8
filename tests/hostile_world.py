"""The shared app and data of test_hostile_input: one app for the module, and a `world` built
once through the real pages and APIs, in which every text a person, a system or staff typed
carries PAYLOAD; and what the tests ask of every page ("inert") and of every attack ("nothing
changed")."""
from __future__ import annotations

import io
import os
import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from tests import backoffice
from tests.conftest import (SERVER_DATABASE_URL, IsolatedClient, form_token, new_form, new_site,
                            settings_for, tracking_code)
from tests.notices import compose_promised
from widget import codes, create_app
from widget.extensions import db as _db
from widget.models import (Account, Attachment, AuditEntry, CodeRecovery, DetailChange, Event,
                           InboxItem, Letter, Message, OneTimeCode, OutboxItem, Request)
from widget.notify import worker
from widget.services import messaging, workflow
from widget.services.account_admin import decide_detail_change
from widget.services.api_clients import create_api_client
from widget.services.form_proposals import decide_proposal
from widget.uploads import IncomingFile, LocalFileStore, UploadLimits

# One text carrying the three ways markup turns live: a script element, an event handler, a
# javascript: link. Wherever it is shown it must be text, never an element or an attribute.
PAYLOAD = ('<script>alert(1)</script> <img src=x onerror=alert(2)> '
           '<a href="javascript:alert(3)">x</a>')
SHORT = "<img src=x onerror=alert(5)>"  # for a field of at most 60 characters
FILE_NAME = "<img src=x onerror=alert(4)>.pdf"
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"
H = {"Sec-Fetch-Site": "same-origin"}
PASSWORD = "a long and private pass phrase"
ACCESS = re.compile(r'name="access" value="([^"]+)"')
RESUME = re.compile(r'<strong class="code" dir="ltr">([0-9A-Z-]+)</strong>')

EVERY_TYPE = [
    {"key": "name", "type": "text", "required": True, "max_length": 300, "prefill": "name"},
    {"key": "story", "type": "long_text", "max_length": 1000},
    {"key": "area", "type": "number", "min_value": 1, "max_value": 1000},
    {"key": "born", "type": "date"},
    {"key": "email", "type": "email"},
    {"key": "phone", "type": "phone"},
    {"key": "colour", "type": "choice", "choices": [
        {"value": "red", "labels": {"en": "Red"}}, {"value": "blue", "labels": {"en": "Blue"}}]},
    {"key": "extras", "type": "multi_choice", "choices": [
        {"value": "a", "labels": {"en": "Alpha"}}, {"value": "b", "labels": {"en": "Beta"}}]},
    {"key": "agree", "type": "checkbox"},
    {"key": "proof", "type": "file"},
]
# A connected system's form: its title, labels and choices are the system's text.
PUSHED = {"slug": "pushed", "processing_days": 5, "titles": {"en": f"Pushed {PAYLOAD}"},
          "descriptions": {"en": f"<p>{PAYLOAD}</p>"},
          "fields": [{"key": "name", "type": "text", "required": True, "prefill": "name",
                      "labels": {"en": f"Name {PAYLOAD}"}},
                     {"key": "story", "type": "long_text", "labels": {"en": "Story"}},
                     {"key": "email", "type": "email", "labels": {"en": "E-mail"}},
                     {"key": "kind", "type": "choice", "labels": {"en": "Kind"},
                      "choices": [{"value": "x", "labels": {"en": f"Kind {PAYLOAD}"}}]}]}


# --- the shared app and its data ----------------------------------------------------------------

@pytest.fixture(scope="module")
def mail_server():
    """A real SMTP server on loopback (aiosmtpd) for the whole module."""
    from tests.mailserver import MailServer
    server = MailServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def app(tmp_path_factory, mail_server):
    """One app for the module (conftest's `client` and `db` use it): built once, emptied first
    on a server database."""
    application = create_app(settings_for(tmp_path_factory.mktemp("hostile"),
                                          MAIL_PORT=mail_server.port, MAIL_TIMEOUT=2.0))
    application.test_client_class = IsolatedClient  # each request in its own context, as live
    with application.app_context():
        if SERVER_DATABASE_URL:
            _db.drop_all()
        _db.create_all()
        yield application
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def csrf_off(app, monkeypatch):
    """Staff posts in a test without their CSRF token (the token's own test turns it back on)."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)


def html_of(response) -> str:
    return response.get_data(as_text=True)


def send_form(client, slug: str, data: dict, lang: str = "en", site: str = "test", **kwargs):
    """Open a widget form, then post it with its token and these answers."""
    token = form_token(html_of(client.get(f"/w/{site}/{lang}/f/{slug}")))
    return client.post(f"/w/{site}/{lang}/f/{slug}", data={"form_token": token, **data},
                       content_type="multipart/form-data", **kwargs)


def status_page(client, code: str, lang: str = "en", site: str = "test") -> str:
    return html_of(client.post(f"/w/{site}/{lang}/track", data={"code": code}))


def deliver(app) -> None:
    """Let the worker send what the outbox holds, to the module's SMTP server (in a context of its
    own: the worker ends its session, which would detach the module's objects)."""
    with app.app_context():
        worker.run_once(worker.channels_from_config(app.config), "hostile",
                        worker.policy_from_config(app.config))
    _db.session.expire_all()


@pytest.fixture(scope="module")
def world(app, mail_server):
    """Two organisations; one request, draft, reply, account and system request each carrying
    PAYLOAD in every field a person or a system fills, typed through the real pages and APIs;
    staff texts (message, letter, refusal) carrying it too."""
    office = backoffice.build_office(new_site, new_form)
    people, site = office["people"], office["site"]
    everything = new_form(site, slug="everything", fields=EVERY_TYPE)
    everything.unit_id = office["units"]["HN"].id
    _db.session.commit()
    client = app.test_client()
    store = LocalFileStore(app.config["FRONTDESK_UPLOAD_DIR"])
    limits = UploadLimits(10_000_000, 5, 20_000_000)

    # What a person types into every field of a form, then sends.
    receipt = send_form(client, "everything", {
        "name": PAYLOAD, "story": f"{PAYLOAD}\nsecond line", "area": "12", "born": "1990-05-17",
        "email": "lan@example.org", "phone": "0912 345 678", "colour": "red", "extras": ["a"],
        "agree": "y", "proof": (io.BytesIO(PDF), FILE_NAME)})
    assert receipt.status_code == 200, html_of(receipt)
    sent = _db.session.scalar(select(Request).where(Request.code == codes.parse(
        tracking_code(html_of(receipt)))))
    # ... and a reply from its status page, with a file.
    access = ACCESS.search(status_page(client, sent.code)).group(1)
    reply = client.post("/w/test/en/track/reply", content_type="multipart/form-data", data={
        "access": access, "body": PAYLOAD, "files": (io.BytesIO(PDF), FILE_NAME)})
    assert reply.status_code == 200
    # Staff answer with their own texts, which the person reads.
    op = people["op"]
    workflow.register_request(op, sent.id, sent.lock_version)
    messaging.send_staff_message(op, sent.id, PAYLOAD, [IncomingFile("files", FILE_NAME, PDF)],
                                 limits, store)
    messaging.issue_letter(op, sent.id, f"Letter {PAYLOAD}", PAYLOAD,
                           IncomingFile("letter", "letter.pdf", PDF), limits, store)

    # A draft keeps what was typed, unchecked, in every field.
    draft_page = send_form(client, "everything", {"action": "draft", **{
        field["key"]: PAYLOAD for field in EVERY_TYPE if field["type"] != "file"}})
    resume_code = RESUME.search(html_of(draft_page)).group(1)

    # A second request, refused with a reason the person reads.
    refused_page = send_form(client, "form-hn", {"name": "Bao", "email": "bao@example.org"})
    refused = _db.session.scalar(select(Request).where(Request.code == codes.parse(
        tracking_code(html_of(refused_page)))))
    workflow.refuse_request(op, refused.id, refused.lock_version, f"Reason {PAYLOAD}")

    # A person signs up with PAYLOAD as their name, sends a request and asks to change a detail.
    person = app.test_client()
    asked = person.post("/w/test/en/account/signup", headers=H, data={
        "name": PAYLOAD, "contact": "hang@example.org", "password": PASSWORD})
    otp = re.search(r"\b(\d{6})\b", _db.session.scalars(select(OutboxItem).where(
        OutboxItem.recipient == "hang@example.org")).one().body_text).group(1)
    challenge = re.search(r'name="challenge" value="([^"]+)"', html_of(asked)).group(1)
    assert person.post("/w/test/en/account/confirm", headers=H, data={
        "challenge": challenge, "code": otp}).status_code == 303
    own = send_form(person, "everything", {"name": PAYLOAD, "email": "hang@example.org"},
                    headers=H)
    assert own.status_code == 200
    account = _db.session.scalars(select(Account)).one()
    own = _db.session.scalar(select(Request).where(Request.account_id == account.id))
    for field, value in (("document_number", SHORT), ("name", PAYLOAD)):  # approved; waiting
        assert person.post("/w/test/en/account/details", headers=H, data={
            "field": field, "new_value": value, "reason": PAYLOAD}).status_code == 303
    change = _db.session.scalars(select(DetailChange).order_by(DetailChange.id)).first()
    decide_detail_change(people["admin"], change.id, True, f"Note {PAYLOAD}")

    # A connected system pushes a form (approved) and files a request on it through Open311.
    _system, key = create_api_client(people["admin"], f"CRM {PAYLOAD}", [])
    pushed = client.post("/api/v1/forms", json=PUSHED, headers={
        "Authorization": f"Bearer {key}", "Idempotency-Key": "pushed"})
    assert pushed.status_code == 202, pushed.json
    decide_proposal(people["admin"], pushed.json["id"], True, "", unit_id=office["units"]["HN"].id)
    waiting = client.post("/api/v1/forms", json=PUSHED | {"slug": "pushed-again"}, headers={
        "Authorization": f"Bearer {key}", "Idempotency-Key": "pushed-again"})
    assert waiting.status_code == 202
    filed = client.post("/open311/v2/requests.json", data={
        "api_key": key, "service_code": "pushed", "attribute[kind]": "x",
        "first_name": PAYLOAD, "last_name": "Lan", "description": PAYLOAD,
        "email": "system@example.org"})
    assert filed.status_code == 200, filed.get_data(as_text=True)
    by_system = _db.session.scalar(select(Request).where(
        Request.open311_id == filed.json[0]["service_request_id"]))

    # Another organisation, with a request and a file of its own.
    elsewhere = new_site(key="elsewhere", origins=("http://localhost:9000",))
    new_form(elsewhere, slug="form-hn", fields=backoffice.FIELDS)
    foreign_page = send_form(client, "form-hn", {
        "name": "Foreign", "proof": (io.BytesIO(b"%PDF-1.4 foreign secret"), "foreign.pdf")},
        site="elsewhere")
    foreign = _db.session.scalar(select(Request).where(Request.code == codes.parse(
        tracking_code(html_of(foreign_page)))))
    _db.session.expire_all()
    return {**office, "everything": everything, "sent": sent, "receipt": html_of(receipt),
            "resume_code": resume_code, "refused": refused, "account": account,
            "person": person, "own": own, "by_system": by_system, "key": key, "foreign": foreign,
            "elsewhere": elsewhere, "store": store}


COUNTED = (Request, Event, Message, Letter, Attachment, OutboxItem, InboxItem, AuditEntry,
           CodeRecovery, OneTimeCode, Account, DetailChange)


def snapshot(app) -> dict:
    """What an attack must not change: rows of every kind, and the files in the store (notices
    as the worker composes them from what the changes promised)."""
    compose_promised()
    counts = {model.__name__: _db.session.scalar(select(func.count()).select_from(model))
              for model in COUNTED}
    root = app.config["FRONTDESK_UPLOAD_DIR"]
    counts["stored files"] = sum(len(names) for _, _, names in os.walk(root))
    return counts


# --- what "shown as text" means -----------------------------------------------------------------

class _Live(HTMLParser):
    """Collects markup that would run: script elements with content, event-handler attributes,
    javascript: addresses; and the page's text, to find PAYLOAD shown as text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.live, self.text, self._in_script = [], [], False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            self.text.append(value or "")  # a value typed back into a form is shown too
            if name.startswith("on"):
                self.live.append(f"<{tag} {name}>")
            if name in ("href", "src", "action", "formaction", "xlink:href") and \
                    re.sub(r"\s", "", value or "").lower().startswith("javascript:"):
                self.live.append(f"<{tag} {name}={value}>")
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.live.append(f"<script>{data}")
        self.text.append(data)


def assert_inert(html: str, shown: str | None = PAYLOAD) -> None:
    """Nothing in the page would run, and `shown` (what was typed) is on it as text."""
    parser = _Live()
    parser.feed(html)
    parser.close()
    assert parser.live == []
    if shown is not None:
        assert shown in " ".join(" ".join(parser.text).split())
