"""Neglect alerts and waiting times for the supervisor board.

- *Waiting since*: an item waits from the moment it could be worked — a follow-up from its due
  time, a retry from its ``not_before``, a warning from its receipt — never from the warning's
  creation for a day-30 follow-up that just became due.
- *Neglect*: an item claimed but not dialled within ``supervision.undialled_minutes`` (no call
  started since the claim and the holder's seat not on a call), and a red item waiting more than
  ``supervision.red_waiting_minutes`` while operators are free (就绪, nothing in hand).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from console.services.core.context import ServiceContext
from console.services.core.vocabulary import QueueItemKind, QueueItemStatus
from console.services.queue.presence import Presence
from console.services.queue.store import QueueEntry
from db.models import CallAttempt, FollowUp, QueueItem


@dataclass(frozen=True)
class NeglectAlert:
    kind: str  # undialled | red_waiting
    item_id: int
    warning_id: int
    minutes: int
    text: str


def waiting_since(session: Session, entries: Iterable[QueueEntry]) -> dict[int, dt.datetime]:
    """When each item started waiting (item id -> time)."""
    entries = list(entries)
    follow_ups = [e.follow_up_id for e in entries if e.kind == QueueItemKind.FOLLOW_UP and e.follow_up_id]
    due: dict[int, dt.datetime] = {}
    if follow_ups:
        due = {fid: at for fid, at in session.execute(
            select(FollowUp.id, FollowUp.due_at).where(FollowUp.id.in_(follow_ups))).all()}
    created: dict[int, dt.datetime] = {}
    others = [e.item_id for e in entries if e.kind not in (QueueItemKind.WARNING, QueueItemKind.FOLLOW_UP)]
    if others:
        created = {iid: at for iid, at in session.execute(
            select(QueueItem.id, QueueItem.created_at).where(QueueItem.id.in_(others))).all()}
    since: dict[int, dt.datetime] = {}
    for entry in entries:
        start = entry.received_at
        if entry.follow_up_id is not None and entry.follow_up_id in due:
            start = due[entry.follow_up_id]
        elif entry.item_id in created:
            start = created[entry.item_id]
        if entry.not_before is not None and entry.not_before > start:
            start = entry.not_before
        since[entry.item_id] = start
    return since


def _undialled(session: Session, ctx: ServiceContext, entries: list[QueueEntry], seats: dict[str, Presence],
               now: dt.datetime) -> list[NeglectAlert]:
    limit = dt.timedelta(minutes=ctx.settings.supervision.undialled_minutes)
    claimed = [e for e in entries if e.status == QueueItemStatus.CLAIMED and e.claimed_by]
    if not claimed:
        return []
    claimed_at = {iid: at for iid, at in session.execute(
        select(QueueItem.id, QueueItem.claimed_at).where(QueueItem.id.in_([e.item_id for e in claimed]))).all()}
    last_call = {wid: at for wid, at in session.execute(
        select(CallAttempt.warning_id, func.max(CallAttempt.started_at))
        .where(CallAttempt.warning_id.in_({e.warning_id for e in claimed})).group_by(CallAttempt.warning_id)).all()}
    alerts = []
    for entry in claimed:
        since = claimed_at.get(entry.item_id)
        if since is None or now - since < limit:
            continue
        called = last_call.get(entry.warning_id)
        seat = seats.get(entry.claimed_by or "")
        if (called is not None and called >= since) or (seat is not None and seat.state in ("on_call", "wrap_up")):
            continue
        minutes = int((now - since).total_seconds() // 60)
        alerts.append(NeglectAlert("undialled", entry.item_id, entry.warning_id, minutes,
                                   f"预警 #{entry.warning_id} 已被 {entry.claimed_by} 领取 {minutes} 分钟仍未拨打"))
    return alerts


def _red_waiting(ctx: ServiceContext, entries: list[QueueEntry], since: dict[int, dt.datetime],
                 seats: dict[str, Presence], now: dt.datetime) -> list[NeglectAlert]:
    free = sorted(login for login, seat in seats.items() if seat.state == "ready" and seat.item_id is None)
    held = {e.claimed_by for e in entries if e.status == QueueItemStatus.CLAIMED}
    free = [login for login in free if login not in held]
    if not free:
        return []
    limit = dt.timedelta(minutes=ctx.settings.supervision.red_waiting_minutes)
    alerts = []
    for entry in entries:
        if entry.risk_level != "red" or entry.status != QueueItemStatus.OPEN:
            continue
        waited = now - since.get(entry.item_id, entry.received_at)
        if waited < limit:
            continue
        minutes = int(waited.total_seconds() // 60)
        alerts.append(NeglectAlert("red_waiting", entry.item_id, entry.warning_id, minutes,
                                   f"红色预警 #{entry.warning_id} 已等待 {minutes} 分钟，空闲接线员："
                                   + "、".join(free[:5]) + ("等" if len(free) > 5 else "")))
    return alerts


def neglect_alerts(session: Session, ctx: ServiceContext, entries: list[QueueEntry], since: dict[int, dt.datetime],
                   seats: dict[str, Presence], now: dt.datetime) -> list[NeglectAlert]:
    """Both kinds of neglect, the longest first."""
    found = _undialled(session, ctx, entries, seats, now) + _red_waiting(ctx, entries, since, seats, now)
    return sorted(found, key=lambda a: -a.minutes)
