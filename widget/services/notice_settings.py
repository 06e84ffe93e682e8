"""The administrators' notification settings: which notices go out on which channel, the
organisation's own wording of each (per channel and language), and how its SMS are written."""
from __future__ import annotations

import string
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import force_locale, lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from widget.extensions import db
from widget.models import NotificationRule, NotificationTemplate, Organization, StaffUser
from widget.models._types import utcnow
from widget.notify.catalog import EMAIL, INBOX, NOTICES, SMS
from widget.notify.compose import template_problems
from widget.services.access import FieldsRefused, NotAllowed, require_admin
from widget.services.audit_log import record_change

CHANNELS = (EMAIL, SMS, INBOX)
# The box shows a notice in its e-mail wording: only e-mail and SMS have their own.
WORDING_CHANNELS = (EMAIL, SMS)
MAX_BODY = 1000
MAX_SUBJECT = 300  # the column's width
MIN_SEGMENTS, MAX_SEGMENTS = 1, 10

# Each notice as staff know it: by the moment it goes out, not by its key.
NOTICE_NAMES: dict[str, LazyString] = {
    "received.web": _l("Received online"),
    "received.post": _l("Received by post"),
    "received.desk": _l("Received at the desk"),
    "registered": _l("Registered"),
    "assigned": _l("Assigned to a specialist"),
    "deadline_changed": _l("Deadline changed"),
    "paused.supplement": _l("Paused: waiting for the person's documents"),
    "paused.third_party": _l("Paused: waiting for another authority"),
    "paused.inspection": _l("Paused: waiting for a site inspection"),
    "paused.person_request": _l("Paused at the person's request"),
    "resumed": _l("Resumed"),
    "result_ready.desk": _l("Result ready: to collect at the desk"),
    "result_ready.post": _l("Result ready: sent by post"),
    "result_ready.online": _l("Result ready: online, on the status page"),
    "refused": _l("Refused"),
    "closed": _l("Closed"),
    "letter_issued": _l("Answer letter issued"),
    "staff_message": _l("Message from staff"),
    "fee_requested.before_result": _l("Fee due before the result is handed over"),
    "fee_requested.before_submission": _l("Fee due before work starts"),
    "fee_paid": _l("Fee paid"),
    "fee_waived": _l("Fee waived"),
    "post_sent": _l("Documents sent by post"),
    "post_received": _l("Documents received by post"),
    "due_soon": _l("Overdue warning"),
    "draft_code": _l("Draft saved: the code to continue it"),
    "draft_expiring": _l("Draft about to be deleted"),
    "codes_recovered": _l("Lost tracking codes sent again"),
    "reminder": _l("Date reminder"),
}


class WordingRefused(FieldsRefused):
    """A wording that cannot be saved; `problems` says what is wrong with which field."""


@dataclass(frozen=True)
class ChannelState:
    enabled: bool               # whether the notice goes out on this channel for the organisation
    default: bool               # whether it does when the organisation has not chosen
    own_wording: frozenset[str]  # the languages the organisation wrote its own wording in


@dataclass(frozen=True)
class NoticeState:
    key: str
    name: LazyString
    channels: dict[str, ChannelState]


@dataclass(frozen=True)
class Wording:
    key: str
    name: LazyString
    channel: str
    language: str
    subject: str           # e-mail only: the organisation's, else the default in that language
    body: str              # the organisation's, else the default in that language
    own: bool              # whether the organisation has its own wording
    placeholders: tuple[str, ...]
    without_diacritics: bool
    max_segments: int
    part_price: Decimal | None = None  # what one SMS part costs, for the counter


def _check_notice(key: str, channel: str, channels: tuple[str, ...] = CHANNELS) -> None:
    if key not in NOTICES or channel not in channels:
        raise NotAllowed(_l("There is no such notice or channel."))


def _check_language(language: str, languages: Iterable[str]) -> None:
    if language not in languages:
        raise NotAllowed(_l("Wordings can be written only in the languages this service offers."))


def _rules(organization_id: int) -> dict[tuple[str, str], NotificationRule]:
    return {(rule.event_key, rule.channel): rule for rule in db.session.scalars(
        select(NotificationRule).where(NotificationRule.organization_id == organization_id))}


def _template(organization_id: int, key: str, channel: str,
              language: str) -> NotificationTemplate | None:
    return db.session.scalar(select(NotificationTemplate).where(
        NotificationTemplate.organization_id == organization_id,
        NotificationTemplate.event_key == key, NotificationTemplate.channel == channel,
        NotificationTemplate.language == language))


def _commit() -> None:
    try:
        db.session.commit()
    except IntegrityError:
        # Two administrators creating the same setting at once: the unique constraint keeps one.
        db.session.rollback()
        raise NotAllowed(_l("Someone else changed this setting a moment ago. Please look at it "
                            "again and repeat your change.")) from None


def notice_overview(staff: StaffUser) -> list[NoticeState]:
    """Every notice in catalogue order: its name, and per channel whether it goes out and in
    which languages the organisation has its own wording."""
    require_admin(staff)
    rules = _rules(staff.organization_id)
    own: dict[tuple[str, str], set[str]] = {}
    for key, channel, language in db.session.execute(
            select(NotificationTemplate.event_key, NotificationTemplate.channel,
                   NotificationTemplate.language)
            .where(NotificationTemplate.organization_id == staff.organization_id)):
        own.setdefault((key, channel), set()).add(language)
    overview = []
    for key, notice in NOTICES.items():
        states = {}
        for channel in CHANNELS:
            default = channel in notice.channels
            rule = rules.get((key, channel))
            states[channel] = ChannelState(default if rule is None else rule.enabled, default,
                                           frozenset(own.get((key, channel), ())))
        overview.append(NoticeState(key, NOTICE_NAMES.get(key, key), states))
    return overview


def set_channel(staff: StaffUser, key: str, channel: str, enabled: bool) -> bool:
    """Turn a notice on or off on one channel for the organisation; False if it already was."""
    require_admin(staff)
    _check_notice(key, channel)
    rule = _rules(staff.organization_id).get((key, channel))
    was = channel in NOTICES[key].channels if rule is None else rule.enabled
    if was == enabled:
        return False
    if rule is None:
        db.session.add(NotificationRule(organization_id=staff.organization_id, event_key=key,
                                        channel=channel, enabled=enabled))
    else:
        rule.enabled = enabled
    what = {"event_key": key, "channel": channel}
    record_change(staff, "notice_channel", what | {"enabled": was}, what | {"enabled": enabled})
    _commit()
    return True


def wording_of(staff: StaffUser, key: str, channel: str, language: str,
               languages: Iterable[str]) -> Wording:
    """What the editor shows for one notice, channel and language: the organisation's own
    wording, else the built-in default translated into that language."""
    require_admin(staff)
    _check_notice(key, channel, WORDING_CHANNELS)
    _check_language(language, languages)
    notice = NOTICES[key]
    with force_locale(language):
        subject, body = str(notice.subject), str(notice.body)
    template = _template(staff.organization_id, key, channel, language)
    if template is not None:
        subject, body = template.subject or subject, template.body
    organization = db.session.get(Organization, staff.organization_id)
    return Wording(key, NOTICE_NAMES.get(key, key), channel, language,
                   subject if channel == EMAIL else "", body, template is not None,
                   tuple(sorted(notice.placeholders)), organization.sms_drops_diacritics,
                   organization.sms_max_segments, organization.sms_part_price)


def clean_text(text: str | None) -> str:
    """A typed text as it is kept: browsers post line ends as CR LF, an SMS counts each one."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _placeholder_problem(text: str, allowed: frozenset[str]) -> LazyString | None:
    problems = template_problems(text, allowed)
    if not problems:
        return None
    listed = ", ".join("{%s}" % name for name in sorted(allowed))
    try:
        # Shown as typed, so "{code!r}" is not reported as "{code}", which would look allowed.
        typed = ["{" + (name or "") + (f"!{conversion}" if conversion else "")
                 + (f":{spec}" if spec else "") + "}"
                 for _, name, spec, conversion in string.Formatter().parse(text)
                 if name is not None and (name not in allowed or spec or conversion)]
    except ValueError:
        return _l("The braces do not match: write each placeholder as its name between { and "
                  "}, with nothing else inside. This notice may use: %(allowed)s.", allowed=listed)
    # Lazy strings skip Jinja's escaping (LazyString.__html__): pages must show str() of this.
    return _l("Not a placeholder of this notice: %(unknown)s. It may use: %(allowed)s.",
              unknown=", ".join(dict.fromkeys(typed)), allowed=listed)


def save_wording(staff: StaffUser, key: str, channel: str, language: str, subject: str,
                 body: str, languages: Iterable[str]) -> NotificationTemplate:
    """Keep the organisation's own wording of a notice after checking its placeholders (the
    subject only for e-mail; an empty subject keeps the default one)."""
    require_admin(staff)
    _check_notice(key, channel, WORDING_CHANNELS)
    _check_language(language, languages)
    allowed = NOTICES[key].placeholders
    subject = " ".join((subject or "").split()) if channel == EMAIL else ""
    body = clean_text(body)
    problems: dict[str, LazyString] = {}
    if len(subject) > MAX_SUBJECT:
        problems["subject"] = _l("The subject may have at most %(max)d characters; this one has "
                                 "%(count)d.", max=MAX_SUBJECT, count=len(subject))
    elif problem := _placeholder_problem(subject, allowed):
        problems["subject"] = problem
    if not body:
        problems["body"] = _l("Please write the text of the message.")
    elif len(body) > MAX_BODY:
        problems["body"] = _l("The text may have at most %(max)d characters; this one has "
                              "%(count)d.", max=MAX_BODY, count=len(body))
    elif problem := _placeholder_problem(body, allowed):
        problems["body"] = problem
    if problems:
        raise WordingRefused(problems)
    template = _template(staff.organization_id, key, channel, language)
    what = {"event_key": key, "channel": channel, "language": language}
    before = what if template is None else what | {"subject": template.subject,
                                                   "body": template.body}
    if template is not None and (template.subject, template.body) == (subject, body):
        return template
    if template is None:
        template = NotificationTemplate(organization_id=staff.organization_id, event_key=key,
                                        channel=channel, language=language)
        db.session.add(template)
    template.subject, template.body, template.updated_at = subject, body, utcnow()
    record_change(staff, "notice_wording", before, what | {"subject": subject, "body": body})
    _commit()
    return template


def reset_wording(staff: StaffUser, key: str, channel: str, language: str) -> bool:
    """Drop the organisation's own wording: the translated default applies again; False if
    there was none."""
    require_admin(staff)
    _check_notice(key, channel, WORDING_CHANNELS)
    template = _template(staff.organization_id, key, channel, language)
    if template is None:
        return False
    what = {"event_key": key, "channel": channel, "language": language}
    record_change(staff, "notice_wording_reset",
                  what | {"subject": template.subject, "body": template.body}, what)
    db.session.delete(template)
    _commit()
    return True


def save_sms_settings(staff: StaffUser, without_diacritics: bool, max_segments: int) -> bool:
    """How the organisation's SMS are written: without diacritics or not, and the most parts
    one may have; False if nothing changed."""
    require_admin(staff)
    if isinstance(max_segments, bool) or not isinstance(max_segments, int) \
            or not MIN_SEGMENTS <= max_segments <= MAX_SEGMENTS:
        raise NotAllowed(_l("An SMS may have from %(min)d to %(max)d parts.",
                            min=MIN_SEGMENTS, max=MAX_SEGMENTS))
    organization = db.session.get(Organization, staff.organization_id)
    before = {"sms_without_diacritics": organization.sms_drops_diacritics,
              "sms_max_segments": organization.sms_max_segments}
    after = {"sms_without_diacritics": bool(without_diacritics), "sms_max_segments": max_segments}
    if before == after:
        return False
    organization.sms_without_diacritics, organization.sms_max_segments = (
        after["sms_without_diacritics"], max_segments)
    record_change(staff, "sms_settings", before, after)
    _commit()
    return True
