"""The form builder: administrators create forms, change their settings (applied at once) and
publish the draft version their field changes made (see form_fields).

Published versions are frozen: requests keep the version they were sent on and its labels. The
first change to the fields makes the draft, a copy of the current version; publishing makes the
draft the current version.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, null, select

from widget.extensions import db
from widget.models import Form, FormGroup, FormVersion, Handover, Request, StaffUser, Unit
from widget.models._types import utcnow
from widget.sanitize import clean_html
from widget.services.access import NotAllowed, organisation_row, require_admin
from widget.services.audit_log import record_change
from widget.services.form_proposals import LANGUAGES, SLUG, TEXT_MAX
from widget.textnorm import strip_controls

DESCRIPTION_MAX = 20000
# A draft's published_at: None would let the column's default (now) fill it in on INSERT; the
# SQL NULL is written as it is (and reads back as None after the flush).
FEE_MAX = Decimal("9999999999.99")  # what Numeric(12, 2) holds
class NoSuchForm(NotAllowed):
    """Not a form (or a field) of the administrator's organisation: the pages say "not found"."""

    def __init__(self):
        super().__init__(_l("There is no such form."))


@dataclass
class FormSummary:
    form: Form
    request_count: int


@dataclass
class FormSettings:
    """A form's settings as the administrator typed them (texts, not yet checked)."""

    titles: dict[str, str]
    descriptions: dict[str, str]
    processing_days: str
    sms_enabled: bool
    same_day: bool
    handovers: list[str]
    fee: str
    unit_id: str
    group_id: str
    is_published: bool
    transfer_restarts_clock: bool = False


# --- reading -------------------------------------------------------------------------------------

def list_forms(admin: StaffUser) -> list[FormSummary]:
    """The organisation's forms in catalogue order, each with how many requests were sent on it."""
    require_admin(admin)
    forms = db.session.scalars(select(Form).where(Form.organization_id == admin.organization_id)
                               .order_by(Form.position, Form.id)).all()
    counts = dict(db.session.execute(
        select(FormVersion.form_id, func.count(Request.id))
        .join(Request, Request.form_version_id == FormVersion.id)
        .where(Request.organization_id == admin.organization_id, Request.code.is_not(None))
        .group_by(FormVersion.form_id)).all())
    return [FormSummary(form, counts.get(form.id, 0)) for form in forms]


def form_of(admin: StaffUser, form_id: int) -> Form:
    """One form of the administrator's organisation, or NoSuchForm."""
    return organisation_row(admin, Form, form_id, NoSuchForm)


def version_to_edit(form: Form) -> FormVersion | None:
    """The version the builder shows: the draft if there is one, else the current version."""
    return form.draft_version or form.current_version


def preview_version(admin: StaffUser, form_id: int, which: str) -> tuple[Form, FormVersion]:
    """The draft ("draft") or the current version ("current") of a form, to preview."""
    form = form_of(admin, form_id)
    version = form.draft_version if which == "draft" else form.current_version
    if version is None:
        raise NoSuchForm()
    return form, version


def unit_choices(admin: StaffUser) -> list[Unit]:
    """The units a form's requests may be routed to: the organisation's active ones."""
    require_admin(admin)
    return list(db.session.scalars(select(Unit).where(
        Unit.organization_id == admin.organization_id, Unit.is_active.is_(True))
        .order_by(Unit.code)))


def group_choices(admin: StaffUser) -> list[FormGroup]:
    """The organisation's form groups, in catalogue order."""
    require_admin(admin)
    return list(db.session.scalars(select(FormGroup).where(
        FormGroup.organization_id == admin.organization_id)
        .order_by(FormGroup.position, FormGroup.id)))


# --- forms and their settings --------------------------------------------------------------------

def _clean_titles(titles: dict[str, str]) -> dict[str, str]:
    clean = {language: " ".join(strip_controls(text or "").split())[:TEXT_MAX]
             for language, text in titles.items() if language in LANGUAGES}
    clean = {language: text for language, text in clean.items() if text}
    if not clean:
        raise NotAllowed(_l("Please give the form a title in at least one language."))
    return clean


def create_form(admin: StaffUser, slug: str, titles: dict[str, str]) -> Form:
    """A new, unpublished form with an empty draft version to build. Commits."""
    require_admin(admin)
    slug = (slug or "").strip()
    if not SLUG.match(slug):
        raise NotAllowed(_l("The address name is lower-case letters, digits and dashes, "
                            "starting with a letter or digit (at most 64)."))
    titles = _clean_titles(titles)
    if db.session.scalar(select(Form.id).where(Form.organization_id == admin.organization_id,
                                               Form.slug == slug)):
        raise NotAllowed(_l("Another form already has this address name."))
    position = db.session.scalar(select(func.coalesce(func.max(Form.position), 0)).where(
        Form.organization_id == admin.organization_id))
    form = Form(organization_id=admin.organization_id, slug=slug, titles=titles,
                is_published=False, position=position + 1, handovers=[],
                versions=[FormVersion(number=1, published_at=null())])
    db.session.add(form)
    db.session.flush()
    audit(admin, "form_created", {}, {"form_id": form.id, "slug": slug, "titles": titles})
    db.session.commit()
    return form


def _fee(text: str) -> Decimal | None:
    text = (text or "").strip().replace(" ", "")
    if not text:
        return None
    try:
        fee = Decimal(text)
    except InvalidOperation:
        fee = None
    if (fee is None or not fee.is_finite() or fee < 0 or fee > FEE_MAX
            or fee.as_tuple().exponent < -2):
        raise NotAllowed(_l("The fee is an amount such as 50000 or 12.50 (at most two decimals), "
                            "or empty for a free procedure."))
    return fee


def _settings_snapshot(form: Form) -> dict:
    return {"titles": form.titles, "descriptions": form.descriptions,
            "processing_days": form.processing_days, "sms_enabled": form.sms_enabled,
            "same_day": form.same_day, "handovers": list(form.handovers or []),
            "transfer_restarts_clock": form.transfer_restarts_clock,
            "fee_amount": None if form.fee_amount is None else str(form.fee_amount),
            "unit_id": form.unit_id, "group_id": form.group_id,
            "is_published": form.is_published}


def update_settings(admin: StaffUser, form_id: int, settings: FormSettings) -> Form:
    """Change a form's settings; they apply at once, to every version. Commits."""
    form = form_of(admin, form_id)
    titles = _clean_titles(settings.titles)
    descriptions = {}
    for language, text in settings.descriptions.items():
        if language in LANGUAGES and (text or "").strip():
            if len(text) > DESCRIPTION_MAX:
                raise NotAllowed(_l("A description may have at most %(num)d characters.",
                                    num=DESCRIPTION_MAX))
            cleaned = clean_html(strip_controls(text, keep_newlines=True).strip())
            if cleaned.strip():
                descriptions[language] = cleaned
    days = (settings.processing_days or "").strip()
    if not (days.isascii() and days.isdigit() and 1 <= int(days) <= 365):
        raise NotAllowed(_l("The processing time is a whole number of working days from 1 "
                            "to 365."))
    offered = {item.value for item in Handover}
    if not set(settings.handovers) <= offered:
        raise NotAllowed(_l("There is no such way of handing over the result."))
    fee = _fee(settings.fee)
    unit = next((unit for unit in unit_choices(admin) if str(unit.id) == settings.unit_id), None)
    if unit is None:
        raise NotAllowed(_l("Please choose an active unit of the organisation."))
    group = None
    if settings.group_id:
        group = next((group for group in group_choices(admin)
                      if str(group.id) == settings.group_id), None)
        if group is None:
            raise NotAllowed(_l("Please choose a group of the organisation, or none."))
    if settings.is_published and form.current_version is None:
        raise NotAllowed(_l("A form is published once it has a published version: publish "
                            "its fields first."))
    before = _settings_snapshot(form)
    form.titles, form.descriptions, form.processing_days = titles, descriptions, int(days)
    form.sms_enabled, form.same_day = settings.sms_enabled, settings.same_day
    form.transfer_restarts_clock = settings.transfer_restarts_clock
    # In the Handover order, so that the widget offers them in a steady order.
    form.handovers = [item.value for item in Handover if item.value in settings.handovers]
    form.fee_amount, form.unit_id = fee, unit.id
    form.group_id = group.id if group is not None else None
    form.is_published = settings.is_published
    after = _settings_snapshot(form)
    if after != before:
        audit(admin, "form_settings_updated", {"form_id": form.id, **before},
               {"form_id": form.id, **after})
    db.session.commit()
    return form


# --- publishing ----------------------------------------------------------------------------------

def publish_draft(admin: StaffUser, form_id: int, make_public: bool) -> FormVersion:
    """The draft becomes the current version (frozen from now on); the form is opened to the
    public if asked. Commits."""
    form = form_of(admin, form_id)
    draft = form.draft_version
    if draft is None:
        raise NotAllowed(_l("There is no draft to publish: change a field first."))
    if not draft.fields:
        raise NotAllowed(_l("A version needs at least one field before it is published."))
    if make_public and form.unit_id is None:
        # Its requests would reach no unit's inbox.
        raise NotAllowed(_l("Choose the unit that handles its requests (in the settings) before "
                            "the form is opened to the public."))
    draft.published_at = utcnow()
    before = {"form_id": form.id, "is_published": form.is_published}
    if make_public:
        form.is_published = True
    audit(admin, "form_version_published", before,
           {"form_id": form.id, "version": draft.number, "is_published": form.is_published})
    db.session.commit()
    return draft


def discard_draft(admin: StaffUser, form_id: int) -> None:
    """Throw the draft away: the form stays as its current version has it. Commits."""
    form = form_of(admin, form_id)
    draft = form.draft_version
    if draft is None:
        raise NotAllowed(_l("There is no draft to discard."))
    if form.current_version is None:
        raise NotAllowed(_l("The first version cannot be discarded: the form has no other."))
    number = draft.number
    db.session.delete(draft)  # and its fields (cascade)
    audit(admin, "form_draft_discarded", {"form_id": form.id, "version": number},
           {"form_id": form.id})
    db.session.commit()


def audit(admin: StaffUser, action: str, before: dict, after: dict) -> None:
    """Record a change of the form builder (the caller commits)."""
    record_change(admin, action, before, after)

