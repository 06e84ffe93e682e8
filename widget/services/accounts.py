"""People's accounts: signing up and confirming the contact, forgotten and changed passwords,
the profile.

Sign-up and "forgot password" never tell whether a contact has an account (OWASP Forgot Password
cheat sheet; ASVS 5.0 6.3.8): both hash a password or record a code whatever the answer, and
answer with the same page. A contact that already has an account is told so by a message to
that contact, which only its holder reads.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from widget.contacts import Contact, NotAMobile, contact_hash, masked, parse_contact, read_contact
from widget.extensions import db
from widget.models import Account, CodePurpose, OneTimeCode, OutboxChannel, Site
from widget.models._types import utcnow
from widget.notify.account_notices import compose_account_message
from widget.notify.outbox import enqueue
from widget.notify.catalog import EMAIL
from widget.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, hash_password, password_matches
from widget.services import account_sessions, one_time
from widget.services.signin_lock import unlock
from widget.services.access import ActionError
from widget.textnorm import strip_controls

NAME_MAX = 200
WRONG_CODE = _l("This code is wrong or no longer valid. Ask for a new one.")


class InvalidInput(ActionError):
    """What a person typed cannot be used; `errors` maps each field to a translated message."""

    def __init__(self, errors: dict):
        super().__init__(next(iter(errors.values())))
        self.errors = errors


@dataclass(frozen=True)
class CodeSent:
    """A page that asks for the code just sent: which code, and where it went (masked)."""

    code_id: int
    where: str


def _password_problem(password: str, contact: Contact | None = None):
    if len(password or "") < MIN_PASSWORD_LENGTH:
        return _l("The password must have at least %(min)d characters.", min=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return _l("The password may have at most %(max)d characters.", max=MAX_PASSWORD_LENGTH)
    if contact is not None and password.strip().lower() == contact.value:
        return _l("The password must not be your e-mail address or phone number.")
    return None


def _contact_or_error(site: Site, typed: str, errors: dict) -> Contact | None:
    try:
        contact = read_contact(typed, site.organization.country)
    except NotAMobile as error:  # codes go by SMS: the lost-code page's rule (contacts.sms_number)
        errors["contact"] = error.message
        return None
    if contact is None:
        errors["contact"] = _l("Please enter an e-mail address (name@example.com) or a mobile "
                               "number.")
    return contact


def link_to(site: Site, language: str, endpoint_path: str, token: str) -> str:
    """A link into the widget for an e-mail, at the public address; empty when there is none."""
    base = current_app.config["FRONTDESK_PUBLIC_URL"].rstrip("/")
    return f"{base}/w/{site.key}/{language}/account/{endpoint_path}?t={token}" if base else ""


def _limits() -> one_time.Limits:
    config = current_app.config
    return one_time.Limits(config["FRONTDESK_RECOVERY_PER_CONTACT_PER_DAY"],
                           config["FRONTDESK_RECOVERY_SMS_DAILY_BUDGET"])


def send_code(site: Site, purpose: CodePurpose, contact: Contact, account: Account | None,
               deliverable: bool, language: str, values: dict | None = None,
               request_id: int | None = None, confirm_path: str = "",
               kind: str | None = None) -> CodeSent:
    """Record a code and, within the limits, write it to the contact; in the caller's
    transaction."""
    organization = site.organization
    issued = one_time.issue(organization, purpose.value, contact, current_app.secret_key,
                            _limits(), account, deliverable, request_id=request_id)
    # Only sign-up and password codes have a link: the others are typed where they were asked.
    link = (link_to(site, language, confirm_path, issued.link_token)
            if confirm_path and issued.link_token else "")
    minutes = str(int(one_time.LIFETIME.total_seconds() // 60))
    # Composed even when nothing goes (a limit, an unknown contact): no timing tells them apart.
    subject, text, html = compose_account_message(
        organization, kind or purpose.value, contact.channel, language,
        {"otp": issued.code, "minutes": minutes, **(values or {})},
        link if account is not None else "")
    if issued.may_send:
        enqueue(organization.id, OutboxChannel(contact.channel), contact.value, text,
                language=language, subject=subject, html_body=html)
    db.session.flush()
    return CodeSent(issued.row.id, masked(contact))


# -- signing up ------------------------------------------------------------------------------

def sign_up(site: Site, name: str, typed_contact: str, password: str, language: str) -> CodeSent:
    """Start an account (or restart an unconfirmed one) and send its confirmation code. Raises
    InvalidInput. Commits."""
    errors: dict = {}
    name = " ".join(strip_controls(name or "").split())[:NAME_MAX]
    if not name:
        errors["name"] = _l("Please enter your full name.")
    contact = _contact_or_error(site, typed_contact, errors)
    problem = _password_problem(password, contact)
    if problem:
        errors["password"] = problem
    if errors:
        raise InvalidInput(errors)
    password_hash = hash_password(password)  # also for a known contact: the same time either way
    column = Account.email if contact.channel == EMAIL else Account.phone
    account = db.session.scalar(select(Account).where(
        Account.organization_id == site.organization_id, column == contact.value))
    if account is not None and account.is_confirmed:
        sent = send_code(site, CodePurpose.SIGNUP, contact, None, True, language,
                          kind="signup_exists")
    else:
        # A new account, or one nobody confirmed: whoever confirms the code owns it.
        account = account or Account(organization_id=site.organization_id)
        account.name, account.password_hash, account.language = name, password_hash, language
        if contact.channel == EMAIL:
            account.email = contact.value
        else:
            account.phone = contact.value
        db.session.add(account)
        db.session.flush()
        sent = send_code(site, CodePurpose.SIGNUP, contact, account, True, language,
                         confirm_path="confirm")
    db.session.commit()
    return sent


def confirm_contact(code_id: int, typed_code: str, session_days: int
                    ) -> tuple[Account, account_sessions.NewSession] | None:
    """Confirm a new account with the code from its message, and sign it in. Commits."""
    row = db.session.get(OneTimeCode, code_id)
    if not one_time.check_code(row, CodePurpose.SIGNUP.value, typed_code, current_app.secret_key):
        return None
    account = _mark_confirmed(row)
    session = account_sessions.start_session(account, session_days)
    db.session.commit()
    return account, session


def confirm_by_link(link_token: str) -> Account | None:
    """Confirm a new account from the link in its e-mail (no sign-in: the link may be opened
    anywhere). Commits."""
    row = one_time.by_link(link_token, CodePurpose.SIGNUP.value, current_app.secret_key)
    if row is None or not one_time.spend_link(row):
        return None
    account = _mark_confirmed(row)
    db.session.commit()
    return account


def _mark_confirmed(row: OneTimeCode) -> Account:
    account = row.account
    now = utcnow()
    if row.channel == EMAIL:
        account.email_verified_at = account.email_verified_at or now
    else:
        account.phone_verified_at = account.phone_verified_at or now
    return account


# -- forgotten and changed passwords ---------------------------------------------------------

def ask_password_reset(site: Site, typed_contact: str, language: str) -> CodeSent:
    """Send a code to set a new password, if the contact has an account; the same page either
    way. Raises InvalidInput for text that is no contact at all. Commits."""
    errors: dict = {}
    contact = _contact_or_error(site, typed_contact, errors)
    if errors:
        raise InvalidInput(errors)
    account = account_sessions.find_account(site.organization, contact.value)
    known = account is not None and account.is_confirmed
    sent = send_code(site, CodePurpose.RESET, contact, account if known else None, known,
                      account.language if known else language, confirm_path="reset")
    db.session.commit()
    return sent


def reset_password(code_id: int | None, typed_code: str, link_token: str, new_password: str,
                   session_days: int) -> tuple[Account, account_sessions.NewSession]:
    """Set a new password with the code (or the link) sent for it; every other session ends and
    a lock from failed sign-ins lifts. Raises InvalidInput. Commits."""
    problem = _password_problem(new_password)
    if problem:
        raise InvalidInput({"password": problem})
    secret = current_app.secret_key
    if link_token:
        row = one_time.by_link(link_token, CodePurpose.RESET.value, secret)
        used = row is not None and one_time.spend_link(row)
    else:
        row = db.session.get(OneTimeCode, code_id) if code_id else None
        used = one_time.check_code(row, CodePurpose.RESET.value, typed_code, secret)
    if not used:
        raise InvalidInput({"code": WRONG_CODE})
    account = _mark_confirmed(row)  # the code reached the contact: it is the person's
    account.password_hash = hash_password(new_password)
    unlock(account)
    account_sessions.end_other_sessions(account)
    session = account_sessions.start_session(account, session_days)
    db.session.commit()
    return account, session


def change_password(account: Account, current_password: str, new_password: str,
                    session_token: str) -> None:
    """Change the password; other browsers signed in to the account are signed out. Raises
    InvalidInput. Commits."""
    if not password_matches(account.password_hash, current_password):
        raise InvalidInput({"current_password": _l("The current password is wrong.")})
    problem = _password_problem(new_password)
    if problem:
        raise InvalidInput({"new_password": problem})
    account.password_hash = hash_password(new_password)
    account_sessions.end_other_sessions(account, keep_token=session_token)
    db.session.commit()


# -- the profile -----------------------------------------------------------------------------

def update_profile(account: Account, address: str, language: str, languages: list[str],
                   birth_date: str = "", document_number: str = "") -> None:
    """Save what the person may change themselves: the address and the language, and the
    registered details that are still empty. Raises InvalidInput. Commits."""
    errors: dict = {}
    account.address = strip_controls(address or "", keep_newlines=True).strip()[:500] or None
    if language in languages:
        account.language = language
    if account.birth_date is None and (birth_date or "").strip():
        try:
            born = date.fromisoformat(birth_date.strip())
        except ValueError:
            born = None
        if born is None or not date(1900, 1, 1) <= born <= date.today():
            errors["birth_date"] = _l("Please enter a real date of birth.")
        else:
            account.birth_date = born
    if not account.document_number and (document_number or "").strip():
        account.document_number = " ".join(strip_controls(document_number).split())[:60]
    if errors:
        db.session.rollback()
        raise InvalidInput(errors)
    db.session.commit()


def ask_contact_change(site: Site, account: Account, typed_contact: str, language: str) -> CodeSent:
    """Send a code to a new e-mail address or mobile number for the account. Raises
    InvalidInput. Commits."""
    errors: dict = {}
    contact = _contact_or_error(site, typed_contact, errors)
    if errors:
        raise InvalidInput(errors)
    if contact.value in (account.email, account.phone):
        raise InvalidInput({"contact": _l("This is already the address or number of your "
                                          "account.")})
    sent = send_code(site, CodePurpose.CONTACT, contact, account, True, language)
    db.session.commit()
    return sent


def confirm_contact_change(site: Site, account: Account, code_id: int | None, typed_code: str,
                           typed_contact: str) -> Contact:
    """Add (or replace) the account's e-mail address or mobile number with the code sent to it.
    Raises InvalidInput. Commits."""
    contact = parse_contact(typed_contact, site.organization.country)
    row = db.session.get(OneTimeCode, code_id) if code_id else None
    # The code was sent to the contact whose hash it keeps: the typed one must be that one.
    if (contact is None or row is None or row.account_id != account.id
            or row.target_hash != contact_hash(current_app.secret_key, contact)
            or not one_time.check_code(row, CodePurpose.CONTACT.value, typed_code,
                                       current_app.secret_key)):
        raise InvalidInput({"code": WRONG_CODE})
    holder = account_sessions.find_account(site.organization, contact.value)
    if holder is not None and holder.id != account.id:
        if holder.is_confirmed:
            raise InvalidInput({"code": _l("This address or number belongs to another account.")})
        # Someone's unconfirmed sign-up with it: proof of holding the contact wins.
        setattr(holder, "email" if contact.channel == EMAIL else "phone", None)
        db.session.flush()
    now = utcnow()
    if contact.channel == EMAIL:
        account.email, account.email_verified_at = contact.value, now
    else:
        account.phone, account.phone_verified_at = contact.value, now
    db.session.commit()
    return contact


def profile_values(account: Account | None) -> dict[str, str]:
    """What the profile can fill a form's fields with, by profile key (see Field.prefill)."""
    if account is None:
        return {}
    values = {"name": account.name, "email": account.email or "", "phone": account.phone or "",
              "address": account.address or "",
              "birth_date": account.birth_date.isoformat() if account.birth_date else "",
              "document_number": account.document_number or ""}
    return {key: value for key, value in values.items() if value}

