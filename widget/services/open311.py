"""Open311 GeoReport v2: an organisation's published forms as services, requests filed through
it, and what an integrator may read back (status and dates, never what the person wrote).

Who is asking: an api_key names a connected system (ApiClient) and so its organisation; without
one, jurisdiction_id is the key of one of the organisation's widget sites. A key reads and files
exactly what its system account may in the back office (services.access.visible_to: its units'
requests, the forms that file into its units). Requests are named by their opaque open311_id,
never by the tracking code: the code is the person's bearer secret, and a key's lists must not
hand it out. Without a key, only the code opens its request (the person holds it).

A request filed here is checked by answers.clean_answers and created like a web submission
(submit.mark_sent), so it gets its tracking code, due date, timeline event and notices exactly
as in the widget.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true
from sqlalchemy.orm import selectinload

from widget import codes
from widget.extensions import db
from widget.models import (ApiClient, AuditEntry, Channel, Event, EventKind, Field, FieldType, Form,
                           FormGroup, FormVersion, OPEN_STATUSES, Organization, Request,
                           RequestStatus, Site)
from widget.models._types import as_utc, utcnow
from widget.services.access import visible_to
from widget.services.answers import clean_answers
from widget.services.submit import mark_sent
from widget.untrusted import EARLIEST_YEAR, LATEST_YEAR

# The spec's default and ceiling for GET requests: 90 days, and at most 1000 rows.
MAX_ROWS = 1000
WINDOW = timedelta(days=90)
CLOSED_STATUSES = (RequestStatus.RESULT_READY.value, RequestStatus.REFUSED.value,
                   RequestStatus.CLOSED.value)
# The timeline events after which a request counts as "closed" in Open311 terms.
CLOSING_EVENTS = (EventKind.RESULT_READY.value, EventKind.REFUSED.value, EventKind.CLOSED.value)
# Timeline events an integrator never reads: the draft's own history, and internal notes (which
# are also public=False; both checks stay, so a mislabelled note still never leaves).
HIDDEN_EVENTS = (EventKind.DRAFT_SAVED.value, EventKind.NOTE.value)
# "+" in an unencoded query string arrives as a space: 2010-01-01T00:00:00 07:00.
_SPACED_OFFSET = re.compile(r" (\d\d:?\d\d)$")
# models.requests.new_open311_id's form (fullmatch); anything else is no id, and never reaches
# the database (a NUL byte would be PostgreSQL's error, not a 404).
_OPEN311_ID = re.compile(r"[0-9a-f]{20}")


class Refused(Exception):
    """A call Open311 answers with an error: its HTTP status and the descriptions to show
    (lazy translations are rendered by the view, in English)."""

    def __init__(self, code: int, *descriptions):
        super().__init__(*descriptions)
        self.code = code
        self.descriptions = list(descriptions)


@dataclass
class Caller:
    """Who asks: the organisation whose data they see, the site they named, their system."""

    organization: Organization | None
    site: Site | None = None
    client: ApiClient | None = None


def identify(client: ApiClient | None, key_presented: bool, jurisdiction_id: str | None,
             key_required: bool = False, organization_required: bool = True) -> Caller:
    """The caller of an Open311 call, from the system its api_key verified as (None when the key
    presented did not verify, or none was) and/or jurisdiction_id (a site key)."""
    if key_presented and client is None:
        raise Refused(403, "Invalid api_key: it is unknown or was revoked.")
    if client is None and key_required:
        raise Refused(403, "This call needs an api_key.")
    site = None
    if (jurisdiction_id or "").strip():
        site = db.session.scalar(select(Site).where(Site.key == jurisdiction_id.strip()))
        # With a key, the key decides: a site of another organisation is simply not found.
        if site is None or (client is not None and site.organization_id != client.organization_id):
            raise Refused(404, "jurisdiction_id not found.")
    organization = client.organization if client else site.organization if site else None
    if organization is None and organization_required:
        raise Refused(400, "jurisdiction_id was not provided (the site key of the organisation's "
                           "widget), nor an api_key.")
    return Caller(organization, site, client)


def _forms_in_scope(caller: Caller) -> ColumnElement[bool]:
    """The forms a caller may read and file on: with a key limited to units, those that file
    into its units (as services.submit.file_on_behalf allows its staff); else every form."""
    staff = caller.client.staff_user if caller.client else None
    if staff is None or staff.is_admin:
        return true()
    unit_ids = [unit.id for unit in staff.units]
    return Form.unit_id.in_(unit_ids) if unit_ids else false()


# --- services --------------------------------------------------------------------------------

def published_services(caller: Caller) -> list[Form]:
    """The organisation's published forms (that have a version) the caller may file on, in
    catalogue order."""
    forms = db.session.scalars(
        select(Form).outerjoin(FormGroup, Form.group_id == FormGroup.id)
        .where(Form.organization_id == caller.organization.id, Form.is_published.is_(True),
               Form.unit_id.is_not(None), _forms_in_scope(caller))
        .options(selectinload(Form.versions).selectinload(FormVersion.fields),
                 selectinload(Form.group))
        # The widget catalogue's order: groups by position, forms in no group last.
        .order_by(FormGroup.id.is_(None), FormGroup.position, FormGroup.id, Form.position,
                  Form.id)).all()
    return [form for form in forms if form.current_version is not None]


def find_service(caller: Caller, service_code: str | None) -> Form:
    """One published form of the organisation the caller may file on, by its slug, or Refused
    (400/404: another unit's form is not found, as another organisation's)."""
    if not (service_code or "").strip():
        raise Refused(400, "service_code was not provided.")
    form = db.session.scalar(select(Form).where(
        Form.organization_id == caller.organization.id, Form.slug == service_code.strip(),
        Form.is_published.is_(True), Form.unit_id.is_not(None), _forms_in_scope(caller)))
    if form is None or form.current_version is None:
        raise Refused(404, "service_code not found.")
    return form


def attribute_fields(form: Form) -> list[Field]:
    """The fields Open311 can carry: every field but files."""
    return [field for field in form.current_version.fields if field.type != FieldType.FILE.value]


def file_fields(form: Form) -> list[Field]:
    """The file fields, which Open311 cannot carry (it has no upload)."""
    return [field for field in form.current_version.fields if field.type == FieldType.FILE.value]


def changeset(organization: Organization | None) -> datetime | None:
    """When the newest form version (of the organisation, or of anyone) was made."""
    query = select(func.max(FormVersion.created_at)).join(Form, FormVersion.form_id == Form.id)
    if organization is not None:
        query = query.where(Form.organization_id == organization.id)
    moment = db.session.scalar(query)
    return as_utc(moment) if moment else None


# --- reading requests ------------------------------------------------------------------------

def parse_moment(text: str | None, name: str) -> datetime | None:
    """A W3C date-time parameter (naive ones read as UTC), None when absent, else Refused."""
    text = _SPACED_OFFSET.sub(r"+\1", (text or "").strip())
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Refused(400, f"{name} must be a W3C date-time, e.g. 2010-01-01T00:00:00Z.") from None
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:  # the 90-day window must fit the calendar
        raise Refused(400, f"{name} must be a date-time of the years {EARLIEST_YEAR} to "
                           f"{LATEST_YEAR}.")
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def date_window(start_text: str | None, end_text: str | None,
                now: datetime | None = None) -> tuple[datetime, datetime]:
    """The span a search covers: as given, at most 90 days; by default the last 90 days."""
    start, end = parse_moment(start_text, "start_date"), parse_moment(end_text, "end_date")
    if start and end:
        if end < start:
            raise Refused(400, "end_date is before start_date.")
        if end - start > WINDOW:
            raise Refused(400, "start_date and end_date may not span more than 90 days.")
    elif start:
        end = start + WINDOW
    elif end:
        start = end - WINDOW
    else:
        end = now or utcnow()
        start = end - WINDOW
    return _stored(start), _stored(end)


def _stored(moment: datetime) -> datetime:
    """A moment as the database compares it: UTC, and naive on SQLite (which keeps naive UTC)."""
    moment = moment.astimezone(timezone.utc)
    return moment.replace(tzinfo=None) if db.engine.dialect.name == "sqlite" else moment


def _comma_list(text: str | None) -> list[str]:
    return [item.strip() for item in (text or "").split(",") if item.strip()]


def _readable(caller: Caller) -> ColumnElement[bool]:
    """The sent requests the caller may read: a key's, as its system account sees them in the
    back office; without a key, the named organisation's (or anyone's: only a code finds one)."""
    sent = (Request.status != RequestStatus.DRAFT.value, Request.code.is_not(None))
    if caller.client is not None:
        return and_(visible_to(caller.client.staff_user), *sent)
    if caller.organization is not None:
        return and_(Request.organization_id == caller.organization.id, *sent)
    return and_(*sent)


def _sent_requests(caller: Caller):
    return select(Request).where(_readable(caller)).options(
        selectinload(Request.form_version).selectinload(FormVersion.form),
        selectinload(Request.unit))


def _named(caller: Caller, typed: list[str]) -> ColumnElement[bool]:
    """The requests named by Open311 ids (a key's names for them) or by tracking codes (which
    the person holds, and a key's caller may from before ids were opaque); else none."""
    ids = [item.lower() for item in typed
           if caller.client is not None and _OPEN311_ID.fullmatch(item.lower())]
    wanted = [code for code in map(codes.parse, typed) if code]
    return or_(Request.open311_id.in_(ids), Request.code.in_(wanted))


def search_requests(caller: Caller, ids: str | None = None,
                    service_codes: str | None = None, start_date: str | None = None,
                    end_date: str | None = None, status: str | None = None,
                    now: datetime | None = None) -> list[Request]:
    """The sent requests a key may see as GET requests filters them, oldest first, at most
    1000; service_request_id (comma list) overrides every other filter, as the spec says."""
    query = _sent_requests(caller)
    if ids:
        query = query.where(_named(caller, _comma_list(ids)[:MAX_ROWS]))
    else:
        slugs = _comma_list(service_codes)
        if slugs:
            query = query.join(FormVersion, Request.form_version_id == FormVersion.id).join(
                Form, FormVersion.form_id == Form.id).where(Form.slug.in_(slugs))
        start, end = date_window(start_date, end_date, now)
        query = query.where(Request.submitted_at >= start, Request.submitted_at <= end)
        statuses = set(_comma_list((status or "").lower()))
        if statuses - {"open", "closed"}:
            raise Refused(400, "status must be open, closed or both (comma separated).")
        if statuses == {"open"}:
            query = query.where(Request.status.in_(OPEN_STATUSES))
        elif statuses == {"closed"}:
            query = query.where(Request.status.in_(CLOSED_STATUSES))
    return list(db.session.scalars(
        query.order_by(Request.submitted_at, Request.id).limit(MAX_ROWS)))


def find_request(caller: Caller, typed: str) -> Request:
    """A sent request the caller may read: by its Open311 id (a key's, within its scope) or by
    its tracking code (the person's; a key's only within its scope too)."""
    named = _named(caller, [(typed or "").strip()])
    request = db.session.scalar(_sent_requests(caller).where(named))
    if request is None:
        # A typo, an unknown id or code, a draft, another unit's or organisation's request, an
        # id without a key: all look the same.
        raise Refused(404, "service_request_id not found.")
    return request


def is_closed(request: Request) -> bool:
    """Open311's "closed": the result is ready, the request was refused, or it is closed."""
    return request.status in CLOSED_STATUSES


def timeline_updates(caller: Caller, start_date: str | None, end_date: str | None,
                     now: datetime | None = None) -> list[tuple[Event, bool]]:
    """The public timeline events of the requests a key may see in the window, oldest first,
    at most 1000, each with whether its request was closed by then."""
    start, end = date_window(start_date, end_date, now)
    events = db.session.scalars(
        select(Event).join(Request, Event.request_id == Request.id)
        .where(_readable(caller),
               Event.public.is_(True), Event.kind.not_in(HIDDEN_EVENTS),
               Event.created_at >= start, Event.created_at <= end)
        .options(selectinload(Event.request))
        .order_by(Event.created_at, Event.id).limit(MAX_ROWS)).all()
    request_ids = {event.request_id for event in events}
    closed_from = dict(db.session.execute(
        select(Event.request_id, func.min(Event.id))
        .where(Event.request_id.in_(request_ids), Event.kind.in_(CLOSING_EVENTS))
        .group_by(Event.request_id)).all()) if request_ids else {}
    return [(event, event.request_id in closed_from and event.id >= closed_from[event.request_id])
            for event in events]


# --- filing a request ------------------------------------------------------------------------

@dataclass
class Contact:
    """The person's details Open311 sends beside the attributes."""

    email: str = ""
    phone: str = ""
    first_name: str = ""
    last_name: str = ""
    description: str = ""
    address: str = ""


def _with_contact(form: Form, raw: Mapping[str, list[str]], contact: Contact) -> dict:
    """The attributes as the widget's fields read them, plus the contact details put into the
    fields that ask for them (the first e-mail and phone fields, the fields prefilled with a name
    or an address, the first long text) where the attributes left those fields out."""
    fields = attribute_fields(form)
    dates = {field.key for field in fields if field.type == FieldType.DATE.value}
    # A "datetime" attribute may come as a full ISO 8601 date-time: the field keeps its date.
    filled = {key: [value.split("T", 1)[0] if key in dates else value for value in values]
              for key, values in raw.items()}
    name = " ".join(part.strip() for part in (contact.first_name, contact.last_name) if part.strip())
    targets = (
        (contact.email, lambda f: f.type == FieldType.EMAIL.value),
        (contact.phone, lambda f: f.type == FieldType.PHONE.value),
        (name, lambda f: f.prefill == "name"),
        (contact.address, lambda f: f.prefill == "address"),
        (contact.description, lambda f: f.type == FieldType.LONG_TEXT.value),
    )
    for value, match in targets:
        field = next((field for field in fields if match(field)), None)
        if value.strip() and field is not None and not any(filled.get(field.key, [])):
            filled[field.key] = [value]
    return filled


def file_request(caller: Caller, form: Form, raw: Mapping[str, list[str]], contact: Contact,
                 language: str) -> Request:
    """File a request through Open311 like a web submission: checked by clean_answers, coded,
    due-dated, with its timeline event, notices and an audit entry. Commits; or Refused (400)."""
    if caller.client is None or form.organization_id != caller.client.organization_id:
        raise Refused(403, "This call needs an api_key of the service's organisation.")
    if not db.session.scalar(select(Form.id).where(Form.id == form.id, _forms_in_scope(caller))):
        raise Refused(404, "service_code not found.")
    required_files = [field.key for field in file_fields(form) if field.required]
    if required_files:
        raise Refused(400, f"This service needs a file ({', '.join(required_files)}), which "
                           "Open311 cannot carry: please use the organisation's web form.")
    organization = caller.client.organization
    version = form.current_version
    answers, errors = clean_answers(version.fields, _with_contact(form, raw, contact),
                                    organization.country)
    if errors:
        raise Refused(400, *(FieldError(key, message) for key, message in errors.items()))
    try:
        request = Request(organization=organization, site=caller.site, form_version=version,
                          channel=Channel.WEB.value, language=language, answers=answers)
        mark_sent(request, form)
        received = request.events[-1]
        received.actor = caller.client.name
        received.staff_user_id = caller.client.staff_user_id
        received.data = {**(received.data or {}), "via": "open311"}
        db.session.add(request)
        db.session.flush()
        db.session.add(AuditEntry(organization_id=organization.id,
                                  staff_user_id=caller.client.staff_user_id,
                                  request_id=request.id, action="open311_request",
                                  after={"form": form.slug, "api_client_id": caller.client.id}))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return request


class FieldError:
    """"attribute[key]: message", rendered when the view turns it into text (in English)."""

    def __init__(self, key: str, message):
        self.key, self.message = key, message

    def __str__(self) -> str:
        return f"attribute[{self.key}]: {self.message}"
