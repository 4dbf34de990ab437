"""What the operator workstation shows about one warning, and the call state it keeps as a draft.

- :func:`warning_detail` gathers everything the person-and-warning panel needs in one round trip:
  the person masked, the profile, why the warning ranks where it does, signals, amount, contact,
  field warnings from the import, and the history of this person (earlier warnings, calls and
  escalations).  Personal fields stay masked; the clear phone number goes through
  :func:`console.services.people.privacy.reveal` only.
- :func:`call_variables` and :func:`choose_script` turn that detail into a rendered script.
- :class:`CallState` is the call in progress as a plain dict (the draft payload) and back.
- :func:`dial_target` turns the workstation settings' (``ctx.settings.workstation``) click-to-dial
  setting, i.e. the configured command or ``tel:`` URI into something to launch.
"""

from __future__ import annotations

import datetime as dt
import shlex
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select

from console.services.calls.key_actions import warning_action_states
from console.services.core.context import NotFound, ServiceContext
from console.services.core.levels import effective_level
from console.services.core.masking import surname_of
from console.services.core.settings import WorkstationSettings
from console.services.core.vocabulary import (
    AGE_BAND_LABELS,
    CLOSED_ESCALATION_STATUSES,
    DISPOSITION_LABELS,
    FRAUD_TYPE_LABELS,
    KEY_ACTION_LABELS,
    OBJECTION_LABELS,
    ORDER_STATUS_LABELS,
    PROFILE_GROUP_LABELS,
    RISK_LEVEL_LABELS,
    SIGNAL_LABELS,
    SOURCE_LABELS,
    TASK_KIND_LABELS,
    TASK_STATUS_LABELS,
    FollowUpStatus,
    QueueItemKind,
)
from console.services.people.privacy import person_view
from db.models import CallAttempt, Escalation, EscalationTask, FollowUp, Person, User, Warning
from scripts_library import PersonProfile, ScriptLibrary, Selection, build_variables, select_follow_up_script
from scripts_library import select_script as select_library_script

SEX_LABELS = {"F": "女", "M": "男"}
# A representative age for each band, used only to choose a respectful form of address.
_BAND_AGES = {"minor": 16, "18-25": 22, "26-40": 33, "41-55": 48, "56-65": 60, "65+": 70}


@dataclass(frozen=True)
class CallSummary:
    id: int
    warning_id: int
    follow_up_id: int | None
    started_at: dt.datetime
    duration_s: int
    connected: bool
    disposition: str
    disposition_label: str
    operator: str
    objections: list[str]
    key_actions: list[str]  # promised (labels)
    notes: str
    confirmed_actions: list[str] = field(default_factory=list)  # verified (labels)


@dataclass(frozen=True)
class EscalationSummary:
    id: int
    warning_id: int
    created_at: dt.datetime
    station: str
    status: str
    status_label: str
    open: bool
    tasks: list[str]  # "上门劝阻：已签收"


@dataclass(frozen=True)
class EarlierWarning:
    id: int
    received_at: dt.datetime
    fraud_type_label: str
    risk_level: str
    status: str
    outcome_label: str


@dataclass(frozen=True)
class WarningDetail:
    """The person and the warning as the operator sees them (identifying fields masked)."""

    warning_id: int
    person_id: int
    name: str
    phone: str
    id_number: str
    address: str
    sex_label: str
    age_band: str
    age_band_label: str
    profile_group: str
    profile_group_label: str
    occupation: str
    fraud_type: str
    fraud_type_label: str
    risk_level: str
    risk_level_label: str
    score: int
    reasons: list[dict[str, Any]]
    signals: list[tuple[str, str]]  # (code, label)
    signals_text: str
    amount: Decimal | None
    fraud_contact: str
    source_label: str
    note: str
    field_warnings: list[str]
    received_at: dt.datetime
    deadline_at: dt.datetime | None
    status: str
    attempts: int
    repeat_count: int
    previous_victim: bool
    dissuaded_before: bool
    surname: str
    sex: str | None
    earlier_warnings: list[EarlierWarning] = field(default_factory=list)
    calls: list[CallSummary] = field(default_factory=list)
    escalations: list[EscalationSummary] = field(default_factory=list)
    scheduled_follow_ups: list[dt.datetime] = field(default_factory=list)
    # this warning's key actions over all its calls: code → promised | confirmed
    key_action_states: dict[str, str] = field(default_factory=dict)

    @property
    def open_escalations(self) -> list[EscalationSummary]:
        return [e for e in self.escalations if e.open]

    @property
    def escalated(self) -> bool:
        """Whether this warning (not another of the person's) has an open escalation order."""
        return any(e.open and e.warning_id == self.warning_id for e in self.escalations)


def _names(session: Any, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.display_name, User.login).where(User.id.in_(ids))).all()
    return {row.id: row.display_name or row.login for row in rows}


def _field_warning_text(item: Any) -> str:
    if isinstance(item, dict):
        field_name = str(item.get("field", "")).strip()
        message = str(item.get("message", "")).strip()
        return f"{field_name}：{message}" if field_name else message
    return str(item)


def warning_detail(ctx: ServiceContext, warning_id: int, *, history_limit: int = 20) -> WarningDetail:
    """The full person-and-warning view of one warning, with this person's history."""
    ctx.require("warning.view")
    with ctx.sessions() as session:
        warning = session.get(Warning, warning_id)
        if warning is None:
            raise NotFound(f"预警 {warning_id} 不存在")
        person = session.get(Person, warning.person_id)
        if person is None:
            raise NotFound("该人员不存在")
        view = person_view(person)
        person_warning_ids = list(session.execute(select(Warning.id).where(Warning.person_id == person.id)).scalars())
        earlier = [
            EarlierWarning(w.id, w.received_at, FRAUD_TYPE_LABELS.get(w.fraud_type, w.fraud_type),
                           effective_level(w), w.status, DISPOSITION_LABELS.get(w.outcome or "", ""))
            for w in session.execute(
                select(Warning).where(Warning.person_id == person.id, Warning.id != warning.id)
                .order_by(Warning.received_at.desc()).limit(history_limit)).scalars()
        ]
        attempts = list(session.execute(
            select(CallAttempt).where(CallAttempt.warning_id.in_(person_warning_ids))
            .order_by(CallAttempt.started_at.desc(), CallAttempt.id.desc()).limit(history_limit)).scalars())
        escalations = list(session.execute(
            select(Escalation).where(Escalation.warning_id.in_(person_warning_ids))
            .order_by(Escalation.created_at.desc(), Escalation.id.desc()).limit(history_limit)).scalars())
        names = _names(session, {a.operator_id for a in attempts if a.operator_id is not None})
        calls = [
            CallSummary(a.id, a.warning_id, a.follow_up_id, a.started_at, a.duration_s, a.connected, a.disposition,
                        DISPOSITION_LABELS.get(a.disposition, a.disposition), names.get(a.operator_id or 0, ""),
                        [OBJECTION_LABELS.get(o, o) for o in a.objections or []],
                        [KEY_ACTION_LABELS.get(k, k) for k in a.key_actions or []], a.notes,
                        [KEY_ACTION_LABELS.get(k, k) for k in a.confirmed_actions or []])
            for a in attempts
        ]
        esc_summaries = [_escalation_summary(session, e) for e in escalations]
        follow_ups = list(session.execute(
            select(FollowUp.due_at).where(FollowUp.person_id == person.id,
                                          or_(FollowUp.status == FollowUpStatus.SCHEDULED, FollowUp.status == FollowUpStatus.QUEUED))
            .order_by(FollowUp.due_at)).scalars())
        level = effective_level(warning)
        return WarningDetail(
            warning_id=warning.id, person_id=person.id, name=view.name, phone=view.phone,
            id_number=view.id_number, address=view.address, sex_label=SEX_LABELS.get(person.sex or "", "性别不详"),
            age_band=person.age_band, age_band_label=AGE_BAND_LABELS.get(person.age_band, person.age_band),
            profile_group=person.profile_group,
            profile_group_label=PROFILE_GROUP_LABELS.get(person.profile_group, person.profile_group),
            occupation=person.occupation, fraud_type=warning.fraud_type,
            fraud_type_label=FRAUD_TYPE_LABELS.get(warning.fraud_type, warning.fraud_type),
            risk_level=level, risk_level_label=RISK_LEVEL_LABELS.get(level, level), score=warning.risk_score,
            reasons=list(warning.risk_reasons or []),
            signals=[(code, SIGNAL_LABELS.get(code, code)) for code in warning.signals or []],
            signals_text=warning.signals_text, amount=warning.amount, fraud_contact=warning.fraud_contact,
            source_label=SOURCE_LABELS.get(warning.source, warning.source), note=warning.note,
            field_warnings=[_field_warning_text(item) for item in warning.field_warnings or []],
            received_at=warning.received_at, deadline_at=warning.deadline_at, status=warning.status,
            attempts=warning.attempts, repeat_count=warning.repeat_count, previous_victim=person.previous_victim,
            dissuaded_before=person.dissuaded_before,
            surname="" if view.erased else surname_of(person.name), sex=person.sex,
            earlier_warnings=earlier, calls=calls, escalations=esc_summaries, scheduled_follow_ups=follow_ups,
            key_action_states=warning_action_states(session, warning.id),
        )


def _escalation_summary(session: Any, escalation: Escalation) -> EscalationSummary:
    tasks = session.execute(
        select(EscalationTask).where(EscalationTask.escalation_id == escalation.id).order_by(EscalationTask.id)
    ).scalars()
    return EscalationSummary(
        id=escalation.id, warning_id=escalation.warning_id, created_at=escalation.created_at,
        station=escalation.target_detail, status=escalation.status,
        status_label=ORDER_STATUS_LABELS.get(escalation.status, escalation.status),
        open=escalation.status not in CLOSED_ESCALATION_STATUSES,
        tasks=[f"{TASK_KIND_LABELS.get(t.kind, t.kind)}：{TASK_STATUS_LABELS.get(t.status, t.status)}" for t in tasks],
    )


# ---- the script ---------------------------------------------------------------------------------
def call_variables(detail: WarningDetail, *, app_name: str = "", centre_name: str = "") -> dict[str, str]:
    """The variables the script lines use: surname and form of address, amount, app name, contact."""
    profile = PersonProfile(
        surname=detail.surname or None, sex=detail.sex, age=_BAND_AGES.get(detail.age_band),
        profile_group=detail.profile_group, amount=float(detail.amount) if detail.amount is not None else None,
        app_name=app_name or None, centre_name=centre_name or None, fraud_contact=detail.fraud_contact or None,
    )
    return build_variables(profile)


def choose_script(library: ScriptLibrary, detail: WarningDetail, kind: str = QueueItemKind.WARNING) -> Selection:
    """The dissuasion script for a warning, or the revisit script for a follow-up item."""
    if kind == QueueItemKind.FOLLOW_UP:
        return select_follow_up_script(library, detail.fraud_type, detail.profile_group)
    return select_library_script(library, detail.fraud_type, detail.profile_group, [c for c, _ in detail.signals])


# ---- the call in progress -----------------------------------------------------------------------
@dataclass
class CallState:
    """Everything typed or chosen during one call; saved as a draft on every change."""

    client_uuid: str
    warning_id: int
    queue_item_id: int | None
    follow_up_id: int | None = None
    item_kind: str = QueueItemKind.WARNING.value
    started_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    connected: bool = True
    script: dict[str, Any] = field(default_factory=dict)  # ScriptSession.to_record()
    disposition: str = ""
    amount_protected: str = ""
    notes: str = ""
    dialled_number: str = ""
    detected_outcome: str = ""  # how the seat's SIP line saw the call end ("" when dialled by hand)
    confirmed_actions: list[str] = field(default_factory=list)  # key actions the operator verified

    def to_payload(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("started_at", "ended_at"):
            value = data[key]
            data[key] = value.isoformat() if value is not None else None
        return data

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> CallState:
        names = set(cls.__dataclass_fields__)
        values = {key: value for key, value in data.items() if key in names}
        for key in ("started_at", "ended_at"):
            raw = values.get(key)
            values[key] = dt.datetime.fromisoformat(raw) if isinstance(raw, str) and raw else None
        return cls(**values)


# ---- settings and dialling ----------------------------------------------------------------------
@dataclass(frozen=True)
class DialTarget:
    kind: str  # "uri" | "command"
    uri: str = ""
    argv: tuple[str, ...] = ()


def dial_target(settings: WorkstationSettings, number: str) -> DialTarget | None:
    """What to launch to dial ``number``; None when the centre dials on desk phones."""
    template = settings.dial_command
    digits = "".join(ch for ch in number if ch.isdigit() or ch == "+")
    if not template or not digits:
        return None
    if template.lower().startswith(("tel:", "sip:", "callto:")):
        return DialTarget("uri", uri=template.replace("{number}", digits))
    # split first, then fill: a number can never inject extra arguments
    argv = tuple(part.replace("{number}", digits) for part in shlex.split(template))
    return DialTarget("command", argv=argv)
