"""Hostile files through the real widget form post: each is refused with a clear error and
leaves nothing behind (no request row, no file in the store), or, when harmless, is kept under
a generated name and offered back with a safe one."""
from __future__ import annotations

import io
import os
import re
import struct
import zipfile

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests import backoffice, test_admin
from tests.conftest import form_token
from tests.test_admin import html_of, sign_in
from widget.models import Attachment, Request

office, no_csrf = backoffice.office, test_admin.no_csrf
WIDGET = "/w/test/en"
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"


def png(width: int, height: int) -> bytes:
    return (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + struct.pack(">II", width, height)
            + b"\x08\x02\x00\x00\x00" + b"\0" * 40)


def jpeg(width: int, height: int) -> bytes:
    return (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
            b"\xff\xc0\x00\x11\x08" + struct.pack(">HH", height, width) + b"\x03" + b"\0" * 9
            + b"\xff\xd9")


def docx(member_bytes: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * member_bytes)
    return buffer.getvalue()


def stored_files(app) -> list[str]:
    root = app.config["FRONTDESK_UPLOAD_DIR"]
    return [name for _, _, names in os.walk(root) for name in names]


def send(client, name: str, data: bytes):
    token = form_token(html_of(client.get(f"{WIDGET}/f/form-hn")))
    boundary, body = encode_multipart(MultiDict([
        ("form_token", token), ("name", "Lan"), ("proof", FileStorage(io.BytesIO(data), name))]))
    return client.post(f"{WIDGET}/f/form-hn", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


NOT_ACCEPTED = "is not a file type we accept"
REFUSED = [
    ("html named pdf", "letter.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>",
     NOT_ACCEPTED),
    ("html", "page.html", b"<html><body onload=alert(1)>hi</body></html>", NOT_ACCEPTED),
    ("svg with script", "logo.svg",
     b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>',
     NOT_ACCEPTED),
    ("magic bytes of nothing allowed", "photo.jpg", b"MZ\x90\x00" + b"\0" * 200, NOT_ACCEPTED),
    ("png header on a program", "scan.png", b"\x89PNG\r\n\x1a\n" + b"\x7fELF" + b"\0" * 60,
     None),
    ("zip bomb docx", "report.docx", docx(300 * 1024 * 1024),
     "unpacks to far more than it weighs"),
    ("damaged docx", "report.docx", docx(10)[:-40], None),
    ("pixel flood png", "tiny.png", png(50000, 50000), "the image is too large"),
    ("pixel flood jpeg", "tiny.jpg", jpeg(60000, 60000), "the image is too large"),
]


@pytest.mark.parametrize("case, name, data, message", REFUSED, ids=[c[0] for c in REFUSED])
def test_a_hostile_file_is_refused_and_nothing_is_kept(client, app, db, office, case, name, data,
                                                       message):
    response = send(client, name, data)
    html = html_of(response)
    assert response.status_code == 422
    assert 'class="error' in html
    if message:
        assert message in html
    assert "<script>alert(1)</script>" not in html and "onload=alert" not in html
    assert count(db, Request) == 0 and count(db, Attachment) == 0
    assert stored_files(app) == []


def test_a_type_the_deployment_allows_but_the_form_does_not_is_refused(client, app, db, office):
    office["forms"]["HN"].upload_limits = {"types": ["png"]}
    office["org"].upload_limits = {"types": ["pdf", "png", "jpg"]}
    db.session.commit()
    for name, data in (("scan.pdf", PDF), ("notes.txt", b"plain notes\n")):
        response = send(client, name, data)
        assert response.status_code == 422
        assert "a kind of file this form does not accept. It accepts: PNG." in html_of(response)
    assert count(db, Request) == 0 and stored_files(app) == []


def test_the_name_does_not_matter_a_pdf_named_exe_is_kept_as_a_pdf(client, app, db, office):
    response = send(client, "../../etc/in\x00voice.exe", PDF)
    assert response.status_code == 200
    attachment = db.session.scalar(select(Attachment))
    assert attachment.content_type == "application/pdf"
    assert attachment.filename == "invoice.exe"          # no path, no null byte
    assert re.fullmatch(r"[0-9a-f]{32}", attachment.storage_key)  # the stored name is ours
    assert stored_files(app) == [attachment.storage_key]
    # Staff download it under the cleaned name, as a PDF to save, never to run or render.
    sign_in(client, office["people"]["admin"])
    download = client.get(f"/admin/requests/{attachment.request_id}/files/{attachment.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Type"].startswith("application/pdf")
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and "/" not in disposition
    assert "\x00" not in disposition and download.headers["X-Content-Type-Options"] == "nosniff"


def test_an_ordinary_document_and_image_pass(client, app, db, office):
    assert send(client, "letter.docx", docx(2000)).status_code == 200
    assert send(client, "photo.png", png(4000, 3000)).status_code == 200
    assert count(db, Attachment) == 2 and len(stored_files(app)) == 2
