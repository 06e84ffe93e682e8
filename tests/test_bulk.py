"""A unit head's actions on the requests ticked in the inbox: assign, register, export the
selection. Each request is checked for scope, status and version on its own; the page after
says what was done and why the rest was refused; nothing refused is changed."""
from __future__ import annotations

import csv
import html
import io
import re

import pytest
from sqlalchemy import select

from tests.test_admin import html_of, make, no_csrf, sign_in, store  # noqa: F401 (fixtures)
from tests.backoffice import office  # noqa: F401
from tests.vnu import html_errors
from widget.extensions import db as _db
from widget.models import AuditEntry, Request
from widget import codes

SELECTED = "/admin/inbox/selected"


def tick(*requests, stale=()) -> list[str]:
    return [f"{r.id}:{r.lock_version - (1 if r in stale else 0)}" for r in requests]


def fresh(request: Request) -> Request:
    _db.session.expire_all()
    return _db.session.get(Request, request.id)


def rows_of(html: str) -> dict[str, tuple[str, str]]:
    """The report's rows: request cell text -> (result, why)."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    found = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = [re.sub(r"<[^>]+>", "", cell).strip()
                 for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        found[cells[0]] = (cells[1], cells[2])
    return found


def test_a_head_ticks_requests_in_the_inbox(client, office, make):
    request = make(status="received")
    sign_in(client, office["people"]["head"])
    page = html_of(client.get("/admin/?view=all"))
    assert f'name="selected" value="{request.id}:{request.lock_version}"' in page
    assert 'value="assign"' in page and 'value="register"' in page and 'value="export_csv"' in page
    sign_in(client, office["people"]["op"])
    assert 'name="selected"' not in html_of(client.get("/admin/?view=all"))


def test_assigning_the_ticked_requests_reports_each(client, office, make):
    head, op = office["people"]["head"], office["people"]["op"]
    good, other_good = make(status="registered"), make(status="in_progress")
    received, stale, theirs = make(status="received"), make(status="registered"), make(
        unit="XD", status="registered")
    sign_in(client, head)
    answer = client.post(SELECTED, data={"action": "assign", "executor": str(op.id),
                                         "selected": tick(good, other_good, received, stale,
                                                          theirs, stale=[stale])})
    assert answer.status_code == 422  # not everything was done
    rows = rows_of(html_of(answer))
    assert rows[f"{codes.display(good.code)} {good.journal_number}"] == ("Done", "—")
    assert rows[f"{codes.display(other_good.code)} {other_good.journal_number}"][0] == "Done"
    assert rows[codes.display(received.code)] == (
        "Refused", "This cannot be done while the request is in its current status.")
    assert rows[f"{codes.display(stale.code)} {stale.journal_number}"][1].startswith(
        "Someone else changed this request")
    # Another unit's request is named by the id that was posted, nothing more.
    assert rows[f"Request no. {theirs.id}"] == (
        "Refused", "This request does not exist or is not yours to see.")
    assert codes.display(theirs.code) not in html_of(answer)
    assert fresh(good).executor_id == op.id and fresh(other_good).executor_id == op.id
    assert fresh(received).executor_id is None and fresh(stale).executor_id is None
    assert fresh(theirs).executor_id is None
    audited = set(_db.session.scalars(select(AuditEntry.request_id).where(
        AuditEntry.action == "assign")))
    assert audited == {good.id, other_good.id}


def test_registering_the_ticked_requests(client, office, make):
    head = office["people"]["head"]
    first, second = make(), make()
    done = make(status="registered", journal_number="HN-2026-900001")
    sign_in(client, head)
    answer = client.post(SELECTED, data={"action": "register",
                                         "selected": tick(first, second, done)})
    assert answer.status_code == 422
    assert "2 done, 1 refused." in html_of(answer)
    assert fresh(first).journal_number and fresh(second).journal_number
    assert fresh(first).journal_number != fresh(second).journal_number
    everything = client.post(SELECTED, data={"action": "register", "selected": tick(make())})
    assert everything.status_code == 200 and "1 done, 0 refused." in html_of(everything)


def test_exporting_the_ticked_requests(client, office, make):
    head = office["people"]["head"]
    chosen, left_alone = make(answers={"name": "Trần Thị Hoa"}), make()
    sign_in(client, head)
    answer = client.post(SELECTED, data={"action": "export_csv", "selected": tick(chosen)})
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 2 and rows[1][0] == codes.masked(chosen.code)
    assert "Trần Thị Hoa" in rows[1] and codes.masked(left_alone.code) not in answer.get_data(
        as_text=True)
    entry = _db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "requests_exported")).one()
    assert entry.after == {"selected": [chosen.id], "format": "csv", "rows": 1}
    xlsx = client.post(SELECTED, data={"action": "export_xlsx", "selected": tick(chosen)})
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"


def test_an_export_with_a_request_out_of_reach_exports_nothing(client, office, make):
    mine, theirs = make(), make(unit="XD")
    sign_in(client, office["people"]["head"])
    answer = client.post(SELECTED, data={"action": "export_csv", "selected": tick(mine, theirs)})
    assert answer.status_code == 422 and answer.mimetype == "text/html"
    assert rows_of(html_of(answer)) == {f"Request no. {theirs.id}": (
        "Refused", "This request does not exist or is not yours to see.")}
    assert not _db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "requests_exported")).all()


@pytest.mark.parametrize("who, data, message", [
    ("op", {"action": "register"}, "Only a unit head or an administrator may do this."),
    ("head", {"action": "register", "selected": []}, "Please tick at least one request."),
    ("head", {"action": "assign"}, "Please choose an active colleague of the request's unit."),
    ("head", {"action": "register", "selected": ["x:y", "1"]}, None),
])
def test_a_refused_selection_says_why_and_changes_nothing(client, office, make, who, data, message):
    request = make()
    data.setdefault("selected", tick(request))
    sign_in(client, office["people"][who])
    answer = client.post(SELECTED, data=data)
    assert answer.status_code == 422
    if message:
        assert message in html.unescape(html_of(answer))
    assert fresh(request).status == "received" and fresh(request).executor_id is None


def test_an_unknown_action_is_a_bad_request(client, office, make):
    sign_in(client, office["people"]["head"])
    assert client.post(SELECTED, data={"action": "close", "selected": tick(make())}
                       ).status_code == 400


def test_an_administrator_gives_work_in_any_unit(client, office, make):
    admin, op_xd = office["people"]["admin"], office["people"]["op_xd"]
    theirs = make(unit="XD", status="registered")
    sign_in(client, admin)
    page = html_of(client.get("/admin/?view=all"))
    assert f'<option value="{op_xd.id}">' in page
    answer = client.post(SELECTED, data={"action": "assign", "executor": str(op_xd.id),
                                         "selected": tick(theirs)})
    assert answer.status_code == 200 and fresh(theirs).executor_id == op_xd.id


def test_the_inbox_with_ticks_and_the_report_are_valid_html(client, office, make, tmp_path):
    registered, theirs = make(status="registered"), make(unit="XD")
    sign_in(client, office["people"]["head"])
    pages = {"inbox": html_of(client.get("/admin/?view=all")),
             "report": html_of(client.post(SELECTED, data={
                 "action": "assign", "executor": str(office["people"]["op"].id),
                 "selected": tick(registered, theirs)})),
             "refused": html_of(client.post(SELECTED, data={"action": "register"}))}
    assert html_errors(pages, tmp_path) == []
