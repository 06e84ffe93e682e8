"""Staff notices by e-mail, through the outbox and the worker to a real SMTP server on loopback,
each in its reader's language."""
from __future__ import annotations

import pytest

from tests import backoffice
from tests.conftest import settings_for
from widget.models import Event, Request
from widget.notify import worker

office = backoffice.office


@pytest.fixture
def app_settings(tmp_path, mail_server):
    return settings_for(tmp_path, MAIL_PORT=mail_server.port, MAIL_TIMEOUT=2.0)


def test_a_new_request_reaches_each_colleague_by_email_in_their_own_language(
        app, db, office, mail_server):
    people = office["people"]
    people["op"].language, people["head"].language = "vi", "fa"
    db.session.commit()
    request = Request(organization_id=office["org"].id, site_id=office["site"].id,
                      unit_id=office["units"]["HN"].id, status="received", code="T7K3M9QX2H",
                      form_version_id=office["forms"]["HN"].current_version.id, language="en",
                      answers={"name": "Lan"}, due_at=backoffice.at("2026-10-23 17:00"))
    request.events.append(Event(kind="received", data={"channel": "web"}))
    db.session.add(request)
    db.session.commit()
    assert worker.staff_notices() == 1
    channels = worker.channels_from_config(app.config)
    assert worker.run_once(channels, "test-worker", worker.policy_from_config(app.config)) == 2
    received = {message["To"]: message for message in mail_server.received}
    assert set(received) == {"op@hn.test", "head@hn.test"}
    vietnamese, persian = received["op@hn.test"], received["head@hn.test"]
    assert vietnamese["Subject"] == f"Hồ sơ mới #{request.id} tại Unit HN"
    assert vietnamese["Content-Language"] == "vi"
    text = vietnamese.get_body(("plain",)).get_content()
    assert "Hạn trả lời" in text and f"/admin/requests/{request.id}" in text
    assert "Mở hồ sơ trong hệ thống xử lý:" in text
    assert persian["Subject"] == f"درخواست تازهٔ #{request.id} در Unit HN"
    assert persian["Content-Language"] == "fa"
    assert '<html lang="fa" dir="rtl">' in persian.get_body(("html",)).get_content()
    # Sent once: the pending row is gone and every outbox row is settled.
    assert worker.staff_notices() == 0
    assert worker.run_once(channels, "test-worker", worker.policy_from_config(app.config)) == 0
    assert len(mail_server.received) == 2
