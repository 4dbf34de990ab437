"""Agreed callbacks (约定回拨): "call me back at 15:00" becomes a queue item due then, for that operator.

A callback is a queue item of kind ``callback`` assigned to the operator who agreed it: its
``deadline_at`` is the agreed time, from which the claim offers it to that operator before anything
else (console/services/queue/store.py ``own_callback_branch``); its ``not_before`` is the agreed time
plus the workstation's ``callback_grace_minutes``, after which any operator may take it.  One agreed
time per warning: agreeing a new one cancels the previous one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from console.services.core.context import NotFound, ServiceContext, ServiceError
from console.services.core.levels import effective_level
from console.services.core.vocabulary import LIVE_ITEM_STATUSES, QueueItemKind, QueueItemStatus, WarningStatus
from console.services.queue import store
from console.services.queue.claims import bump_queue_version
from console.services.queue.states import move_item
from console.services.queue.store import QueueEntry
from db.models import QueueItem, Warning

LONGEST_AHEAD = dt.timedelta(days=7)


@dataclass(frozen=True)
class AgreedCallback:
    """A callback as the operator is told about it."""

    item_id: int
    warning_id: int
    due_at: dt.datetime  # the agreed time
    open_to_all_at: dt.datetime  # from then on any operator may take it
    operator: str
    replaced: int  # earlier agreed callbacks of this warning now cancelled


def agree_callback(ctx: ServiceContext, warning_id: int, due_at: dt.datetime) -> AgreedCallback:
    """Queue a callback of ``warning_id`` at ``due_at`` (aware) for the acting operator."""
    ctx.require("call.log")
    user_id = ctx.actor.user_id
    if user_id is None:
        raise ServiceError("约定回拨需要以具体用户身份操作")
    if due_at.tzinfo is None:
        raise ServiceError("回拨时间缺少时区")
    now = ctx.now()
    if due_at < now - dt.timedelta(minutes=1):
        raise ServiceError("回拨时间已经过去，请选择之后的时间")
    if due_at > now + LONGEST_AHEAD:
        raise ServiceError("回拨时间不能晚于 7 天之后；更久的回访请走回访计划")
    grace = dt.timedelta(minutes=ctx.settings.workstation.callback_grace_minutes)
    with ctx.session() as session:
        warning = session.get(Warning, warning_id)
        if warning is None:
            raise NotFound(f"预警 {warning_id} 不存在")
        if warning.status == WarningStatus.CLOSED:
            raise ServiceError("该预警已结案，不能再约定回拨")
        earlier = session.execute(
            select(QueueItem).where(QueueItem.warning_id == warning_id, QueueItem.kind == QueueItemKind.CALLBACK,
                                    QueueItem.status.in_(LIVE_ITEM_STATUSES))
            .with_for_update()
        ).scalars().all()
        for item in earlier:
            move_item(item, QueueItemStatus.CANCELLED)
            item.claimed_by = item.claimed_at = item.lease_expires_at = None
            item.closed_at = now
            item.skip_reason = "已改约回拨时间"
        item = QueueItem(kind=QueueItemKind.CALLBACK, warning_id=warning_id, status=QueueItemStatus.OPEN,
                         priority=warning.risk_score, risk_level=effective_level(warning),
                         deadline_at=due_at, not_before=due_at + grace, assigned_to=user_id)
        session.add(item)
        session.flush()
        bump_queue_version(session)
        return AgreedCallback(item.id, warning_id, due_at, due_at + grace, ctx.actor.login, len(earlier))


def my_callbacks(ctx: ServiceContext) -> list[QueueEntry]:
    """The acting operator's agreed callbacks still waiting (due or not), the soonest first: for the
    list of what this operator has in hand."""
    user_id = ctx.actor.user_id
    if user_id is None:
        return []
    now = ctx.now()
    with ctx.sessions() as session:
        rows = session.connection().execute(
            store.ENTRY_COLUMNS.where(store.qi.c.kind == QueueItemKind.CALLBACK, store.qi.c.assigned_to == user_id,
                                      store.qi.c.status == QueueItemStatus.OPEN)
            .order_by(store.qi.c.deadline_at, store.qi.c.id)
        ).all()
    return [store.row_to_entry(row, now) for row in rows]


def callback_note(callback: AgreedCallback, ctx: ServiceContext) -> str:
    """The line the call log keeps: "约定回拨：12-02 15:00"."""
    return f"约定回拨：{ctx.centre_clock.format(callback.due_at, '%m-%d %H:%M')}"


def due_at_from_text(ctx: ServiceContext, text: str) -> dt.datetime:
    """``HH:MM`` (today at that centre time, tomorrow when it has passed), ``+30`` minutes, or
    ``YYYY-MM-DD HH:MM``, on the centre clock: what the command line accepts."""
    value = text.strip()
    now = ctx.now()
    clock = ctx.centre_clock
    try:
        if value.startswith("+"):
            return now + dt.timedelta(minutes=int(value[1:]))
        if " " in value:
            day_text, time_text = value.split(None, 1)
            day = dt.date.fromisoformat(day_text)
            return clock.at(day, dt.time.fromisoformat(time_text))
        at = clock.at(clock.today(now), dt.time.fromisoformat(value))
    except ValueError as exc:
        raise ServiceError(f"无法识别回拨时间“{value}”：请写 15:00、+30（分钟）或 2026-12-02 15:00") from exc
    return at if at > now else at + dt.timedelta(days=1)


__all__ = ["AgreedCallback", "agree_callback", "callback_note", "due_at_from_text", "my_callbacks"]
