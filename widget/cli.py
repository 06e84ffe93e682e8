"""Flask commands: `flask --app widget demo`, `flask --app widget create-admin`."""
import click
from flask import Flask
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
