"""A page's first post finds what it wrote before by the INSERT's unique nonce rather than a
SELECT ahead of every post. Whatever the second post of one page carries, it meets what the
first one wrote: the same receipt, or the draft it saved."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from tests import backoffice
from tests.conftest import form_token, tracking_code
from widget.models import Attachment, Request

office = backoffice.office
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
GOOD = {"name": "Lan", "message": "Hello", "email": "lan@example.org"}


def post(client, token, action="send", **data):
    return client.post("/w/test/en/f/form-hn", content_type="multipart/form-data",
                       data={"form_token": token, "action": action, **data})


def requests(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Request))


@pytest.fixture
def token(client, office):
    return form_token(client.get("/w/test/en/f/form-hn").get_data(as_text=True))


@pytest.mark.parametrize("again", [
    {**GOOD},                                   # a double click, a reload of the receipt
    {**GOOD, "name": ""},                       # what would now be refused
    {**GOOD, "website": "http://spam.example"},  # what would now look like a bot
    {**GOOD, "proof": (io.BytesIO(b"MZ\x90\x00evil"), "x.pdf")},  # a file refused
])
def test_a_sent_page_posted_again_shows_the_same_receipt(client, db, token, again):
    first = post(client, token, **GOOD)
    second = post(client, token, **again)
    assert second.status_code == 200
    assert tracking_code(second.get_data(as_text=True)) == tracking_code(first.get_data(as_text=True))
    assert requests(db) == 1


def test_a_page_that_saved_a_draft_sends_that_draft(client, db, token):
    saved = post(client, token, "draft", name="Lan", proof=(io.BytesIO(PDF), "proof.pdf"))
    assert saved.status_code == 200 and requests(db) == 1
    sent = post(client, token, **GOOD)  # the same page (back button), not the one saved
    html = sent.get_data(as_text=True)
    assert sent.status_code == 200 and tracking_code(html) and "proof.pdf" in html
    assert requests(db) == 1 and db.session.scalar(select(func.count()).select_from(Attachment)) == 1
    assert db.session.scalar(select(Request)).status == "received"


def test_a_page_that_saved_a_draft_saves_into_it_again(client, db, token):
    post(client, token, "draft", name="Lan")
    again = post(client, token, "draft", name="Lan Anh")
    assert again.status_code == 200 and requests(db) == 1
    assert db.session.scalar(select(Request)).answers["name"] == ["Lan Anh"]
