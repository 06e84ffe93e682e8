"""Attached files in an S3-compatible bucket (FRONTDESK_S3_BUCKET): moto's server mode on
loopback behind a proxy that can fail calls (tests/s3_server.py). Files sent in the widget, at
the desk and by staff land in the bucket and come back to the person, staff and the API; a theme
logo round-trips; nothing is left behind by a removed draft file or a failed submission; a store
that is down gives a translated page and writes no row; a lost object answers 404."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from tests import backoffice, test_admin
from tests.conftest import form_token, settings_for, tracking_code
from tests.s3_server import REGION, S3Server
from tests.test_admin import html_of, sign_in
from tests.test_themes import PNG, form as theme_form
from widget.file_stores import StoreUnavailable
from widget.models import Attachment, Message, Request, Theme
from widget.services.api_clients import create_api_client
from widget.uploads import configured_store

office, received, no_csrf = backoffice.office, backoffice.received, test_admin.no_csrf
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SCAN = b"%PDF-1.7\n% a second, different file\n%%EOF\n"
FORM = "/w/test/en/f/form-hn"
PREFIX = "desk"
ACCESS = re.compile(r'name="access" value="([^"]+)"')
RESUME = re.compile(r'<strong class="code" dir="ltr">([0-9A-Z-]+)</strong>')
STORE_DOWN = "Your files could not be stored just now, so nothing was sent or saved."


@pytest.fixture(scope="module")
def s3():
    """One S3 server for the module, and credentials for boto3's standard chain (the app's
    client takes them from the environment, as in production)."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_ACCESS_KEY_ID", "testing")
        env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION"):
            env.delenv(name, raising=False)
        env.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")  # nothing of the host's
        env.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")
        server = S3Server().start()
        yield server
        server.stop()


@pytest.fixture
def bucket(s3):
    s3.heal()
    return s3.new_bucket()


@pytest.fixture
def app_settings(tmp_path, s3, bucket):
    # One try per call: a failing store fails at once (retries have a test of their own).
    return settings_for(tmp_path, S3_BUCKET=bucket, S3_ENDPOINT_URL=s3.endpoint_url,
                        S3_REGION=REGION, S3_PREFIX=PREFIX, S3_TIMEOUT=5.0, S3_MAX_ATTEMPTS=1)


@pytest.fixture
def upload_dir(app):
    from pathlib import Path
    return Path(app.config["FRONTDESK_UPLOAD_DIR"])


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def send(client, *files, action="send", token=None, **fields):
    """Fill in unit HN's form in the widget, with files (name, bytes), and post it."""
    token = token or form_token(html_of(client.get(FORM)))
    data = {"form_token": token, "action": action, "name": "Lan", **fields,
            "proof": [(io.BytesIO(data), name) for name, data in files]}
    return client.post(FORM, data=data, content_type="multipart/form-data")


def open_status(client, code: str) -> str:
    """The status page's access token (what its download buttons post)."""
    page = client.post("/w/test/en/track", data={"code": code})
    assert page.status_code == 200
    return ACCESS.search(html_of(page)).group(1)


# --- the round trip -----------------------------------------------------------------------------

def test_a_sent_file_is_kept_in_the_bucket_and_read_back_by_person_staff_and_api(
        client, db, s3, bucket, office, upload_dir):
    receipt = send(client, ("proof.pdf", PDF))
    assert receipt.status_code == 200
    code = tracking_code(html_of(receipt))
    attachment = db.session.scalars(select(Attachment)).one()
    # In the bucket under the prefix and a random key, and nowhere on the local disk.
    assert s3.objects(bucket) == {f"{PREFIX}/{attachment.storage_key}": PDF}
    assert re.fullmatch(r"[0-9a-f]{32}", attachment.storage_key)
    assert not upload_dir.exists() or not any(upload_dir.rglob("*"))
    # One boto3 client per process and settings, not one per request (building one is slow).
    assert configured_store().client is configured_store().client

    request_id = attachment.request_id
    mine = client.post(f"/w/test/en/track/file/{attachment.id}",
                       data={"access": open_status(client, code)})
    assert mine.status_code == 200 and mine.data == PDF
    assert mine.headers["Content-Disposition"].startswith("attachment;")

    admin = office["people"]["admin"]
    sign_in(client, admin)
    staff = client.get(f"/admin/requests/{request_id}/files/{attachment.id}")
    assert staff.status_code == 200 and staff.data == PDF

    key = create_api_client(admin, "CRM", [])[1]
    api = client.get(f"/api/v1/requests/{request_id}/files/{attachment.id}",
                     headers={"Authorization": f"Bearer {key}"})
    assert api.status_code == 200 and api.data == PDF


def test_staff_files_and_the_persons_reply_go_to_the_bucket_too(client, db, s3, bucket, office):
    code = tracking_code(html_of(send(client)))
    request = db.session.scalars(select(Request)).one()
    sign_in(client, office["people"]["op"])
    sent = client.post(f"/admin/requests/{request.id}/message", data={
        "message-body": "Here is the checklist.",
        "message-files": (io.BytesIO(PDF), "checklist.pdf")},
        content_type="multipart/form-data")
    assert sent.status_code == 302
    reply = client.post("/w/test/en/track/reply", data={
        "access": open_status(client, code), "body": "Thank you, here is my scan.",
        "files": (io.BytesIO(SCAN), "scan.pdf")}, content_type="multipart/form-data")
    assert reply.status_code == 200
    keys = {a.filename: a.storage_key for a in db.session.scalars(select(Attachment))}
    assert s3.objects(bucket) == {f"{PREFIX}/{keys['checklist.pdf']}": PDF,
                                  f"{PREFIX}/{keys['scan.pdf']}": SCAN}


def test_a_theme_logo_round_trips_and_a_replaced_or_deleted_one_leaves_no_object(
        client, db, s3, bucket, office):
    sign_in(client, office["people"]["admin"])
    made = client.post("/admin/themes", data=theme_form(logo=(io.BytesIO(PNG), "logo.png")),
                       content_type="multipart/form-data")
    assert made.status_code == 302
    theme = db.session.scalars(select(Theme)).one()
    assert s3.objects(bucket) == {f"{PREFIX}/{theme.logo_key}": PNG}
    client.post(f"/admin/themes/{theme.id}/default")
    page = html_of(client.get("/w/test/en/"))
    logo = client.get(re.search(r'<img class="theme-logo" src="([^"]+)"', page).group(1))
    assert logo.status_code == 200 and logo.data == PNG and logo.mimetype == "image/png"

    other = PNG + b"\x00another"
    assert client.post(f"/admin/themes/{theme.id}", data=theme_form(
        logo=(io.BytesIO(other), "new.png")), content_type="multipart/form-data").status_code == 302
    db.session.expire_all()
    assert s3.objects(bucket) == {f"{PREFIX}/{db.session.get(Theme, theme.id).logo_key}": other}
    assert client.post(f"/admin/themes/{theme.id}/delete").status_code == 302
    assert s3.objects(bucket) == {}


# --- nothing left behind ------------------------------------------------------------------------

def test_a_file_removed_from_a_draft_is_deleted_from_the_bucket(client, db, s3, bucket, office):
    saved = send(client, ("old.pdf", PDF), action="draft")
    assert saved.status_code == 200
    assert list(s3.objects(bucket).values()) == [PDF]
    resumed = client.post("/w/test/en/resume", data={"code": RESUME.search(html_of(saved)).group(1)})
    page = html_of(resumed)
    attachment_id = re.search(r'name="remove_attachment" value="(\d+)"', page).group(1)
    again = send(client, ("new.pdf", SCAN), action="draft", token=form_token(page),
                 remove_attachment=attachment_id)
    assert again.status_code == 200
    kept = db.session.scalars(select(Attachment)).one()
    assert kept.filename == "new.pdf"
    assert s3.objects(bucket) == {f"{PREFIX}/{kept.storage_key}": SCAN}


def test_files_stored_before_one_fails_are_deleted_and_nothing_is_written(
        client, db, s3, bucket, office):
    s3.puts_allowed = 1  # the first file is stored, the second is refused
    page = send(client, ("proof.pdf", PDF), ("scan.pdf", SCAN), message="Keep this text")
    assert page.status_code == 503
    assert STORE_DOWN in html_of(page) and "Keep this text" in html_of(page)
    assert s3.objects(bucket) == {}
    assert count(db, Request) == 0 and count(db, Attachment) == 0


# --- a store that is down -----------------------------------------------------------------------

def test_a_store_that_is_down_gives_the_form_back_and_nothing_is_written(
        client, db, s3, bucket, office):
    token = form_token(html_of(client.get(FORM)))
    s3.fault = "refuse"  # 503 ServiceUnavailable
    page = send(client, ("proof.pdf", PDF), token=token, message="My neighbour's wall")
    html = html_of(page)
    assert page.status_code == 503 and STORE_DOWN in html
    assert "My neighbour&#39;s wall" in html and "Traceback" not in html
    assert count(db, Request) == 0 and count(db, Attachment) == 0
    s3.heal()
    assert s3.objects(bucket) == {}
    # Once the store answers, the same page goes through: one request, one object.
    assert send(client, ("proof.pdf", PDF), token=token).status_code == 200
    assert count(db, Request) == 1 and list(s3.objects(bucket).values()) == [PDF]


def test_at_the_desk_and_in_the_back_office_a_store_that_is_down_changes_nothing(
        client, db, s3, bucket, office, received):
    request = received()
    sign_in(client, office["people"]["op"])
    s3.fault = "drop"  # the connection closes unanswered
    desk = client.post("/admin/requests/new?form=form-hn&channel=desk", data={
        "desk-language": "en", "name": "Lan at the desk",
        "proof": (io.BytesIO(PDF), "proof.pdf")}, content_type="multipart/form-data")
    assert desk.status_code == 503 and STORE_DOWN in html_of(desk)
    assert 'value="Lan at the desk"' in html_of(desk)
    message = client.post(f"/admin/requests/{request.id}/message", data={
        "message-body": "The checklist", "message-files": (io.BytesIO(PDF), "checklist.pdf")},
        content_type="multipart/form-data")
    assert message.status_code == 503
    assert "Files cannot be reached just now" in html_of(message)
    assert count(db, Request) == 1 and count(db, Message) == 0 and count(db, Attachment) == 0
    s3.heal()
    assert s3.objects(bucket) == {}


def test_one_failed_try_is_retried_unnoticed(tmp_path, s3, bucket):
    from widget import create_app
    retrying = create_app(settings_for(tmp_path, S3_BUCKET=bucket, S3_ENDPOINT_URL=s3.endpoint_url,
                                       S3_REGION=REGION, S3_MAX_ATTEMPTS=2))
    with retrying.app_context():
        store = configured_store()
        s3.fail_next = 1
        key = store.save(PDF)
        assert s3.fail_next == 0 and store.read(key) == PDF
        s3.fail_next = 2  # more failures than tries: the caller hears of it
        with pytest.raises(StoreUnavailable, match="ServiceUnavailable"):
            store.read(key)


# --- downloads that cannot be served ------------------------------------------------------------

def test_a_download_answers_503_while_the_store_is_down_and_404_once_the_object_is_gone(
        client, db, s3, bucket, office):
    code = tracking_code(html_of(send(client, ("proof.pdf", PDF))))
    attachment = db.session.scalars(select(Attachment)).one()
    mine_url = f"/w/test/en/track/file/{attachment.id}"
    staff_url = f"/admin/requests/{attachment.request_id}/files/{attachment.id}"
    api_url = f"/api/v1/requests/{attachment.request_id}/files/{attachment.id}"
    access = open_status(client, code)
    admin = office["people"]["admin"]
    api_key = {"Authorization": f"Bearer {create_api_client(admin, 'CRM', [])[1]}"}

    s3.fault = "drop"
    mine = client.post(mine_url, data={"access": access})
    assert mine.status_code == 503 and mine.headers["Retry-After"] == "60"
    assert "Files cannot be reached just now" in html_of(mine)
    api = client.get(api_url, headers=api_key)
    assert api.status_code == 503 and api.headers["Content-Type"] == "application/problem+json"
    assert api.json["status"] == 503 and api.headers["Retry-After"] == "60"

    s3.heal()
    s3.client.delete_object(Bucket=bucket, Key=f"{PREFIX}/{attachment.storage_key}")
    mine = client.post(mine_url, data={"access": access})
    assert mine.status_code == 404 and "This file is missing" in html_of(mine)
    api = client.get(api_url, headers=api_key)
    assert api.status_code == 404 and "no longer stored" in api.json["detail"]
    sign_in(client, admin)
    staff = client.get(staff_url)
    assert staff.status_code == 404 and "This file is missing" in html_of(staff)


# --- moving a deployment's files from the folder to the bucket ---------------------------------

def test_the_folders_files_are_copied_to_the_bucket_and_a_stopped_copy_goes_on(
        app, db, s3, bucket, upload_dir, received):
    """`flask copy-files-to-bucket`: every file under the same key (no row changes), a copy cut
    short by the store carries on where it stopped, a half-written file is left out, and a key
    the database names that is nowhere is reported with a failing exit status."""
    import hashlib

    from widget.file_stores import LocalFileStore
    folder = LocalFileStore(upload_dir)
    files = {folder.save(data): data for data in (PDF, SCAN, b"%PDF-1.4\n% third\n%%EOF\n")}
    request = received()
    for key, data in files.items():
        request.attachments.append(Attachment(
            field_key="proof", filename="a.pdf", content_type="application/pdf", size=len(data),
            sha256=hashlib.sha256(data).hexdigest(), storage_key=key))
    db.session.commit()
    half_written = upload_dir / "ab" / "ab12.part"
    half_written.parent.mkdir(exist_ok=True)
    half_written.write_bytes(b"half")
    runner = app.test_cli_runner()

    s3.puts_allowed = 1
    cut_short = runner.invoke(args=["copy-files-to-bucket"])
    assert cut_short.exit_code == 1 and "the bucket does not answer" in cut_short.output
    s3.heal()
    resumed = runner.invoke(args=["copy-files-to-bucket"])
    assert resumed.exit_code == 0, resumed.output
    assert "2 files copied, 1 already in the bucket" in resumed.output
    assert s3.objects(bucket) == {f"{PREFIX}/{key}": data for key, data in files.items()}
    again = runner.invoke(args=["copy-files-to-bucket"])
    assert "0 files copied, 3 already in the bucket" in again.output and again.exit_code == 0
    # What the app reads now, under the keys the rows already had.
    for key, data in files.items():
        assert configured_store().read(key) == data

    lost = "f" * 32
    request.attachments.append(Attachment(field_key="proof", filename="lost.pdf", size=1,
                                          content_type="application/pdf", sha256="0" * 64,
                                          storage_key=lost))
    db.session.commit()
    reported = runner.invoke(args=["copy-files-to-bucket"])
    assert reported.exit_code == 1 and lost in reported.output
    assert "1 files the database names are in neither the folder nor the bucket" in reported.output

