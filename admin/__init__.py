"""Blueprint "admin": the organisation's people — the staff back office (and, later, the
administration screens). First-party pages: never framed, cookie session, CSRF-protected."""
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")
