"""The administrators' export of requests: CSV and Excel files of what the inbox's filters pick,
for the whole organisation and nothing else, audited, written while streamed (memory does not
grow with the number of rows). Administrators, and unit heads for their own units. With a form
chosen, a column per field; a laid-out workbook. Formula cells neutralised: in
test_hostile_input.py."""
from __future__ import annotations

import csv
import io
import re
import tracemalloc
import zipfile
from datetime import datetime, timedelta

import pytest
from markupsafe import escape
from openpyxl import load_workbook
from sqlalchemy import insert, select

from tests import backoffice, test_admin, test_notice_settings
from tests.backoffice import at
from tests.test_admin import HOSTILE, html_of, sign_in
from tests.test_notice_settings import CSRF_INPUT, audits
from tests.vnu import html_errors
from widget import codes
from widget.models import AuditEntry, Request
from widget.models._types import utcnow
from widget.services.staff import create_staff

office, no_csrf = backoffice.office, test_admin.no_csrf
commits = test_notice_settings.commits
EXPORT = "/admin/export"
HOSTILE_ALL = HOSTILE + ['"><svg onload=alert(1)>']
HEADER = ["Tracking code", "Journal number", "Form", "Unit", "Status", "Channel", "Received",
          "Registered", "Due", "Closed", "Executor", "Person", "E-mail address", "Phone number",
          "Overdue"]


@pytest.fixture
def admin(office):
    return office["people"]["admin"]


@pytest.fixture
def make(db, office):
    """A sent request of a unit (HN or XD), sent at a Hanoi time, in a status."""
    def create(unit="HN", status="received", answers=None, sent="2026-10-16 09:00",
               due="2026-10-23 17:00", **attrs) -> Request:
        request = Request(organization_id=office["org"].id, site_id=office["site"].id,
                          unit_id=office["units"][unit].id,
                          form_version_id=office["forms"][unit].versions[0].id, status=status,
                          code=codes.generate(), answers=answers or {"name": "Lan"},
                          submitted_at=at(sent),
                          due_at=attrs.pop("due_at", at(due) if due else None), **attrs)
        db.session.add(request)
        db.session.commit()
        return request
    return create


def download(client, **filters):
    return client.post(EXPORT, data={"format": "csv", **filters})


def csv_rows(response) -> list[list[str]]:
    body = response.get_data()
    assert body.startswith("\ufeff".encode())  # the byte order mark Excel needs for UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8")[1:])))


def xlsx_sheet(response):
    return load_workbook(io.BytesIO(response.get_data()), read_only=False).active


# --- who may export ---------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["op", "op_xd"])
def test_only_administrators_and_unit_heads_have_the_export(client, db, office, make, who):
    make()
    sign_in(client, office["people"][who])
    for response in (client.get(EXPORT), client.get(f"{EXPORT}?view=all"),
                     download(client), client.post(EXPORT, data={"format": "xlsx"})):
        assert response.status_code == 404 and "Page not found" in html_of(response)
    assert audits(db, "requests_exported") == []


def test_the_export_page_changes_nothing(client, db, admin, make, commits):
    make()
    sign_in(client, admin)
    commits.clear()
    page = client.get(f"{EXPORT}?view=overdue&status=received")
    assert page.status_code == 200
    html = html_of(page)
    assert '<option value="overdue" selected>' in html
    assert '<option value="received" selected>' in html
    assert commits == [] and audits(db) == []


def test_the_export_page_is_on_the_administration_page(client, admin):
    sign_in(client, admin)
    html = html_of(client.get("/admin/administration"))
    assert f'href="{EXPORT}"' in html and "Export requests" in html


def test_a_download_needs_the_csrf_token(client, app, db, admin, make):
    make()
    app.config["WTF_CSRF_ENABLED"] = True
    sign_in(client, admin)
    assert download(client).status_code == 400
    assert audits(db, "requests_exported") == []
    token = CSRF_INPUT.search(html_of(client.get(EXPORT))).group(1)
    response = client.post(EXPORT, data={"format": "csv", "csrf_token": token})
    assert response.status_code == 200 and len(csv_rows(response)) == 2


# --- what the files hold ----------------------------------------------------------------------

@pytest.mark.awkward_hours  # reads the day and the hour from the clock
def test_the_csv_file_has_every_request_of_the_organisation(client, db, office, admin, make,
                                                           create_site, create_form):
    late = make(answers={"name": "Nguyễn Thị Lan", "email": "lan@example.org",
                         "phone": "+84912345678"}, sent="2026-10-16 23:30", due="2026-10-20 17:00")
    closed = make(unit="XD", status="closed", answers={"name": "Иван"},
                  closed_at=at("2026-10-22 10:15"), executor_id=office["people"]["op_xd"].id,
                  channel="desk")
    make(status="draft")  # drafts are no request yet: never exported
    other_site = create_site("other", slug="other-org")
    stranger_form = create_form(other_site, slug="theirs")
    db.session.add(Request(organization_id=other_site.organization_id, site_id=other_site.id,
                           form_version_id=stranger_form.versions[0].id, status="received",
                           code=codes.generate(), answers={"name": "Stranger"},
                           submitted_at=utcnow()))
    db.session.commit()
    sign_in(client, admin)
    response = download(client)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    today = utcnow().astimezone(__import__("zoneinfo").ZoneInfo("Asia/Ho_Chi_Minh")).date()
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="requests-{today.isoformat()}.csv"')
    header, *rows = csv_rows(response)
    assert header == HEADER
    assert len(rows) == 2 and "Stranger" not in response.get_data(as_text=True)
    by_person = {row[11]: row for row in rows}
    lan, ivan = by_person["Nguyễn Thị Lan"], by_person["Иван"]
    assert lan[0] == codes.masked(late.code)  # the middle hidden: see the hunt below
    assert lan[2:6] == ["Form-Hn", "Unit HN", "Received, waiting to be registered", "Online"]
    # Moments in the organisation's time (Hanoi), not UTC: sent late in the evening of the 16th.
    assert lan[6] == "2026-10-16 23:30" and lan[8] == "2026-10-20 17:00" and lan[9] == ""
    assert lan[12] == "lan@example.org"
    assert lan[13] == "+84912345678"  # a plain phone number runs nothing: no leading quote
    assert lan[14] == "Yes"
    assert ivan[0] == codes.masked(closed.code)
    assert ivan[3:6] == ["Unit XD", "Closed", "At the desk"]
    assert ivan[9] == "2026-10-22 10:15" and ivan[10] == "Operator XD" and ivan[14] == "No"
    [entry] = audits(db, "requests_exported")
    assert entry.staff_user_id == admin.id and entry.organization_id == office["org"].id
    assert entry.after == {"filters": {"view": "all"}, "format": "csv", "rows": 2}


def _file_text(response) -> str:
    """A downloaded file's text: the CSV, or every XML part of the Excel workbook."""
    if response.data[:2] != b"PK":
        return response.get_data(as_text=True)
    with zipfile.ZipFile(io.BytesIO(response.data)) as workbook:
        return "\n".join(workbook.read(name).decode("utf-8") for name in workbook.namelist()
                         if name.endswith(".xml"))


@pytest.mark.parametrize("who", ["admin", "head"])
def test_no_exported_file_carries_a_whole_tracking_code(client, db, office, make, who):
    """An export leaves the system (mail, shared folders) and a tracking code opens its request
    to whoever reads it: every way of exporting, in both formats, shows each code with its
    middle hidden, never whole in any spelling the code box accepts."""
    requests = [make(answers={"name": f"Person {n}", "message": "note"}) for n in range(3)]
    requests.append(make(status="registered", journal_number="HN-2026-000001"))
    sign_in(client, office["people"][who])
    ticked = [f"{r.id}:{r.lock_version}" for r in requests]
    for file_format in ("csv", "xlsx"):
        for name, path, data in (
                ("filters", EXPORT, {"format": file_format}),
                ("a form's", EXPORT, {"format": file_format, "form": office["forms"]["HN"].id}),
                ("ticked", "/admin/inbox/selected", {"action": f"export_{file_format}",
                                                     "selected": ticked})):
            response = client.post(path, data=data)
            assert response.status_code == 200, (name, file_format)
            text = _file_text(response)
            response.close()  # a streamed file holds its request open until closed
            for request in requests:
                assert not codes.written_in(text, request.code), (name, file_format)
                assert codes.masked(request.code) in text, (name, file_format)


def test_the_excel_file_has_the_same_rows_with_real_dates(client, db, admin, make):
    make(answers={"name": "Nguyễn Thị Lan"}, sent="2026-10-16 23:30")
    make(unit="XD", status="refused", answers={"name": "مریم"}, due=None)
    sign_in(client, admin)
    response = client.post(EXPORT, data={"format": "xlsx"})
    assert response.status_code == 200
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert response.headers["Content-Disposition"].endswith('.xlsx"')
    rows = list(xlsx_sheet(response).iter_rows(values_only=True))
    assert list(rows[0]) == HEADER and len(rows) == 3
    by_person = {row[11]: row for row in rows[1:]}
    assert by_person["Nguyễn Thị Lan"][6] == datetime(2026, 10, 16, 23, 30)
    assert by_person["مریم"][4] == "Refused" and by_person["مریم"][8] is None
    assert audits(db, "requests_exported")[0].after["format"] == "xlsx"


# --- the filters ------------------------------------------------------------------------------

@pytest.mark.awkward_hours  # reads the day and the hour from the clock
def test_the_filters_of_the_inbox_pick_the_rows(client, db, office, admin, make):
    now = utcnow()
    make(answers={"name": "Overdue HN"}, due=None, due_at=now - timedelta(hours=1))
    make(answers={"name": "Open HN"}, due=None, due_at=now + timedelta(days=3))
    make(unit="XD", answers={"name": "Overdue XD"}, due=None, due_at=now - timedelta(days=2))
    make(unit="XD", status="in_progress", answers={"name": "Working XD"}, sent="2026-09-01 10:00",
         due=None, due_at=now + timedelta(days=1))
    make(unit="XD", status="closed", answers={"name": "Closed late"}, due=None,
         due_at=now - timedelta(days=9), closed_at=now - timedelta(days=1))
    sign_in(client, admin)

    def people(**filters):
        return sorted(row[11] for row in csv_rows(download(client, **filters))[1:])

    assert people(view="overdue") == ["Overdue HN", "Overdue XD"]
    assert people(unit=str(office["units"]["XD"].id)) == ["Closed late", "Overdue XD", "Working XD"]
    assert people(form=str(office["forms"]["HN"].id)) == ["Open HN", "Overdue HN"]
    assert people(status="in_progress") == ["Working XD"]
    assert people(**{"from": "2026-08-30", "to": "2026-09-02"}) == ["Working XD"]
    assert people(view="overdue", unit=str(office["units"]["HN"].id)) == ["Overdue HN"]
    assert people(q="working") == ["Working XD"]
    last = audits(db, "requests_exported")[-1]
    assert last.after == {"filters": {"view": "all", "q": "working"}, "format": "csv", "rows": 1}


def test_another_organisations_unit_or_form_exports_nothing(client, db, admin, make, create_site,
                                                           create_form):
    make()
    other_site = create_site("other", slug="other-org")
    stranger_form = create_form(other_site, slug="theirs")
    db.session.add(Request(organization_id=other_site.organization_id, site_id=other_site.id,
                           form_version_id=stranger_form.versions[0].id, status="received",
                           code=codes.generate(), answers={"name": "Stranger"},
                           submitted_at=utcnow()))
    db.session.commit()
    sign_in(client, admin)
    assert csv_rows(download(client, form=str(stranger_form.id)))[1:] == []


def test_bad_filters_are_refused_with_what_was_typed(client, db, admin, make):
    make()
    sign_in(client, admin)
    response = client.post(EXPORT, data={"format": "pdf", "form": "x", "unit": "-1",
                                         "status": "nope", "from": "someday", "q": HOSTILE[0]})
    assert response.status_code == 422
    html = html_of(response)
    for message in ("Please choose CSV or Excel.", "Please choose a form from the list.",
                    "Please choose a unit from the list.", "Please choose a status from the list.",
                    "Please enter a date such as 2026-10-23."):
        assert message in html
    assert 'aria-invalid="true" aria-describedby="problem-unit"' in html
    assert f'value="{escape(HOSTILE[0])}"' in html and HOSTILE[0] not in html
    assert audits(db, "requests_exported") == []


def test_names_people_typed_are_escaped_on_the_export_page(client, db, office, admin):
    for index, text in enumerate(HOSTILE_ALL):
        unit = office["units"]["HN"]
        unit.names = {"en": f"{text} {index}"}
        office["forms"]["HN"].titles = {"en": text}
        db.session.commit()
        sign_in(client, admin)
        html = html_of(client.get(EXPORT))
        assert str(escape(text)) in html and text not in html


def test_the_export_page_is_valid_html(client, admin, make, tmp_path):
    make()
    sign_in(client, admin)
    pages = {"export": html_of(client.get(EXPORT)),
             "refused": html_of(client.post(EXPORT, data={"format": "x", "form": "x"}))}
    assert html_errors(pages, tmp_path) == []


def test_a_staff_member_of_another_organisation_is_not_an_administrator_here(
        client, db, admin, make, create_site):
    make(answers={"name": "Ours"})
    other = create_site("other", slug="other-org").organization
    stranger = create_staff(other, "admin@other.test", "Other admin", backoffice.PASSWORD,
                            backoffice.Role.ADMIN)
    sign_in(client, stranger)
    assert csv_rows(download(client))[1:] == []
    assert db.session.scalar(select(AuditEntry.organization_id).where(
        AuditEntry.action == "requests_exported")) == other.id


# --- streaming --------------------------------------------------------------------------------

def _add_requests(db, office, count: int, start: int) -> None:
    version = office["forms"]["HN"].versions[0].id
    sent = utcnow()
    db.session.execute(insert(Request), [{
        "organization_id": office["org"].id, "site_id": office["site"].id,
        "unit_id": office["units"]["HN"].id, "form_version_id": version, "status": "received",
        "channel": "web", "language": "en", "code": f"T{start + n:09d}",
        "answers": {"name": f"Person number {start + n}", "message": "x" * 200,
                    "email": f"p{start + n}@example.org"},
        "submitted_at": sent, "due_at": sent + timedelta(days=5), "lock_version": 1,
        "fee_status": "none"} for n in range(count)])
    db.session.commit()


def _peak_of_download(client, file_format: str) -> tuple[int, int]:
    """(peak bytes allocated while the file is made and sent, rows in it)."""
    tracemalloc.start()
    try:
        response = client.post(EXPORT, data={"format": file_format}, buffered=False)
        # Consumed and dropped piece by piece, as a server sending it would.
        size = sum(len(piece) for piece in response.response)
        response.close()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert size > 0
    return peak, size


@pytest.mark.parametrize("file_format, small, large", [("csv", 2_000, 20_000),
                                                      ("xlsx", 600, 3_000)])
def test_memory_does_not_grow_with_the_rows(client, db, office, admin, file_format, small, large):
    sign_in(client, admin)
    _add_requests(db, office, small, 0)
    small_peak, small_size = _peak_of_download(client, file_format)
    _add_requests(db, office, large - small, small)
    large_peak, large_size = _peak_of_download(client, file_format)
    grown = large / small
    assert large_size > grown / 2 * small_size  # the file did grow five- or tenfold...
    # ...the memory did not: holding every row would take about as many times more.
    assert large_peak < 2 * small_peak, (small_peak, large_peak)
    assert [entry.after["rows"] for entry in audits(db, "requests_exported")] == [small, large]


def test_bulk_rows_read_back_in_the_file(client, db, office, admin):
    _add_requests(db, office, 1_234, 0)
    sign_in(client, admin)
    rows = csv_rows(download(client))[1:]
    assert len(rows) == 1_234
    assert re.fullmatch(r"Person number \d+", rows[0][11]) and rows[-1][12].endswith("@example.org")


# --- the form's answers, phone numbers, the workbook's layout, unit heads ----------------------

def test_a_chosen_forms_answers_have_a_column_each(client, db, office, admin, make):
    from widget.models import Field
    version = office["forms"]["HN"].versions[0]
    version.fields.append(Field(position=10, key="expiry", type="date",
                                labels={"en": "Card expiry", "vi": "Hạn thẻ"}))
    version.fields.append(Field(position=11, key="kind", type="choice", labels={"en": "Kind"},
                                choices=[{"value": "new", "labels": {"en": "New card"}}]))
    db.session.commit()
    make(answers={"name": "Lan", "message": "=HYPERLINK(\"http://x\")", "expiry": "2027-01-15",
                  "kind": "new", "phone": "+84 912 345 678"})
    make(unit="XD")  # another form: not in a file of form HN
    sign_in(client, admin)
    form = str(office["forms"]["HN"].id)
    header, *rows = csv_rows(client.post(EXPORT, data={"format": "csv", "form": form}))
    assert header == HEADER + ["Name", "Message", "Email", "Phone", "Card expiry", "Kind"]
    [row] = rows
    assert row[15:] == ["Lan", "'=HYPERLINK(\"http://x\")", "", "+84 912 345 678",
                        "January 15, 2027", "New card"]
    sheet = xlsx_sheet(client.post(EXPORT, data={"format": "xlsx", "form": form}))
    cells = {cell.column_letter: cell for cell in sheet[2]}
    assert [cell.value for cell in sheet[1]][15:] == header[15:]
    # Text cells, never formulas: the phone keeps its +, the formula is shown as typed.
    assert (cells["N"].value, cells["N"].data_type) == ("+84 912 345 678", "s")
    assert (cells["Q"].value, cells["Q"].data_type) == ("=HYPERLINK(\"http://x\")", "s")


def test_the_workbook_has_widths_a_frozen_header_and_a_filter(client, db, admin, make):
    make()
    make(unit="XD")
    sign_in(client, admin)
    sheet = xlsx_sheet(client.post(EXPORT, data={"format": "xlsx"}))
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:O3"
    widths = [sheet.column_dimensions[letter].width for letter in "ABCDEFGHIJKLMNO"]
    assert all(width >= len(title) for width, title in zip(widths, HEADER))
    assert sheet.column_dimensions["G"].width >= 16  # "2026-10-16 23:30" fits


@pytest.mark.parametrize("who, units", [("admin", {"Unit HN", "Unit XD"}), ("head", {"Unit HN"})])
def test_unit_heads_export_their_own_units_only(client, db, office, make, who, units):
    make()
    make(unit="XD")
    sign_in(client, office["people"][who])
    page = html_of(client.get(EXPORT))
    assert ("Unit XD" in page) == (who == "admin")  # a head chooses among their own units
    header, *rows = csv_rows(download(client))
    assert {row[3] for row in rows} == units
    assert audits(db, "requests_exported")[0].staff_user_id == office["people"][who].id
