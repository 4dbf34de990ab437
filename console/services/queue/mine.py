"""What one operator holds: the items claimed on a live lease and the open items assigned to them.

The workstation's "我的处理中" list reads :func:`my_items`; a call set aside with its draft stays
claimed and :func:`renew_held` keeps its lease alive while the window is open; :func:`take_held_item`
reopens one of these items (renews the caller's own claim, or claims an open item assigned to them,
e.g. a callback or a follow-up due to them).  Other seats never get an item through these functions.
"""

from __future__ import annotations

from sqlalchemy import and_, or_

from console.services.core.context import ConflictError, NotFound, ServiceContext, ServiceError
from console.services.core.vocabulary import QueueItemStatus
from console.services.queue import store as sql
from console.services.queue.claims import _require_worker, bump_queue_version, renew_lease
from console.services.queue.states import move_item
from console.services.queue.store import QueueEntry, row_to_entry
from db.models import QueueItem

_HELD_FIRST = {QueueItemStatus.CLAIMED.value: 0, QueueItemStatus.OPEN.value: 1, "waiting": 2}


def my_items(ctx: ServiceContext) -> list[QueueEntry]:
    """The acting operator's items: held ones first, then those assigned to them (due ones first)."""
    user_id = _require_worker(ctx)
    now = ctx.now()
    held = and_(sql.qi.c.status == QueueItemStatus.CLAIMED, sql.qi.c.claimed_by == user_id,
                sql.qi.c.lease_expires_at > now)
    assigned = and_(sql.qi.c.status == QueueItemStatus.OPEN, sql.qi.c.assigned_to == user_id)
    with ctx.sessions() as session:
        rows = session.connection().execute(sql.ENTRY_COLUMNS.where(or_(held, assigned))).all()
    entries = [row_to_entry(row, now) for row in rows]
    entries.sort(key=lambda e: (_HELD_FIRST.get(e.status, 3), e.not_before or e.deadline_at or e.received_at,
                                e.item_id))
    return entries


def renew_held(ctx: ServiceContext, item_ids: list[int]) -> list[int]:
    """Extend the leases of items set aside with a draft; returns the ids no longer held."""
    lost = []
    for item_id in item_ids:
        try:
            renew_lease(ctx, item_id)
        except ServiceError:
            lost.append(item_id)
    return lost


def take_held_item(ctx: ServiceContext, item_id: int) -> QueueEntry:
    """Reopen one of the caller's items: renew their claim, or claim an open item assigned to them."""
    user_id = _require_worker(ctx)
    now = ctx.now()
    lease_until = now + ctx.settings.triage.lease
    with ctx.session() as session:
        item = session.get(QueueItem, item_id, with_for_update=True)
        if item is None:
            raise NotFound(f"队列条目 {item_id} 不存在")
        if item.status == QueueItemStatus.CLAIMED and item.claimed_by == user_id:
            item.lease_expires_at = lease_until
        elif item.status == QueueItemStatus.OPEN and item.assigned_to == user_id:
            move_item(item, QueueItemStatus.CLAIMED)
            item.claimed_by, item.claimed_at, item.lease_expires_at = user_id, now, lease_until
            session.flush()
            session.connection().execute(sql.WARNING_IN_PROGRESS, {"warning_id_": item.warning_id})
        else:
            raise ConflictError("该条目已不在您手中（已处理完毕，或已由他人领取）")
        session.flush()
        row = session.connection().execute(sql.ENTRY_BY_ID, {"item_id": item_id}).one()
        bump_queue_version(session)
    return row_to_entry(row, now)
