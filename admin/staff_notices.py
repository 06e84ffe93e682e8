"""A staff member's own pages: the notices "for me" (the count in the header, marking read),
which notices they get how, and the back office's language. Every staff member has these."""
from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l, ngettext
from flask_login import current_user

from admin import bp
from admin.auth import safe_next
from admin.routes import current_staff, page_number, posted_ids
from widget.models import StaffNoticeChannel, StaffNoticeKind
from widget.notify.staff_notices import reference, wording
from widget.services import staff_notices
from widget.services.access import NotAllowed

KIND_LABELS = {
    StaffNoticeKind.NEW_IN_UNIT.value: _l("A new request in my unit (also one transferred to it)"),
    StaffNoticeKind.ASSIGNED.value: _l("A request is assigned to me"),
    StaffNoticeKind.REPLIED.value: _l("The person replied"),
    StaffNoticeKind.DEADLINE.value: _l("A deadline is one working day, then 3 working hours away"),
    StaffNoticeKind.RETURNED.value: _l("A paused request of mine runs again"),
    StaffNoticeKind.MENTIONED.value: _l("A colleague mentioned me in an internal note"),
}
CHANNEL_LABELS = {StaffNoticeChannel.BACK_OFFICE.value: _l("In the back office"),
                  StaffNoticeChannel.EMAIL.value: _l("By e-mail")}


@bp.before_request
def staff_language():
    """The back office speaks the staff member's language once they have chosen one."""
    if current_user.is_authenticated and current_user.language_chosen \
            and current_user.language in current_app.config["FRONTDESK_LANGUAGES"]:
        g.reader_language = current_user.language


@bp.app_context_processor
def notices_count():
    """The number of unread notices, for the header."""
    def unread() -> int:
        if not current_user.is_authenticated or not request.blueprint == "admin":
            return 0
        return staff_notices.unread_count(current_staff())
    return {"unread_staff_notices": unread}


@bp.get("/for-me")
def for_me():
    """The staff member's notices, newest first, unread ones marked."""
    unread_only = request.args.get("show") == "unread"
    page = staff_notices.notices_for(current_staff(), page_number(), unread_only)
    rows = [(notice, *wording(notice.kind, notice.request, notice.data or {}),
             reference(notice.request)) for notice in page.notices]
    return render_template("admin/for_me.html", page=page, rows=rows, unread_only=unread_only,
                           params={"show": "unread"} if unread_only else {})


@bp.post("/for-me/read")
def for_me_read():
    """Mark the chosen notices read, or all of them."""
    chosen = None if request.form.get("all") else posted_ids(request.form.getlist("notice"))
    marked = staff_notices.mark_read(current_staff(), chosen)
    flash(ngettext("%(num)d notice marked read.", "%(num)d notices marked read.", marked),
          "success")
    return redirect(url_for("admin.for_me"))


@bp.route("/me/notices", methods=["GET", "POST"])
def my_notices():
    """Which notices the staff member gets, and how; and their language."""
    staff = current_staff()
    error = None
    if request.method == "POST":
        chosen = set()
        for value in request.form.getlist("on"):
            kind, _sep, channel = value.partition(":")
            chosen.add((kind, channel))
        try:
            staff_notices.save_switches(staff, chosen)
        except NotAllowed as refused:
            error = refused.message
        else:
            flash(_("Your notice settings are saved."), "success")
            return redirect(url_for("admin.my_notices"))
    return render_template("admin/my_notices.html", switches=staff_notices.switches_of(staff),
                           kinds=KIND_LABELS, channels=CHANNEL_LABELS, error=error), \
        422 if error else 200


@bp.post("/me/language")
def my_language():
    """Switch the back office (and the staff member's notices) to another language."""
    back = safe_next(request.form.get("next")) or url_for("admin.inbox")
    try:
        staff_notices.set_language(current_staff(), request.form.get("language", ""),
                                   current_app.config["FRONTDESK_LANGUAGES"])
    except NotAllowed as refused:
        flash(str(refused.message), "error")
    return redirect(back)
