"""Agent state of each operator's seat: 就绪 / 小休 / 通话中 / 整理 / 离线, with a heartbeat.

A seat writes its state when it changes and a heartbeat every ``supervision.heartbeat_seconds``
(console/services/queue/presence.py); a seat whose heartbeat is older than
``supervision.offline_after_seconds``, or that signed off, reads as offline (the console closed or crashed).  A paused
operator is not offered new work: :func:`claim_next_for_agent` refuses while paused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from console.services.core.context import ServiceContext, ServiceError
from console.services.core.supervision_settings import SupervisionSettings
from console.services.queue.claims import ClaimedItem, claim_next
from console.services.queue.presence import effective_state
from db.models import AGENT_STATES, AgentState, User

AGENT_STATE_LABELS = {"ready": "就绪", "paused": "小休", "on_call": "通话中", "wrap_up": "整理", "offline": "离线"}
HEARTBEAT_SECONDS = SupervisionSettings().heartbeat_seconds  # the shipped defaults; ctx.settings rules
STALE_AFTER = SupervisionSettings().offline_after


@dataclass(frozen=True)
class AgentView:
    user_id: int
    login: str
    name: str
    state: str
    state_label: str
    reason: str
    seat: str
    since: dt.datetime
    heartbeat_at: dt.datetime


def set_agent_state(ctx: ServiceContext, state: str, reason: str = "") -> None:
    """Record the acting operator's state (a pause needs a reason)."""
    if state not in AGENT_STATES:
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
            row = AgentState(user_id=user_id)
            session.add(row)
        if row.state != state or row.reason != reason.strip():
            row.changed_at = now
        row.state, row.reason, row.seat, row.heartbeat_at = state, reason.strip(), ctx.actor.seat, now
        row.offline_since = now if state == "offline" else None
        if state == "offline":
            row.item_id = None


def heartbeat(ctx: ServiceContext) -> None:
    user_id = ctx.actor.user_id
    if user_id is None:
        return
    with ctx.session() as session:
        row = session.get(AgentState, user_id)
        if row is None:
            session.add(AgentState(user_id=user_id, state="ready", seat=ctx.actor.seat, changed_at=ctx.now(),
                                   heartbeat_at=ctx.now()))
        else:
            row.heartbeat_at = ctx.now()


def _effective(ctx: ServiceContext, row: AgentState, now: dt.datetime) -> str:
    return effective_state(row, now, ctx.settings.supervision.offline_after)[0]


def agent_states(ctx: ServiceContext) -> list[AgentView]:
    """Every seat that has reported, as the supervisor board shows them (stale heartbeats: offline)."""
    ctx.require("queue.manage")
    now = ctx.now()
    with ctx.sessions() as session:
        rows = session.execute(select(AgentState, User).join(User, User.id == AgentState.user_id)
                               .order_by(User.login)).all()
        views = []
        for row, user in rows:
            state = _effective(ctx, row, now)
            views.append(AgentView(user.id, user.login, user.display_name or user.login, state,
                                   AGENT_STATE_LABELS[state], row.reason if state == "paused" else "", row.seat,
                                   row.changed_at, row.heartbeat_at))
        return views


def current_state(ctx: ServiceContext) -> str:
    if ctx.actor.user_id is None:
        return "offline"
    with ctx.sessions() as session:
        row = session.get(AgentState, ctx.actor.user_id)
        return "offline" if row is None else _effective(ctx, row, ctx.now())


def claim_next_for_agent(ctx: ServiceContext) -> ClaimedItem | None:
    """The next item, unless the operator is on a break (a paused seat is offered no work)."""
    if current_state(ctx) == "paused":
        raise ServiceError("您正在小休，不分配新的预警。请先切换为“就绪”（F12）")
    return claim_next(ctx)
