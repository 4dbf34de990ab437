"""All tables of the console, importable from one place: ``from db.models import Warning``."""

from db.base import Base
from db.models.calls import CallAttempt, CallDraft, FollowUp
from db.models.cases import (
    AppState,
    Person,
    QueueItem,
    Warning,
    WarningMerge,
)
from db.models.escalation import (
    Escalation,
    EscalationEvent,
    EscalationTask,
)
from db.models.leads import LEAD_KINDS, Lead, RelativeContact, StopPaymentRecord
from db.models.messaging import SMS_STATUSES, SmsMessage, SmsOptOut, SmsReceipt
from db.models.org import ROLES, JurisdictionRule, Station, User
from db.models.records import (
    AuditEvent,
    CaseReview,
    DocumentNumber,
    ImportBatch,
    ImportedRow,
    QuarantinedRow,
    Rehearsal,
    ScriptVersion,
)
from db.models.review import CallReview
from db.models.telephony import AGENT_STATES, AgentState, CallRecording
from db.models.voice import VoiceCampaign, VoiceCampaignItem

__all__ = [
    "AGENT_STATES",
    "AgentState",
    "CallRecording",
    "LEAD_KINDS",
    "ROLES",
    "SMS_STATUSES",
    "AppState",
    "VoiceCampaign",
    "VoiceCampaignItem",
    "AuditEvent",
    "Base",
    "CallAttempt",
    "CallReview",
    "CallDraft",
    "CaseReview",
    "DocumentNumber",
    "Escalation",
    "EscalationEvent",
    "EscalationTask",
    "FollowUp",
    "ImportBatch",
    "ImportedRow",
    "JurisdictionRule",
    "Lead",
    "Person",
    "QuarantinedRow",
    "QueueItem",
    "Rehearsal",
    "RelativeContact",
    "ScriptVersion",
    "SmsMessage",
    "SmsOptOut",
    "SmsReceipt",
    "Station",
    "StopPaymentRecord",
    "User",
    "Warning",
    "WarningMerge",
]
