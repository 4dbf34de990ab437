"""What one operator holds: the items claimed on a live lease and the open items assigned to them.

The workstation's "我的处理中" list reads :func:`my_items`; a call set aside with its draft stays
claimed and :func:`renew_held` keeps its lease alive while the window is open; :func:`take_held_item`
reopens one of these items (renews the caller's own claim, or claims an open item assigned to them,
e.g. a callback or a follow-up due to them).  Other seats never get an item through these functions.
"""

from __future__ import annotations

from sqlalchemy import and_, or_

from console.services.core.context import ServiceContext, ServiceError
from console.services.core.vocabulary import QueueItemStatus
from console.services.queue import store as sql
from console.services.queue.claims import _require_worker, claim_item, renew_lease
from console.services.queue.store import QueueEntry, row_to_entry

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
    """Reopen one of the caller's items: renew their claim, or claim an open item assigned to them
    (the one way an item is taken by name, :func:`claims.claim_item`, limited to the caller's own)."""
    return claim_item(ctx, item_id, only_mine=True)
