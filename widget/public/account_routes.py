"""Widget views for people with an account: sign-up, sign-in, the cabinet, the profile.

The session lives in a CHIPS cookie (Secure; SameSite=None; Partitioned): inside a cross-site
iframe whose third-party cookies the browser blocks, a partitioned cookie is still kept, for
that embedding site only. Every POST here is refused when it comes from another site (see
routes.refuse_cross_site_posts), which is what SameSite would otherwise have done.
"""
from __future__ import annotations

from flask import abort, current_app, g, redirect, render_template, request, url_for

from widget.config import setting
from widget.extensions import limiter
from widget.models import REGISTERED_DETAILS
from widget.public import bp
from widget.notify.account_notices import DETAIL_LABELS
from widget.notify.inbox import inbox_words
from widget.public.language_switch import counted, holds_no_files, is_language_switch
from widget.public.presenters import CHANGE_STATUS_LABELS, draft_values
from widget.public.routes import COOKIE, render_form
from widget.public.status_routes import render_status, switched_status
from widget.security import TokenError, issue_challenge_token, read_challenge_token
from widget.services import account_sessions, accounts, cabinet
from widget.services.accounts import InvalidInput
from widget.services.track import request_for_page
from widget.untrusted import parse_id


@bp.app_context_processor
def account_labels():
    return {"detail_labels": DETAIL_LABELS, "change_status_labels": CHANGE_STATUS_LABELS,
            "unread_notices": lambda: cabinet.unread_count(g.account) if g.get("account") else 0}


def _signed_in(target: str, new_session):
    """Set the session cookie and go to `target` by way of the check that the browser kept it."""
    response = redirect(url_for(".signin_check", next=target), code=303)
    response.set_cookie(COOKIE, new_session.token, expires=new_session.expires_at,
                        path=f"/w/{g.site.key}/", secure=True, httponly=True, samesite="None",
                        partitioned=True)
    return response


def _signed_out(response):
    response.delete_cookie(COOKIE, path=f"/w/{g.site.key}/", secure=True, httponly=True,
                           samesite="None", partitioned=True)
    return response


def _require_account():
    if g.get("account") is None:
        abort(redirect(url_for(".signin", next=request.path)))
    g.private_page = True
    return g.account


def _safe_next(target: str | None) -> str:
    """Only a path inside this site's widget: never an open redirect."""
    prefix = f"/w/{g.site.key}/"
    if target and target.startswith(prefix) and "//" not in target and "\\" not in target:
        return target
    return url_for(".cabinet_home")


def _ask_code(template: str, sent, **context):
    """The page that asks for the code just sent (its row carried in a signed token)."""
    g.private_page = True
    return render_template(template, challenge=issue_challenge_token(current_app.secret_key, sent.code_id),
                           where=sent.where, **context)


def _challenge_id() -> int | None:
    try:
        return read_challenge_token(current_app.secret_key, request.form.get("challenge", ""))
    except TokenError:
        return None


# -- signing up, in and out ------------------------------------------------------------------

@bp.route("/<lang>/account/signup", methods=["GET", "POST"])
@limiter.limit(lambda: setting("RATE_LIMIT_LOGIN"), methods=["POST"], deduct_when=counted)
def signup(lang):
    g.private_page = True
    values = {key: request.form.get(key, "") for key in ("name", "contact")}
    if request.method == "GET" or is_language_switch():
        return render_template("public/account/signup.html", values=values, errors={})
    try:
        sent = accounts.sign_up(g.site, values["name"], values["contact"],
                                request.form.get("password", ""), lang)
    except InvalidInput as error:
        return render_template("public/account/signup.html", values=values,
                               errors=error.errors), 422
    return _ask_code("public/account/confirm.html", sent, errors={})


@bp.route("/<lang>/account/confirm", methods=["GET", "POST"])
@limiter.limit(lambda: setting("RATE_LIMIT_LOGIN"), methods=["POST"], deduct_when=counted)
def confirm(lang):
    """The code typed on the page after sign-up, or the link from the e-mail. In another
    language the page keeps its challenge (the code sent stays the one to type)."""
    g.private_page = True
    link_token = request.values.get("t", "")
    if is_language_switch():
        return render_template("public/account/confirm.html", challenge=request.form.get("challenge", ""),
                               where=request.form.get("where", ""), errors={})
    if request.method == "GET":
        # A link opens a page with a button: mail scanners that follow links confirm nothing.
        return render_template("public/account/confirm_link.html", link_token=link_token)
    if link_token:
        account = accounts.confirm_by_link(link_token)
        return render_template("public/account/confirm_link.html", done=account is not None,
                               failed=account is None), 200 if account else 422
    confirmed = accounts.confirm_contact(_challenge_id() or 0, request.form.get("code", ""),
                                         setting("ACCOUNT_SESSION_DAYS"))
    if confirmed is None:
        return render_template("public/account/confirm.html", challenge=request.form.get("challenge", ""),
                               where="", errors={"code": accounts.WRONG_CODE}), 422
    _account, new_session = confirmed
    return _signed_in(url_for(".cabinet_home", welcome=1), new_session)


@bp.route("/<lang>/account/signin", methods=["GET", "POST"])
@limiter.limit(lambda: setting("RATE_LIMIT_LOGIN"), methods=["POST"], deduct_when=counted)
def signin(lang):
    g.private_page = True
    target = _safe_next(request.values.get("next"))
    contact = request.form.get("contact", "")
    if request.method == "GET" or is_language_switch():
        return render_template("public/account/signin.html", contact=contact, next=target)
    result = account_sessions.sign_in(g.site.organization, contact, request.form.get("password", ""),
                                      setting("ACCOUNT_SESSION_DAYS"))
    if result is None:
        return render_template("public/account/signin.html", contact=contact, next=target,
                               failed=True), 422
    return _signed_in(target, result[1])


@bp.get("/<lang>/account/signed-in")
def signin_check(lang):
    """Where signing in lands first: on to the page asked for when the session cookie came
    back; else the browser refused it (all cookies, or this site's inside the host's frame),
    and the person is told so and offered a new window, never an empty form again."""
    target = _safe_next(request.args.get("next"))
    if g.account is not None:
        return redirect(target, code=303)
    g.private_page = True
    return render_template("public/account/signin.html", contact="", next=target,
                           cookie_refused=True)


@bp.post("/<lang>/account/signout")
def signout(lang):
    account_sessions.sign_out(request.cookies.get(COOKIE, ""))
    return _signed_out(redirect(url_for(".catalogue", signed_out=1), code=303))


# -- forgotten password ----------------------------------------------------------------------

@bp.route("/<lang>/account/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: setting("RATE_LIMIT_LOOKUP"), methods=["POST"], deduct_when=counted)
def forgot(lang):
    g.private_page = True
    contact = request.form.get("contact", "")
    if request.method == "GET" or is_language_switch():
        return render_template("public/account/forgot.html", contact=contact, errors={})
    try:
        sent = accounts.ask_password_reset(g.site, contact, lang)
    except InvalidInput as error:
        return render_template("public/account/forgot.html", contact=contact,
                               errors=error.errors), 422
    return _ask_code("public/account/reset.html", sent, link_token="", errors={})


@bp.route("/<lang>/account/reset", methods=["GET", "POST"])
@limiter.limit(lambda: setting("RATE_LIMIT_LOGIN"), methods=["POST"], deduct_when=counted)
def reset(lang):
    g.private_page = True
    link_token = request.values.get("t", "")
    challenge = request.form.get("challenge", "")
    if request.method == "GET" or is_language_switch():
        # In another language the page keeps its challenge or link (never a typed password).
        return render_template("public/account/reset.html", link_token=link_token,
                               challenge=challenge, where=request.form.get("where", ""), errors={})
    try:
        _account, new_session = accounts.reset_password(
            _challenge_id(), request.form.get("code", ""), link_token,
            request.form.get("password", ""), setting("ACCOUNT_SESSION_DAYS"))
    except InvalidInput as error:
        return render_template("public/account/reset.html", link_token=link_token,
                               challenge=challenge, where="", errors=error.errors), 422
    return _signed_in(url_for(".cabinet_home", password_set=1), new_session)


# -- the cabinet -----------------------------------------------------------------------------

@bp.get("/<lang>/account/")
def cabinet_home(lang):
    account = _require_account()
    # Just claimed (see claim): said only of a request of this account.
    added = cabinet.own_request(account, parse_id(request.args.get("added", "")) or 0)
    return render_template("public/account/cabinet.html", cabinet=cabinet.cabinet(account),
                           changes=cabinet.pending_changes(account),
                           added=added if added is not None and not added.is_draft else None)


@bp.route("/<lang>/account/requests/<id:request_id>", methods=["GET", "POST"])
@limiter.limit(lambda: setting("RATE_LIMIT_SUBMIT"), methods=["POST"], exempt_when=holds_no_files)
def own_request(lang, request_id):
    """A request of the person's own; a post is its page switching language, with the message
    being written and the files chosen for it (nothing is sent)."""
    account = _require_account()
    req = cabinet.own_request(account, request_id)
    if req is None or req.is_draft:
        abort(404)
    if request.method == "POST":
        return switched_status(request_for_page(req.id), lang, in_cabinet=True)
    cabinet.mark_read(account, request_id=req.id)  # its notices are read now (a commit)
    return render_status(request_for_page(req.id), lang, in_cabinet=True)


@bp.get("/<lang>/account/drafts/<id:request_id>")
def own_draft(lang, request_id):
    draft = cabinet.own_request(_require_account(), request_id)
    if draft is None or not draft.is_draft:
        abort(404)
    return render_form(draft.form_version.form, draft.form_version, draft_values(draft), draft=draft)


@bp.route("/<lang>/account/notifications", methods=["GET", "POST"])
def notifications(lang):
    account = _require_account()
    if request.method == "POST":
        item = request.form.get("item", "")
        if not item:
            cabinet.mark_read(account)  # "mark all as read"
        elif (item_id := parse_id(item)) is not None:
            cabinet.mark_read(account, item_id)  # no such notice marks nothing
        return redirect(url_for(".notifications"), code=303)
    items = cabinet.inbox(account)
    return render_template("public/account/notifications.html", items=items,
                           words={item.id: inbox_words(item, lang) for item in items})


@bp.route("/<lang>/account/claim", methods=["GET", "POST"])
@limiter.limit(lambda: setting("RATE_LIMIT_LOOKUP"), methods=["POST"], deduct_when=counted)
def claim(lang):
    """Add a request sent before signing up: its code, then a code sent to its contact. In
    another language the page keeps the code typed, or its challenge."""
    account = _require_account()
    if request.method == "GET" or is_language_switch():
        return render_template("public/account/claim.html", code=request.form.get("code", ""),
                               challenge=request.form.get("challenge", ""),
                               where=request.form.get("where", ""), errors={})
    if request.form.get("challenge"):
        try:
            claimed = cabinet.claim(account, _challenge_id() or 0, request.form.get("otp", ""))
        except InvalidInput as error:
            return render_template("public/account/claim.html", challenge=request.form["challenge"],
                                   where="", errors=error.errors), 422
        return redirect(url_for(".cabinet_home", added=claimed.id), code=303)
    code = request.form.get("code", "")
    try:
        sent = cabinet.ask_to_claim(g.site, account, code, lang)
    except InvalidInput as error:
        return render_template("public/account/claim.html", code=code, errors=error.errors), 422
    return _ask_code("public/account/claim.html", sent, errors={})


# -- the profile -----------------------------------------------------------------------------

# The profile page's forms and where each posts. A language switch posts the form being filled
# (profile.html, widget.js), and the page comes back with what was typed in it.
PROFILE_FORMS = {"contact-form": "public.change_contact", "profile-form": "public.profile",
                 "change-form": "public.ask_detail_change",
                 "password-form": "public.change_password"}
# What the page shows again as typed, after an error or a switch: never a password.
TYPED_KEPT = ("contact", "address", "birth_date", "document_number", "language", "field",
              "new_value", "reason")


def _profile(status=200, form="profile-form", **context):
    """The profile page; after a post (an error, a language switch), with what was typed in the
    form posted, whose language switch then posts it again."""
    account = g.account
    context.setdefault("errors", {})
    typed = ({key: request.form[key] for key in TYPED_KEPT if key in request.form}
             if request.method == "POST" else {})
    return render_template("public/account/profile.html", account=account,
                           details=REGISTERED_DETAILS, changes=cabinet.pending_changes(account),
                           typed=typed, profile_forms=PROFILE_FORMS,
                           language_switch={"form": form, "endpoint": PROFILE_FORMS[form]},
                           **context), status


@bp.route("/<lang>/account/profile", methods=["GET", "POST"])
def profile(lang):
    account = _require_account()
    if request.method == "GET":
        return _profile(saved=request.args.get("saved"))
    if is_language_switch():
        return _profile()
    form = request.form
    try:
        accounts.update_profile(account, form.get("address", ""), form.get("language", ""),
                                setting("LANGUAGES"), form.get("birth_date", ""),
                                form.get("document_number", ""))
    except InvalidInput as error:
        return _profile(422, errors=error.errors)
    return redirect(url_for(".profile", saved="profile"), code=303)


@bp.post("/<lang>/account/password")
@limiter.limit(lambda: setting("RATE_LIMIT_LOGIN"), deduct_when=counted)
def change_password(lang):
    account = _require_account()
    if is_language_switch():
        return _profile(form="password-form")
    try:
        accounts.change_password(account, request.form.get("current_password", ""),
                                 request.form.get("new_password", ""),
                                 request.cookies.get(COOKIE, ""))
    except InvalidInput as error:
        return _profile(422, "password-form", errors=error.errors)
    return redirect(url_for(".profile", saved="password"), code=303)


@bp.post("/<lang>/account/contact")
@limiter.limit(lambda: setting("RATE_LIMIT_LOOKUP"), deduct_when=counted)
def change_contact(lang):
    """A new e-mail address or mobile number: first a code to it, then the code typed (the
    page of the code keeps its challenge in another language, the profile page the number
    typed)."""
    account = _require_account()
    typed = request.form.get("contact", "")
    if is_language_switch() and not request.form.get("challenge"):
        return _profile(form="contact-form")
    if is_language_switch():
        return render_template("public/account/contact.html", challenge=request.form.get("challenge", ""),
                               contact=typed, where=request.form.get("where", ""), errors={})
    try:
        if not request.form.get("challenge"):
            sent = accounts.ask_contact_change(g.site, account, typed, lang)
            return _ask_code("public/account/contact.html", sent, contact=typed, errors={})
        accounts.confirm_contact_change(g.site, account, _challenge_id(),
                                        request.form.get("code", ""), typed)
    except InvalidInput as error:
        if request.form.get("challenge"):
            return render_template("public/account/contact.html", challenge=request.form["challenge"],
                                   contact=typed, where="", errors=error.errors), 422
        return _profile(422, "contact-form", errors=error.errors)
    return redirect(url_for(".profile", saved="contact"), code=303)


@bp.post("/<lang>/account/details")
def ask_detail_change(lang):
    account = _require_account()
    if is_language_switch():
        return _profile(form="change-form")
    form = request.form
    try:
        cabinet.ask_detail_change(account, form.get("field", ""), form.get("new_value", ""),
                                  form.get("reason", ""))
    except InvalidInput as error:
        return _profile(422, "change-form", errors=error.errors)
    return redirect(url_for(".profile", saved="change"), code=303)
