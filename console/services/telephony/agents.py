"""Agent state of each operator's seat: 就绪 / 小休 / 通话中 / 整理 / 离线, with a heartbeat.

A seat writes its state when it changes and a heartbeat every ``supervision.heartbeat_seconds``;
both go through the one writer of the seat row, ``report_state`` in console/services/queue/presence.py.
A seat whose heartbeat is older than ``supervision.offline_after_seconds``, or that signed off, reads
as offline (the console closed or crashed).  A paused operator is not offered new work:
:func:`claim_next_for_agent` refuses while paused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from console.services.core.context import ServiceContext, ServiceError
from console.services.core.supervision_settings import SupervisionSettings
from console.services.queue import presence
from console.services.queue.claims import ClaimedItem, claim_next
from console.services.queue.presence import KEEP_ITEM, PRESENCE_LABELS, KeepItem, effective_state
from db.models import AgentState, User

AGENT_STATE_LABELS = PRESENCE_LABELS  # one set of labels: the board's and the status bar's
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


def set_agent_state(ctx: ServiceContext, state: str, reason: str = "", *,
                    item_id: int | None | KeepItem = KEEP_ITEM) -> None:
    """Record the acting operator's state (a pause needs a reason), with the item in hand when known.

    One write through the seat row's only writer, :func:`console.services.queue.presence.report_state`."""
    presence.report_state(ctx, state, reason, item_id=item_id)


def heartbeat(ctx: ServiceContext) -> None:
    """A bare heartbeat: the seat keeps its state (a seat never seen before starts 就绪)."""
    presence.report_state(ctx, None)


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
