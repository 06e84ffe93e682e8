"""Widget views of a request's status page: looked up by its code, opened again by the token the
page carries (another language, with the message being written), the person's message to the
organisation, and the files they may download. They never commit; the services do."""
from __future__ import annotations

from flask import abort, current_app, g, render_template, request

from widget.config import setting
from widget.downloads import file_response
from widget.extensions import limiter
from widget.public import bp
from widget.public.forms import CodeForm
from widget.public.language_switch import holds_no_files, is_language_switch
from widget.public.lookup_limits import failed_lookup
from widget.public.message_files import held_context, held_nonce, removed_held_ids
from widget.public.presenters import answer_rows
from widget.public.routes import asked_for, incoming_files
from widget.security import TokenError, issue_status_token, read_status_token
from widget.services.access import NotAllowed
from widget.services.message_files import held_files, hold_message_files
from widget.services.messaging import send_citizen_message
from widget.services.status_page import status_page
from widget.services.track import (LookupProblem, citizen_file, find_status, request_for_page,
                                   request_for_status_token)
from widget.uploads import IncomingFile, configured_store, form_limits


@bp.route("/<lang>/track", methods=["GET", "POST"])
@limiter.limit(lambda: setting("RATE_LIMIT_LOOKUP"), methods=["POST"], deduct_when=failed_lookup)
# A status page switching language with files holds them: a form post's write, and its limit.
@limiter.limit(lambda: setting("RATE_LIMIT_SUBMIT"), methods=["POST"], exempt_when=holds_no_files,
               scope="held-files")
def track(lang):
    """Status by code; the code comes by POST only (the QR code's fragment is posted by JS).
    A status page switching language posts its token instead; a code page, its typed code."""
    if request.method == "POST" and "access" in request.form:
        return _status_by_token(lang)
    typed = _posted_code()
    if typed is None:
        form = CodeForm()
        if request.method == "GET" or is_language_switch() or not form.validate():
            return render_template("public/track.html", form=form), asked_for(form)
        typed = form.code.data
    lookup = find_status(g.site, typed)
    if lookup.problem:
        return render_template("public/track.html", form=CodeForm(), problem=lookup.problem.value,
                               ), 404 if lookup.problem is LookupProblem.NOT_FOUND else 422
    return render_status(lookup.request, lang)


def _posted_code() -> str | None:
    """The code a form post looks up, read as the one string it is: what CodeForm would read
    and let through (the field's first value, not blank), without building a form per lookup.
    None for anything else (a GET, a language switch, a blank code, a body that is no plain
    form), which CodeForm judges as it always did."""
    if request.method != "POST" or request.files or is_language_switch():
        return None
    typed = request.form.get("code", "")
    return typed if typed.strip() else None


def _status_by_token(lang):
    """The status page again (another language) from the token the page carried, with the
    message the person was writing and the files chosen for it (held: nothing is sent)."""
    req = _status_request(_status_access())
    if req is None:
        return _status_expired()
    return switched_status(req, lang)


def switched_status(req, lang, in_cabinet: bool = False):
    """A status page switching language: shown again with the message the person was writing
    and the files chosen for it held (nothing is sent)."""
    typed = request.form.get("body", "")
    files = [item for item in incoming_files() if item.data]
    try:
        nonce = held_nonce(req)
        if nonce is None and not files:
            return render_status(req, lang, reply_text=typed, in_cabinet=in_cabinet)
        limits = form_limits(req.organization, req.form_version.form)
        held, errors = hold_message_files(req, nonce, files, removed_held_ids(), limits,
                                          configured_store(), lang)
    except NotAllowed as error:
        return render_status(req, lang, reply_error=error.message, reply_text=typed, status=422,
                             in_cabinet=in_cabinet)
    # Read again: holding the files committed, which expired the request.
    return render_status(request_for_page(req.id), lang, reply_text=typed, held=held,
                         reply_error=next(iter(errors.values()), None),
                         status=422 if errors else 200, in_cabinet=in_cabinet)


def _status_expired():
    """A status page's token too old (or forged): the code is asked again."""
    return render_template("public/track.html", form=CodeForm(formdata=None),
                           problem="expired"), 400


def _status_access():
    """What the status page's token opens (StatusAccess), or None when it opens nothing."""
    try:
        return read_status_token(current_app.secret_key, request.form.get("access", ""),
                                 setting("STATUS_TOKEN_MAX_AGE"))
    except TokenError:
        return None


def _status_request(access):
    """The request a status page's token opens, or None."""
    return request_for_status_token(g.site, access.request_id) if access else None


@bp.post("/<lang>/track/reply")
@limiter.limit(lambda: setting("RATE_LIMIT_SUBMIT"))
def track_reply(lang):
    """The person answers the organisation from the status page."""
    access = _status_access()
    req = _status_request(access)
    if req is None:
        return _status_expired()
    nonce, chosen = None, incoming_files()  # read once: a file's stream is read to its end
    try:
        nonce = held_nonce(req)
        send_citizen_message(req, request.form.get("body", ""), chosen,
                             form_limits(req.organization, req.form_version.form),
                             configured_store(), page_served_at=access.served_at,
                             held_nonce=nonce, remove_held_ids=removed_held_ids())
    except NotAllowed as error:
        return _refused_reply(req, lang, nonce, chosen, error)
    # Read again: the message's commit expired the request, and the page shows the new one.
    return render_status(request_for_page(req.id), lang, notice="message_sent")


def _refused_reply(req, lang, nonce: str | None, chosen: list[IncomingFile], error: NotAllowed):
    """A message refused comes back as the person left it, as a form page with errors does:
    the words, the files held before (those ticked for removal still ticked) and, held beside
    them, the files chosen now that may be attached (check_files refuses the others again)."""
    held = held_files(req, nonce) if nonce else None
    chosen = [item for item in chosen if item.data]
    if chosen and (held is not None or nonce is None):
        held, _refused = hold_message_files(req, nonce, chosen, frozenset(),
                                            form_limits(req.organization, req.form_version.form),
                                            configured_store(), lang)
    return render_status(request_for_page(req.id), lang, reply_error=error.message,
                         reply_text=request.form.get("body", ""), held=held,
                         ticked=removed_held_ids(), status=422)


@bp.post("/<lang>/track/file/<id:attachment_id>")
@limiter.limit(lambda: setting("RATE_LIMIT_LOOKUP"))
def track_file(lang, attachment_id):
    """Download a file of the request (a letter, a file from staff, one's own) by POST."""
    req = _status_request(_status_access())
    attachment = citizen_file(req, attachment_id) if req is not None else None
    if attachment is None:
        abort(404)
    data = configured_store().read(attachment.storage_key)
    return file_response(data, attachment.content_type, attachment.filename)


def render_status(req, lang, notice=None, reply_error=None, reply_text="", status=200, held=None,
                  in_cabinet: bool = False, ticked: frozenset[int] = frozenset()):
    """A request's status page, with the token that lets it reply and download (and the
    files held for the message being written, those in `ticked` shown ticked for removal);
    in_cabinet: at its address in the person's cabinet, where it switches language."""
    g.private_page = True
    page = status_page(req)
    shown = g.config.form_version(req.form_version_id)
    # The organisation and the form from the configuration cache: the lookup reads neither.
    form = shown and next((form for form in g.config.forms if form.id == shown.form_id), None)
    return render_template(
        "public/status.html", req=req, page=page, status_organization=g.site.organization,
        status_form=form, rows=answer_rows(req, lang, page.files, shown and shown.fields),
        access=issue_status_token(current_app.secret_key, req.id), notice=notice,
        reply_error=reply_error, reply_text=reply_text, cabinet_request_id=in_cabinet and req.id,
        **held_context(req, held, ticked)), status
