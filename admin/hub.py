"""The administration page: one entry per administration area, each registered by the module
that owns the area (so adding an area touches no shared list)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import render_template
from flask_babel import lazy_gettext as _l

from admin import bp
from admin.auth import administrators_only


@dataclass(frozen=True)
class Section:
    endpoint: str
    title: object        # lazy translated text
    description: object  # lazy translated text
    order: int


SECTIONS: list[Section] = []


def admin_section(title, description, order: int):
    """Register the decorated view (the area's first page) on the administration page."""
    def register(view):
        SECTIONS.append(Section(f"admin.{view.__name__}", title, description, order))
        SECTIONS.sort(key=lambda section: section.order)
        return view
    return register


@bp.get("/administration")
@administrators_only
def administration():
    """Every administration area, with a line on what it is for."""
    return render_template("admin/administration.html", sections=SECTIONS)


# The areas that existed before this page: their views live elsewhere and only link here.
for endpoint, title, description, order in (
    ("admin.notice_settings", _l("Notifications"),
     _l("Which events reach people by SMS, e-mail and the notification box, and their wording."), 70),
    ("admin.dead_letter_list", _l("Dead letters"),
     _l("Messages that could not be delivered, to send again."), 75),
    ("admin.account_list", _l("Accounts"),
     _l("People with an account, agents, and asks to change registered details."), 80),
    ("admin.integration_list", _l("Integrations"),
     _l("Connected back-office systems: API keys and webhooks."), 85),
    ("admin.proposal_list", _l("Form approvals"),
     _l("Forms that back-office systems sent, to publish or reject."), 90),
):
    SECTIONS.append(Section(endpoint, title, description, order))
