"""The JSON shapes of the REST API: forms, requests (a summary and the whole), proposals. The
OpenAPI document (widget.api.openapi) describes exactly these."""
from __future__ import annotations

from datetime import datetime

from widget import codes
from widget.models import Attachment, Field, Form, FormProposal, Request, Unit
from widget.models._types import as_utc


def moment(value: datetime | None) -> str | None:
    return as_utc(value).isoformat() if value is not None else None


def _number(value):
    """A Numeric limit as the JSON number it was pushed as (1.5, not "1.5000")."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def field_document(field: Field) -> dict:
    """A field with every key a pushed definition may give it."""
    return {"key": field.key, "type": field.type, "required": field.required,
            "labels": field.labels or {}, "helps": field.helps or {},
            "min_length": field.min_length, "max_length": field.max_length,
            "min_value": _number(field.min_value), "max_value": _number(field.max_value),
            "prefill": field.prefill,
            "choices": [{"value": choice["value"], "labels": choice.get("labels") or {}}
                        for choice in field.choices or []]}


def form_document(form: Form) -> dict:
    """A form as POST /forms takes it (so a system reads back what it pushed), and its state."""
    version = form.current_version
    return {
        "slug": form.slug, "titles": form.titles or {}, "descriptions": form.descriptions or {},
        "published": form.is_published,
        "group": form.group.titles if form.group else None, "group_id": form.group_id,
        "unit_id": form.unit_id,
        "processing_days": form.processing_days,
        "version": version.number if version else None,
        "fields": [field_document(field) for field in (version.fields if version else [])],
    }


def unit_document(unit: Unit) -> dict:
    return {"id": unit.id, "code": unit.code, "names": unit.names or {}, "active": unit.is_active}


def request_summary(request: Request) -> dict:
    return {
        "id": request.id, "code": codes.display(request.code) if request.code else None,
        "status": request.status, "form": request.form_version.form.slug,
        "form_version": request.form_version.number, "channel": request.channel,
        "language": request.language,
        "unit": request.unit.code if request.unit else None,
        "journal_number": request.journal_number,
        "executor": request.executor.name if request.executor else None,
        "submitted_at": moment(request.submitted_at), "due_at": moment(request.due_at),
        "updated_at": moment(request.updated_at), "version": request.lock_version,
    }


def _file(attachment: Attachment) -> dict:
    return {"id": attachment.id, "filename": attachment.filename,
            "content_type": attachment.content_type, "size": attachment.size,
            "sha256": attachment.sha256}


def request_document(request: Request) -> dict:
    """Everything staff see: answers, the whole timeline (internal notes marked), messages,
    letters and files."""
    return request_summary(request) | {
        "answers": request.answers,
        "pause_reason": request.pause_reason, "handover": request.handover,
        "refusal_reason": request.refusal_reason, "fee_status": request.fee_status,
        "fee_amount": str(request.fee_amount) if request.fee_amount is not None else None,
        "timeline": [{"id": event.id, "kind": event.kind, "at": moment(event.created_at),
                      "actor": event.actor, "note": event.note, "public": event.public is not False,
                      "data": event.data or {}} for event in request.events],
        "messages": [{"id": message.id, "from_staff": message.from_staff, "body": message.body,
                      "at": moment(message.created_at),
                      "files": [_file(a) for a in message.attachments]}
                     for message in request.messages],
        "letters": [{"id": letter.id, "title": letter.title, "body": letter.body,
                     "at": moment(letter.created_at),
                     "files": [_file(a) for a in letter.attachments]}
                    for letter in request.letters],
        "files": [_file(attachment) for attachment in request.attachments],
    }


def proposal_document(proposal: FormProposal) -> dict:
    return {"id": proposal.id, "slug": proposal.slug, "status": proposal.status,
            "reason": proposal.reason or None, "created_at": moment(proposal.created_at),
            "decided_at": moment(proposal.decided_at)}
