"""What the duty supervisor's board shows, in one snapshot fetched off the GUI thread.

Queue depth and the oldest waiting item per level (waiting counted from when the item could be
worked: a follow-up from its due time), items past their deadline, escalations the station has not
acknowledged yet (with the time left or overdue), each operator's presence from the seat heartbeat
(state, since when, the item in hand), neglect alerts, and today's statistics (the same :class:`~console.services.stats.figures.Stats` the daily report
prints, so the board's "今日" line equals the report's).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select

from console.services.core.context import ServiceContext
from console.services.core.vocabulary import RISK_LEVEL_ORDER, EscalationStatus, QueueItemStatus
from console.services.queue import claims as queue
from console.services.queue import presence as seats_presence
from console.services.stats import definitions
from console.services.stats.board_alerts import NeglectAlert, neglect_alerts, waiting_since
from console.services.stats.figures import Stats, compute_stats
from db.models import Escalation, Station, User


@dataclass(frozen=True)
class LevelTile:
    level: str
    depth: int  # items still in the queue (open, waiting for a retry, or held)
    claimed: int
    overdue: int
    oldest_waiting_s: float | None  # the longest an unclaimed item of this level has been waiting


@dataclass(frozen=True)
class AckWaiting:
    escalation_id: int
    warning_id: int
    station: str
    level: str
    created_at: dt.datetime
    ack_deadline_at: dt.datetime | None
    seconds_left: float | None  # negative once the acknowledgement deadline has passed


@dataclass(frozen=True)
class OperatorNow:
    user_id: int
    login: str
    name: str
    item_id: int | None
    warning_id: int | None
    level: str | None
    calls_today: int
    dissuaded_today: int
    agent_state: str = "offline"  # ready | paused | on_call | wrap_up | offline (queue.presence)
    agent_reason: str = ""
    state_since: dt.datetime | None = None

    @property
    def present(self) -> bool:
        return self.agent_state != "offline"


@dataclass(frozen=True)
class BoardSnapshot:
    at: dt.datetime
    tiles: list[LevelTile]
    overdue: list[queue.QueueEntry]
    acks: list[AckWaiting]
    operators: list[OperatorNow]
    today: Stats
    queue_version: int
    entries: list[queue.QueueEntry] = field(default_factory=list)  # the whole live queue (drill-down)
    waiting_since: dict[int, dt.datetime] = field(default_factory=dict)  # item id -> start of its wait
    alerts: list[NeglectAlert] = field(default_factory=list)
    released: list[int] = field(default_factory=list)  # claims of silent seats given back by this read


HEADLINE = ("warnings_received", "contacted", "dissuaded", "late", "escalations")


def summary_text(stats: Stats) -> str:
    """今日：接收预警 N，已联系 N，劝阻成功 N，超时 N，上报派出所 N (see :mod:`.definitions`)."""
    return "今日：" + headline_figures(stats)


def headline_figures(stats: Stats) -> str:
    """The five figures of the day's line, named as the definitions name them (the duty report prints the same)."""
    t = stats.totals
    return "，".join(f"{definitions.name(key)} {getattr(t, key):,}" for key in HEADLINE)


def _tiles(entries: list[queue.QueueEntry], since: dict[int, dt.datetime], now: dt.datetime) -> list[LevelTile]:
    tiles = []
    for level in RISK_LEVEL_ORDER:
        mine = [e for e in entries if e.risk_level == level]
        waiting = [since.get(e.item_id, e.received_at) for e in mine if e.status == QueueItemStatus.OPEN]
        oldest = (now - min(waiting)).total_seconds() if waiting else None
        tiles.append(LevelTile(level, len(mine), sum(e.status == QueueItemStatus.CLAIMED for e in mine),
                               sum(e.overdue for e in mine), oldest))
    return tiles


def board_snapshot(ctx: ServiceContext) -> BoardSnapshot:
    """Everything the board draws, as plain data (supervisors: ``queue.manage`` and ``stats.view``)."""
    ctx.require("queue.manage")
    released = seats_presence.release_stale_claims(ctx)
    now = ctx.now()
    entries = queue.list_open(ctx)
    today = ctx.centre_clock.today(now)
    stats = compute_stats(ctx, today, today)
    per_operator = {o.login: o for o in stats.operators}
    held = {e.claimed_by: e for e in entries if e.status == QueueItemStatus.CLAIMED and e.claimed_by}
    seats = seats_presence.presence(ctx)
    with ctx.sessions() as session:
        acks = [
            AckWaiting(eid, wid, station or detail or "派出所", level, created, deadline,
                       (deadline - now).total_seconds() if deadline else None)
            for eid, wid, station, detail, level, created, deadline in session.execute(
                select(Escalation.id, Escalation.warning_id, Station.name, Escalation.target_detail,
                       Escalation.risk_level, Escalation.created_at, Escalation.ack_deadline_at)
                .outerjoin(Station, Station.id == Escalation.station_id)
                .where(Escalation.status == EscalationStatus.OPEN, Escalation.acknowledged_at.is_(None))
                .order_by(Escalation.ack_deadline_at, Escalation.id)
            ).all()
        ]
        users = session.execute(
            select(User.id, User.login, User.display_name)
            .where(User.role == "operator", User.active.is_(True)).order_by(User.login)
        ).all()
        version = queue.read_queue_version(session)
        since = waiting_since(session, entries)
        alerts = neglect_alerts(session, ctx, entries, since, seats, now)
    operators = []
    for user_id, login, name in users:
        entry = held.get(login)
        row = per_operator.get(login)
        seat = seats.get(login)
        operators.append(OperatorNow(user_id, login, name, entry.item_id if entry else None,
                                     entry.warning_id if entry else None, entry.risk_level if entry else None,
                                     row.calls if row else 0, row.dissuaded if row else 0,
                                     seat.state if seat else "offline", seat.reason if seat else "",
                                     seat.since if seat else None))
    overdue = [e for e in entries if e.overdue]
    return BoardSnapshot(now, _tiles(entries, since, now), overdue, acks, operators, stats, version, entries,
                         since, alerts, released)
