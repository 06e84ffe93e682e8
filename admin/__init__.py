"""Blueprint "admin": the organisation's people — the staff back office (and, later, the
administration screens). First-party pages: never framed, cookie session, CSRF-protected."""
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates",
               static_folder="static")

# The views register themselves on bp (imported last: they import bp from here).
from admin import (accounts, actions, auth, bulk, deliveries, desk, hub,  # noqa: E402,F401
                   integrations, notices, routes, staff_notices)
# The administration areas (each registers itself on the Administration page).
from admin import (dashboard, exports, form_access, form_builder, form_groups,  # noqa: E402,F401
                   form_reminders, help_pages, letter_templates, notice_report, organisation,
                   sites, staff_users, themes, upload_limits)
