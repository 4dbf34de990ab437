"""The call log: record one dial and turn its outcome into the next step.

:func:`plan_next_step` is pure (the call panel shows its answer before the operator saves);
:func:`log_call` writes the attempt, updates the warning, closes or requeues the queue item and
schedules follow-ups in one transaction.  A second :func:`log_call` with the same ``client_uuid``
(a seat reconnecting and retrying) writes nothing and returns the first result.

Rules (figures from resources/triage.yaml):
- no answer / busy / powered off / hung up → back to the queue after the level's retry-ladder step;
  after ``max_attempts`` the phone is given up;
- busy on a level listed in ``escalate_on.busy`` (red): the person is probably talking to the
  scammer right now → escalation is suggested at once, while dialling continues;
- ``escalation_after_failures`` failed attempts on red/orange → escalation suggested;
- a warning that already has an open escalation order is never told to escalate again after a
  failed dial (the station is on it; the retry just continues);
- dissuaded → follow-ups at the configured day offsets; refused / victimised on red → escalation;
  victimised → a victim-support call the next day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from console.services.calls.key_actions import clean_actions
from console.services.core.context import ConflictError, NotFound, ServiceContext, ServiceError
from console.services.core.levels import effective_level
from console.services.core.settings import Settings
from console.services.core.vocabulary import (
    CLOSED_ESCALATION_STATUSES,
    DISPOSITION_LABELS,
    RISK_LEVEL_LABELS,
    UNREACHED_DISPOSITIONS,
    FollowUpStatus,
    QueueItemKind,
    QueueItemStatus,
    WarningStatus,
)
from console.services.followups.programme import schedule_follow_ups
from console.services.leads.capture import (
    LeadInput,
    RelativeContactInput,
    StopPaymentInput,
    clean_leads,
    clean_relative,
    clean_stop_payment,
    store_findings,
)
from console.services.queue.claims import bump_queue_version, open_items_of
from console.services.queue.states import item_may_move, move_item, move_warning
from console.services.telephony.recordings import link_recordings
from db.models import CallAttempt, Escalation, FollowUp, Person, QueueItem, Warning

RETRY_DISPOSITIONS = frozenset({"no_answer", "busy", "powered_off", "hung_up"})


def call_connected(disposition: str, *, dialled: bool = True) -> bool:
    """Whether a call reached the person: it was dialled and its outcome is not one of nobody answering."""
    return dialled and disposition not in UNREACHED_DISPOSITIONS
CLOSING_DISPOSITIONS = frozenset({"false_positive", "wrong_person"})


@dataclass
class CallLog:
    client_uuid: str
    warning_id: int
    queue_item_id: int | None
    started_at: dt.datetime
    ended_at: dt.datetime | None
    connected: bool
    disposition: str
    script_id: str = ""
    script_version: str = ""
    node_path: list[str] = field(default_factory=list)
    objections: list[str] = field(default_factory=list)
    key_actions: list[str] = field(default_factory=list)  # promised by the person during the call
    amount_at_risk: Decimal | None = None
    amount_protected: Decimal | None = None
    notes: str = ""
    dialled_number: str = ""
    follow_up_id: int | None = None
    # what the call captured besides its outcome (see console/services/leads/capture.py)
    leads: list[LeadInput] = field(default_factory=list)
    stop_payment: StopPaymentInput | None = None
    relative: RelativeContactInput | None = None
    # verified by the operator (the 核实 control) or found done by a follow-up call
    confirmed_actions: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class WarningFacts:
    """What the planner needs to know about the warning besides its level."""

    warning_id: int | None = None
    is_follow_up: bool = False  # the call is a follow-up revisit, not the first dissuasion
    fraud_type: str = ""  # the follow-up programme may differ per fraud type
    escalated: bool = False  # an escalation order of this warning is still open


@dataclass(frozen=True)
class NextStep:
    kind: str  # retry | follow_ups | escalate | close
    retry_at: dt.datetime | None
    suggest_escalation: bool
    escalation_reason: str
    follow_up_days: list[int]
    summary: str
    follow_up_kind: str = "revisit"  # revisit | victim_support


@dataclass(frozen=True)
class LoggedCall:
    call_id: int
    next_step: NextStep
    follow_up_ids: list[int] = field(default_factory=list)
    duplicate: bool = False  # True when the same client_uuid had already been logged
    stop_payment_record_id: int | None = None


def _days(days: list[int]) -> str:
    return "、".join(f"第{d}天" for d in days)


def plan_next_step(
    settings: Settings,
    facts: WarningFacts | None,
    disposition: str,
    attempts_so_far: int,
    level: str,
    *,
    now: dt.datetime | None = None,
) -> NextStep:
    """What happens after this call (``attempts_so_far`` counts the earlier attempts, not this one)."""
    now = now or dt.datetime.now(dt.UTC)
    programme = settings.escalation  # the follow-up programme: the same days the scheduler writes
    triage = settings.triage
    if disposition not in DISPOSITION_LABELS:
        raise ServiceError(f"未知的通话结果“{disposition}”")
    facts = facts or WarningFacts()
    level_label = RISK_LEVEL_LABELS.get(level, level)
    escalate_levels = triage.escalate_on.get(disposition, frozenset())

    if disposition in RETRY_DISPOSITIONS:
        attempt = attempts_so_far + 1
        reason = ""
        if facts.escalated:
            reason = ""  # an order is open: the station is on it, no second suggestion
        elif disposition == "busy" and level in escalate_levels:
            reason = "占线：当事人很可能正在与骗子通话，建议立即上报派出所见面劝阻，同时继续拨打"
        elif level in triage.escalation_after_failures and attempt >= triage.escalation_after_failures[level]:
            reason = f"{level_label}色预警已{attempt}次未能劝阻，建议上报派出所上门劝阻"
        if attempt >= triage.max_attempts.get(level, 5):
            summary = f"已拨打{attempt}次仍未接通，停止电话联系"
            if facts.escalated:
                summary += "（已上报派出所，等待处置结果）"
            return NextStep("close", None, bool(reason), reason, [], summary + ("，请上报派出所" if reason else ""))
        retry_at = now + triage.retry_delay(level, attempt)
        minutes = int((retry_at - now).total_seconds() // 60)
        summary = f"{DISPOSITION_LABELS[disposition]}：{minutes}分钟后重拨（第{attempt + 1}次）"
        if reason:
            summary += "，建议立即上报派出所"
        elif facts.escalated:
            summary += "（已上报派出所，无需再次上报）"
        return NextStep("retry", retry_at, bool(reason), reason, [], summary)

    if disposition == "invalid_number":
        if level in escalate_levels:
            reason = "号码无效无法电话劝阻，建议上报派出所上门核查"
            return NextStep("escalate", None, True, reason, [], "号码无效：请上报派出所上门劝阻")
        return NextStep("close", None, False, "", [], "号码无效：结束电话联系")

    if facts.is_follow_up and disposition != "victimized":
        return NextStep("close", None, False, "", [], f"回访完成：{DISPOSITION_LABELS[disposition]}")

    if disposition == "dissuaded":
        days = list(programme.follow_up_days(level, facts.fraud_type))
        summary = f"劝阻成功：安排{_days(days)}回访" if days else "劝阻成功：结案"
        return NextStep("follow_ups" if days else "close", None, False, "", days, summary)

    if disposition == "refused":
        days = list(programme.refused_days)
        if level in escalate_levels:
            reason = f"{level_label}色预警当事人拒绝劝阻，建议立即上报派出所见面劝阻"
            return NextStep("escalate", None, True, reason, days, "拒绝劝阻：请立即上报派出所")
        summary = f"拒绝劝阻：安排{_days(days)}再次联系" if days else "拒绝劝阻：结案"
        return NextStep("follow_ups" if days else "close", None, False, "", days, summary)

    if disposition == "victimized":
        days = list(programme.victim_support_days)
        support = f"，{_days(days)}回访帮扶" if days else ""
        if level in escalate_levels:
            reason = "当事人已被骗，建议上报派出所（报案、止付、告知家属）"
            return NextStep("escalate", None, True, reason, days, "已被骗：请上报派出所" + support, "victim_support")
        return NextStep("follow_ups" if days else "close", None, False, "", days, "已被骗：引导报案" + support,
                        "victim_support")

    return NextStep("close", None, False, "", [], f"{DISPOSITION_LABELS[disposition]}：结案")


def _attempts_before(session: Session, warning_id: int, follow_up_id: int | None, before_id: int | None) -> int:
    query = select(func.count()).select_from(CallAttempt).where(CallAttempt.warning_id == warning_id)
    if follow_up_id is None:
        query = query.where(CallAttempt.follow_up_id.is_(None))
    else:
        query = query.where(CallAttempt.follow_up_id == follow_up_id)
    if before_id is not None:
        query = query.where(CallAttempt.id < before_id)
    return int(session.execute(query).scalar_one())


def has_open_escalation(session: Session, warning_id: int, *, before: dt.datetime | None = None) -> bool:
    """Whether an escalation order of the warning is still open (created before ``before`` when given)."""
    query = select(Escalation.id).where(Escalation.warning_id == warning_id,
                                        Escalation.status.not_in(CLOSED_ESCALATION_STATUSES))
    if before is not None:
        query = query.where(Escalation.created_at <= before)
    return session.execute(query.limit(1)).first() is not None


def _level_of(warning: Warning, item: QueueItem | None) -> str:
    if item is not None:
        return item.risk_level
    return effective_level(warning)


def _existing(ctx: ServiceContext, client_uuid: str) -> LoggedCall | None:
    with ctx.sessions() as session:
        attempt = session.execute(select(CallAttempt).where(CallAttempt.client_uuid == client_uuid)).scalar_one_or_none()
        if attempt is None:
            return None
        warning = session.get(Warning, attempt.warning_id)
        if warning is None:
            raise NotFound(f"预警 {attempt.warning_id} 不存在")
        item = session.get(QueueItem, attempt.queue_item_id) if attempt.queue_item_id else None
        before = _attempts_before(session, attempt.warning_id, attempt.follow_up_id, attempt.id)
        facts = WarningFacts(warning.id, attempt.follow_up_id is not None, warning.fraud_type,
                             has_open_escalation(session, warning.id, before=attempt.ended_at or attempt.started_at))
        step = plan_next_step(ctx.settings, facts, attempt.disposition, before, _level_of(warning, item),
                              now=attempt.ended_at or attempt.started_at)
        return LoggedCall(attempt.id, step, [], duplicate=True)


def log_call(ctx: ServiceContext, log: CallLog) -> LoggedCall:
    """Record one call and apply its next step, all in one transaction (idempotent on client_uuid)."""
    ctx.require("call.log")
    if log.disposition not in DISPOSITION_LABELS:
        raise ServiceError(f"未知的通话结果“{log.disposition}”")
    log = replace(log, confirmed_actions=clean_actions(log.confirmed_actions))
    previous = _existing(ctx, log.client_uuid)
    if previous is not None:
        return previous
    # bad findings are refused before anything is written
    log = replace(log, leads=clean_leads(log.leads),
                  stop_payment=clean_stop_payment(log.stop_payment, ctx.now()) if log.stop_payment else None,
                  relative=clean_relative(log.relative) if log.relative else None)
    try:
        return _write(ctx, log)
    except IntegrityError:
        # the same call was written by a concurrent retry of this request: report that one
        previous = _existing(ctx, log.client_uuid)
        if previous is None:
            raise
        return previous


def _write(ctx: ServiceContext, log: CallLog) -> LoggedCall:
    now = ctx.now()
    base = log.ended_at or log.started_at
    with ctx.session() as session:
        warning = session.get(Warning, log.warning_id, with_for_update=True)
        if warning is None:
            raise NotFound(f"预警 {log.warning_id} 不存在")
        item = session.get(QueueItem, log.queue_item_id, with_for_update=True) if log.queue_item_id else None
        if log.queue_item_id and item is None:
            raise NotFound(f"队列条目 {log.queue_item_id} 不存在")
        if item is not None and item.warning_id != warning.id:
            raise ConflictError("队列条目与预警不符")
        before = _attempts_before(session, warning.id, log.follow_up_id, None)
        facts = WarningFacts(warning.id, log.follow_up_id is not None, warning.fraud_type,
                             has_open_escalation(session, warning.id))
        step = plan_next_step(ctx.settings, facts, log.disposition, before, _level_of(warning, item), now=base)

        duration = int((log.ended_at - log.started_at).total_seconds()) if log.ended_at and log.connected else 0
        attempt = CallAttempt(
            client_uuid=log.client_uuid, warning_id=warning.id, queue_item_id=log.queue_item_id,
            follow_up_id=log.follow_up_id, operator_id=ctx.actor.user_id, dialled_number=log.dialled_number,
            started_at=log.started_at, ended_at=log.ended_at, connected=log.connected, duration_s=max(duration, 0),
            disposition=log.disposition, script_id=log.script_id, script_version=log.script_version,
            node_path=list(log.node_path), objections=list(log.objections), key_actions=list(log.key_actions),
            confirmed_actions=list(log.confirmed_actions),
            amount_at_risk=log.amount_at_risk, amount_protected=log.amount_protected, notes=log.notes,
        )
        session.add(attempt)
        session.flush()
        link_recordings(session, log.client_uuid, attempt.id)
        record_id = store_findings(session, warning, attempt.id, ctx.actor.user_id, now, leads=log.leads,
                                   stop_payment=log.stop_payment, relative=log.relative)

        if log.follow_up_id is None:
            _apply_to_warning(warning, log, step, now)
        else:
            _apply_to_follow_up(session, log, step, now)
        _apply_to_queue(session, warning, item, log, step, ctx.actor.user_id, now)
        follow_up_ids: list[int] = []
        if step.follow_up_days:
            follow_up_ids = schedule_follow_ups(session, warning, log.disposition, base,
                                                 settings=ctx.settings.escalation)
        if log.disposition == "dissuaded":
            person = session.get(Person, warning.person_id)
            if person is not None:
                person.dissuaded_before = True
        bump_queue_version(session)
        return LoggedCall(attempt.id, step, follow_up_ids, stop_payment_record_id=record_id)


def _apply_to_warning(warning: Warning, log: CallLog, step: NextStep, now: dt.datetime) -> None:
    warning.attempts = (warning.attempts or 0) + 1
    if log.connected and warning.first_contact_at is None:
        warning.first_contact_at = log.started_at
    warning.outcome = log.disposition
    if step.kind in ("retry", "escalate"):
        move_warning(warning, WarningStatus.IN_PROGRESS)
    else:
        move_warning(warning, WarningStatus.CLOSED)
        warning.closed_at = now


def _apply_to_follow_up(session: Session, log: CallLog, step: NextStep, now: dt.datetime) -> None:
    follow_up = session.get(FollowUp, log.follow_up_id)
    if follow_up is None:
        raise NotFound(f"回访 {log.follow_up_id} 不存在")
    follow_up.outcome = log.disposition
    if step.kind == "retry":
        return
    follow_up.status = FollowUpStatus.DONE if log.connected else FollowUpStatus.MISSED
    follow_up.completed_at = now


def _live_callbacks(session: Session, warning_id: int, item: QueueItem | None) -> list[QueueItem]:
    """The warning's agreed callbacks still in the queue, other than the item the call was made on."""
    found = session.execute(
        select(QueueItem).where(QueueItem.warning_id == warning_id, QueueItem.kind == QueueItemKind.CALLBACK,
                                QueueItem.status == QueueItemStatus.OPEN)
    ).scalars().all()
    return [callback for callback in found if item is None or callback.id != item.id]


def _apply_to_queue(
    session: Session, warning: Warning, item: QueueItem | None, log: CallLog, step: NextStep,
    user_id: int | None, now: dt.datetime,
) -> None:
    if item is not None and item.status == QueueItemStatus.CLAIMED and item.claimed_by not in (None, user_id):
        # the lease ran out and another seat took the item: it is theirs now, leave it alone
        lease_live = item.lease_expires_at is not None and item.lease_expires_at > now
        if lease_live:
            return
    items = [item] if item is not None else (open_items_of(session, warning.id) if log.follow_up_id is None else [])
    callbacks = _live_callbacks(session, warning.id, item)
    if step.kind == "retry" and callbacks:
        step = replace(step, kind="close")  # the person asked for a time: the agreed callback replaces the retry
    elif step.kind != "retry" and warning.status == WarningStatus.CLOSED:
        items = items + callbacks  # the warning is closed: its agreed callbacks are no longer needed
    if step.kind == "retry":
        # an item finished meanwhile (a supervisor skipped it) stays finished: the retry gets a new one
        items = [target for target in items if item_may_move(target.status, QueueItemStatus.OPEN)]
        if not items and log.follow_up_id is not None:
            follow_up = session.get(FollowUp, log.follow_up_id)
            if follow_up is not None and step.retry_at is not None:
                follow_up.status, follow_up.due_at = FollowUpStatus.SCHEDULED, step.retry_at  # comes back when due
            return
        if not items:
            items = [QueueItem(kind=QueueItemKind.RETRY, warning_id=warning.id, status=QueueItemStatus.OPEN,
                               priority=warning.risk_score, risk_level=effective_level(warning),
                               deadline_at=warning.deadline_at)]
            session.add(items[0])
        for target in items:
            if target.kind in (QueueItemKind.WARNING, QueueItemKind.CALLBACK):
                if target.kind == QueueItemKind.CALLBACK:  # a callback not reached retries as anyone's item
                    target.assigned_to, target.deadline_at = None, warning.deadline_at
                target.kind = QueueItemKind.RETRY
            move_item(target, QueueItemStatus.OPEN)
            target.not_before = step.retry_at
            target.claimed_by = target.claimed_at = target.lease_expires_at = None
        return
    for target in items:
        if item_may_move(target.status, QueueItemStatus.DONE):
            move_item(target, QueueItemStatus.DONE)
            target.closed_at = now
            target.lease_expires_at = None
