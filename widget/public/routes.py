"""Widget views: parse the HTTP request, call one service, render. They never commit."""
from __future__ import annotations

from flask import abort, current_app, g, redirect, render_template, request, url_for

from widget import i18n
from widget.extensions import limiter
from widget.public import bp
from widget.public.forms import CodeForm, ContactForm
from widget.public.language_switch import counted, is_language_switch, switch_without_files
from widget.public.lookup_limits import failed_lookup
from widget.public.presenters import answer_rows, draft_values, qr_svg
from widget.security import TokenError, is_cross_site_post, issue_form_token, read_form_token
from widget.services.access import NotAllowed
from widget.services.account_sessions import account_for_session
from widget.services.accounts import profile_values
from widget.config_cache import site_and_configuration
from widget.services.catalogue import for_person
from widget.services.form_access import may_use_form
from widget.services.recover import ask_for_codes
from widget.services.submission import Action, Outcome, Policy, Submission
from widget.services.submit import save_form
from widget.services.track import LookupProblem, find_draft
from widget.config import setting
from widget.untrusted import parse_id
from widget.uploads import IncomingFile, configured_store, form_limits


# The session cookie of a person signed in to their account (see account_routes).
COOKIE = "fd_account"


def adopt_site(key: str):
    """The site a widget address names, made this request's (its configuration, and the origins
    that may frame its pages); None when there is no such site. The site comes from this
    process's configuration cache (frozen values), checked in the same statement."""
    site, configuration = site_and_configuration(key)
    if site is not None:
        g.site, g.config = site, configuration
        g.frame_origins = site.allowed_origins
    return site


@bp.url_value_preprocessor
def load_site(_endpoint, values):
    """Every widget URL names its site (and, but for the entry, its language)."""
    site = adopt_site(values.pop("site_key")) or abort(404)
    token = request.cookies.get(COOKIE)
    g.account = account_for_session(site.organization, token) if token else None
    if "lang" in values and values["lang"] not in setting("LANGUAGES"):
        abort(404)


@bp.url_defaults
def add_site_and_language(endpoint, values):
    # Each page names ten or more addresses: g and request are read once each.
    site = g.get("site")
    if site is not None and "site_key" not in values:
        values["site_key"] = site.key
    if endpoint != "public.entry" and "lang" not in values:
        view_args = request.view_args
        if view_args is not None:
            values["lang"] = view_args.get("lang") or i18n.select_locale()


@bp.before_request
def refuse_cross_site_posts():
    if request.method == "POST" and is_cross_site_post(
            request.headers.get("Sec-Fetch-Site"), request.headers.get("Origin"),
            request.host_url.rstrip("/")):
        abort(403)


@bp.get("/")
def entry():
    """Where the loader points the iframe: pick the language, then the catalogue or a form."""
    language = i18n.best_language(request.args.get("lang"), g.site.default_language)
    form_slug = request.args.get("form", "")
    if form_slug and g.config.published_form(g.site, form_slug):
        return redirect(url_for(".form_page", lang=language, slug=form_slug))
    return redirect(url_for(".catalogue", lang=language))


@bp.get("/<lang>/")
def catalogue(lang):
    sections = for_person(g.config.catalogue(g.site), g.account)
    # Listed but not usable yet: forms for anyone signed in, shown with a note to sign in.
    sign_in_first = {form.id for section in sections for form in section.forms
                     if not may_use_form(form, g.account)}
    return render_template("public/catalogue.html", sections=sections, sign_in_first=sign_in_first,
                           help_pages=g.config.help_pages)


@bp.get("/<lang>/f/<slug>")
def form_page(lang, slug):
    form = g.config.published_form(g.site, slug) or abort(404)
    return render_form(form, form.current_version, values={})


@bp.post("/<lang>/f/<slug>")
@limiter.limit(lambda: setting("RATE_LIMIT_SUBMIT"), exempt_when=switch_without_files)
def form_post(lang, slug):
    form = g.config.published_form(g.site, slug) or abort(404)
    # The envelope (token, button, honeypot) read as plain fields: a Flask-WTF form built per
    # post only to read three strings cost more than the reading.
    form_token = request.form.get("form_token", "")
    values = {key: request.form.getlist(key) for key in request.form}
    try:
        token = read_form_token(current_app.secret_key, form_token, setting("FORM_TOKEN_MAX_AGE"))
    except TokenError as error:
        # Keep what was typed and give the person a fresh page to send it from.
        return render_form(form, form.current_version, values, notice=error.reason, status=400)
    submission = Submission(
        site=g.site, form=form, token=token,
        action=_action(request.form.get("action")),
        language=lang, raw=values, honeypot=request.form.get("website", ""),
        files=incoming_files(), account=g.account, handover=request.form.get("_handover", ""),
        remove_attachment_ids={parse_id(i) for i in request.form.getlist("remove_attachment")} - {None},
    )
    result = save_form(submission, _policy(form))
    g.private_page = True
    if result.outcome is Outcome.NOT_ALLOWED:
        return render_closed(form)
    if result.outcome in (Outcome.SENT, Outcome.REPLAYED):
        shown = form.version(result.request.form_version_id)
        # The QR code is drawn by the browser, or here for a page without JavaScript that
        # asked for it. The host page hears of a send once, not again when the receipt
        # changes language.
        address = _status_url(lang) + "#" + result.request.code
        return render_template("public/receipt.html", req=result.request,
                               rows=answer_rows(result.request, lang, fields=shown and shown.fields),
                               receipt_organization=g.site.organization, receipt_form=form,
                               qr=qr_svg(address) if request.form.get("qr") else None,
                               qr_address=address, token=form_token, host_event=None
                               if submission.action is Action.LANGUAGE else "submitted")
    if result.outcome is Outcome.DRAFT_SAVED:
        return render_form(form, form.version(result.request.form_version_id)
                           or result.request.form_version, values, draft=result.request,
                           host_event="draft-saved", code_sent_to=result.code_sent_to)
    if result.outcome is Outcome.BAD_TOKEN:
        abort(400)
    if result.outcome is Outcome.SPAM:
        return render_template("public/refused.html"), 422
    version = form.version(token.version_id)
    if result.outcome is Outcome.STORE_DOWN:
        # Nothing was sent or saved; the same page (and token) may be sent again.
        return render_form(form, version, values, draft=result.request, notice="store_down",
                           errors=result.errors, token=form_token, status=503)
    if result.outcome is Outcome.KEPT:
        # The same page in the language of the URL it was posted to: same token, same answers.
        return render_form(form, version, values, draft=result.request, errors=result.errors,
                           token=form_token)
    return render_form(form, version, values, draft=result.request, errors=result.errors,
                        notice="too_fast" if result.outcome is Outcome.TOO_FAST else None,
                        token=form_token, status=422)


def _action(posted: str | None) -> Action:
    """Which button sent the form; anything unknown is the main one, Send."""
    try:
        return Action(posted)
    except ValueError:
        return Action.SEND


def asked_for(form) -> int:
    """The status of a code page: 200 when it asks for the code, 422 when what was posted was
    no code at all (empty or blank)."""
    return 422 if form.code.errors else 200


def incoming_files() -> list[IncomingFile]:
    """The files of the post, each read once (a second read finds its stream at the end)."""
    return [IncomingFile(key, upload.filename or "", upload.read())
            for key in request.files for upload in request.files.getlist(key)]


@bp.route("/<lang>/recover", methods=["GET", "POST"])
@limiter.limit(lambda: setting("RATE_LIMIT_LOOKUP"), methods=["POST"],
               deduct_when=counted)
def recover(lang):
    """Lost codes: they go to the e-mail address or phone number given with the requests. The
    page says the same whether that contact is known or not. Its language switch sends nothing:
    the page again, with what was typed or what it said."""
    form = ContactForm()
    if is_language_switch():
        return render_template("public/recover.html", form=form,
                               asked=request.form.get("asked") == "1")
    if request.method == "POST":
        try:
            ask_for_codes(g.site, form.contact.data or "", lang, current_app.secret_key,
                          setting("RECOVERY_PER_CONTACT_PER_DAY"))
        except NotAllowed as error:
            return render_template("public/recover.html", form=form,
                                   problem=str(error.message)), 422
        return render_template("public/recover.html", form=ContactForm(formdata=None), asked=True)
    return render_template("public/recover.html", form=form)


@bp.route("/<lang>/resume", methods=["GET", "POST"])
@limiter.limit(lambda: setting("RATE_LIMIT_LOOKUP"), methods=["POST"], deduct_when=failed_lookup)
def resume(lang):
    """Reopen a saved draft by its resume code."""
    form = CodeForm()
    if request.method == "GET" or is_language_switch() or not form.validate():
        return render_template("public/resume.html", form=form), asked_for(form)
    lookup = find_draft(g.site, form.code.data, setting("DRAFT_MAX_AGE_DAYS"))
    if lookup.problem:
        return render_template("public/resume.html", form=form, problem=lookup.problem.value,
                               ), 404 if lookup.problem is LookupProblem.NOT_FOUND else 422
    draft = lookup.request
    g.private_page = True
    return render_form(draft.form_version.form, draft.form_version, draft_values(draft), draft=draft)


def render_form(form, version, values, draft=None, errors=None, notice=None, token=None,
                host_event=None, status=200, code_sent_to=()):
    """A form page with a fresh form token (or the one given, to keep a page's nonce); the
    refusal instead when the form is not open to this person (a draft included)."""
    if not may_use_form(form, g.account):
        return render_closed(form)
    if not values and draft is None and g.account is not None and not g.account.is_agent:
        # Nothing typed yet: what the profile holds, so that nobody types it twice.
        profile = profile_values(g.account)
        values = {field.key: [profile[field.prefill]] for field in version.fields
                  if field.prefill in profile}
    token = token or issue_form_token(current_app.secret_key, g.site.id, form.id, version.id,
                                      draft.id if draft is not None and draft.is_draft else None)
    return render_template(
        "public/form.html", form=form, version=version, values=values, draft=draft,
        errors=errors or {}, notice=notice, token=token, host_event=host_event,
        # Another language posts the form: what was typed and attached stays (same token).
        language_switch={"form": "request-form", "endpoint": "public.form_post",
                         "args": {"slug": form.slug}},
        code_sent_to=code_sent_to,
        upload_limits=form_limits(g.site.organization, form), help_pages=g.config.help_pages,
    ), status


def render_closed(form):
    """The page saying the form is not open to this person (403): sign in, or ask."""
    g.private_page = True
    return render_template("public/form_closed.html", form=form,
                           signed_in=g.account is not None), 403


def _status_url(lang: str) -> str:
    return url_for(".track", lang=lang, _external=True)


def _policy(form) -> Policy:
    return Policy(upload_limits=form_limits(g.site.organization, form),
                  min_fill_seconds=setting("MIN_FILL_SECONDS"), store=configured_store(),
                  notice_rules=g.config.notice_rules)
