"""The person view: everything the centre did for one person, on one timeline, masked.

Every warning of the person, every call attempt (duration and outcome), every escalation with its
status steps, every follow-up, agreed callback and note, newest first, with the Chinese labels of
the vocabulary.  Free text (notes) passes through the mask for numbers typed into it; clear values
are only ever shown through the audited reveal (console/services/people/privacy.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from console.services.core.context import NotFound, ServiceContext
from console.services.core.levels import effective_level
from console.services.core.masking import mask_text
from console.services.core.vocabulary import (
    DISPOSITION_LABELS,
    FOLLOW_UP_KIND_LABELS,
    FOLLOW_UP_OUTCOME_LABELS,
    FOLLOW_UP_STATUS_LABELS,
    FRAUD_TYPE_LABELS,
    ORDER_STATUS_LABELS,
    QUEUE_ITEM_STATUS_LABELS,
    RESULT_LABELS,
    RISK_LEVEL_LABELS,
    SOURCE_LABELS,
    WARNING_STATUS_LABELS,
    QueueItemKind,
)
from console.services.people.privacy import PersonView, person_view
from db.models import (
    CallAttempt,
    Escalation,
    EscalationEvent,
    FollowUp,
    Person,
    QueueItem,
    Station,
    User,
    Warning,
)

EVENT_LABELS = {"warning": "预警", "call": "通话", "escalation": "上报", "follow_up": "回访", "callback": "约定回拨",
                "note": "备注"}


@dataclass(frozen=True)
class TimelineEvent:
    at: dt.datetime
    kind: str  # EVENT_LABELS
    warning_id: int
    title: str
    detail: str = ""

    @property
    def kind_label(self) -> str:
        return EVENT_LABELS.get(self.kind, self.kind)


@dataclass(frozen=True)
class PersonTimeline:
    person: PersonView
    warning_ids: list[int]
    events: list[TimelineEvent]  # newest first

    def count(self, kind: str) -> int:
        return sum(1 for event in self.events if event.kind == kind)


def duration_text(seconds: int) -> str:
    """192 → 3分12秒; 0 → 0秒."""
    minutes, rest = divmod(max(int(seconds), 0), 60)
    return f"{minutes}分{rest:02d}秒" if minutes else f"{rest}秒"


def _warning_events(warning: Warning) -> list[TimelineEvent]:
    level = effective_level(warning)
    title = (f"{RISK_LEVEL_LABELS.get(level, level)}{warning.risk_score} "
             f"{FRAUD_TYPE_LABELS.get(warning.fraud_type, warning.fraud_type)}")
    parts = [f"来源：{SOURCE_LABELS.get(warning.source, warning.source or '未注明')}",
             f"状态：{WARNING_STATUS_LABELS.get(warning.status, warning.status)}"]
    if warning.external_id:
        parts.insert(0, f"预警编号 {warning.external_id}")
    if warning.repeat_count:
        parts.append(f"重复推送 {warning.repeat_count} 次")
    events = [TimelineEvent(warning.received_at, "warning", warning.id, title, "；".join(parts))]
    if warning.note.strip():
        events.append(TimelineEvent(warning.updated_at or warning.received_at, "note", warning.id,
                                    "预警备注", mask_text(warning.note.strip())))
    return events


def _call_events(rows: list[tuple[CallAttempt, str | None]]) -> list[TimelineEvent]:
    events = []
    for call, login in rows:
        outcome = DISPOSITION_LABELS.get(call.disposition, call.disposition)
        title = f"{outcome}（{'通话 ' + duration_text(call.duration_s) if call.connected else '未接通'}）"
        parts = [f"接线员 {login}" if login else "接线员未记录"]
        if call.notes.strip():
            parts.append(mask_text(call.notes.strip()))
        events.append(TimelineEvent(call.started_at, "call", call.warning_id, title, "；".join(parts)))
    return events


def _escalation_events(rows: list[tuple[Escalation, str | None]],
                       steps: list[EscalationEvent]) -> list[TimelineEvent]:
    by_order: dict[int, list[EscalationEvent]] = {}
    for step in steps:
        by_order.setdefault(step.escalation_id, []).append(step)
    events = []
    for order, station in rows:
        status = ORDER_STATUS_LABELS.get(order.status, order.status)
        result = f"，结果：{RESULT_LABELS.get(order.result, order.result)}" if order.result else ""
        detail = f"当前：{status}{result}"
        if order.reason.strip():
            detail += f"；事由：{mask_text(order.reason.strip())}"
        events.append(TimelineEvent(order.created_at, "escalation", order.warning_id,
                                    f"上报 {station or '派出所'}", detail))
        for step in by_order.get(order.id, []):
            if step.task_id is not None:
                continue  # the order's own steps; task steps stay in the escalation window
            label = ORDER_STATUS_LABELS.get(step.status, step.status)
            note = f"：{mask_text(step.note.strip())}" if step.note.strip() else ""
            events.append(TimelineEvent(step.at, "escalation", order.warning_id, f"上报{label}", f"{label}{note}"))
    return events


def _follow_up_events(follow_ups: list[FollowUp]) -> list[TimelineEvent]:
    events = []
    for follow_up in follow_ups:
        kind = FOLLOW_UP_KIND_LABELS.get(follow_up.kind, follow_up.kind)
        status = FOLLOW_UP_STATUS_LABELS.get(follow_up.status, follow_up.status)
        parts = [f"第 {follow_up.day_offset} 天", status]
        if follow_up.outcome:
            parts.append(FOLLOW_UP_OUTCOME_LABELS.get(follow_up.outcome, follow_up.outcome))
        if follow_up.notes.strip():
            parts.append(mask_text(follow_up.notes.strip()))
        events.append(TimelineEvent(follow_up.completed_at or follow_up.due_at, "follow_up", follow_up.warning_id,
                                    kind, "；".join(parts)))
    return events


def _callback_events(rows: list[tuple[QueueItem, str | None]]) -> list[TimelineEvent]:
    return [TimelineEvent(item.deadline_at or item.created_at, "callback", item.warning_id,
                          f"约定回拨（{QUEUE_ITEM_STATUS_LABELS.get(item.status, item.status)}）",
                          f"由 {login or '接线员'} 约定")
            for item, login in rows]


def person_timeline(ctx: ServiceContext, person_id: int) -> PersonTimeline:
    """The person (masked) and everything on their warnings, newest first."""
    ctx.require("people.view")
    with ctx.sessions() as session:
        person = session.get(Person, person_id)
        if person is None:
            raise NotFound("该人员不存在")
        warnings = list(session.execute(select(Warning).where(Warning.person_id == person_id)).scalars())
        ids = [warning.id for warning in warnings]
        calls = session.execute(select(CallAttempt, User.login).outerjoin(User, User.id == CallAttempt.operator_id)
                                .where(CallAttempt.warning_id.in_(ids))).all()
        orders = session.execute(select(Escalation, Station.name).outerjoin(Station, Station.id == Escalation.station_id)
                                 .where(Escalation.warning_id.in_(ids))).all()
        steps = list(session.execute(select(EscalationEvent).join(Escalation)
                                     .where(Escalation.warning_id.in_(ids))).scalars())
        follow_ups = list(session.execute(select(FollowUp).where(FollowUp.warning_id.in_(ids))).scalars())
        callbacks = session.execute(select(QueueItem, User.login).outerjoin(User, User.id == QueueItem.assigned_to)
                                    .where(QueueItem.warning_id.in_(ids),
                                           QueueItem.kind == QueueItemKind.CALLBACK)).all()
        events = [event for warning in warnings for event in _warning_events(warning)]
        events += _call_events(list(calls)) + _escalation_events(list(orders), steps)
        events += _follow_up_events(follow_ups) + _callback_events(list(callbacks))
        view = person_view(person)
    events.sort(key=lambda event: (event.at, event.kind), reverse=True)
    return PersonTimeline(view, sorted(ids, reverse=True), events)


__all__ = ["EVENT_LABELS", "PersonTimeline", "TimelineEvent", "duration_text", "person_timeline"]
