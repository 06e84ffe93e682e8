"""Fees and post: what the person owes and what travels by post (seed 000's messages)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from widget.models import Event, EventKind, FeeStatus, Request, StaffUser
from widget.services.access import NotAllowed
from widget.services.workflow import OPEN, apply_action
from widget.textnorm import fold_digits, strip_controls

REFERENCE_MAX_LENGTH = 60


def _reference(text: str | None, what) -> str:
    value = strip_controls(text or "").strip()
    if not value:
        raise NotAllowed(_l("Please enter the %(what)s.", what=what))
    if len(value) > REFERENCE_MAX_LENGTH:
        raise NotAllowed(_l("That is too long for a %(what)s.", what=what))
    return value


def request_fee(staff: StaffUser, request_id: int, expected_version: int | None, amount: str) -> Request:
    """Ask the person to pay a fee before the result (or before processing)."""
    try:
        value = Decimal(fold_digits(amount or "").replace(",", ".").strip())
    except InvalidOperation:
        value = Decimal(-1)
    if not value.is_finite() or value <= 0 or value >= Decimal("1e12"):
        raise NotAllowed(_l("Please enter the fee as a positive amount."))

    def change(request: Request, now: datetime) -> Event:
        if request.fee_status == FeeStatus.PAID.value:
            raise NotAllowed(_l("The fee is already paid."))
        request.fee_amount = value.quantize(Decimal("0.01"))
        request.fee_status = FeeStatus.REQUESTED.value
        return Event(kind=EventKind.FEE_REQUESTED.value, data={"amount": str(request.fee_amount)})
    return apply_action(staff, request_id, expected_version, "fee_requested", change, OPEN)


def mark_fee_paid(staff: StaffUser, request_id: int, expected_version: int | None,
                  receipt_number: str) -> Request:
    """Record the payment and its receipt number."""
    receipt_number = _reference(receipt_number, _l("receipt number"))

    def change(request: Request, now: datetime) -> Event:
        if request.fee_status != FeeStatus.REQUESTED.value:
            raise NotAllowed(_l("No fee is waiting to be paid."))
        request.fee_status = FeeStatus.PAID.value
        request.fee_receipt_number = receipt_number
        return Event(kind=EventKind.FEE_PAID.value,
                     data={"amount": str(request.fee_amount), "receipt_number": receipt_number})
    return apply_action(staff, request_id, expected_version, "fee_paid", change)


def waive_fee(staff: StaffUser, request_id: int, expected_version: int | None, reason: str) -> Request:
    """Waive a requested fee, with a reason."""
    reason = strip_controls(reason or "").strip()
    if not reason:
        raise NotAllowed(_l("Please give a reason."))

    def change(request: Request, now: datetime) -> Event:
        if request.fee_status != FeeStatus.REQUESTED.value:
            raise NotAllowed(_l("No fee is waiting to be paid."))
        request.fee_status = FeeStatus.WAIVED.value
        return Event(kind=EventKind.FEE_WAIVED.value, note=reason[:2000])
    return apply_action(staff, request_id, expected_version, "fee_waived", change, heads_only=True)


def record_post_sent(staff: StaffUser, request_id: int, expected_version: int | None,
                     item_number: str) -> Request:
    """Documents or the result left by post: the postal item number lets the person follow it."""
    item_number = _reference(item_number, _l("postal item number"))

    def change(request: Request, now: datetime) -> Event:
        request.postal_item_number = item_number
        return Event(kind=EventKind.POST_SENT.value, data={"item_number": item_number})
    return apply_action(staff, request_id, expected_version, "post_sent", change)


def record_post_received(staff: StaffUser, request_id: int, expected_version: int | None,
                         item_number: str) -> Request:
    """Documents the person sent by post have arrived."""
    item_number = _reference(item_number, _l("postal item number"))

    def change(request: Request, now: datetime) -> Event:
        return Event(kind=EventKind.POST_RECEIVED.value, data={"item_number": item_number})
    return apply_action(staff, request_id, expected_version, "post_received", change)
