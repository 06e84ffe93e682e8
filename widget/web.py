"""App-wide HTTP behaviour: security headers, health check, translated error pages."""
from __future__ import annotations

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from sqlalchemy import text

from widget.api.problem_types import is_machine_path, problem_response, routing_problem
from widget.db_outage import answer_outages, remove_session
from widget.extensions import db
from widget.file_stores import StoredFileMissing, StoreUnavailable
from widget.notify.outbox import backlog
from widget.rate_limits import retry_after
from widget.security import frame_ancestors_header, frame_origins

# Pages load only our own files; the widget's inline QR code is SVG markup, not script.
_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'")


def policy_with_style_nonce(nonce: str) -> str:
    """The pages' policy, letting one inline <style> element carrying `nonce` apply (the theme
    editor's preview of unsaved changes)."""
    return _CSP.replace("style-src 'self'", f"style-src 'self' 'nonce-{nonce}'")


def register_web_hooks(app: Flask) -> None:
    """Install the security headers, /healthz and the error pages on the app."""

    @app.after_request
    def security_headers(response):
        # Widget views set g.frame_origins to their site's origins (or g.frame_anywhere, the
        # outage page); everything else denies framing, and so does a site none of whose origins
        # is a plain one (a header names no other).
        origins = frame_origins(g.get("frame_origins"))
        # A view may have set a stricter policy of its own (file downloads are sandboxed).
        policy = response.headers.get("Content-Security-Policy", _CSP)
        ancestors = "frame-ancestors *" if g.get("frame_anywhere") else frame_ancestors_header(origins)
        response.headers["Content-Security-Policy"] = f"{policy}; {ancestors}"
        if not origins and not g.get("frame_anywhere"):
            response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        # Tracking codes live only in POST bodies and URL fragments; send no Referer anywhere.
        response.headers["Referrer-Policy"] = "no-referrer"
        if request.method == "POST" or g.get("private_page"):
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.get("/healthz")
    def healthz():
        """For the load balancer (503 while the database is unreachable, or has no tables yet)
        and monitoring: the notifications waiting for a worker, which only grow and age while no
        worker runs."""
        try:
            db.session.execute(text("SELECT 1"))
            waiting = backlog()
        except Exception:  # noqa: BLE001 - any database failure means "not healthy"
            db.session.rollback()
            return jsonify(status="error", database="unreachable"), 503
        return jsonify(status="ok", database="ok", outbox={
            "due": waiting.due, "oldest_due_seconds": waiting.oldest_due_seconds})

    @app.after_request
    def retry_after_only_when_waiting_helps(response):
        # Retry-After on a refusal, never on a 200 or a 404 (a client that obeys it would wait
        # for nothing). Flask-Limiter's own headers are off: on every limited request they
        # cost two more round trips to Redis, for figures no page or client reads.
        if response.status_code not in (429, 503):
            response.headers.pop("Retry-After", None)
        elif response.status_code == 429 and "Retry-After" not in response.headers:
            response.headers["Retry-After"] = retry_after()
        return response

    # After-request functions run last registered first: moved to the front, this one runs
    # after Flask-Limiter's, which init_app registered before.
    funcs = app.after_request_funcs[None]
    funcs.insert(0, funcs.pop(funcs.index(retry_after_only_when_waiting_helps)))

    def error_page(status: int, title: str, message: str):
        if is_machine_path(request.path):
            # The REST API's and Open311's paths no view took (or errors raised before their
            # own handlers): a problem document a system can read, never a page.
            return problem_response(status)
        if request.path == "/healthz":
            return jsonify(error=title), status
        return render_template("error.html", title=title, message=message), status

    @app.errorhandler(400)
    def bad_request(_error):
        return error_page(400, _("Something was wrong with that request"),
                          _("Please go back, reload the page and try again."))

    @app.errorhandler(403)
    def forbidden(_error):
        return error_page(403, _("This action is not allowed"),
                          _("The page was sent from somewhere we do not accept. Please open the "
                            "form again from the organisation's website."))

    @app.errorhandler(404)
    def not_found(_error):
        return error_page(404, _("Page not found"),
                          _("The address may be mistyped, or the page no longer exists."))

    @app.errorhandler(405)
    def method_not_allowed(error):
        if is_machine_path(request.path):
            return routing_problem(405, error.valid_methods)
        return error_page(405, _("Page not found"),
                          _("The address may be mistyped, or the page no longer exists."))

    @app.errorhandler(413)
    def too_large(_error):
        return error_page(413, _("The files are too large"),
                          _("Together your files exceed what we can accept. Please go back and "
                            "attach smaller files."))

    @app.errorhandler(429)
    def too_many(_error):
        return error_page(429, _("Too many attempts"),
                          _("Please wait a few minutes, then try again."))

    @app.errorhandler(StoreUnavailable)
    def store_unavailable(error):
        # Whatever needed the store failed before its commit (the services save files first).
        current_app.logger.warning("file store unavailable: %s", error)
        response = error_page(503, _("Files cannot be reached just now"),
                              _("Nothing was changed. Please try again in a few minutes."))
        return response[0], 503, {"Retry-After": "60"}

    @app.errorhandler(StoredFileMissing)
    def stored_file_missing(error):
        # The database names a file the store no longer holds: worth an operator's look.
        current_app.logger.error("stored file missing: key %s", error)
        return error_page(404, _("This file is missing"),
                          _("It is listed, but its content can no longer be found. Please let "
                            "the organisation know."))

    def database_unavailable():
        # The request's objects are expired and the database cannot reload them: the page shows
        # no site, account or theme. Widget pages may be framed by anyone here, as the site's
        # allowed origins cannot be read; the page has nothing to click, so nothing to hijack.
        g.pop("site", None)
        g.pop("account", None)
        if request.blueprint != "public":
            return error_page(503, _("The service is briefly unavailable"),
                              _("Please try again in a minute."))
        g.frame_anywhere = True
        return error_page(503, _("The service is briefly unavailable"),
                          _("Please try again in a minute. If you were sending a form, send it "
                            "again: a form sent twice is saved only once."))

    answer_outages(app, database_unavailable)
    # Registered after Flask-SQLAlchemy's own teardown, so it runs first (teardowns run in
    # reverse); that one then finds the session already removed.
    app.teardown_appcontext(remove_session)

    @app.errorhandler(500)
    def server_error(_error):
        return error_page(500, _("Something went wrong on our side"),
                          _("Nothing you sent was lost if you saw a receipt. Please try again in a "
                            "few minutes."))
