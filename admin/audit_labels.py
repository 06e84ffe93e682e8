"""What the audit log calls each action, and its before/after values as plain text."""
from __future__ import annotations

import json

from flask_babel import lazy_gettext as _l

from widget.models import Role
from widget.public.presenters import STATUS_LABELS

# A label per action the code writes; an action missing here is shown by its raw name.
AUDIT_ACTIONS = {
    # the organisation and its people
    "organisation_updated": _l("Organisation settings changed"),
    "unit_created": _l("Unit added"),
    "unit_updated": _l("Unit changed"),
    "unit_closed": _l("Unit closed"),
    "unit_reopened": _l("Unit reopened"),
    "staff_created": _l("Staff member added"),
    "staff_role_changed": _l("Staff role changed"),
    "staff_units_changed": _l("Staff units changed"),
    "staff_deactivated": _l("Staff member deactivated"),
    "staff_reactivated": _l("Staff member reactivated"),
    "staff_password_reset": _l("Temporary password given"),
    "staff_unlocked": _l("Staff member unlocked"),
    # notifications, accounts, integrations
    "sms_settings": _l("SMS settings changed"),
    "notice_channel": _l("Notice turned on or off"),
    "notice_wording": _l("Notice wording changed"),
    "notice_wording_reset": _l("Notice wording reset"),
    "retry_dead_letter": _l("Undelivered message sent again"),
    "account_agent": _l("Agent permission changed"),
    "detail_change": _l("Registered details change decided"),
    "api_client_created": _l("System connected"),
    "api_client_revoked": _l("System disconnected"),
    "form_proposal": _l("Form approval decided"),
    "open311_request": _l("Request received through Open311"),
    "file_on_behalf": _l("Request entered at the desk"),
    # a request's handling
    "register": _l("Request registered"),
    "assign": _l("Request assigned"),
    "start": _l("Work started"),
    "change_deadline": _l("Deadline changed"),
    "pause": _l("Request paused"),
    "resume": _l("Request resumed"),
    "result_ready": _l("Result ready"),
    "refuse": _l("Request refused"),
    "close": _l("Request closed"),
    "letter": _l("Letter issued"),
    "message": _l("Message sent to the person"),
    "note": _l("Internal note"),
    "fee_requested": _l("Fee requested"),
    "fee_paid": _l("Fee paid"),
    "fee_waived": _l("Fee waived"),
    "post_sent": _l("Sent by post"),
    "post_received": _l("Received by post"),
    "transfer": _l("Request moved to another unit"),
}


ROLES = {Role.OPERATOR.value: _l("Operator"), Role.UNIT_HEAD.value: _l("Unit head"),
         Role.ADMIN.value: _l("Administrator")}


def audit_values(values: dict | None) -> list[tuple[str, str, bool]]:
    """An entry's before or after values as (name, text, worded) triples, to show escaped as
    text: a request's status and a staff role in the reader's words (worded), anything else as
    it was recorded."""
    worded_values = {"status": STATUS_LABELS, "role": ROLES}
    triples = []
    for name, value in (values or {}).items():
        words = worded_values.get(name, {}).get(value) if isinstance(value, str) else None
        text = str(words) if words is not None else value if isinstance(value, str) else (
            json.dumps(value, ensure_ascii=False, sort_keys=True))
        triples.append((str(name), text, words is not None))
    return triples
