"""The event loop of a simulated shift: seats claim, dial, log and escalate through the real services.

The clock is the service context's own injectable clock, moved from event to event: every claim,
call log, retry, escalation and acknowledgement is the console's real code on a throw-away copy of
the database, only faster than real time.  A discrete-event library would add a process model on
top of what is, here, a heap of timed events; the services already take their time from the context.

Outcomes, talk times and station delays are drawn from the centre's history
(:mod:`console.services.simulation.history`) with a seeded generator, so the same seed gives the
same shift.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update

from console.services.calls.log import CallLog, log_call
from console.services.core.context import SYSTEM, Actor, ServiceContext, ServiceError
from console.services.core.settings import Settings
from console.services.core.vocabulary import CLOSED_ESCALATION_STATUSES, QueueItemStatus
from console.services.escalation.orders import TaskRequest, acknowledge, create_escalation
from console.services.intake.importer import import_table
from console.services.intake.readers import SourceRow, Table
from console.services.queue.claims import claim_next, renew_lease
from console.services.queue.store import QueueEntry
from console.services.simulation.arrivals import Arrival
from console.services.simulation.history import HistoryProfile, OutcomeMix
from db.models import Escalation, QueueItem, Warning

RENEW_EVERY_S = 120.0  # the workstation renews its lease while a call goes on
FIELD_COLUMNS = {name: name for name in
                 ("external_id", "received_at", "phone", "fraud_type", "signals", "amount", "call_duration_s",
                  "id_number", "source", "station")}


@dataclass(frozen=True)
class SeatPlan:
    """One seat's shift, in seconds from the shift start: on duty from start to end, away in breaks."""

    login: str
    start_s: float
    end_s: float
    breaks: tuple[tuple[float, float], ...] = ()

    def on_duty_s(self) -> float:
        return (self.end_s - self.start_s) - sum(b - a for a, b in self.breaks)

    def break_at(self, t: float) -> tuple[float, float] | None:
        return next(((a, b) for a, b in self.breaks if a <= t < b), None)


def default_seat_plans(seats: int, hours: float, *, break_minutes: float = 15.0) -> tuple[SeatPlan, ...]:
    """Every seat on for the whole shift, one break each, staggered so seats never all leave together."""
    plans = []
    total = hours * 3600
    for i in range(seats):
        breaks: tuple[tuple[float, float], ...] = ()
        if break_minutes > 0 and hours >= 4:
            at = total * (0.35 + 0.3 * (i / max(1, seats - 1) if seats > 1 else 0.5))
            breaks = ((at, at + break_minutes * 60),)
        plans.append(SeatPlan(f"sim{i + 1:02d}", 0.0, total, breaks))
    return tuple(plans)


@dataclass
class _Seat:
    plan: SeatPlan
    actor: Actor
    state: str = "off"  # off | idle | busy | away
    busy_s: float = 0.0
    away_s: float = 0.0  # breaks as actually taken
    call_token: int = 0


@dataclass
class ShiftLog:
    """What happened, as the loop saw it; figures are computed from it and the database afterwards."""

    backlog: list[tuple[float, dict[str, int], int]] = field(default_factory=list)  # (minute, open per level, late)
    calls: int = 0
    escalations: int = 0
    acknowledgements: int = 0
    busy_s: dict[str, float] = field(default_factory=dict)
    on_duty_s: dict[str, float] = field(default_factory=dict)


def _pick(rng: random.Random, mix: tuple[tuple[str, float], ...]) -> str:
    roll = rng.random()
    for code, share in mix:
        roll -= share
        if roll <= 0:
            return code
    return mix[-1][0]


class ShiftLoop:
    """Runs one shift; ``sessions`` is a throw-away database, ``start`` the shift start (aware)."""

    def __init__(self, sessions: Any, profile: HistoryProfile, arrivals: list[Arrival], plans: tuple[SeatPlan, ...],
                 seat_actors: dict[str, Actor], *, start: dt.datetime, hours: float, seed: int,
                 settings: Settings, sample_minutes: float = 5.0) -> None:
        self.now = start
        self.start = start
        self.end = start + dt.timedelta(hours=hours)
        clock: Callable[[], dt.datetime] = lambda: self.now  # noqa: E731 - the services read the loop's time
        self.ctx = ServiceContext(sessions, SYSTEM, clock=clock, settings=settings)
        self.profile = profile
        self.arrivals = arrivals
        self.seats = {p.login: _Seat(p, seat_actors[p.login]) for p in plans}
        self.sample_s = sample_minutes * 60
        self.log = ShiftLog()
        self._events: list[tuple[float, int, str, Any]] = []
        self._seq = itertools.count()
        self._uuid = itertools.count(1)
        self._seed = seed

    # ------------------------------------------------------------------ scheduling
    def _at(self, offset_s: float, kind: str, payload: Any = None) -> None:
        heapq.heappush(self._events, (offset_s, next(self._seq), kind, payload))

    def _offset(self) -> float:
        return (self.now - self.start).total_seconds()

    def run(self) -> ShiftLog:
        total = (self.end - self.start).total_seconds()
        for arrival in self.arrivals:
            self._at(arrival.offset_s, "arrive", arrival)
        for seat in self.seats.values():
            self._at(seat.plan.start_s, "seat_on", seat)
        t = 0.0
        while t <= total:
            self._at(t, "sample")
            t += self.sample_s
        while self._events:
            offset, _seq, kind, payload = heapq.heappop(self._events)
            if offset > total:
                break
            self.now = self.start + dt.timedelta(seconds=offset)
            getattr(self, f"_on_{kind}")(payload)
        for login, seat in self.seats.items():
            self.log.busy_s[login] = seat.busy_s
            self.log.on_duty_s[login] = (seat.plan.end_s - seat.plan.start_s) - seat.away_s
        return self.log

    # ------------------------------------------------------------------ events
    def _on_arrive(self, _arrival: Arrival) -> None:
        self._wake_idle()  # the warning was imported before the shift, held back until now

    def _on_wake(self, _payload: None) -> None:
        self._wake_idle()

    def _wake_idle(self) -> None:
        for seat in self.seats.values():
            if seat.state == "idle" and not self._ready(seat):
                break  # nothing claimable for one seat means nothing for the others either

    def _on_seat_on(self, seat: _Seat) -> None:
        self._ready(seat)

    def _on_seat_ready(self, seat: _Seat) -> None:
        self._ready(seat)

    def _ready(self, seat: _Seat) -> bool:
        """Take the next item if the seat is on duty; False when there was nothing to take."""
        t = self._offset()
        if t >= seat.plan.end_s:
            seat.state = "off"
            return True
        away = seat.plan.break_at(t)
        if away is not None:
            seat.state = "away"
            seat.away_s += away[1] - t  # a call that ran into the break shortens it
            self._at(away[1], "seat_ready", seat)
            return True
        seat.state = "idle"
        return self._try_claim(seat)

    def _try_claim(self, seat: _Seat) -> bool:
        entry = claim_next(self.ctx.as_actor(seat.actor))
        if entry is None:
            return False
        seat.state = "busy"
        seat.call_token += 1
        self._start_call(seat, entry)
        return True

    def _start_call(self, seat: _Seat, entry: QueueEntry) -> None:
        mix: OutcomeMix = self.profile.outcomes.get(entry.risk_level) or self.profile.outcomes["blue"]
        # Common random numbers: a given warning's given attempt turns out the same in every scenario
        # of one seed, so comparing 4 with 5 seats compares the seats, not two different lucks.
        rng = random.Random(f"{self._seed}:{entry.warning_id}:{entry.kind}:{entry.attempts}")
        connected = rng.random() < mix.answer_rate
        disposition = _pick(rng, mix.connected if connected else mix.unconnected)
        setup = self.profile.dial_setup_seconds
        if connected:
            talk = float(rng.choice(self.profile.talk_seconds.get(entry.risk_level) or (120,)))
        else:
            talk = self.profile.ring_seconds.get(disposition, 30.0)
        dial_at = self.now + dt.timedelta(seconds=setup)
        ends = self._offset() + setup + talk
        call = {"seat": seat, "entry": entry, "dial_at": dial_at, "connected": connected,
                "disposition": disposition, "token": seat.call_token, "claimed": self._offset()}
        renew = self._offset() + RENEW_EVERY_S
        while renew < ends:
            self._at(renew, "renew", call)
            renew += RENEW_EVERY_S
        self._at(ends, "call_end", call)

    def _on_renew(self, call: dict[str, Any]) -> None:
        seat: _Seat = call["seat"]
        if seat.call_token == call["token"]:
            renew_lease(self.ctx.as_actor(seat.actor), call["entry"].item_id)

    def _on_call_end(self, call: dict[str, Any]) -> None:
        seat: _Seat = call["seat"]
        entry: QueueEntry = call["entry"]
        ctx = self.ctx.as_actor(seat.actor)
        logged = log_call(ctx, CallLog(
            client_uuid=f"sim-{self._seed}-{next(self._uuid)}",
            warning_id=entry.warning_id,
            queue_item_id=entry.item_id,
            started_at=call["dial_at"],
            ended_at=self.now,
            connected=call["connected"],
            disposition=call["disposition"],
            follow_up_id=entry.follow_up_id,
        ))
        self.log.calls += 1
        step = logged.next_step
        if step.suggest_escalation and not self._has_open_escalation(entry.warning_id):
            self._escalate(ctx, entry.warning_id, step.escalation_reason)
        if step.retry_at is not None:
            self._at((step.retry_at - self.start).total_seconds(), "wake")
        wrap = self.profile.wrap_up_seconds
        seat.busy_s += min(self._offset() + wrap, seat.plan.end_s) - call["claimed"]  # work past the shift end is not on duty
        self._at(self._offset() + wrap, "seat_ready", seat)

    def _has_open_escalation(self, warning_id: int) -> bool:
        with self.ctx.sessions() as session:
            return session.execute(
                select(func.count()).select_from(Escalation)
                .where(Escalation.warning_id == warning_id, Escalation.status.not_in(CLOSED_ESCALATION_STATUSES))
            ).scalar_one() > 0

    def _escalate(self, ctx: ServiceContext, warning_id: int, reason: str) -> None:
        try:
            info = create_escalation(ctx, warning_id, tasks=[TaskRequest.onsite_visit()],
                                     reason=reason or "排班测算：劝阻未果，需上门")
        except ServiceError:
            return  # no station for the address: the order would wait for a supervisor, as in real life
        self.log.escalations += 1
        delay = float(random.Random(f"{self._seed}:ack:{warning_id}").choice(self.profile.station_ack_minutes)) * 60
        self._at(self._offset() + delay, "station_ack", info.id)

    def _on_station_ack(self, escalation_id: int) -> None:
        try:
            acknowledge(self.ctx, escalation_id, "派出所值班民警")
        except ServiceError:
            return  # already closed or signed for
        self.log.acknowledgements += 1

    def _on_sample(self, _payload: None) -> None:
        due = (QueueItem.status == QueueItemStatus.OPEN) & ((QueueItem.not_before.is_(None)) | (QueueItem.not_before <= self.now))
        with self.ctx.sessions() as session:
            open_now = {str(level): int(n) for level, n in session.execute(
                select(QueueItem.risk_level, func.count()).where(due).group_by(QueueItem.risk_level))}
            late = session.execute(
                select(func.count()).select_from(QueueItem)
                .where(due, QueueItem.kind == "warning", QueueItem.deadline_at < self.now)
            ).scalar_one()
        self.log.backlog.append((self._offset() / 60, open_now, int(late)))


def import_arrivals(ctx: ServiceContext, arrivals: list[Arrival], start: dt.datetime) -> None:
    """Import every arrival through the real importer at once, each held back until its arrival time.

    One batch instead of one per warning: the importer's per-batch work (batch row, audit, person
    index) would otherwise cost more than the whole shift.  The queue's own ``not_before`` keeps each
    item out of every seat's reach until the simulated clock reaches its ``received_at``.
    """
    rows = []
    for number, arrival in enumerate(arrivals, start=1):
        values = dict(arrival.row, received_at=(start + dt.timedelta(seconds=arrival.offset_s)).isoformat())
        rows.append(SourceRow(number, values))
    if not rows:
        return
    table = Table("排班测算", "simulation", list(FIELD_COLUMNS), FIELD_COLUMNS, iter(rows))
    import_table(ctx, table, source="simulation", quarantine=True)
    with ctx.session() as session:
        arrived = select(Warning.received_at).where(Warning.id == QueueItem.warning_id).scalar_subquery()
        session.execute(update(QueueItem).where(QueueItem.warning_id.in_(
            select(Warning.id).where(Warning.external_id.like("SIM%")))).values(not_before=arrived))
