"""Requests received at the desk or by post, entered by staff on the person's behalf."""
from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import force_locale, get_locale

from admin import bp
from admin.forms import DeskForm
from admin.routes import ID, current_staff
from widget.config import setting
from widget.i18n import LANGUAGE_NAMES
from widget.models import Channel, Form, StaffUser
from widget.public.presenters import answer_rows, qr_svg
from widget.services.access import find_for_staff
from widget.services.inbox import forms_of
from widget.services.submit import Outcome, Policy, file_on_behalf
from widget.uploads import IncomingFile, configured_limits, configured_store

CHANNELS = (Channel.DESK.value, Channel.POST.value)


def desk_forms(staff: StaffUser) -> list[Form]:
    """Published forms this staff member may enter requests on: their units' (admins: all)."""
    units = {unit.id for unit in staff.units}
    return [form for form in forms_of(staff) if form.is_published and form.current_version
            and (staff.is_admin or form.unit_id in units)]


@bp.route("/requests/new", methods=["GET", "POST"])
def desk_entry():
    """Pick a form, then fill it in for the person; sending gives them a code and a receipt."""
    staff = current_staff()
    forms = desk_forms(staff)
    channel = request.args.get("channel") if request.args.get("channel") in CHANNELS else "desk"
    slug = request.args.get("form")
    if not slug:
        return render_template("admin/desk_choose.html", forms=forms, channel=channel)
    form = next((item for item in forms if item.slug == slug), None) or abort(404)
    envelope = DeskForm(prefix="desk")
    languages = setting("LANGUAGES")
    envelope.language.choices = [(code, LANGUAGE_NAMES.get(code, code)) for code in languages]
    values, errors, store_down = {}, {}, False
    if request.method == "POST":
        language = envelope.language.data if envelope.language.data in languages else str(get_locale())
        values = {key: request.form.getlist(key) for key in request.form}
        files = [IncomingFile(key, upload.filename or "", upload.read())
                 for key in request.files for upload in request.files.getlist(key)]
        result = file_on_behalf(staff, form, Channel(channel), language, values, files,
                                Policy(configured_limits(), 0, configured_store()))
        if result.outcome is Outcome.SENT:
            # Redirected, so that reloading the receipt never enters the request twice.
            return redirect(url_for("admin.desk_receipt", request_id=result.request.id))
        store_down = result.outcome is Outcome.STORE_DOWN
        if result.outcome is not Outcome.INVALID and not store_down:
            abort(404)
        errors = result.errors
    else:
        envelope.language.data = str(get_locale())
    return render_template(
        "admin/desk_form.html", form=form, version=form.current_version, values=values,
        errors=errors, envelope=envelope, channel=channel, upload_limits=configured_limits(),
        store_down=store_down,
    ), 503 if store_down else 422 if errors else 200


@bp.get(f"/requests/<{ID}:request_id>/receipt")
def desk_receipt(request_id):
    """A printable receipt to hand to the person: tracking code, due date, what was entered."""
    req = find_for_staff(current_staff(), request_id)
    site = req.site or next(iter(req.organization.sites), None)
    # The person takes it home: in their language, the QR code opening their status page.
    with force_locale(req.language):
        qr = None
        if site is not None and req.code:
            qr = qr_svg(url_for("public.track", site_key=site.key, lang=req.language,
                                _external=True) + "#" + req.code)
        return render_template("admin/receipt.html", req=req, qr=qr,
                               rows=answer_rows(req, req.language))
