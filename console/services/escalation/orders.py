"""Escalation to a station: one order with parallel tasks, each with its own status timeline.

When the phone fails, one escalation sends officers to the door (``onsite_visit``) while the centre
asks the bank for a protective stop-payment (``stop_payment``) and calls the family
(``family_notice``).  Every change is an :class:`EscalationEvent` with time, who and a note.

- :func:`create_escalation` picks the station (manual override, else the person's address matched
  by :mod:`console.services.escalation.stations`, else the warning's own station) and sets the
  acknowledgement deadline from ``resources/escalation.yaml``.
- :func:`update_task` moves one task forward (created → sent → acknowledged → in_progress → done).
- :func:`overdue_acknowledgements` lists red/orange orders past their deadline (injectable clock);
  :func:`re_escalate` sends a child order to the duty phone or another unit.
- :func:`record_station_result` closes the order, writes the result back to the warning and queues
  an ``escalation_answer`` for the operator who escalated.

Permissions: ``escalation.create``, ``escalation.update``, ``escalation.manage`` (re-escalate,
timers).  Audited: ``escalate``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from console.services.core import audit
from console.services.core.amounts import AmountError, parse_amount
from console.services.core.context import NotFound, ServiceContext, ServiceError
from console.services.core.levels import effective_level
from console.services.core.vocabulary import (
    CLOSED_ESCALATION_STATUSES,
    ORDER_STATUS_LABELS,
    RESULT_LABELS,
    RISK_LEVEL_LABELS,
    TASK_KIND_LABELS,
    TASK_STATUS_LABELS,
    EscalationStatus,
    TaskKind,
    TaskResult,
    TaskStatus,
    WarningStatus,
)
from console.services.escalation.drafts import resolve_station
from console.services.escalation.open_orders import DuplicateEscalation, open_order_of
from console.services.escalation.states import check_task_move, move_order, move_task, order_is_closed
from console.services.escalation.stations import match_station_in
from console.services.escalation.views import (
    EscalationInfo,
    TaskInfo,
    escalation_info,
)
from console.services.followups.programme import schedule_follow_ups
from console.services.queue import claims as queue
from console.services.queue.states import move_warning
from db.models import (
    Escalation,
    EscalationEvent,
    EscalationTask,
    Person,
    QueueItem,
    Station,
    Warning,
)

RE_ESCALATION_TARGETS = ("duty_phone", "other_unit")


@dataclass(frozen=True)
class TaskRequest:
    """One task of a new escalation with its fields (validated by :func:`create_escalation`)."""

    kind: str
    details: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def onsite_visit(cls, note: str = "") -> TaskRequest:
        return cls(TaskKind.ONSITE_VISIT, {"note": note} if note else {})

    @classmethod
    def stop_payment(cls, bank: str, account: str, amount: Decimal | str | None = None) -> TaskRequest:
        return cls(TaskKind.STOP_PAYMENT, {"bank": bank, "account": account, "amount": "" if amount is None else str(amount)})

    @classmethod
    def family_notice(cls, relative_name: str, phone: str) -> TaskRequest:
        return cls(TaskKind.FAMILY_NOTICE, {"relative_name": relative_name, "phone": phone})


@dataclass(frozen=True)
class AckAlert:
    """A red/orange order the station has not acknowledged in time (for the supervisor)."""

    escalation_id: int
    warning_id: int
    station_name: str
    risk_level: str
    deadline_at: dt.datetime
    minutes_overdue: int
    first_alert: bool
    message: str


def _clean_details(request: TaskRequest) -> dict[str, Any]:
    details = {k: (v.strip() if isinstance(v, str) else v) for k, v in request.details.items()}
    label = TASK_KIND_LABELS.get(request.kind, request.kind)
    if request.kind == TaskKind.STOP_PAYMENT:
        if not details.get("bank") or not details.get("account"):
            raise ServiceError(f"{label}需要填写开户银行和账号")
        raw = str(details.get("amount") or "")
        try:
            amount = parse_amount(raw, what=f"{label}的金额")
        except AmountError as exc:
            problem = "应大于 0" if exc.negative else f"“{raw}”不是有效数字"
            raise ServiceError(f"{label}的金额{problem}") from None
        if amount is not None:
            if amount <= 0:
                raise ServiceError(f"{label}的金额应大于 0")
            details["amount"] = f"{amount:.2f}"
    return details


def _fill_relative(details: dict[str, Any], person: Person) -> None:
    """An empty family notice uses the relative registered with the person (the operator may not see it)."""
    if not details.get("phone"):
        if not person.relative_phone:
            raise ServiceError("通知家属需要填写家属电话（当事人没有登记亲属电话）")
        details["phone"] = person.relative_phone
        details["relative_name"] = details.get("relative_name") or person.relative_name
        details["from_record"] = True


def _warning(session: Session, warning_id: int, *, lock: bool = False) -> Warning:
    warning = session.get(Warning, warning_id, with_for_update=lock)
    if warning is None:
        raise NotFound(f"预警不存在（编号 {warning_id}）")
    return warning


def _escalation(session: Session, escalation_id: int) -> Escalation:
    escalation = session.get(Escalation, escalation_id)
    if escalation is None:
        raise NotFound(f"上报指令不存在（编号 {escalation_id}）")
    return escalation


def _add_event(session: Session, ctx: ServiceContext, escalation: Escalation, task: EscalationTask | None,
               status: str, *, result: str | None = None, note: str = "", actor_text: str = "") -> None:
    session.add(EscalationEvent(
        escalation_id=escalation.id, task_id=task.id if task else None, at=ctx.now(), status=status, result=result,
        actor_id=ctx.actor.user_id, actor_text=actor_text or ctx.actor.display_name or ctx.actor.login, note=note,
    ))


def create_escalation(
    ctx: ServiceContext,
    warning_id: int,
    *,
    tasks: Sequence[TaskRequest],
    station_id: int | None = None,
    reason: str = "",
    summary: str = "",
) -> EscalationInfo:
    """Create the order for a station plus its parallel tasks, each with a 'created' event."""
    ctx.require("escalation.create")
    settings = ctx.settings.escalation
    if not tasks:
        raise ServiceError("请至少选择一项任务（上门劝阻、保护性止付或通知家属）")
    kinds = [t.kind for t in tasks]
    unknown = [k for k in kinds if k not in {known.value for known in TaskKind}]
    if unknown:
        raise ServiceError(f"未知的任务类型：{'、'.join(unknown)}")
    if len(set(kinds)) != len(kinds):
        raise ServiceError("同一类任务只能有一项")
    cleaned = [(t.kind, _clean_details(t)) for t in tasks]
    now = ctx.now()
    with ctx.session() as session:
        warning = _warning(session, warning_id, lock=True)  # two seats escalating at once: one order
        open_order = open_order_of(session, warning.id)
        if open_order is not None:
            raise DuplicateEscalation(
                f"该预警已有未办结的上报指令（指令 {open_order.id}，"
                f"{ORDER_STATUS_LABELS.get(open_order.status, open_order.status)}），"
                "不能重复上报；如需催办或补充情况，请在该指令中操作", open_order.id)
        person = warning.person
        for kind, details in cleaned:
            if kind == TaskKind.FAMILY_NOTICE:
                _fill_relative(details, person)
        if station_id is not None:
            station = session.get(Station, station_id)
            if station is None:
                raise NotFound(f"派出所不存在（编号 {station_id}）")
            matched = match_station_in(session, person.address)
            station_reason = "人工指定" + (f"（系统匹配为{matched.station_name}）"
                                          if matched and matched.station_id != station.id else "")
        else:
            match = resolve_station(session, warning, person)
            if match is None:
                raise ServiceError("未能根据地址确定派出所，请手动选择派出所")
            station = session.get(Station, match.station_id)
            station_reason = match.reason
        assert station is not None
        level = effective_level(warning)
        escalation = Escalation(
            warning_id=warning.id, station_id=station.id, created_by=ctx.actor.user_id, target="station",
            target_detail=station.name, risk_level=level, reason=reason.strip(), summary=summary.strip(),
            status=EscalationStatus.OPEN, ack_deadline_at=now + settings.ack_window(level), created_at=now,
        )
        session.add(escalation)
        session.flush()
        _add_event(session, ctx, escalation, None, "created", note=station_reason)
        for kind, details in cleaned:
            task = EscalationTask(escalation_id=escalation.id, kind=kind, status=TaskStatus.CREATED, details=details,
                                  updated_at=now)
            session.add(task)
            session.flush()
            _add_event(session, ctx, escalation, task, "created")
        if warning.status == WarningStatus.OPEN:
            move_warning(warning, WarningStatus.IN_PROGRESS)
        audit.record(session, ctx.actor, "escalate", object_type="escalation", object_id=escalation.id,
                     reason=reason.strip(),
                     details={"warning_id": warning.id, "station": station.name, "tasks": kinds, "level": level},
                     at=now)
        session.flush()
        session.refresh(escalation)
        return escalation_info(session, escalation)


def _sync_order_status(escalation: Escalation, now: dt.datetime) -> None:
    """The order follows the station's own task (the on-site visit); the centre's tasks do not count
    as the station acknowledging."""
    if order_is_closed(escalation):
        return
    station_tasks = [t for t in escalation.tasks if t.kind == TaskKind.ONSITE_VISIT] or list(escalation.tasks)
    statuses = {t.status for t in station_tasks}
    if statuses & {TaskStatus.IN_PROGRESS, TaskStatus.DONE}:
        if escalation.status != EscalationStatus.IN_PROGRESS:
            move_order(escalation, EscalationStatus.IN_PROGRESS)
    elif TaskStatus.ACKNOWLEDGED in statuses and escalation.status == EscalationStatus.OPEN:
        move_order(escalation, EscalationStatus.ACKNOWLEDGED)
    if escalation.status != EscalationStatus.OPEN and escalation.acknowledged_at is None:
        escalation.acknowledged_at = now


def update_task(
    ctx: ServiceContext,
    task_id: int,
    status: str,
    result: str | None = None,
    note: str = "",
    actor_text: str = "",
) -> TaskInfo:
    """Move a task one step along its timeline; 'done' needs a result (success/failed/unreachable)."""
    ctx.require("escalation.update")
    with ctx.session() as session:
        task = session.get(EscalationTask, task_id)
        if task is None:
            raise NotFound(f"上报任务不存在（编号 {task_id}）")
        escalation = task.escalation
        label = TASK_KIND_LABELS.get(task.kind, task.kind)
        if order_is_closed(escalation):
            raise ServiceError(f"指令已办结，不能再修改“{label}”任务")
        if status not in TASK_STATUS_LABELS:
            raise ServiceError(f"未知的任务状态：{status}")
        to = TaskStatus(status)
        check_task_move(task, to)
        if to == TaskStatus.DONE:
            if result not in RESULT_LABELS:
                raise ServiceError(f"完成“{label}”任务时须选择结果：成功、失败或无法联系")
        elif result is not None:
            raise ServiceError("只有完成任务时才能填写结果")
        now = ctx.now()
        move_task(task, to)
        task.result = result
        task.updated_at = now
        if actor_text.strip():
            task.assignee = actor_text.strip()[:64]
        _add_event(session, ctx, escalation, task, status, result=result, note=note.strip(),
                   actor_text=actor_text.strip())
        _sync_order_status(escalation, now)
        session.flush()
        info = escalation_info(session, escalation)
    return next(t for t in info.tasks if t.id == task_id)


def acknowledge(ctx: ServiceContext, escalation_id: int, by_text: str) -> EscalationInfo:
    """The station confirms it received the order (stops the acknowledgement timer)."""
    ctx.require("escalation.update")
    with ctx.session() as session:
        escalation = _escalation(session, escalation_id)
        if escalation.acknowledged_at is not None:
            raise ServiceError(f"该指令已于 {ctx.centre_clock.format(escalation.acknowledged_at, '%H:%M')} 签收")
        if order_is_closed(escalation):
            raise ServiceError("指令已办结，无需签收")
        now = ctx.now()
        escalation.acknowledged_at = now
        move_order(escalation, EscalationStatus.ACKNOWLEDGED)
        _add_event(session, ctx, escalation, None, "acknowledged", actor_text=by_text.strip())
        for task in escalation.tasks:
            if task.kind != TaskKind.ONSITE_VISIT or task.status not in (TaskStatus.CREATED, TaskStatus.SENT):
                continue
            if task.status == TaskStatus.CREATED:  # the station cannot sign for an order it never received
                move_task(task, TaskStatus.SENT)
                _add_event(session, ctx, escalation, task, "sent", actor_text=by_text.strip())
            move_task(task, TaskStatus.ACKNOWLEDGED)
            task.updated_at = now
            _add_event(session, ctx, escalation, task, "acknowledged", actor_text=by_text.strip())
        session.flush()
        return escalation_info(session, escalation)


def overdue_acknowledgements(ctx: ServiceContext, *, mark: bool = True) -> list[AckAlert]:
    """Open red/orange orders not acknowledged by their deadline, most overdue first.

    With ``mark`` the first detection stamps ``alerted_at`` and an 'alerted' event, so an alert is
    raised once (``first_alert``) and still listed until someone acts.
    """
    ctx.require("escalation.manage")
    settings = ctx.settings.escalation
    now = ctx.now()
    alerts: list[AckAlert] = []
    with ctx.session() as session:
        rows = session.execute(
            select(Escalation, Station.name).outerjoin(Station, Station.id == Escalation.station_id).where(
                Escalation.status == EscalationStatus.OPEN,
                Escalation.acknowledged_at.is_(None),
                Escalation.ack_deadline_at.is_not(None),
                Escalation.ack_deadline_at < now,
                Escalation.risk_level.in_(sorted(settings.alert_levels)),
            ).order_by(Escalation.ack_deadline_at)
        ).all()
        for escalation, station_name in rows:
            if any(child.status != EscalationStatus.CANCELLED for child in _children(session, escalation.id)):
                continue  # already re-escalated: the child order carries the timer now
            deadline = escalation.ack_deadline_at
            assert deadline is not None
            late = int((now - deadline).total_seconds() // 60)
            first = escalation.alerted_at is None
            if first and mark:
                escalation.alerted_at = now
                _add_event(session, ctx, escalation, None, "alerted", note=f"超过签收时限{late}分钟", actor_text="系统")
            target = station_name or escalation.target_detail or "派出所"
            level = RISK_LEVEL_LABELS.get(escalation.risk_level, escalation.risk_level)
            alerts.append(AckAlert(
                escalation.id, escalation.warning_id, target, escalation.risk_level, deadline, late, first,
                f"{level}色预警上报（指令 {escalation.id}）{target}超过签收时限{late}分钟仍未签收，请催办或再次上报",
            ))
    return alerts


def _children(session: Session, escalation_id: int) -> list[Escalation]:
    return list(session.execute(select(Escalation).where(Escalation.parent_id == escalation_id)).scalars())


def re_escalate(
    ctx: ServiceContext,
    escalation_id: int,
    target: str,
    detail: str,
    reason: str,
) -> EscalationInfo:
    """A child order to the station's duty phone or another unit, carrying the parent's open tasks."""
    ctx.require("escalation.manage")
    if target not in RE_ESCALATION_TARGETS:
        raise ServiceError("再次上报的对象应为“派出所值班电话”或“其他单位”")
    if not reason.strip():
        raise ServiceError("请填写再次上报的原因")
    settings = ctx.settings.escalation
    now = ctx.now()
    with ctx.session() as session:
        parent = _escalation(session, escalation_id)
        if order_is_closed(parent):
            raise ServiceError("指令已办结，不能再次上报")
        station = session.get(Station, parent.station_id) if parent.station_id else None
        detail = detail.strip()
        if target == "duty_phone" and not detail:
            detail = station.duty_phone if station else ""
            if not detail:
                raise ServiceError("该派出所未登记值班电话，请填写要拨打的电话")
        if target == "other_unit" and not detail:
            raise ServiceError("请填写接收指令的单位名称")
        child = Escalation(
            warning_id=parent.warning_id, station_id=parent.station_id, parent_id=parent.id,
            created_by=ctx.actor.user_id, target=target, target_detail=detail[:200], risk_level=parent.risk_level,
            reason=reason.strip(), summary=parent.summary, status=EscalationStatus.OPEN,
            ack_deadline_at=now + settings.ack_window(parent.risk_level), created_at=now,
        )
        session.add(child)
        session.flush()
        label = "值班电话" if target == "duty_phone" else "其他单位"
        _add_event(session, ctx, child, None, "created", note=f"由指令 {parent.id} 再次上报至{label}：{detail}")
        _add_event(session, ctx, parent, None, "re_escalated", note=f"再次上报至{label}“{detail}”（指令 {child.id}）：{reason.strip()}")
        for old in parent.tasks:
            if old.status == TaskStatus.DONE:
                continue
            task = EscalationTask(escalation_id=child.id, kind=old.kind, status=TaskStatus.CREATED,
                                  details=dict(old.details or {}), updated_at=now)
            session.add(task)
            session.flush()
            _add_event(session, ctx, child, task, "created")
        audit.record(session, ctx.actor, "escalate", object_type="escalation", object_id=child.id, reason=reason.strip(),
                     details={"re_escalation_of": parent.id, "target": target, "detail": detail}, at=now)
        session.flush()
        session.refresh(child)
        return escalation_info(session, child)


def record_station_result(ctx: ServiceContext, escalation_id: int, result: str, note: str = "") -> EscalationInfo:
    """Close the order with the station's result and feed it back to the warning and the operator.

    success (the person was reached and stopped) marks the warning dissuaded and closes it, which
    also schedules the follow-up calls; failed / unreachable leave the warning open for the operator.
    """
    ctx.require("escalation.update")
    if result not in RESULT_LABELS:
        raise ServiceError("派出所反馈结果应为：成功、失败或无法联系")
    now = ctx.now()
    with ctx.session() as session:
        escalation = _escalation(session, escalation_id)
        if order_is_closed(escalation):
            raise ServiceError("该指令已办结")
        move_order(escalation, EscalationStatus.DONE)
        escalation.result = result
        escalation.result_note = note.strip()
        escalation.closed_at = now
        if escalation.acknowledged_at is None:
            escalation.acknowledged_at = now
        _add_event(session, ctx, escalation, None, "result", result=result, note=note.strip())
        warning = _warning(session, escalation.warning_id)
        line = f"[{ctx.centre_clock.format(now, '%m-%d %H:%M')}] 派出所反馈（指令 {escalation.id}）：{RESULT_LABELS[result]}"
        warning.note = (warning.note + "\n" if warning.note else "") + line + (f"。{note.strip()}" if note.strip() else "")
        if result == TaskResult.SUCCESS and warning.outcome is None:
            warning.outcome = "dissuaded"
            move_warning(warning, WarningStatus.CLOSED)
            warning.closed_at = now
            warning.person.dissuaded_before = True
            schedule_follow_ups(session, warning, "dissuaded", now, settings=ctx.settings.escalation)
        _queue_answer(session, ctx, escalation, now)
        session.flush()
        return escalation_info(session, escalation)


def _queue_answer(session: Session, ctx: ServiceContext, escalation: Escalation, now: dt.datetime) -> None:
    """The station's answer goes back to the operator who escalated (queue item 'escalation_answer')."""
    item_id = queue.enqueue_escalation_answer(session, escalation.id, escalation.warning_id, now,
                                              ctx.settings.triage)
    item = session.get(QueueItem, item_id)
    if item is not None and item.assigned_to is None and escalation.created_by is not None:
        item.assigned_to = escalation.created_by


def get_escalation(ctx: ServiceContext, escalation_id: int) -> EscalationInfo:
    ctx.require("warning.view")
    with ctx.session() as session:
        return escalation_info(session, _escalation(session, escalation_id))


def list_escalations(
    ctx: ServiceContext, *, warning_id: int | None = None, open_only: bool = False, limit: int = 200
) -> list[EscalationInfo]:
    """Escalations newest first, optionally of one warning or only those still open."""
    ctx.require("warning.view")
    with ctx.session() as session:
        query = select(Escalation).order_by(Escalation.created_at.desc(), Escalation.id.desc()).limit(limit)
        if warning_id is not None:
            query = query.where(Escalation.warning_id == warning_id)
        if open_only:
            query = query.where(Escalation.status.not_in(CLOSED_ESCALATION_STATUSES))
        return [escalation_info(session, e) for e in session.execute(query).scalars()]
