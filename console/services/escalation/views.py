"""Read side of escalations: plain dataclasses with the full status timeline, and their Chinese labels.

The GUI, the CLI and the dispatch sheet read escalations only through these DTOs (no ORM rows
leave a session).  :func:`call_history_lines` sums up what the centre already said to the person.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from console.services.core.clock import CentreClock
from console.services.core.vocabulary import (
    CLOSED_ESCALATION_STATUSES,
    DISPOSITION_LABELS,
    KEY_ACTION_LABELS,
    OBJECTION_LABELS,
    ORDER_STATUS_LABELS,
    RESULT_LABELS,
    TASK_KIND_LABELS,
    TASK_STATUS_LABELS,
    TaskStatus,
)
from console.services.escalation.states import task_moves
from db.models import CallAttempt, Escalation, EscalationEvent, EscalationTask, Station, User

ORDER_EVENT_LABELS = {
    "created": "下达指令",
    "acknowledged": "派出所签收",
    "alerted": "超时未签收告警",
    "re_escalated": "再次上报",
    "reminded": "催办/补充情况",
    "chased": "值班长催办",
    "result": "派出所反馈结果",
}
TARGET_LABELS = {"station": "派出所", "duty_phone": "派出所值班电话", "other_unit": "其他单位"}

@dataclass(frozen=True)
class TimelineEvent:
    id: int
    at: dt.datetime
    status: str
    status_label: str
    result: str | None
    result_label: str
    actor: str
    note: str


@dataclass(frozen=True)
class TaskInfo:
    id: int
    escalation_id: int
    kind: str
    kind_label: str
    status: str
    status_label: str
    result: str | None
    result_label: str
    details: dict[str, Any]
    assignee: str
    updated_at: dt.datetime
    events: tuple[TimelineEvent, ...]

    @property
    def next_statuses(self) -> tuple[str, ...]:
        return task_moves(self.status)

    @property
    def is_open(self) -> bool:
        return self.status != TaskStatus.DONE


@dataclass(frozen=True)
class EscalationInfo:
    id: int
    warning_id: int
    parent_id: int | None
    station_id: int | None
    station_name: str
    station_duty_phone: str
    target: str
    target_label: str
    target_detail: str
    risk_level: str
    reason: str
    summary: str
    status: str
    status_label: str
    result: str | None
    result_label: str
    result_note: str
    created_by: int | None
    created_by_name: str
    created_at: dt.datetime
    ack_deadline_at: dt.datetime | None
    acknowledged_at: dt.datetime | None
    alerted_at: dt.datetime | None
    closed_at: dt.datetime | None
    station_reason: str
    tasks: tuple[TaskInfo, ...]
    order_events: tuple[TimelineEvent, ...]
    child_ids: tuple[int, ...]

    @property
    def order_number(self) -> str:
        return f"SB{self.created_at:%Y%m%d}-{self.id:05d}"

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_ESCALATION_STATUSES


def _actor_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.display_name, User.login).where(User.id.in_(ids))).all()
    return {uid: (name or login) for uid, name, login in rows}


def _event(event: EscalationEvent, names: dict[int, str], labels: dict[str, str]) -> TimelineEvent:
    who = event.actor_text or (names.get(event.actor_id, "") if event.actor_id is not None else "")
    return TimelineEvent(
        event.id, event.at, event.status, labels.get(event.status, event.status), event.result,
        RESULT_LABELS.get(event.result or "", ""), who, event.note,
    )


def _task(task: EscalationTask, events: list[EscalationEvent], names: dict[int, str]) -> TaskInfo:
    return TaskInfo(
        task.id, task.escalation_id, task.kind, TASK_KIND_LABELS.get(task.kind, task.kind), task.status,
        TASK_STATUS_LABELS.get(task.status, task.status), task.result, RESULT_LABELS.get(task.result or "", ""),
        dict(task.details or {}), task.assignee, task.updated_at,
        tuple(_event(e, names, TASK_STATUS_LABELS) for e in events),
    )


def escalation_info(session: Session, escalation: Escalation) -> EscalationInfo:
    """The order with its tasks and both timelines, ready to leave the session."""
    events = list(
        session.execute(
            select(EscalationEvent).where(EscalationEvent.escalation_id == escalation.id)
            .order_by(EscalationEvent.at, EscalationEvent.id)
        ).scalars()
    )
    names = _actor_names(session, {e.actor_id for e in events if e.actor_id is not None}
                         | ({escalation.created_by} if escalation.created_by else set()))
    by_task: dict[int | None, list[EscalationEvent]] = {}
    for event in events:
        by_task.setdefault(event.task_id, []).append(event)
    station = session.get(Station, escalation.station_id) if escalation.station_id else None
    order_events = tuple(_event(e, names, ORDER_EVENT_LABELS) for e in by_task.get(None, []))
    created = next((e for e in order_events if e.status == "created"), None)
    children = tuple(session.execute(
        select(Escalation.id).where(Escalation.parent_id == escalation.id).order_by(Escalation.id)
    ).scalars())
    return EscalationInfo(
        id=escalation.id,
        warning_id=escalation.warning_id,
        parent_id=escalation.parent_id,
        station_id=escalation.station_id,
        station_name=station.name if station else "",
        station_duty_phone=station.duty_phone if station else "",
        target=escalation.target,
        target_label=TARGET_LABELS.get(escalation.target, escalation.target),
        target_detail=escalation.target_detail,
        risk_level=escalation.risk_level,
        reason=escalation.reason,
        summary=escalation.summary,
        status=escalation.status,
        status_label=ORDER_STATUS_LABELS.get(escalation.status, escalation.status),
        result=escalation.result,
        result_label=RESULT_LABELS.get(escalation.result or "", ""),
        result_note=escalation.result_note,
        created_by=escalation.created_by,
        created_by_name=names.get(escalation.created_by, "") if escalation.created_by else "系统",
        created_at=escalation.created_at,
        ack_deadline_at=escalation.ack_deadline_at,
        acknowledged_at=escalation.acknowledged_at,
        alerted_at=escalation.alerted_at,
        closed_at=escalation.closed_at,
        station_reason=created.note if created else "",
        tasks=tuple(_task(t, by_task.get(t.id, []), names) for t in escalation.tasks),
        order_events=order_events,
        child_ids=children,
    )


def call_history_lines(session: Session, warning_id: int, clock: CentreClock, limit: int = 8) -> list[str]:
    """What was already said: one Chinese line per call attempt, newest last (times on the centre's clock)."""
    attempts = list(
        session.execute(
            select(CallAttempt).where(CallAttempt.warning_id == warning_id)
            .order_by(CallAttempt.started_at.desc(), CallAttempt.id.desc()).limit(limit)
        ).scalars()
    )
    lines = []
    for attempt in reversed(attempts):
        parts = [clock.format(attempt.started_at, "%m-%d %H:%M"),
                 DISPOSITION_LABELS.get(attempt.disposition, attempt.disposition)]
        if attempt.connected and attempt.duration_s:
            parts.append(f"通话{max(1, attempt.duration_s // 60)}分钟")
        if attempt.objections:
            parts.append("对方说法：" + "、".join(OBJECTION_LABELS.get(o, o) for o in attempt.objections))
        if attempt.key_actions:
            parts.append("已承诺：" + "、".join(KEY_ACTION_LABELS.get(a, a) for a in attempt.key_actions))
        if attempt.confirmed_actions:
            parts.append("已核实：" + "、".join(KEY_ACTION_LABELS.get(a, a) for a in attempt.confirmed_actions))
        if attempt.notes.strip():
            parts.append("备注：" + attempt.notes.strip())
        lines.append("；".join(parts))
    return lines
