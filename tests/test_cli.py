"""The flask commands an operator runs."""
from sqlalchemy import func, select

from widget.models import Organization, Request, StaffUser


def test_create_admin_makes_the_organisation_and_the_account(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-admin", "--email", "Boss@City.example", "--name", "Boss",
                                 "--password", "long enough pw", "--org", "city",
                                 "--org-name", "City Hall", "--country", "ru",
                                 "--timezone", "Europe/Moscow"])
    assert result.exit_code == 0, result.output
    staff = db.session.scalar(select(StaffUser))
    assert staff.email == "boss@city.example" and staff.role == "admin"
    assert staff.organization.country == "RU" and staff.organization.name("en") == "City Hall"
    again = runner.invoke(args=["create-admin", "--email", "boss@city.example", "--name", "B",
                                "--password", "long enough pw", "--org", "city"])
    assert again.exit_code != 0 and "already exists" in again.output
    weak = runner.invoke(args=["create-admin", "--email", "x@city.example", "--name", "X",
                               "--password", "short", "--org", "city"])
    assert weak.exit_code != 0 and "at least 10" in weak.output
    assert db.session.scalar(select(func.count()).select_from(Organization)) == 1


def test_demo_data_is_idempotent_and_alive(app, db):
    runner = app.test_cli_runner()
    assert "demo data loaded" in runner.invoke(args=["demo"]).output
    assert "already present" in runner.invoke(args=["demo"]).output
    statuses = set(db.session.scalars(select(Request.status)))
    assert statuses >= {"received", "registered", "in_progress", "paused", "result_ready",
                        "refused", "closed"}
    assert db.session.scalar(select(func.count()).select_from(Request)) == 13  # and a draft
    # Five people and the demo CRM's system identity.
    assert db.session.scalar(select(func.count()).select_from(StaffUser).where(
        StaffUser.is_system.is_(False))) == 5


def test_copying_files_to_a_bucket_needs_one(app):
    refused = app.test_cli_runner().invoke(args=["copy-files-to-bucket"])
    assert refused.exit_code == 2 and "set FRONTDESK_S3_BUCKET" in refused.output
