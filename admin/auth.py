"""Signing in and out, and the gate every other admin page stands behind."""
from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from admin import bp
from admin.forms import LoginForm
from widget.extensions import limiter
from widget.i18n import use_timezone
from widget.services.access import require_admin, require_unit_head
from widget.services.signin_lock import LOCK_AFTER, LOCK_FOR
from widget.services.staff import sign_in
from widget.services.staff_sessions import end_session, sign_out_everywhere

# What a signed-out visitor may reach: the sign-in page and its stylesheet.
OPEN_ENDPOINTS = {"admin.login", "admin.static"}


@bp.before_request
def require_staff():
    """Every admin page but sign-in needs an active staff member whose session is still alive
    on the server (staff_for_session: not signed out, not past its end, not ended by a new
    password or deactivation)."""
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        # Only a page can be returned to; a refused POST would come back as a GET.
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("admin.login", next=target))
    g.private_page = True  # personal data: never stored by the browser or a proxy
    use_timezone(current_user.organization.timezone)  # deadlines in the organisation's time
    return None


def unit_heads_and_administrators(view):
    """For the reports of a unit's work (export, dashboard): unit heads see their own units'
    requests, administrators every unit's; other staff get "page not found"."""
    @wraps(view)
    def gated(*args, **kwargs):
        require_unit_head(current_user._get_current_object())
        return view(*args, **kwargs)
    gated.unit_heads_too = True  # what tests/test_admin_gate.py looks for
    return gated


def administrators_only(view):
    """For administration views: staff who are not administrators get "page not found" (the
    services refuse them too, with AdministratorsOnly, which admin.routes answers the same way)."""
    @wraps(view)
    def gated(*args, **kwargs):
        require_admin(current_user._get_current_object())
        return view(*args, **kwargs)
    gated.administrators_only = True  # what tests/test_admin_gate.py looks for
    return gated


def safe_next(target: str | None) -> str | None:
    """The page to return to after signing in: a path inside /admin on this site, or None."""
    if not target or any(char <= " " or char == "\\" for char in target):
        return None
    parts = urlsplit(target)
    inside = parts.path == "/admin" or parts.path.startswith("/admin/")
    if parts.scheme or parts.netloc or not inside or ".." in parts.path.split("/"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
# Per address, failures only: the desks of an office often share one address, and a day of
# their sign-ins must never lock them out. Guessing is stopped per account (signin_lock).
@limiter.limit(lambda: current_app.config["FRONTDESK_RATE_LIMIT_STAFF_SIGNIN_FAILURES"],
               methods=["POST"], deduct_when=lambda response: response.status_code != 302)
def login():
    """Sign in with e-mail address and password."""
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(next_url or url_for("admin.inbox"))
    form = LoginForm()
    if form.validate_on_submit():
        staff = sign_in(form.email.data, form.password.data,
                        current_app.config["FRONTDESK_STAFF_SESSION_HOURS"])
        if staff is not None and login_user(staff):
            session.permanent = True  # the cookie is dropped when the server's session ends
            return redirect(next_url or url_for("admin.inbox"))
    failed = request.method == "POST"
    return render_template("admin/login.html", form=form, failed=failed, next_url=next_url,
                           lock_after=LOCK_AFTER, lock_minutes=int(LOCK_FOR.total_seconds() // 60)
                           ), 422 if failed else 200


@bp.post("/logout")
def logout():
    """Sign out: this browser's session ends on the server, so a copy of its cookie is void."""
    end_session(current_user.get_id())
    logout_user()
    flash(_("You are signed out."), "success")
    return redirect(url_for("admin.login"))


@bp.post("/logout/everywhere")
def logout_everywhere():
    """Sign out on every device: all of the staff member's sessions end."""
    sign_out_everywhere(current_user._get_current_object())
    logout_user()
    flash(_("You are signed out on every device."), "success")
    return redirect(url_for("admin.login"))
