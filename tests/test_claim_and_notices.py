"""After claiming a request the cabinet says it was added; the notices in a person's box are
shown in the language of the page, whatever language they were first written in."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import tracking_code
from tests.notices import compose_promised
from tests.test_accounts import (app_settings, challenge, make_account, otp_of, outbox,  # noqa: F401
                                 post, send_form, signed_in_client, site)
from widget.models import InboxItem, Request

ADDED = {"en": "is now in your account", "vi": "đã được thêm vào tài khoản",
         "ru": "добавлено в ваш кабинет", "fa": "به حساب شما افزوده شد"}


@pytest.mark.parametrize("lang", ["en", "vi", "ru", "fa"])
def test_a_claimed_request_is_said_to_be_added_to_the_account(client, app, db, site, make_account,
                                                              lang):
    receipt = send_form(app.test_client(), {"name": "Lan", "message": "Before",
                                            "email": "old@example.org"})
    code = tracking_code(receipt.get_data(as_text=True))
    compose_promised()  # the "received" notice, composed by a worker in the meantime
    make_account(email="lan@example.org")
    signed_in_client(client)
    asked = post(client, "claim", {"code": code}, lang=lang)
    mail = outbox(db, "old@example.org")[-1]
    done = post(client, "claim", {"challenge": challenge(asked), "otp": otp_of(mail)}, lang=lang,
                follow_redirects=True)
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and f"/w/test/{lang}/account/" in done.request.path
    notice = html.split('class="notice success"', 1)[1].split("</div>", 1)[0]
    assert ADDED[lang] in notice and code in notice
    # Only for a request of this account: another id in the address says nothing.
    other = client.get(f"/w/test/{lang}/account/?added=999999").get_data(as_text=True)
    assert ADDED[lang] not in other


def test_notices_in_the_box_are_shown_in_the_language_of_the_page(client, db, site, make_account):
    make_account(email="lan@example.org")  # the account's language: English
    signed_in_client(client)
    code = tracking_code(send_form(client, {"name": "Lan", "message": "Hello"}).get_data(as_text=True))
    compose_promised()  # the worker puts the notice in the box
    assert db.session.scalar(select(InboxItem)) is not None
    english = client.get("/w/test/en/account/notifications").get_data(as_text=True)
    vietnamese = client.get("/w/test/vi/account/notifications").get_data(as_text=True)
    russian = client.get("/w/test/ru/account/notifications").get_data(as_text=True)
    assert f"Request {code} received" in english
    assert f"Request {code} received" not in vietnamese and code in vietnamese
    assert f"Đã nhận hồ sơ {code}" in vietnamese and f"Обращение {code} принято" in russian
    assert f"Request {code} received" not in russian and code in russian
    # A notice whose request is gone (a deleted draft's) keeps the words it was written in.
    item = db.session.scalar(select(InboxItem))
    db.session.execute(InboxItem.__table__.update().values(request_id=None))
    db.session.commit()
    assert item.subject in client.get("/w/test/vi/account/notifications").get_data(as_text=True)
    assert db.session.scalar(select(Request)).code is not None


def test_a_notice_keeps_its_own_dates_and_deadline_in_every_language(client, db, site, make_account):
    from datetime import date, timedelta

    from widget.notify.inbox import inbox_words, to_inbox
    make_account(email="lan@example.org")
    signed_in_client(client)
    send_form(client, {"name": "Lan", "message": "Hello"})
    compose_promised()
    request = db.session.scalar(select(Request))
    item = to_inbox(request, "reminder", {"field": "Card", "date": date(2026, 12, 24)})
    db.session.commit()
    said = {lang: inbox_words(item, lang)[1] for lang in ("en", "vi", "ru")}
    assert "December 24, 2026" in said["en"] and "24" in said["vi"] and "декабря" in said["ru"]
    received = db.session.scalars(select(InboxItem).where(InboxItem.notice_key == "received.web")).one()
    before = inbox_words(received, "en")[1]
    request.due_at = request.due_at + timedelta(days=9)  # the deadline moved later
    db.session.commit()
    assert inbox_words(received, "en")[1] == before  # what the notice said then
