"""The demo's mail catcher, SMS gateway stand-in and viewer page (demo/catchers.py,
demo/viewer.py): a message queued in the outbox and delivered by the worker shows up on the
page, escaped."""
from __future__ import annotations

import socket
import urllib.error
import urllib.request

import pytest

from demo.catchers import MailCatcher, PortInUse, SmsCatcher, settings_for_catchers
from demo.viewer import Viewer
from tests.conftest import settings_for
from tests.mailserver import free_port
from widget.models import OutboxChannel, OutboxItem
from widget.notify.outbox import enqueue
from widget.notify.worker import channels_from_config, policy_from_config, run_once

HOSTILE = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture
def catchers():
    mail = MailCatcher().start(free_port())
    sms = SmsCatcher().start(free_port())
    viewer = Viewer(mail, sms).start(free_port())
    yield mail, sms, viewer
    viewer.stop()
    sms.stop()
    mail.stop()


@pytest.fixture
def app_settings(tmp_path, catchers):
    mail, sms, _ = catchers
    demo = settings_for_catchers(mail.port, sms.port, environ={})
    return settings_for(tmp_path, **demo.overrides)


def fetch(url: str) -> tuple[str, dict]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode("utf-8"), dict(response.headers)


def test_a_delivered_mail_and_sms_appear_on_the_viewer_page_escaped(app, db, create_site, catchers):
    mail, sms, viewer = catchers
    org = create_site().organization
    letter = enqueue(org.id, OutboxChannel.EMAIL, "lan@example.org", f"Plain {HOSTILE}\nCode 7K3M-9QX2",
                     subject=f"Received {HOSTILE}", language="vi",
                     html_body=f"<p>Rich</p>{HOSTILE}<img src=x onerror=alert(2)>")
    first = enqueue(org.id, OutboxChannel.SMS, "+84901234567", "First SMS")
    second = enqueue(org.id, OutboxChannel.SMS, "+84907654321", f"Hồ sơ {HOSTILE}")
    db.session.commit()

    assert run_once(channels_from_config(app.config), "t", policy_from_config(app.config)) == 3

    items = {item.id: item for item in db.session.query(OutboxItem)}
    assert {item.status for item in items.values()} == {"sent"}
    assert items[first.id].provider_id == "1" and items[second.id].provider_id == "2"
    caught, = mail.mails()
    assert caught.header("Subject") == f"Received {HOSTILE}" and caught.rcpt_tos == ("lan@example.org",)
    assert [m.text for m in sms.messages()] == ["First SMS", f"Hồ sơ {HOSTILE}"]
    assert sms.messages()[1].reference == items[second.id].reference

    page, headers = fetch(f"http://127.0.0.1:{viewer.port}/")
    assert "<script" not in page and "<img" not in page
    assert f"Received {ESCAPED}" in page                       # the subject
    assert f"Plain {ESCAPED}" in page                          # the text part
    assert f"Hồ sơ {ESCAPED}" in page                          # the SMS
    assert "lan@example.org" in page and "+84907654321" in page
    # the HTML part, escaped into srcdoc and shown in an iframe that runs no script
    assert 'sandbox=""' in page and "&lt;p&gt;Rich&lt;/p&gt;&lt;script&gt;" in page
    assert 'http-equiv="refresh"' in page
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    # newest first
    assert page.index("+84907654321") < page.index("+84901234567")
    assert letter.reference in page and 'lang="vi"' in page    # Message-ID, Content-Language


def test_the_viewer_page_is_empty_at_first_and_other_paths_are_not_found(catchers):
    *_, viewer = catchers
    page, _ = fetch(f"http://127.0.0.1:{viewer.port}/")
    assert "No e-mail yet." in page and "No SMS yet." in page
    with pytest.raises(urllib.error.HTTPError) as error:
        fetch(f"http://127.0.0.1:{viewer.port}/favicon.ico")
    error.value.close()
    assert error.value.code == 404


def test_a_taken_port_fails_with_a_clear_message():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for catcher in (MailCatcher(), SmsCatcher()):
            with pytest.raises(PortInUse, match=f"port {port} on 127.0.0.1 is already in use"):
                catcher.start(port)


def test_the_persons_own_settings_win():
    demo = settings_for_catchers(2525, 2626, environ={"FRONTDESK_SMS_HTTP_URL": "https://sms.example/send",
                                                      "FRONTDESK_MAIL_SENDER": "Me <me@example.org>"})
    assert demo.overrides == {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": 2525}
    assert list(demo.kept) == ["SMS"]
    demo = settings_for_catchers(2525, 2626, environ={"FRONTDESK_SMS_HTTP_SUCCESS_PATTERN": "ok"})
    assert demo.overrides["SMS_HTTP_URL"] == "http://127.0.0.1:2626/sms"
    assert "SMS_HTTP_SUCCESS_PATTERN" not in demo.overrides
