"""Supervisor actions on the queue: reassign, skip, raise or lower a warning's level.

Each needs the ``queue.manage`` permission and a reason, and writes an audit entry in the same
transaction as the change.  Releasing someone else's claim lives in ``queue.release``.
"""

from __future__ import annotations

from sqlalchemy import select

from console.services.core import audit
from console.services.core.context import ConflictError, NotFound, ServiceContext, ServiceError
from console.services.core.levels import effective_level
from console.services.core.vocabulary import (
    LIVE_ITEM_STATUSES,
    RISK_LEVEL_LABELS,
    RISK_LEVEL_ORDER,
    QueueItemStatus,
)
from console.services.queue.claims import bump_queue_version, open_items_of
from console.services.queue.states import move_item
from db.models import QueueItem, User, Warning


def _reason(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise ServiceError("请填写原因")
    return text


def reassign(ctx: ServiceContext, item_id: int, to_login: str, reason: str) -> None:
    """Hand an item to another operator: it becomes theirs on a fresh lease."""
    ctx.require("queue.manage")
    why = _reason(reason)
    settings = ctx.settings.triage
    now = ctx.now()
    with ctx.session() as session:
        item = session.get(QueueItem, item_id, with_for_update=True)
        if item is None:
            raise NotFound(f"队列条目 {item_id} 不存在")
        if item.status not in LIVE_ITEM_STATUSES:
            raise ConflictError("该条目已处理完毕，不能改派")
        target = session.execute(select(User).where(User.login == to_login)).scalar_one_or_none()
        if target is None or not target.active:
            raise NotFound(f"用户“{to_login}”不存在或已停用")
        previous = session.get(User, item.claimed_by) if item.claimed_by else None
        move_item(item, QueueItemStatus.CLAIMED)
        item.claimed_by = item.assigned_to = target.id
        item.claimed_at = now
        item.lease_expires_at = now + settings.lease
        audit.record(session, ctx.actor, "reassign", object_type="queue_item", object_id=item.id, reason=why,
                     details={"warning_id": item.warning_id, "from": previous.login if previous else None,
                              "to": target.login}, at=now)
        bump_queue_version(session)


def skip(ctx: ServiceContext, item_id: int, reason: str) -> None:
    """Take an item out of the queue without a call (duplicate, handled elsewhere …)."""
    ctx.require("queue.manage")
    why = _reason(reason)
    now = ctx.now()
    with ctx.session() as session:
        item = session.get(QueueItem, item_id, with_for_update=True)
        if item is None:
            raise NotFound(f"队列条目 {item_id} 不存在")
        if item.status not in LIVE_ITEM_STATUSES:
            raise ConflictError("该条目已处理完毕")
        move_item(item, QueueItemStatus.SKIPPED)
        item.skip_reason = why
        item.closed_at = now
        item.claimed_by = item.claimed_at = item.lease_expires_at = None
        audit.record(session, ctx.actor, "skip", object_type="queue_item", object_id=item.id, reason=why,
                     details={"warning_id": item.warning_id, "kind": item.kind}, at=now)
        bump_queue_version(session)


def change_level(ctx: ServiceContext, warning_id: int, level: str, reason: str) -> None:
    """Raise or lower a warning's level by hand; its open items move with it (new deadline)."""
    ctx.require("queue.manage")
    why = _reason(reason)
    if level not in RISK_LEVEL_ORDER:
        raise ServiceError(f"未知的风险等级“{level}”")
    settings = ctx.settings.triage
    now = ctx.now()
    with ctx.session() as session:
        warning = session.get(Warning, warning_id, with_for_update=True)
        if warning is None:
            raise NotFound(f"预警 {warning_id} 不存在")
        before = effective_level(warning)
        if before == level:
            raise ServiceError(f"该预警已是{RISK_LEVEL_LABELS[level]}色")
        warning.level_override = level
        warning.level_override_reason = why
        deadline = warning.received_at + settings.deadline_for(level)
        if warning.first_contact_at is None:
            warning.deadline_at = deadline
        for item in open_items_of(session, warning.id):
            item.risk_level = level
            item.deadline_at = deadline
        audit.record(session, ctx.actor, "level_change", object_type="warning", object_id=warning.id, reason=why,
                     details={"from": before, "to": level}, at=now)
        bump_queue_version(session)
