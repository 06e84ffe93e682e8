"""Finding a request or a draft by the code a person holds."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from widget import codes
from widget.extensions import db
from widget.models import Request, RequestStatus, Site
from widget.models._types import as_utc, utcnow


class LookupProblem(str, enum.Enum):
    TYPO = "typo"          # the check symbol is wrong: caught without touching the database
    NOT_FOUND = "not_found"  # unknown, another organisation's, or no longer valid: all alike


@dataclass
class Lookup:
    request: Request | None
    problem: LookupProblem | None


def find_request(site: Site, typed: str) -> Lookup:
    """The sent request of the site's organisation with this tracking code."""
    code = codes.parse(typed)
    if code is None:
        return Lookup(None, LookupProblem.TYPO)
    request = db.session.scalar(
        select(Request).where(Request.code == code,
                              Request.organization_id == site.organization_id)
    )
    if request is None or request.is_draft:
        return Lookup(None, LookupProblem.NOT_FOUND)
    return Lookup(request, None)


def find_draft(site: Site, typed: str, max_age_days: int) -> Lookup:
    """The unsent, unexpired draft of this site with this resume code."""
    code = codes.parse(typed)
    if code is None:
        return Lookup(None, LookupProblem.TYPO)
    draft = db.session.scalar(
        select(Request).where(Request.resume_code == code, Request.site_id == site.id,
                              Request.status == RequestStatus.DRAFT.value)
    )
    if draft is None or as_utc(draft.updated_at) < utcnow() - timedelta(days=max_age_days):
        return Lookup(None, LookupProblem.NOT_FOUND)
    return Lookup(draft, None)
