"""Flask commands: `flask --app widget demo`, `create-admin`, `copy-files-to-bucket`, `worker`."""
import logging
import signal
import threading

import click
from flask import Flask, current_app
from sqlalchemy import select

from widget.extensions import db


def register_commands(app: Flask) -> None:
    @app.cli.command("demo")
    @click.option("--host-origin", default="http://localhost:8000", show_default=True,
                  help="Origin of the demo host page allowed to embed the widget.")
    def demo_command(host_origin):
        """Load the demo organisation, forms, staff and requests (safe to run again)."""
        from widget.demo import load_demo_data
        created = load_demo_data(host_origin)
        click.echo("demo data loaded" if created else "demo data already present")

    @app.cli.command("create-admin")
    @click.option("--email", prompt=True)
    @click.option("--name", prompt=True)
    @click.password_option(help="At least 10 characters.")
    @click.option("--org", "org_slug", default="main", show_default=True,
                  help="The organisation's short name; created when it does not exist.")
    @click.option("--org-name", default="", help="The organisation's name (for a new one).")
    @click.option("--country", default="VN", show_default=True,
                  help="ISO country whose public holidays deadlines skip (for a new one).")
    @click.option("--timezone", default="Asia/Ho_Chi_Minh", show_default=True)
    def create_admin_command(email, name, password, org_slug, org_name, country, timezone):
        """Make an administrator (and the organisation, the first time)."""
        from widget.models import Organization, Role
        from widget.services.access import ActionError
        from widget.services.staff import create_staff
        organization = db.session.scalar(select(Organization).where(Organization.slug == org_slug))
        if organization is None:
            organization = Organization(slug=org_slug, names={"en": org_name or org_slug},
                                        country=country.upper(), timezone=timezone)
            db.session.add(organization)
            db.session.flush()
        try:
            staff = create_staff(organization, email, name, password, Role.ADMIN)
        except ActionError as error:
            db.session.rollback()
            raise click.ClickException(str(error.message)) from None
        click.echo(f"administrator {staff.email} created in organisation {organization.slug}")

    @app.cli.command("copy-files-to-bucket")
    def copy_files_command():
        """Copy the files kept in FRONTDESK_UPLOAD_DIR into the bucket FRONTDESK_S3_BUCKET, before
        switching a deployment to it. Files already there are skipped: run it again at will."""
        from widget.file_stores import LocalFileStore, StoreUnavailable
        from widget.services.store_copy import copy_folder_to_bucket
        from widget.uploads import configured_store
        config = current_app.config
        if not config["FRONTDESK_S3_BUCKET"]:
            raise click.UsageError("set FRONTDESK_S3_BUCKET (and the other FRONTDESK_S3_* "
                                   "settings) to the bucket the files should go to")
        try:
            report = copy_folder_to_bucket(LocalFileStore(config["FRONTDESK_UPLOAD_DIR"]),
                                           configured_store())
        except StoreUnavailable as error:  # what was copied stays; running again goes on
            raise click.ClickException(f"the bucket does not answer: {error}") from None
        click.echo(f"{report.copied} files copied, {report.already_there} already in the bucket")
        if report.missing:
            click.echo(f"{len(report.missing)} files the database names are in neither the "
                       f"folder nor the bucket: {', '.join(report.missing[:20])}", err=True)
            raise SystemExit(1)

    @app.cli.command("worker")
    @click.option("--once", is_flag=True, help="Deliver what is due now, then stop.")
    @click.option("--batch", default=50, show_default=True, help="Messages claimed at a time.")
    @click.option("--idle", default=0.5, show_default=True, help="Seconds to rest when nothing is due.")
    def worker_command(once, batch, idle):
        """Deliver queued notifications (e-mail, SMS) until stopped (SIGTERM or Ctrl-C)."""
        from widget.notify import worker
        app = current_app._get_current_object()
        if not logging.getLogger().handlers:
            # Nothing configured logging (a process manager's own would have handlers): each
            # send, retry and dead letter goes to standard error, at INFO.
            logging.basicConfig(level=logging.INFO,
                                format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        if once:
            policy = worker.policy_from_config(app.config)
            channels = worker.channels_from_config(app.config)
            noticed = (worker.scheduled(app.config) + worker.recoveries(app.config)
                       + worker.staff_notices())
            total = 0
            while claimed := worker.run_once(channels, worker.worker_name(), policy, batch):
                total += claimed
            click.echo(f"{noticed} notices queued, {total} messages handled")
            return
        stop = threading.Event()
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, lambda *_: stop.set())
        worker.run(app, stop, batch=batch, idle_seconds=idle)
