"""Blueprint "open311": Open311 GeoReport v2 under /open311/v2, every resource as .json and .xml,
plus mySociety's servicerequestupdates extension. Thin views: parse the query or form, call
widget.services.open311, write the answer with widget.api.open311_format."""
from __future__ import annotations

import re

from flask import Blueprint, g, request, url_for
from werkzeug.exceptions import HTTPException

from widget.api import open311_format as fmt311
from widget.api.keys import api_limit, presented_key, verified_client
from widget.config import setting
from widget.db_outage import answer_outages
from widget.rate_limits import retry_after
from widget.services import open311
from widget.services.open311 import Contact, Refused

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")

FORMATS = ("json", "xml")
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")


# The REST API's budget: one per verified key across both APIs, per address without one.
api_limit(bp)


def _format_asked() -> str:
    asked = (request.view_args or {}).get("fmt")
    return asked if asked in FORMATS else "json"


@bp.errorhandler(Refused)
def _refused(error: Refused):
    return fmt311.errors(_format_asked(), error.code, error.descriptions)


def _http_error(error: HTTPException):
    detail = f"{error.name}: {error.description}" if error.description else error.name
    return fmt311.errors(_format_asked(), error.code or 500, [detail])


# By code as well as by class: Flask asks for a handler by code first, and the app's own (HTML
# pages for people) would otherwise answer a rate limit or a server error here.
bp.register_error_handler(HTTPException, _http_error)
for _code in (400, 403, 404, 405, 413, 500):
    bp.register_error_handler(_code, _http_error)


@bp.errorhandler(429)
def _too_many(error: HTTPException):
    response = _http_error(error)
    response.headers["Retry-After"] = retry_after()
    return response


answer_outages(bp, lambda: fmt311.errors(
    _format_asked(), 503, ["The database is unreachable for a moment: try again after "
                           "Retry-After seconds."]))


@bp.after_request
def _readable_from_any_site(response):
    """Other sites' pages read Open311 too (a city's map of reported problems, a mobile web app):
    every answer may be read from any origin. Safe because nothing here is allowed by a cookie:
    a page sends its own key (api_key, or Authorization: Bearer, which a browser asks about first
    with an OPTIONS preflight) and can do only what that key allows."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, POST"
        response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
        response.headers["Access-Control-Max-Age"] = "86400"
    return response


def _checked(fmt: str) -> str:
    if fmt not in FORMATS:
        raise Refused(404, "Unknown format: ask for .json or .xml.")
    return fmt


def _caller(key_required: bool = False, organization_required: bool = True) -> open311.Caller:
    return open311.identify(verified_client(), bool(presented_key()),
                            request.values.get("jurisdiction_id"),
                            key_required=key_required,
                            organization_required=organization_required)


@bp.get("/discovery.<fmt>")
def discovery(fmt):
    """Service discovery: where this endpoint is and which formats it speaks."""
    _checked(fmt)
    caller = _caller(organization_required=False)
    base = url_for(".discovery", fmt="json", _external=True).rsplit("/discovery", 1)[0]
    return fmt311.respond(fmt, "discovery", fmt311.discovery(
        base, caller.organization, open311.changeset(caller.organization)))


@bp.get("/services.<fmt>")
def services(fmt):
    """GET Service List: the organisation's published forms (a unit-limited key's: its units')."""
    _checked(fmt)
    forms = open311.published_services(_caller())
    return fmt311.respond(fmt, "services", [fmt311.service(form) for form in forms])


@bp.get("/services/<service_code>.<fmt>")
def service_definition(service_code, fmt):
    """GET Service Definition: a form's fields as attributes."""
    _checked(fmt)
    form = open311.find_service(_caller(), service_code)
    return fmt311.respond(fmt, "service_definition", fmt311.definition(form))


@bp.get("/requests.<fmt>")
def list_requests(fmt):
    """GET Service Requests: status and dates of the requests the key may see."""
    _checked(fmt)
    caller = _caller(key_required=True)
    args = request.args
    found = open311.search_requests(
        caller, ids=args.get("service_request_id"),
        service_codes=args.get("service_code"), start_date=args.get("start_date"),
        end_date=args.get("end_date"), status=args.get("status"))
    g.private_page = True
    return fmt311.respond(fmt, "service_requests",
                          [fmt311.service_request(item, caller.organization) for item in found])


@bp.post("/requests.<fmt>")
def create_request(fmt):
    """POST Service Request: file a request on a form, answers as attribute[code]=value."""
    _checked(fmt)
    caller = _caller(key_required=True)
    form = open311.find_service(caller, request.form.get("service_code"))
    raw: dict[str, list[str]] = {}
    for name, values in request.form.lists():
        match = _ATTRIBUTE.match(name)
        if match:
            raw.setdefault(match.group(1), []).extend(values)
    values = request.form
    contact = Contact(email=values.get("email", ""), phone=values.get("phone", ""),
                      first_name=values.get("first_name", ""),
                      last_name=values.get("last_name", ""),
                      description=values.get("description", ""),
                      address=values.get("address_string", ""))
    filed = open311.file_request(caller, form, raw, contact, _language(caller))
    return fmt311.respond(fmt, "service_requests", [fmt311.created(filed, caller.organization)])


def _language(caller: open311.Caller) -> str:
    """The language of the person's notices: locale= (en, en-GB...), else the site's."""
    languages = setting("LANGUAGES")
    asked = (request.form.get("locale") or "").strip().lower()[:2]
    if asked in languages:
        return asked
    if caller.site is not None and caller.site.default_language in languages:
        return caller.site.default_language
    return setting("DEFAULT_LANGUAGE")


@bp.get("/requests/<service_request_id>.<fmt>")
def one_request(service_request_id, fmt):
    """GET Service Request: one request by its id (with a key that may see it) or by its
    tracking code (the person's secret, so no key needed); the answer names it by its id."""
    _checked(fmt)
    caller = _caller(organization_required=False)
    found = open311.find_request(caller, service_request_id)
    g.private_page = True
    return fmt311.respond(fmt, "service_requests",
                          [fmt311.service_request(found, found.organization)])


@bp.get("/tokens/<token>.<fmt>")
def token(token, fmt):
    """GET service_request_id from a token: requests have their id at once, and the token is it
    (looked up as GET requests/{id} does)."""
    _checked(fmt)
    caller = _caller(organization_required=False)
    found = open311.find_request(caller, token)
    g.private_page = True
    return fmt311.respond(fmt, "service_requests", [fmt311.token(found)])


@bp.get("/servicerequestupdates.<fmt>")
def request_updates(fmt):
    """mySociety's extension: the public timeline events of the requests the key may see."""
    _checked(fmt)
    caller = _caller(key_required=True)
    updates = open311.timeline_updates(caller, request.args.get("start_date"),
                                       request.args.get("end_date"))
    g.private_page = True
    return fmt311.respond(fmt, "service_request_updates",
                          [fmt311.update(event, closed, caller.organization)
                           for event, closed in updates])
