"""Typed SQLAlchemy models, one module per aggregate. No Flask imports here."""
from widget.models.forms import Field, FieldType, Form, FormGroup, FormVersion
from widget.models.org import Organization, Site, Unit
from widget.models.requests import Attachment, Event, EventKind, Request, RequestStatus

__all__ = [
    "Attachment", "Event", "EventKind", "Field", "FieldType", "Form", "FormGroup", "FormVersion",
    "Organization", "Request", "RequestStatus", "Site", "Unit",
]
