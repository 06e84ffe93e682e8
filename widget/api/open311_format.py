"""What Open311 answers look like: plain dicts in the spec's field names, written out as JSON or
as the spec's XML (element names as its examples show; lists become one element per item, the
"Spark convention" the spec's JSON follows). Texts are English, whatever the caller's language."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime
from decimal import Decimal
from html.parser import HTMLParser
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Response
from flask_babel import force_locale

from widget.models import Event, EventKind, Field, FieldType, Form, Organization, Request
from widget.models._types import as_utc
from widget.public.presenters import STATUS_LABELS, timeline_label
from widget.services import open311

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"
LANGUAGE = "en"

DATATYPES = {
    FieldType.TEXT.value: "string",
    FieldType.LONG_TEXT.value: "text",
    FieldType.NUMBER.value: "number",
    FieldType.DATE.value: "datetime",
    FieldType.EMAIL.value: "string",
    FieldType.PHONE.value: "string",
    FieldType.CHOICE.value: "singlevaluelist",
    FieldType.MULTI_CHOICE.value: "multivaluelist",
    FieldType.CHECKBOX.value: "singlevaluelist",
}
DATATYPE_DESCRIPTIONS = {
    FieldType.DATE.value: "A date, YYYY-MM-DD (of a full ISO 8601 date-time only the date counts).",
    FieldType.EMAIL.value: "An e-mail address.",
    FieldType.PHONE.value: "A phone number, with the country code unless it is local.",
    FieldType.CHECKBOX.value: "true or false.",
    FieldType.MULTI_CHOICE.value: "Repeat attribute[code] (or attribute[code][]) once for each value chosen.",
}
# The informational attribute (variable=false) a form with file fields gets. It starts with "_",
# which no field key may, so it never shadows a field.
FILES_NOTICE_CODE = "_files"
# The XML element of each list's items.
ITEM_TAGS = {"services": "service", "service_requests": "request", "errors": "error",
             "service_request_updates": "request_update", "attributes": "attribute",
             "values": "value", "endpoints": "endpoint", "formats": "format"}
# Characters XML 1.0 cannot carry at all, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# --- writing ---------------------------------------------------------------------------------

def respond(fmt: str, root: str, data, status: int = 200) -> Response:
    """An answer in JSON or in XML under the root element `root`."""
    if fmt == "xml":
        return Response(to_xml(root, data), status, content_type=XML_TYPE)
    return Response(json.dumps(data, ensure_ascii=False), status, content_type=JSON_TYPE)


def errors(fmt: str, status: int, descriptions) -> Response:
    """The spec's error answer: [{"code", "description"}, ...] (<errors><error>... in XML)."""
    with force_locale(LANGUAGE):
        items = [{"code": status, "description": str(text)} for text in descriptions]
    return respond(fmt, "errors", items, status)


def to_xml(root: str, data) -> bytes:
    """The document as the spec's XML, with its declaration."""
    body = ET.tostring(_element(root, data), encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body).encode()


def _element(tag: str, value) -> ET.Element:
    element = ET.Element(tag)
    if isinstance(value, dict):
        element.extend(_element(key, item) for key, item in value.items())
    elif isinstance(value, list):
        element.extend(_element(ITEM_TAGS[tag], item) for item in value)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = _NOT_XML.sub("", str(value))
    return element


# --- services --------------------------------------------------------------------------------

class _TextOnly(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data):
        self.parts.append(data)


def plain_text(html: str) -> str:
    """The words of a (sanitised) HTML description, for fields the spec wants as plain text."""
    parser = _TextOnly()
    parser.feed(html or "")
    parser.close()
    return " ".join("".join(parser.parts).split())


def service(form: Form) -> dict:
    """One form as an Open311 service."""
    return {"service_code": form.slug, "service_name": form.title(LANGUAGE),
            "description": plain_text(form.description(LANGUAGE)) or None,
            "metadata": bool(form.current_version.fields), "type": "realtime",
            "keywords": None, "group": form.group.title(LANGUAGE) if form.group else None}


def definition(form: Form) -> dict:
    """A form's fields as the service definition's attributes; files are left out (Open311 has
    no upload) and explained by one informational attribute."""
    attributes = [attribute(field, order)
                  for order, field in enumerate(open311.attribute_fields(form), start=1)]
    files = open311.file_fields(form)
    if files:
        required = [field.key for field in files if field.required]
        text = (f"This service needs a file ({', '.join(required)}), which Open311 cannot carry: "
                "requests for it are refused here; please use the organisation's web form."
                if required else
                f"Files ({', '.join(field.key for field in files)}) cannot be sent through "
                "Open311; the request goes without them.")
        attributes.append({"variable": False, "code": FILES_NOTICE_CODE, "datatype": "string",
                           "required": False, "datatype_description": None,
                           "order": len(attributes) + 1, "description": text})
    return {"service_code": form.slug, "attributes": attributes}


def attribute(field: Field, order: int) -> dict:
    """One field as a service attribute."""
    description = field.label(LANGUAGE)
    if field.help(LANGUAGE):
        description = f"{description}: {field.help(LANGUAGE)}" if description else field.help(LANGUAGE)
    item = {"variable": True, "code": field.key, "datatype": DATATYPES[field.type],
            "required": bool(field.required), "datatype_description": _datatype_text(field),
            "order": order, "description": description or field.key}
    if field.type in (FieldType.CHOICE.value, FieldType.MULTI_CHOICE.value):
        item["values"] = [{"key": choice["value"],
                           "name": field.choice_label(choice["value"], LANGUAGE)}
                          for choice in field.choices]
    elif field.type == FieldType.CHECKBOX.value:
        item["values"] = [{"key": "true", "name": "Yes"}, {"key": "false", "name": "No"}]
    return item


def _datatype_text(field: Field) -> str | None:
    if field.type == FieldType.NUMBER.value:
        bounds = [f"at least {_plain(field.min_value)}" if field.min_value is not None else "",
                  f"at most {_plain(field.max_value)}" if field.max_value is not None else ""]
        return "A number" + (f", {' and '.join(b for b in bounds if b)}." if any(bounds) else ".")
    if field.type in (FieldType.TEXT.value, FieldType.LONG_TEXT.value) and field.max_length:
        return f"At most {field.max_length} characters."
    return DATATYPE_DESCRIPTIONS.get(field.type)


def _plain(number) -> str:
    # Decimal from the database, or an int/float still in the session as it was assigned.
    return format(Decimal(str(number)).normalize(), "f")


# --- requests --------------------------------------------------------------------------------

def moment(value: datetime | None, organization: Organization) -> str | None:
    """ISO 8601 with the organisation's UTC offset, e.g. 2026-10-16T09:00:00+07:00."""
    if value is None:
        return None
    try:
        zone = ZoneInfo(organization.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return as_utc(value).astimezone(zone).isoformat(timespec="seconds")


def notice(request: Request) -> str:
    """What the organisation promises: an answer within the form's working days."""
    days = request.form_version.form.processing_days
    return f"An answer is due within {days} working day{'s' if days != 1 else ''}."


def service_request(request: Request, organization: Organization) -> dict:
    """A request as GET requests shows it: status and dates, nothing the person wrote."""
    form = request.form_version.form
    closed = open311.is_closed(request)
    with force_locale(LANGUAGE):
        status_notes = str(STATUS_LABELS.get(request.status, request.status))
    return {
        "service_request_id": request.open311_id,
        "status": "closed" if closed else "open",
        "status_notes": status_notes,
        "service_name": form.title(LANGUAGE),
        "service_code": form.slug,
        "description": None,
        "agency_responsible": request.unit.name(LANGUAGE) if request.unit else None,
        "service_notice": notice(request),
        "requested_datetime": moment(request.submitted_at or request.created_at, organization),
        "updated_datetime": moment((request.closed_at if closed else None) or request.updated_at,
                                   organization),
        "expected_datetime": moment(request.due_at, organization),
    }


def created(request: Request, organization: Organization) -> dict:
    """The answer to POST requests: the request's id, at once (the services are realtime). Not
    its tracking code: the person gets that in their notices, a key's caller never needs it."""
    return {"service_request_id": request.open311_id,
            "service_notice": f"{notice(request)} Expected by "
                              f"{moment(request.due_at, organization)}.",
            "account_id": None}


def token(request: Request) -> dict:
    """GET tokens/{token}: a request's token is its id (also when it was found by its code,
    which is never written back)."""
    return {"service_request_id": request.open311_id, "token": request.open311_id}


def update(event: Event, closed: bool, organization: Organization) -> dict:
    """One public timeline event as a request update (mySociety's servicerequestupdates)."""
    if event.kind == EventKind.CITIZEN_MESSAGE.value:
        label = "Message from the person"  # the widget's label speaks to the person: "Your message"
    else:
        with force_locale(LANGUAGE):
            label = timeline_label(event)
    return {"update_id": str(event.id),
            "service_request_id": event.request.open311_id,
            "status": "closed" if closed else "open",
            "updated_datetime": moment(event.created_at, organization),
            "description": label}


def discovery(url: str, organization: Organization | None, changed: datetime | None) -> dict:
    """The service discovery document: this one endpoint, JSON and XML."""
    stamp = moment(changed, organization) if changed and organization else (
        as_utc(changed).isoformat(timespec="seconds") if changed else "")
    who = organization.name(LANGUAGE) if organization else "the organisation"
    return {"changeset": stamp,
            "contact": f"Ask {who} through its website.",
            "key_service": f"API keys are issued by the administrators of {who}, in the back "
                           "office (connected systems).",
            "endpoints": [{"specification": SPECIFICATION, "url": url, "changeset": stamp,
                           "type": "production", "formats": ["text/xml", "application/json"]}]}
