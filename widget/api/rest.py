"""REST API v1: thin views over the services the back office uses."""
from widget.api import bp  # noqa: F401
