"""A request's search text: what the inbox search looks in (the answers, so the person's name,
contacts and subject; the tracking code; the journal number), folded the way the search folds
what staff type (widget.textnorm.fold_for_search), phone numbers also as their digits in
international form. Kept up to date by a session hook whenever any of it changes, whichever
use case changes it."""
from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from widget import codes
from widget.config_cache import read_in_transaction
from widget.contacts import e164, phone_number
from widget.extensions import db
from widget.models import Organization, Request
from widget.textnorm import fold_digits, fold_for_search

SEARCHED = ("answers", "code", "journal_number")
MIN_DIGITS = 6  # fewer digits in a row are no phone or document number worth a digits form
_NOT_DIGIT = re.compile(r"\D")


def _texts(value) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _texts(item)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield str(value)


def digit_forms(text: str, region: str) -> list[str]:
    """A number typed with spaces, dashes or brackets as plain digits ("0912 345 678" ->
    0912345678) and, when it is a phone number, in international form without the + (the
    organisation's country reads local numbers: 84912345678)."""
    digits = _NOT_DIGIT.sub("", fold_digits(text))
    if len(digits) < MIN_DIGITS:
        return []
    forms = [digits]
    number = phone_number(text, region)
    if number is not None:
        forms.append(e164(number).lstrip("+"))
    return forms


def search_text(answers: dict | None, code: str | None, journal_number: str | None,
                region: str) -> str:
    """The folded text the inbox search looks in, for these answers and numbers."""
    parts = []
    for text in (text for value in (answers or {}).values() for text in _texts(value)):
        parts.append(fold_for_search(text))
        parts.extend(digit_forms(text, region))
    if code:
        parts += [fold_for_search(code), fold_for_search(codes.display(code))]
    if journal_number:
        parts.append(fold_for_search(journal_number))
    # One line: a multi-word search matches each word, in any part.
    return " ".join(part for part in parts if part)


def refresh(request: Request, region: str) -> None:
    """Set the request's search text from what it holds now."""
    request.search_text = search_text(request.answers, request.code, request.journal_number,
                                      region)


@event.listens_for(db.session, "before_flush")
def _refresh_changed(session: Session, _context, _instances) -> None:
    # Every new request, and every one whose searched columns changed, whatever changed them.
    changed = [item for item in session.new if isinstance(item, Request)] + [
        item for item in session.dirty if isinstance(item, Request) and any(
            inspect(item).attrs[name].history.has_changes() for name in SEARCHED)]
    if not changed:
        return
    with session.no_autoflush:
        for request in changed:
            refresh(request, _country(session, request))


def _country(session: Session, request: Request) -> str:
    """The country that reads the request's local phone numbers: its organisation's, from what
    this transaction holds already (the loaded organisation, or the configuration the request's
    site was checked with) before reading the organisation."""
    organisation = request.__dict__.get("organization")  # loaded, or set: no lazy load here
    if organisation is None and request.organization_id is not None:
        key = session.identity_key(Organization, request.organization_id)
        organisation = session.identity_map.get(key)  # maybe changed in this transaction
        if organisation is None:
            configuration = read_in_transaction(session, request.organization_id)
            if configuration is not None:
                return configuration.organization.country
            organisation = session.get(Organization, request.organization_id)
    return organisation.country if organisation else "VN"
