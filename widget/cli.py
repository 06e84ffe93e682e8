"""Flask commands: `flask --app widget demo`, ..."""
import click
from flask import Flask


def register_commands(app: Flask) -> None:
    @app.cli.command("demo")
    @click.option("--host-origin", default="http://localhost:8000", show_default=True,
                  help="Origin of the demo host page allowed to embed the widget.")
    def demo_command(host_origin):
        """Load the demo organisation, forms and site (safe to run again)."""
        from widget.demo import load_demo_data
        created = load_demo_data(host_origin)
        click.echo("demo data loaded" if created else "demo data already present")
