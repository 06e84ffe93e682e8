"""Who was notified (seed 001): per notice and period, sent / failed / pending per channel and to
whom, on the page and as an Excel file; the organisation's local days, its own rows only,
administrators only, the download audited."""
from __future__ import annotations

import io
from datetime import datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests import backoffice, test_admin
from tests.notices import compose_promised
from tests.test_admin import html_of, sign_in
from widget import codes
from widget.models import AuditEntry, OutboxItem, OutboxStatus
from widget.services import workflow

office, received, no_csrf = backoffice.office, backoffice.received, test_admin.no_csrf
CONTACTS = {"name": "Lan", "email": "lan@example.org", "phone": "+84912345678"}
REPORT = "/admin/notifications/report"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture
def notified(db, office, received, create_site):
    """Registered on 30 November 23:59 Hanoi: e-mail sent, SMS dead; refused on 1 December
    00:00 Hanoi: both pending; and another organisation's message the same day."""
    request = received(answers=dict(CONTACTS))
    workflow.register_request(office["people"]["op"], request.id, request.lock_version)
    workflow.refuse_request(office["people"]["op"], request.id, request.lock_version, "Thiếu giấy")
    compose_promised()  # the delivery worker composes the promised notices
    items = {(item.notice, item.channel): item for item in db.session.scalars(
        select(OutboxItem).where(OutboxItem.request_id == request.id))}
    registered_email, registered_sms = items["registered", "email"], items["registered", "sms"]
    registered_email.status = OutboxStatus.SENT.value
    registered_sms.status, registered_sms.last_error = OutboxStatus.DEAD.value, "510 no such number"
    for item in (registered_email, registered_sms):
        item.created_at = utc("2026-11-30 16:59:59")   # 23:59:59 in Hanoi
    for key in ("email", "sms"):
        items["refused", key].created_at = utc("2026-11-30 17:00:00")  # 1 December in Hanoi
    other = create_site(key="other").organization
    db.session.add(OutboxItem(organization_id=other.id, channel="sms", recipient="+84900000000",
                              body_text="x", notice="registered",
                              created_at=utc("2026-11-30 10:00")))
    db.session.commit()
    return request


def test_counts_per_notice_and_channel_over_local_days(client, db, office, notified):
    sign_in(client, office["people"]["admin"])
    html = html_of(client.get(REPORT, query_string={"from": "2026-11-30", "to": "2026-11-30"}))
    counts = html.split('id="report-counts"')[1].split("</table>")[0]
    assert "Registered" in counts and "Refused" not in counts  # 1 December in Hanoi
    email = counts.split("E-mail</td>")[1].split("</tr>")[0]
    sms = counts.split("SMS</td>")[1].split("</tr>")[0]
    assert [cell.split("</td>")[0] for cell in email.split('class="number">')[1:]] == ["1", "0", "0"]
    assert [cell.split("</td>")[0] for cell in sms.split('class="number">')[1:]] == ["0", "1", "0"]
    people = html.split('id="report-people"')[1]
    assert "lan@example.org" in people and "+84912345678" in people
    assert "510 no such number" in people and codes.display(notified.code) in people
    assert "+84900000000" not in html  # another organisation's
    december = html_of(client.get(REPORT, query_string={"from": "2026-12-01", "to": "2026-12-01",
                                                        "notice": "refused"}))
    counts = december.split('id="report-counts"')[1].split("</table>")[0]
    assert counts.count("Refused") == 2 and "Registered" not in counts
    assert counts.count('class="number">1</td>') == 2  # pending, per channel


@pytest.mark.parametrize("args, message", [
    ({"from": "yesterday"}, "Please enter the days as YYYY-MM-DD"),
    ({"from": "2026-12-02", "to": "2026-12-01"}, "The period ends on or after its first day"),
    ({"from": "2025-01-01", "to": "2026-12-01"}, "at most 366 days long"),
    ({"notice": "nothing"}, "There is no such notice or channel."),
])
def test_a_bad_period_or_notice_is_refused_clearly(client, office, args, message):
    sign_in(client, office["people"]["admin"])
    response = client.get(REPORT, query_string=args)
    assert response.status_code == 422 and message in html_of(response)
    vietnamese = html_of(client.get(REPORT, query_string=args, headers={"Accept-Language": "vi"}))
    assert message not in vietnamese


def test_the_excel_file_lists_who_was_notified_and_is_audited(client, db, office, notified,
                                                              no_csrf):
    sign_in(client, office["people"]["admin"])
    response = client.post(f"{REPORT}/xlsx", data={"from": "2026-11-30", "to": "2026-12-01"})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="notified-2026-11-30-2026-12-01.xlsx"'
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ["Queued at", "Notice", "Channel", "Recipient", "Tracking code", "Outcome",
                       "Last error"]
    assert len(rows) == 5
    dead = next(row for row in rows if row[5] == "Failed")
    assert dead[:4] == [datetime(2026, 11, 30, 23, 59, 59), "Registered", "SMS", "+84912345678"]
    # A file travels: each contact beside the key to their request would be a leak. The code's
    # middle is hidden; whole, in no spelling the code box accepts.
    assert dead[4] == codes.masked(notified.code)
    text = "\n".join(str(value) for row in rows for value in row)
    assert not codes.written_in(text, notified.code)
    assert dead[6] == "510 no such number"
    assert sorted(row[5] for row in rows[1:]) == ["Failed", "Pending", "Pending", "Sent"]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "notice_report_exported"))
    assert entry.after == {"notice": None, "from": "2026-11-30", "to": "2026-12-01"}


def test_only_administrators_see_the_report(client, db, office, no_csrf):
    for who in ("op", "head"):
        sign_in(client, office["people"][who])
        assert client.get(REPORT).status_code == 404
        assert client.post(f"{REPORT}/xlsx", data={}).status_code == 404
