"""Blueprints for integrators: "api" (REST v1 under /api/v1, described by an OpenAPI 3.1
document) and "open311" (GeoReport v2 under /open311/v2). Both are for machines: no cookies, no
CSRF tokens (csrf-exempt), answers in JSON (or XML for Open311), errors as problem documents."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from widget.api import openapi, problems, rest  # noqa: E402,F401  (they attach to bp)
