"""Seat presence from a heartbeat, and the release of claims held by a seat that went silent.

The operator console reports every ``supervision.heartbeat_seconds`` (off the GUI thread) its state
(就绪 / 小休 / 通话中 / 整理) and the queue item in hand; logging out or quitting signs the seat off
at once (离线).  A seat silent for ``offline_after_seconds`` reads as 离线 too.  After
``release_claims_after_seconds`` without a heartbeat (or that long after signing off) the seat's
claims go back to the queue, audited; the operator's call draft stays on the seat's disk, so when
they come back the draft reopens and is saved to the call log as usual.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum
from typing import Final

from sqlalchemy import or_, select

from console.services.core import audit
from console.services.core.context import SYSTEM, ServiceContext, ServiceError
from console.services.core.vocabulary import QueueItemStatus
from console.services.queue.claims import bump_queue_version
from console.services.queue.states import move_item
from db.models import AGENT_STATES, AgentState, QueueItem, User

PRESENCE_LABELS = {"ready": "就绪", "paused": "小休", "on_call": "通话中", "wrap_up": "整理", "offline": "离线"}


@dataclass(frozen=True)
class Presence:
    user_id: int
    login: str
    name: str
    state: str  # ready | paused | on_call | wrap_up | offline (after the staleness rule)
    reason: str
    since: dt.datetime  # when the seat entered this state (for 离线 by silence: the last heartbeat)
    item_id: int | None  # the item in hand as the seat last reported it
    seat: str

    @property
    def present(self) -> bool:
        return self.state != "offline"

    @property
    def label(self) -> str:
        return PRESENCE_LABELS.get(self.state, self.state)


def effective_state(row: AgentState, now: dt.datetime, offline_after: dt.timedelta) -> tuple[str, dt.datetime]:
    """The state the board shows and since when: a signed-off or silent seat is offline."""
    if row.offline_since is not None:
        return "offline", row.offline_since
    if now - row.heartbeat_at > offline_after:
        return "offline", row.heartbeat_at
    return row.state, row.changed_at


class KeepItem(Enum):
    """``item_id=KEEP_ITEM``: the writer does not know the item in hand, the row keeps what it has."""

    KEEP = "keep"


KEEP_ITEM: Final = KeepItem.KEEP


def report_state(ctx: ServiceContext, state: str | None, reason: str = "", *,
                 item_id: int | None | KeepItem = KEEP_ITEM) -> None:
    """The one writer of the acting operator's seat row (``agent_states``), in one transaction.

    Every change of state, every heartbeat and every sign-off comes through here, so the rules live
    once:

    - ``state`` is one of ``AGENT_STATES``; ``None`` keeps the state the seat has (a bare heartbeat;
      a seat never seen before starts 就绪).  A pause needs a reason; a reason belongs to a pause only.
    - ``changed_at`` moves when the state or the pause reason changes, or when a signed-off seat
      comes back; it is what the board counts the state's duration from.
    - ``heartbeat_at`` is now on every write: each one is a report from a running console.
    - 离线 (logout or quit): ``offline_since`` is set, kept as it was when the seat had already signed
      off (the claims are released that long after the first sign-off), and the seat holds no item.
      Any other state clears it.
    - ``item_id``: the item in hand as the seat reports it; ``KEEP_ITEM`` leaves the row's as it is.
    """
    if state is not None and state not in AGENT_STATES:
        raise ServiceError(f"未知的座席状态“{state}”")
    if state == "paused" and not reason.strip():
        raise ServiceError("小休请填写原因")
    user_id = ctx.actor.user_id
    if user_id is None:
        return
    now = ctx.now()
    with ctx.session() as session:
        row = session.get(AgentState, user_id, with_for_update=True)
        if row is None:
            row = AgentState(user_id=user_id, state=state or "ready", reason="", changed_at=now, item_id=None)
            session.add(row)
        new_state = row.state if state is None else state
        new_reason = (row.reason or "") if state is None else (reason.strip() if state == "paused" else "")
        signed_off = row.offline_since is not None
        if new_state != row.state or new_reason != (row.reason or "") or (signed_off and new_state != "offline"):
            row.changed_at = now
        row.state, row.reason, row.seat, row.heartbeat_at = new_state, new_reason, ctx.actor.seat, now
        if new_state == "offline":
            row.offline_since = row.offline_since or now
            row.item_id = None
        else:
            row.offline_since = None
            if not isinstance(item_id, KeepItem):
                row.item_id = item_id


def beat(ctx: ServiceContext, state: str, item_id: int | None, reason: str = "") -> None:
    """The acting operator's heartbeat: state, the item in hand, now."""
    if state == "offline":
        raise ServiceError(f"未知的座席状态“{state}”")  # a running console beats; leaving is sign_off
    report_state(ctx, state, reason, item_id=item_id)


def sign_off(ctx: ServiceContext) -> None:
    """Logout or quit: the seat reads 离线 from now on (its claims are released after the setting)."""
    report_state(ctx, "offline")


def presence(ctx: ServiceContext) -> dict[str, Presence]:
    """Every seat that has reported, by login (supervisors)."""
    ctx.require("queue.manage")
    now = ctx.now()
    offline_after = ctx.settings.supervision.offline_after
    with ctx.sessions() as session:
        rows = session.execute(select(AgentState, User).join(User, User.id == AgentState.user_id)).all()
        found = {}
        for row, user in rows:
            state, since = effective_state(row, now, offline_after)
            found[user.login] = Presence(user.id, user.login, user.display_name or user.login, state,
                                         row.reason if state == "paused" else "", since,
                                         row.item_id if state != "offline" else None, row.seat)
    return found


def is_present(ctx: ServiceContext, login: str) -> bool:
    seat = presence(ctx).get(login)
    return seat is not None and seat.present


def release_stale_claims(ctx: ServiceContext) -> list[int]:
    """Give back the claims of seats silent (or signed off) longer than the setting; the ids released.

    Safe to call from every seat: the rows are locked and re-checked in one transaction."""
    now = ctx.now()
    cutoff = now - ctx.settings.supervision.release_claims_after
    released: list[int] = []
    with ctx.session() as session:
        stale = select(AgentState.user_id).where(or_(AgentState.heartbeat_at < cutoff,
                                                     AgentState.offline_since < cutoff))
        items = session.execute(
            select(QueueItem, User.login).join(User, User.id == QueueItem.claimed_by)
            .where(QueueItem.status == QueueItemStatus.CLAIMED, QueueItem.claimed_by.in_(stale))
            .order_by(QueueItem.id).with_for_update(of=QueueItem, skip_locked=True)
        ).all()
        for item, login in items:
            move_item(item, QueueItemStatus.OPEN)
            item.claimed_by = item.claimed_at = item.lease_expires_at = None
            audit.record(session, SYSTEM, "release", object_type="queue_item", object_id=item.id,
                         reason="座席离线超时，自动释放", details={"warning_id": item.warning_id, "from": login}, at=now)
            released.append(item.id)
        if released:
            bump_queue_version(session)
    return released


def reassign_checked(ctx: ServiceContext, item_id: int, to_login: str, reason: str, *, absent_ok: bool = False) -> None:
    """Reassign, refusing an operator whose seat is 离线 unless the supervisor confirmed it."""
    from console.services.queue.admin import reassign

    if not absent_ok and not is_present(ctx, to_login):
        raise AbsentOperator(f"接线员“{to_login}”当前离线（无座席心跳），改派须确认")
    reassign(ctx, item_id, to_login, reason)


class AbsentOperator(ServiceError):
    """The reassign target is not at a seat."""
