"""The form builder's pages: the organisation's forms, a form's settings and the fields of its
draft version, publishing, and a preview as the widget shows it, in each language. Other staff
get "page not found"."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, gettext as _, lazy_gettext as _l
from markupsafe import Markup

from admin import bp
from admin.auth import administrators_only
from admin.hub import admin_section
from admin.routes import ID, current_staff
from widget.config import setting
from widget.i18n import text_direction
from widget.models import FieldType, Handover
from widget.models.forms import PROFILE_KEYS
from widget.services.access import NotAllowed
from widget.services.form_builder import (FormSettings, NoSuchForm, create_form, discard_draft,
                                          form_of, group_choices, list_forms, preview_version,
                                          publish_draft, unit_choices, update_settings,
                                          version_to_edit)
from widget.services.form_fields import (FieldInput, FieldRefused, add_field, choices_text,
                                         move_field, remove_field, update_field)
from widget.services.form_proposals import LANGUAGES
from widget.services.form_reminders import form_fields, reminders_of
from widget.uploads import form_limits

FORMS = "/forms"
FORM = f"{FORMS}/<{ID}:form_id>"
FIELD = f"{FORM}/fields/<key>"
FIELD_TYPES = {
    FieldType.TEXT.value: _l("Short text"), FieldType.LONG_TEXT.value: _l("Long text"),
    FieldType.NUMBER.value: _l("Number"), FieldType.DATE.value: _l("Date"),
    FieldType.EMAIL.value: _l("E-mail address"), FieldType.PHONE.value: _l("Phone number"),
    FieldType.CHOICE.value: _l("One choice"), FieldType.MULTI_CHOICE.value: _l("Several choices"),
    FieldType.CHECKBOX.value: _l("Checkbox"), FieldType.FILE.value: _l("Files"),
}
PROFILE_LABELS = {
    "name": _l("Name"), "email": _l("E-mail address"), "phone": _l("Phone number"),
    "address": _l("Address"), "birth_date": _l("Date of birth"),
    "document_number": _l("Identity document number"),
}
HANDOVER_CHOICES = {
    Handover.DESK.value: _l("At the desk"), Handover.POST.value: _l("By post"),
    Handover.ONLINE.value: _l("Online, on the status page"),
}


@bp.context_processor
def builder_labels():
    """The builder's words for field types, profile details and hand-over modes."""
    return {"BUILDER_FIELD_TYPES": FIELD_TYPES, "PROFILE_LABELS": PROFILE_LABELS,
            "PROFILE_KEYS": PROFILE_KEYS, "HANDOVER_CHOICES": HANDOVER_CHOICES,
            "FORM_LANGUAGES": LANGUAGES}


def _texts(prefix: str) -> dict[str, str]:
    return {language: request.form.get(f"{prefix}_{language}", "") for language in LANGUAGES}


def _form(form_id: int):
    try:
        return form_of(current_staff(), form_id)
    except NotAllowed:  # not an administrator, or not a form of this organisation
        abort(404)


# --- the list ------------------------------------------------------------------------------------

def _list_page(error: str | None = None, typed: dict | None = None, status: int = 200):
    forms = list_forms(current_staff())
    units = {unit.id: unit for unit in current_staff().organization.units}
    return render_template("admin/form_list.html", forms=forms, units=units, error=error,
                           typed=typed or {}), status


@admin_section(_l("Forms"), _l("Build forms, their fields and settings, preview and publish "
                               "them."), order=20)
@bp.get(FORMS)
@administrators_only
def form_list():
    """Every form of the organisation, and the form to create one."""
    return _list_page()


@bp.post(FORMS)
@administrators_only
def form_create():
    """Create a form: it starts unpublished, with an empty draft to add fields to."""
    typed = {"slug": request.form.get("slug", ""), "titles": _texts("title")}
    try:
        form = create_form(current_staff(), typed["slug"], typed["titles"])
    except NotAllowed as error:
        return _list_page(str(error.message), typed, 422)
    flash(_("The form is created. Add its fields, then publish them."), "success")
    return redirect(url_for("admin.form_edit", form_id=form.id))


# --- one form ------------------------------------------------------------------------------------

def _field_values(field) -> dict:
    """A stored field as the editor's inputs show it."""
    def number(value):
        return "" if value is None else format(value.normalize(), "f")
    return {"key": field.key, "type": field.type, "labels": field.labels or {},
            "helps": field.helps or {}, "required": field.required,
            "min_length": "" if field.min_length is None else str(field.min_length),
            "max_length": "" if field.max_length is None else str(field.max_length),
            "min_value": number(field.min_value), "max_value": number(field.max_value),
            "choices": choices_text(field), "prefill": field.prefill or ""}


def _builder_page(form_id: int, where: str | None = None, problems: dict | None = None,
                  typed: dict | None = None, status: int = 200):
    """A form's builder page; after a refusal, `where` names the part refused ("settings",
    "new", "publish" or a field's key), `problems` say why and `typed` is what was typed."""
    staff = current_staff()
    form = _form(form_id)
    version = version_to_edit(form)
    fields = [_field_values(field) for field in (version.fields if version else [])]
    if where and where not in ("settings", "new", "publish", "reminders") and typed is not None:
        fields = [typed if values["key"] == where else values for values in fields]
    return render_template(
        "admin/form_builder.html", form=form, version=version, fields=fields,
        units=unit_choices(staff), groups=group_choices(staff), where=where,
        problems=problems or {}, typed=typed or {},
        languages_preview=setting("LANGUAGES"), reminders=reminders_of(staff, form.id),
        reminder_fields=form_fields(form)), status


def _settings_typed() -> FormSettings:
    return FormSettings(
        titles=_texts("title"), descriptions=_texts("description"),
        processing_days=request.form.get("processing_days", ""),
        sms_enabled=request.form.get("sms_enabled") == "1",
        same_day=request.form.get("same_day") == "1",
        transfer_restarts_clock=request.form.get("transfer_restarts_clock") == "1",
        handovers=request.form.getlist("handovers"), fee=request.form.get("fee", ""),
        unit_id=request.form.get("unit_id", ""), group_id=request.form.get("group_id", ""),
        is_published=request.form.get("is_published") == "1")


@bp.get(FORM)
@administrators_only
def form_edit(form_id):
    """A form's settings, the fields of its draft (or current) version, publishing."""
    return _builder_page(form_id)


@bp.post(f"{FORM}/settings")
@administrators_only
def form_settings(form_id):
    """Save a form's settings: they apply at once."""
    settings = _settings_typed()
    try:
        update_settings(current_staff(), form_id, settings)
    except NoSuchForm:
        abort(404)
    except NotAllowed as error:
        return _builder_page(form_id, "settings", {"settings": str(error.message)},
                             vars(settings), 422)
    flash(_("The settings are saved: they apply at once."), "success")
    return redirect(url_for("admin.form_edit", form_id=form_id, _anchor="settings"))


def _field_typed(key: str = "", kind: str = "") -> FieldInput:
    return FieldInput(
        key=key or request.form.get("key", ""), type=kind or request.form.get("type", ""),
        labels=_texts("label"), helps=_texts("help"),
        required=request.form.get("required") == "1",
        min_length=request.form.get("min_length", ""),
        max_length=request.form.get("max_length", ""),
        min_value=request.form.get("min_value", ""), max_value=request.form.get("max_value", ""),
        choices=request.form.get("choices", ""), prefill=request.form.get("prefill", ""))


@bp.post(f"{FORM}/fields")
@administrators_only
def form_field_add(form_id):
    """Add a field at the end of the draft."""
    typed = _field_typed()
    try:
        field = add_field(current_staff(), form_id, typed)
    except NoSuchForm:
        abort(404)
    except FieldRefused as refused:
        return _builder_page(form_id, "new", refused.problems, vars(typed), 422)
    flash(_("The field is added to the draft."), "success")
    return redirect(url_for("admin.form_edit", form_id=form_id, _anchor=f"field-{field.key}"))


@bp.post(FIELD)
@administrators_only
def form_field_update(form_id, key):
    """Change a field of the draft."""
    typed = _field_typed()
    try:
        update_field(current_staff(), form_id, key, typed)
    except NoSuchForm:
        abort(404)
    except FieldRefused as refused:
        return _builder_page(form_id, key, refused.problems, vars(typed), 422)
    flash(_("The field is saved in the draft."), "success")
    return redirect(url_for("admin.form_edit", form_id=form_id, _anchor=f"field-{key}"))


@bp.post(f"{FIELD}/move")
@administrators_only
def form_field_move(form_id, key):
    """Move a field one place up or down in the draft."""
    step = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if step is None:
        abort(400)
    try:
        move_field(current_staff(), form_id, key, step)
    except NotAllowed:
        abort(404)
    flash(_("The field is moved in the draft."), "success")
    return redirect(url_for("admin.form_edit", form_id=form_id, _anchor=f"field-{key}"))


@bp.post(f"{FIELD}/remove")
@administrators_only
def form_field_remove(form_id, key):
    """Take a field out of the draft."""
    try:
        remove_field(current_staff(), form_id, key)
    except NotAllowed:
        abort(404)
    flash(_("The field is removed from the draft. Requests already sent keep it."), "success")
    return redirect(url_for("admin.form_edit", form_id=form_id, _anchor="fields"))


@bp.post(f"{FORM}/publish")
@administrators_only
def form_publish(form_id):
    """Publish the draft: it becomes the version people fill."""
    try:
        version = publish_draft(current_staff(), form_id, request.form.get("open") == "1")
    except NoSuchForm:
        abort(404)
    except NotAllowed as error:
        return _builder_page(form_id, "publish", {"publish": str(error.message)}, status=422)
    flash(_("Version %(number)d is published: new requests are filled on it. Requests already "
            "sent keep the version they were sent on.", number=version.number), "success")
    return redirect(url_for("admin.form_edit", form_id=form_id))


@bp.post(f"{FORM}/discard")
@administrators_only
def form_discard(form_id):
    """Throw the draft away."""
    try:
        discard_draft(current_staff(), form_id)
    except NoSuchForm:
        abort(404)
    except NotAllowed as error:
        return _builder_page(form_id, "publish", {"publish": str(error.message)}, status=422)
    flash(_("The draft is discarded."), "success")
    return redirect(url_for("admin.form_edit", form_id=form_id))


@bp.get(f"{FORM}/preview/<which>/<language>")
@administrators_only
def form_preview(form_id, which, language):
    """The draft or the current version as the widget shows it, in one language; its buttons
    are disabled and it posts nowhere."""
    if which not in ("draft", "current") or language not in setting("LANGUAGES"):
        abort(404)
    try:
        form, version = preview_version(current_staff(), form_id, which)
    except NotAllowed:
        abort(404)
    # The widget's own partial, in the previewed language; the page around it stays in the
    # administrator's.
    with force_locale(language):
        shown = Markup(render_template(
            "admin/form_builder_preview_frame.html", form=form, version=version, values={},
            errors={}, draft=None, notice=None, preview=True,
            upload_limits=form_limits(current_staff().organization, form)))
    return render_template("admin/form_builder_preview.html", form=form, version=version,
                           which=which, language=language, direction=text_direction(language),
                           shown=shown)
