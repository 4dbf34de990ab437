"""All tables of the console, importable from one place: ``from db.models import Warning``."""

from db.base import Base
from db.models.calls import DISPOSITIONS, KEY_ACTIONS, OBJECTIONS, CallAttempt, CallDraft, FollowUp
from db.models.cases import (
    QUEUE_ITEM_KINDS,
    RISK_LEVELS,
    AppState,
    Person,
    QueueItem,
    Warning,
    WarningMerge,
)
from db.models.escalation import (
    TASK_KINDS,
    TASK_RESULTS,
    TASK_STATUSES,
    Escalation,
    EscalationEvent,
    EscalationTask,
)
from db.models.org import ROLES, JurisdictionRule, Station, User
from db.models.records import (
    AuditEvent,
    CaseReview,
    ImportBatch,
    ImportedRow,
    QuarantinedRow,
    Rehearsal,
    ScriptVersion,
)

__all__ = [
    "DISPOSITIONS",
    "KEY_ACTIONS",
    "OBJECTIONS",
    "QUEUE_ITEM_KINDS",
    "RISK_LEVELS",
    "ROLES",
    "TASK_KINDS",
    "TASK_RESULTS",
    "TASK_STATUSES",
    "AppState",
    "AuditEvent",
    "Base",
    "CallAttempt",
    "CallDraft",
    "CaseReview",
    "Escalation",
    "EscalationEvent",
    "EscalationTask",
    "FollowUp",
    "ImportBatch",
    "ImportedRow",
    "JurisdictionRule",
    "Person",
    "QuarantinedRow",
    "QueueItem",
    "Rehearsal",
    "ScriptVersion",
    "Station",
    "User",
    "Warning",
    "WarningMerge",
]
