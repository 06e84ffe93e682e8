"""Typed SQLAlchemy models, one module per aggregate. No Flask imports here."""
from widget.models.accounts import (REGISTERED_DETAILS, Account, AccountGroup, AccountSession,
                                    ChangeStatus, CodePurpose, DetailChange, InboxItem,
                                    OneTimeCode)
from widget.models.audit import AuditEntry
from widget.models.branding import HelpPage, Skin, Theme
from widget.models.changes import ChangeCounter
from widget.models import config_version  # noqa: F401  the session events that move it
from widget.models.forms import Field, FieldType, Form, FormAccess, FormGroup, FormVersion
from widget.models.integrations import (ApiClient, FormProposal, IdempotencyRecord,
                                        ProposalStatus)
from widget.models.letters import LetterTemplate
from widget.models.notify import (AttemptOutcome, CodeRecovery, DeliveryAttempt, NotificationRule,
                                  NoticePromise, NotificationTemplate, OutboxChannel, OutboxItem,
                                  OutboxStatus, ScheduledNotice)
from widget.models.org import Organization, Site, Unit, UnitKind
from widget.models.people import Role, StaffSession, StaffUser
from widget.models.reminders import FormReminder
from widget.models.requests import (LETTER_DOCUMENT, OPEN_STATUSES, Attachment, Channel, Event,
                                    EventKind, FeeStatus, Handover, JournalCounter, Letter,
                                    Message, PauseReason, Request, RequestStatus)
from widget.models.staff_notices import (PendingStaffNotice, RequestLook, StaffNotice,
                                         StaffNoticeChannel, StaffNoticeKind, StaffNoticeSwitch)

__all__ = [
    "AccountGroup", "ChangeCounter", "FormAccess", "HelpPage", "Skin", "Theme", "UnitKind",
    "ApiClient", "FormProposal", "IdempotencyRecord", "ProposalStatus",
    "REGISTERED_DETAILS", "Account", "AccountSession", "ChangeStatus", "CodePurpose", "DetailChange",
    "InboxItem", "OneTimeCode",
    "OPEN_STATUSES", "Attachment", "AttemptOutcome", "AuditEntry", "CodeRecovery", "DeliveryAttempt",
    "NoticePromise", "NotificationRule", "NotificationTemplate", "OutboxChannel", "OutboxItem", "OutboxStatus",
    "ScheduledNotice", "Channel", "Event", "EventKind", "FeeStatus",
    "Field", "FieldType", "Form", "FormGroup", "FormReminder", "FormVersion", "Handover",
    "JournalCounter", "LETTER_DOCUMENT", "Letter", "LetterTemplate", "Message", "Organization",
    "PauseReason", "Request", "RequestStatus", "Role",
    "Site", "StaffSession", "StaffUser", "Unit",
    "PendingStaffNotice", "RequestLook", "StaffNotice", "StaffNoticeChannel", "StaffNoticeKind",
    "StaffNoticeSwitch",
]
