"""The request page's box for a note in the person's language (widget.services.person_notes)."""
from __future__ import annotations

from flask_babel import gettext as _

from widget.i18n import LANGUAGE_NAMES, text_direction
from widget.models import Request
from widget.services.person_notes import PERSON_NOTE_MAX_LENGTH


def offer_person_notes(forms: dict, req: Request, lang: str) -> None:
    """Name the person's language on each action form whose note the person reads, or drop the
    box where the staff member's page is in that language already (one note is enough)."""
    for form in forms.values():
        if "person_note" not in form:
            continue
        if req.language == lang or req.language not in LANGUAGE_NAMES:
            del form["person_note"]
            continue
        form.person_note.label.text = _("Note in the person's language (%(language)s)",
                                        language=LANGUAGE_NAMES[req.language])
        form.person_note.render_kw = {"lang": req.language, "dir": text_direction(req.language),
                                      "rows": 3, "maxlength": PERSON_NOTE_MAX_LENGTH}
