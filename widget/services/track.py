"""Finding a request or a draft by the code a person holds."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from widget import codes
from widget.extensions import db
from widget.models import Attachment, Request, RequestStatus, Site
from widget.models._types import as_utc, utcnow
from widget.services.catalogue import published_form
from widget.services.status_page import STATUS_PAGE_LOADS, StatusRequest, status_request


class LookupProblem(str, enum.Enum):
    TYPO = "typo"          # the check symbol is wrong: caught without touching the database
    NOT_FOUND = "not_found"  # unknown, another organisation's, or no longer valid: all alike


@dataclass
class Lookup:
    request: Request | StatusRequest | None
    problem: LookupProblem | None


# Built once: building a statement and its cache key costs more than running it from the cache.
# With the executor and unit (the status page's lookup reads its own: find_status).
_BY_CODE = (select(Request).where(Request.code == bindparam("code"),
                                  Request.organization_id == bindparam("organization_id"))
            .options(joinedload(Request.executor), joinedload(Request.unit)))


def find_request(site: Site, typed: str) -> Lookup:
    """The sent request of the site's organisation with this tracking code."""
    code = codes.parse(typed)
    if code is None:
        return Lookup(None, LookupProblem.TYPO)
    request = db.session.execute(
        _BY_CODE, {"code": code, "organization_id": site.organization_id}).scalar_one_or_none()
    if request is None or request.is_draft:
        return Lookup(None, LookupProblem.NOT_FOUND)
    return Lookup(request, None)


def find_status(site: Site, typed: str) -> Lookup:
    """find_request for the status page: the request as the page reads it (a StatusRequest, one
    Core statement with its handler and unit), with the same problems for the same codes."""
    code = codes.parse(typed)
    if code is None:
        return Lookup(None, LookupProblem.TYPO)
    request = status_request(site.organization_id, code)
    if request is None or request.is_draft:
        return Lookup(None, LookupProblem.NOT_FOUND)
    return Lookup(request, None)


def request_for_status_token(site: Site, request_id: int) -> Request | None:
    """The sent request a (verified) status token names, within the site's organisation."""
    request = db.session.get(Request, request_id, options=STATUS_PAGE_LOADS)
    if request is None or request.is_draft or request.organization_id != site.organization_id:
        return None
    return request


def request_for_page(request_id: int) -> Request:
    """A request read again with what its status page shows (after a commit expired it)."""
    return db.session.execute(
        select(Request).where(Request.id == request_id).options(*STATUS_PAGE_LOADS)
        .execution_options(populate_existing=True)).unique().scalar_one()


def citizen_file(request: Request, attachment_id: int):
    """A file of this request the person may download: their own, or from staff (messages,
    letters). Never another request's."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.request_id != request.id:
        return None
    return attachment


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
    if published_form(site, draft.form_version.form.slug) is None:
        # The form was unpublished or taken off this site: the draft could not be sent here.
        return Lookup(None, LookupProblem.NOT_FOUND)
    return Lookup(draft, None)
