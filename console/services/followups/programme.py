"""The follow-up programme: revisit calls after a dissuasion, support after a victimised outcome.

- :func:`schedule_follow_ups` (the canonical one; ``calls.log_call`` and the escalation result call
  it) writes the revisits at the day offsets configured per level and fraud type in
  ``resources/escalation.yaml`` (default day 1, 7, 30, 90), or one ``victim_support`` call the
  next day with :func:`case_report_guidance` in its notes.
- :func:`due_follow_ups` lists what is due now (the queue engineer's ``enqueue_due_follow_ups``
  puts the same rows into the queue); :func:`follow_up_script` is the short script for the call.
- :func:`complete_follow_up` records the outcome.

A new warning for a person already dissuaded is scored as a repeat-victim risk by triage at intake
(``Person.dissuaded_before``, set when a call ends with the person dissuaded).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from console.services.core.context import NotFound, ServiceContext, ServiceError
from console.services.core.escalation_settings import EscalationSettings
from console.services.core.levels import effective_level
from console.services.core.masking import mask_name
from console.services.core.vocabulary import (
    FOLLOW_UP_KIND_LABELS,
    FOLLOW_UP_OUTCOME_LABELS,
    FOLLOW_UP_STATUS_LABELS,
    FRAUD_TYPE_LABELS,
    LIVE_ITEM_STATUSES,
    FollowUpOutcome,
    FollowUpStatus,
    QueueItemStatus,
)
from console.services.queue.states import move_item
from db.models import FollowUp, Person, QueueItem, Warning


@dataclass(frozen=True)
class FollowUpInfo:
    id: int
    warning_id: int
    person_id: int
    person_name: str  # masked
    fraud_type: str
    fraud_type_label: str
    risk_level: str
    kind: str
    kind_label: str
    day_offset: int
    due_at: dt.datetime
    status: str
    status_label: str
    outcome: str
    notes: str
    completed_at: dt.datetime | None
    script: tuple[str, ...]


def case_report_guidance(fraud_type: str) -> str:
    """What a victim should do now (报案 steps), in plain Chinese, adapted to the fraud type."""
    label = FRAUD_TYPE_LABELS.get(fraud_type, "电信网络诈骗")
    steps = [
        f"您可能遭遇了“{label}”类诈骗，请按以下步骤尽快处理：",
        "1. 保留证据：不要删除聊天记录、转账记录、短信、通话记录、对方账号和App，可截图保存。",
        "2. 立即报警：拨打110，说明被骗经过、转账时间、金额和对方收款账户。",
        "3. 止付冻结：第一时间拨打开户银行客服或96110，请求对涉案账户紧急止付；不要再向任何“解冻”“退款”账户转账。",
        "4. 到派出所报案：携带身份证、银行卡及上述证据到就近派出所做笔录，索取报案回执。",
        "5. 防止二次被骗：凡自称能“追回损失”“办理退款”并要求先交费的，都是诈骗。",
    ]
    if fraud_type in ("fake_loan", "fake_credit_repair", "fake_customer_service"):
        steps.append("6. 如已开通贷款或在借款平台借款，请联系正规平台核实，不要继续向对方提供验证码。")
    elif fraud_type in ("fake_investment", "romance_investment"):
        steps.append("6. 卸载对方提供的投资App或网址，不要相信“缴纳保证金即可提现”。")
    elif fraud_type == "tool_person":
        steps.append("6. 停止出租、出售银行卡和电话卡，主动到银行和营业厅核实名下账户。")
    return "\n".join(steps)


def follow_up_script(kind: str, fraud_type: str, day_offset: int) -> tuple[str, ...]:
    """The short script read on a follow-up call."""
    label = FRAUD_TYPE_LABELS.get(fraud_type, "诈骗")
    if kind == "victim_support":
        return (
            "您好，我是反诈中心工作人员，之前和您联系过，今天回访一下您的情况。",
            "请问报警和到派出所报案办了吗？银行止付是否已经办理？",
            "提醒您：声称能帮您“追回损失”的都是骗子，不要再转账。",
            "如果心里难受、家里有困难，可以告诉我们，我们帮您联系社区和家人。",
        )
    lines = [
        "您好，我是反诈中心工作人员，前几天提醒过您防范诈骗，今天回访一下。",
        f"最近还有人以“{label}”的方式联系您吗？有没有再让您下载App、转账或共享屏幕？",
        "请记住：公检法不会电话办案，不会要求转账到“安全账户”；陌生人让保密的，一定先和家人商量。",
    ]
    if day_offset <= 1:
        lines.append("您之前的App卸载了吗？请安装国家反诈中心App并开启来电预警。")
    else:
        lines.append("家里人知道这件事吗？如有可疑情况，随时拨打96110或110。")
    return tuple(lines)


def _info(follow_up: FollowUp, warning: Warning, person: Person) -> FollowUpInfo:
    return FollowUpInfo(
        id=follow_up.id,
        warning_id=follow_up.warning_id,
        person_id=follow_up.person_id,
        person_name=mask_name(person.name),
        fraud_type=warning.fraud_type,
        fraud_type_label=FRAUD_TYPE_LABELS.get(warning.fraud_type, warning.fraud_type),
        risk_level=effective_level(warning),
        kind=follow_up.kind,
        kind_label=FOLLOW_UP_KIND_LABELS.get(follow_up.kind, follow_up.kind),
        day_offset=follow_up.day_offset,
        due_at=follow_up.due_at,
        status=follow_up.status,
        status_label=FOLLOW_UP_STATUS_LABELS.get(follow_up.status, follow_up.status),
        outcome=follow_up.outcome,
        notes=follow_up.notes,
        completed_at=follow_up.completed_at,
        script=follow_up_script(follow_up.kind, warning.fraud_type, follow_up.day_offset),
    )


def follow_up_plan(warning: Warning, disposition: str, settings: EscalationSettings
                   ) -> tuple[str, tuple[int, ...], str] | None:
    """(kind, day offsets, notes) of the follow-ups an outcome calls for; None when it calls for none."""
    if disposition == "dissuaded":
        return "revisit", settings.follow_up_days(effective_level(warning), warning.fraud_type), ""
    if disposition == "refused":
        return "revisit", settings.refused_days, ""
    if disposition == "victimized":
        return "victim_support", settings.victim_support_days, case_report_guidance(warning.fraud_type)
    return None


def schedule_follow_ups(
    session: Session,
    warning: Warning,
    disposition: str,
    now: dt.datetime,
    *,
    settings: EscalationSettings,
) -> list[int]:
    """Write the follow-up calls an outcome calls for (in the caller's transaction); returns their ids.

    dissuaded → revisits at the days configured for the warning's level and fraud type; refused →
    one more try; victimized → support call(s) with the case-report guidance.  Days already
    scheduled for this warning are not written twice.  Other outcomes schedule nothing.
    """
    plan = follow_up_plan(warning, disposition, settings)
    if plan is None:
        return []
    kind, days, notes = plan
    existing = set(session.execute(
        select(FollowUp.day_offset).where(
            FollowUp.warning_id == warning.id, FollowUp.kind == kind,
            FollowUp.status.in_((FollowUpStatus.SCHEDULED, FollowUpStatus.QUEUED)),
        )
    ).scalars())
    rows = [
        FollowUp(warning_id=warning.id, person_id=warning.person_id, kind=kind, day_offset=day,
                 due_at=now + dt.timedelta(days=day), status=FollowUpStatus.SCHEDULED, notes=notes, created_at=now)
        for day in days if day not in existing
    ]
    session.add_all(rows)
    session.flush()
    return [row.id for row in rows]


def due_follow_ups(ctx: ServiceContext, *, limit: int = 200) -> list[FollowUpInfo]:
    """Follow-ups whose day has come and that are not done yet, oldest first."""
    ctx.require("followup.work")
    now = ctx.now()
    with ctx.sessions() as session:
        rows = session.execute(
            select(FollowUp, Warning, Person)
            .join(Warning, Warning.id == FollowUp.warning_id)
            .join(Person, Person.id == FollowUp.person_id)
            .where(FollowUp.status.in_((FollowUpStatus.SCHEDULED, FollowUpStatus.QUEUED)), FollowUp.due_at <= now)
            .order_by(FollowUp.due_at, FollowUp.id).limit(limit)
        ).all()
        return [_info(f, w, p) for f, w, p in rows]


def follow_ups_of(ctx: ServiceContext, warning_id: int) -> list[FollowUpInfo]:
    """Every follow-up of one warning (the programme as scheduled), by due date."""
    ctx.require("warning.view")
    with ctx.sessions() as session:
        rows = session.execute(
            select(FollowUp, Warning, Person)
            .join(Warning, Warning.id == FollowUp.warning_id)
            .join(Person, Person.id == FollowUp.person_id)
            .where(FollowUp.warning_id == warning_id).order_by(FollowUp.due_at, FollowUp.id)
        ).all()
        return [_info(f, w, p) for f, w, p in rows]


def complete_follow_up(ctx: ServiceContext, follow_up_id: int, outcome: str, notes: str = "") -> FollowUpInfo:
    """Record the outcome of a follow-up call and take it off the queue.

    'unreachable' leaves the follow-up as missed; 'victimized' marks the person a previous victim and
    schedules a support call (the guidance is in its notes).
    """
    ctx.require("followup.work")
    if outcome not in FOLLOW_UP_OUTCOME_LABELS:
        raise ServiceError(f"回访结果应为：{'、'.join(FOLLOW_UP_OUTCOME_LABELS.values())}")
    now = ctx.now()
    with ctx.session() as session:
        follow_up = session.get(FollowUp, follow_up_id)
        if follow_up is None:
            raise NotFound(f"回访不存在（编号 {follow_up_id}）")
        if follow_up.status in (FollowUpStatus.DONE, FollowUpStatus.MISSED, FollowUpStatus.CANCELLED):
            raise ServiceError("该回访已处理")
        follow_up.status = FollowUpStatus.MISSED if outcome == FollowUpOutcome.UNREACHABLE else FollowUpStatus.DONE
        follow_up.outcome = outcome
        follow_up.notes = "\n".join(p for p in (follow_up.notes, notes.strip()) if p)
        follow_up.completed_at = now
        for item in session.execute(
            select(QueueItem).where(QueueItem.follow_up_id == follow_up.id, QueueItem.status.in_(LIVE_ITEM_STATUSES))
        ).scalars():
            move_item(item, QueueItemStatus.DONE)
            item.closed_at = now
        warning = session.get(Warning, follow_up.warning_id)
        person = session.get(Person, follow_up.person_id)
        assert warning is not None and person is not None
        if outcome == "victimized":
            person.previous_victim = True
            schedule_follow_ups(session, warning, "victimized", now, settings=ctx.settings.escalation)
        session.flush()
        return _info(follow_up, warning, person)
