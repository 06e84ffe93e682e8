"""Upload limits: the organisation's, a form's (only narrower), what the widget says and
enforces, and citizen replies (the app-wide ceiling on bodies, chunked ones included, is in
test_hostile_input.py)."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests import backoffice, test_admin
from tests.conftest import form_token
from tests.test_admin import html_of, sign_in
from tests.test_notice_settings import audits
from widget.models import Attachment, Form, Organization, Request
from widget.uploads import MEGABYTE, UploadLimits, effective_limits

office, no_csrf = backoffice.office, test_admin.no_csrf
WIDGET = "/w/test/en"
PDF = b"%PDF-1.7\n" + b"0" * 100
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + (10).to_bytes(4, "big") * 2
       + b"\x08\x02\x00\x00\x00" + b"\0" * 40)
DEFAULTS = UploadLimits(10 * MEGABYTE, 5, 25 * MEGABYTE)


@pytest.fixture
def admin(office):
    return office["people"]["admin"]


@pytest.fixture
def form(office) -> Form:
    return office["forms"]["HN"]


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def send(client, files, slug="form-hn"):
    """Post the form with files, encoded in memory (the test client would spool a large body
    to a temporary file it never closes)."""
    token = form_token(html_of(client.get(f"{WIDGET}/f/{slug}")))
    boundary, body = encode_multipart(MultiDict(
        [("form_token", token), ("name", "Lan")]
        + [("proof", FileStorage(io.BytesIO(data), name)) for name, data in files]))
    return client.post(f"{WIDGET}/f/{slug}", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def test_effective_limits_narrow_and_fill_from_defaults():
    assert effective_limits({}, {}, DEFAULTS) == DEFAULTS
    limits = effective_limits({"max_file_mb": 20, "types": ["pdf", "png"]},
                              {"max_file_mb": 30, "max_files": 2, "types": ["png", "docx"]},
                              DEFAULTS, ceiling=15)
    assert limits.max_file_bytes == 15 * MEGABYTE   # the ceiling wins over the organisation
    assert limits.max_files == 2 and limits.max_total_bytes == 15 * MEGABYTE
    assert limits.types == {"png"}                  # a form never adds a kind


def test_the_organisations_limits_are_saved_audited_and_bounded(client, db, office, admin):
    sign_in(client, admin)
    page = html_of(client.get("/admin/uploads"))
    assert 'max="25"' in page  # the ceiling: MAX_CONTENT_LENGTH less the form's text
    saved = client.post("/admin/uploads", data={"max_file_mb": "2", "max_total_mb": "",
                                                "max_files": "3", "types": ["pdf", "png"]})
    assert saved.status_code == 302
    org = db.session.get(Organization, office["org"].id)
    assert org.upload_limits == {"max_file_mb": 2, "max_files": 3, "types": ["pdf", "png"]}
    entry, = audits(db, "upload_limits_changed")
    assert entry.before == {} and entry.after == org.upload_limits
    for data in ({"max_file_mb": "26", "types": ["pdf"]}, {"max_file_mb": "0", "types": ["pdf"]},
                 {"max_files": "-1", "types": ["pdf"]}, {"max_files": "2.5", "types": ["pdf"]},
                 {"max_files": "<script>alert(1)</script>", "types": ["pdf"]},
                 {"types": []}, {"types": ["exe"]},
                 {"max_file_mb": "20", "max_total_mb": "10", "types": ["pdf"]}):
        refused = client.post("/admin/uploads", data=data)
        assert refused.status_code == 422, data
        assert "<script>alert(1)</script>" not in html_of(refused)
    assert "Please enter a whole number from 1 to 25." in html_of(
        client.post("/admin/uploads", data={"max_file_mb": "26", "types": ["pdf"]}))
    assert db.session.get(Organization, office["org"].id).upload_limits == org.upload_limits
    assert len(audits(db)) == 1


def test_a_form_may_only_narrow_the_organisations_limits(client, db, office, form, admin):
    office["org"].upload_limits = {"max_file_mb": 5, "types": ["pdf", "png"]}
    db.session.commit()
    sign_in(client, admin)
    wider = client.post(f"/admin/forms/{form.id}/uploads",
                        data={"max_file_mb": "6", "types": ["pdf", "png", "docx"]})
    html = html_of(wider)
    assert wider.status_code == 422
    assert "The organisation allows at most 5 MB per file" in html
    assert "The organisation does not accept Word (.docx)" in html
    assert db.session.get(Form, form.id).upload_limits == {}
    narrower = client.post(f"/admin/forms/{form.id}/uploads",
                           data={"max_file_mb": "1", "max_files": "1", "types": ["pdf"]})
    assert narrower.status_code == 302
    assert db.session.get(Form, form.id).upload_limits == {
        "max_file_mb": 1, "max_files": 1, "types": ["pdf"]}
    assert [e.action for e in audits(db)] == ["form_upload_limits_changed"]
    # The widget says the form's limits, and holds to them.
    page = html_of(client.get(f"{WIDGET}/f/form-hn"))
    assert "Files: PDF; up to 1 MB each, 25 MB and 1 files in all." in page
    refused = send(client, [("scan.png", PNG)])
    assert refused.status_code == 422 and "a kind of file this form does not accept" in \
        html_of(refused)
    assert send(client, [("a.pdf", PDF), ("b.pdf", PDF)]).status_code == 422
    assert send(client, [("big.pdf", PDF + b"0" * MEGABYTE)]).status_code == 422
    # Nothing sent; what fitted the form's limits is only held for its page (a draft row
    # nobody can resume), the refused files are nowhere.
    held = db.session.scalars(select(Request)).all()
    assert all(row.is_draft and row.resume_code is None for row in held)
    assert sorted(a.filename for row in held for a in row.attachments) in ([], ["a.pdf"])
    assert send(client, [("a.pdf", PDF)]).status_code == 200
    sent, = [row for row in db.session.scalars(select(Request)) if not row.is_draft]
    assert [a.filename for a in sent.attachments] == ["a.pdf"]


def test_a_citizen_reply_follows_the_requests_form_limits(client, db, office, form):
    form.upload_limits = {"types": ["pdf"]}
    db.session.commit()
    sent = send(client, [("a.pdf", PDF)])
    from tests.conftest import tracking_code
    status = html_of(client.post(f"{WIDGET}/track", data={"code": tracking_code(html_of(sent))}))
    access = __import__("re").search(r'name="access" value="([^"]+)"', status).group(1)
    refused = client.post(f"{WIDGET}/track/reply", content_type="multipart/form-data", data={
        "access": access, "body": "Here", "files": [(io.BytesIO(PNG), "photo.png")]})
    assert refused.status_code == 422 and "a kind of file this form does not accept" in \
        html_of(refused)
    assert count(db, Attachment) == 1
