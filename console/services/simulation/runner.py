"""Run shift scenarios on throw-away copies of the centre's database and turn each run into figures.

``simulate_shift`` copies the database (SQLite: an online backup; PostgreSQL: a fresh SQLite file
with the stations and jurisdictions copied over), sets the current open queue aside unless asked to
keep it, adds the scenario's seats as operators, replays the arrivals through the real importer and
lets :class:`~console.services.simulation.engine.ShiftLoop` work the shift.  The centre's own
database is only read.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, insert, select, update

from console.services.core.context import SYSTEM, Actor, ServiceContext, ServiceError
from console.services.core.settings import Settings
from console.services.core.vocabulary import LIVE_ITEM_STATUSES, QueueItemStatus
from console.services.simulation.arrivals import build_arrivals, parse_burst, read_rate_file
from console.services.simulation.engine import ShiftLoop, default_seat_plans, import_arrivals
from console.services.simulation.history import HistoryProfile, load_defaults, read_history
from db import migrate
from db.engine import make_engine, make_session_factory
from db.models import CallAttempt, Escalation, JurisdictionRule, QueueItem, Station, User, Warning

LEVELS = ("red", "orange", "yellow", "blue")
UNUSABLE_PASSWORD = "!simulated-seat"  # no argon2 hash: these accounts can never log in


@dataclass(frozen=True)
class ShiftScenario:
    """One way to run tonight's shift."""

    seats: int
    hours: float = 8.0
    arrivals: str = "history"  # history | busiest | a rate file path
    warnings: int | None = None  # exactly this many arrivals, shaped like the rate curve
    bursts: tuple[str, ...] = ()  # "20:00:300" or "+90:200"
    seed: int = 1
    weeks: int = 4
    scale: float = 1.0
    keep_backlog: bool = False
    start: dt.datetime | None = None  # aware; None: the context's now
    label: str = ""
    policy: str | None = None  # claim order "deadline" | "score"; None: the centre's setting

    def name(self) -> str:
        if self.label:
            return self.label
        return f"{self.seats}席" + (f"·{POLICY_LABELS[self.policy]}" if self.policy else "")


@dataclass(frozen=True)
class LevelFigures:
    level: str
    warnings: int
    dialled: int
    first_dial_p50_s: float | None
    first_dial_p90_s: float | None
    first_dial_max_s: float | None
    within_deadline: float | None  # share of the level's warnings first dialled by their deadline
    deadline_s: float | None

    def as_json(self) -> dict[str, Any]:
        return {
            "warnings": self.warnings, "dialled": self.dialled,
            "first_dial_p50_s": self.first_dial_p50_s, "first_dial_p90_s": self.first_dial_p90_s,
            "first_dial_max_s": self.first_dial_max_s, "within_deadline": self.within_deadline,
            "deadline_s": self.deadline_s,
        }


@dataclass(frozen=True)
class ShiftResult:
    scenario: ShiftScenario
    start: dt.datetime
    warnings: int
    levels: dict[str, LevelFigures]
    utilisation: float
    max_backlog: int
    backlog: list[tuple[float, int, int]]  # (minute of the shift, open items, of which late warnings)
    calls: int
    escalations_by_station: dict[str, int]
    wall_seconds: float
    sources: dict[str, str] = field(default_factory=dict)
    policy: str = "score"  # the claim order the shift ran with

    def as_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario.name(),
            "seats": self.scenario.seats,
            "policy": self.policy,
            "hours": self.scenario.hours,
            "seed": self.scenario.seed,
            "start": self.start.isoformat(),
            "warnings": self.warnings,
            "levels": {lvl: fig.as_json() for lvl, fig in self.levels.items()},
            "utilisation": self.utilisation,
            "max_backlog": self.max_backlog,
            "calls": self.calls,
            "escalations_by_station": self.escalations_by_station,
            "backlog": [{"minute": m, "open": n, "late": late} for m, n, late in self.backlog],
            "wall_seconds": round(self.wall_seconds, 3),
            "sources": self.sources,
        }


def _engine_of(ctx: ServiceContext) -> Engine:
    bind = ctx.sessions.kw.get("bind")
    if isinstance(bind, Engine):
        return bind
    with ctx.sessions() as session:
        found = session.get_bind()
    return found if isinstance(found, Engine) else found.engine


def _fast_pragmas(dbapi_connection: Any, _record: Any = None) -> None:
    # A throw-away copy: losing it in a crash costs nothing, so no fsync on commit.
    dbapi_connection.execute("PRAGMA synchronous=OFF")


def _throwaway_copy(source: Engine, folder: Path) -> Engine:
    target = folder / "shift.sqlite3"
    if source.dialect.name == "sqlite":
        raw = source.raw_connection()
        try:
            destination = sqlite3.connect(target)
            raw.driver_connection.backup(destination)  # type: ignore[union-attr]
            destination.close()
        finally:
            raw.close()
    engine = make_engine(f"sqlite:///{target}")
    event.listen(engine, "connect", _fast_pragmas)
    migrate.upgrade(engine)
    if source.dialect.name != "sqlite":
        with source.connect() as src, engine.begin() as dst:
            tables: tuple[Any, ...] = (Station.__table__, JurisdictionRule.__table__)
            for table in tables:
                rows = [dict(r._mapping) for r in src.execute(select(table))]
                if rows:
                    dst.execute(insert(table), rows)
    return engine


def _prepare_copy(engine: Engine, scenario: ShiftScenario, now: dt.datetime) -> dict[str, Actor]:
    sessions = make_session_factory(engine)
    actors: dict[str, Actor] = {}
    with sessions() as session, session.begin():
        if not scenario.keep_backlog:
            session.execute(update(QueueItem).where(QueueItem.status.in_(LIVE_ITEM_STATUSES))
                            .values(status=QueueItemStatus.DONE, closed_at=now, claimed_by=None, lease_expires_at=None,
                                    skip_reason="排班测算：开始前的积压不计入"))
        for plan in default_seat_plans(scenario.seats, scenario.hours):
            user = User(login=plan.login, display_name=f"测算席位{plan.login[3:]}", role="operator",
                        password_hash=UNUSABLE_PASSWORD)
            session.add(user)
            session.flush()
            actors[plan.login] = Actor(user.id, user.login, "operator", user.display_name)
    return actors


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def _figures(engine: Engine, start: dt.datetime, end: dt.datetime) -> tuple[int, dict[str, LevelFigures], dict[str, int]]:
    sessions = make_session_factory(engine)
    with sessions() as session:
        warnings = session.execute(
            select(Warning.id, Warning.risk_level, Warning.level_override, Warning.received_at, Warning.deadline_at)
            .where(Warning.external_id.like("SIM%"))
        ).all()
        first_dials = dict(session.execute(
            select(CallAttempt.warning_id, CallAttempt.started_at).order_by(CallAttempt.started_at.desc())
            .where(CallAttempt.started_at >= start)
        ).all())  # descending, so the dict keeps each warning's first dial
        stations = session.execute(
            select(Station.name, Escalation.id).join(Station, Station.id == Escalation.station_id, isouter=True)
            .where(Escalation.created_at >= start)
        ).all()
    per_level: dict[str, list[tuple[float, bool, bool, float | None]]] = {lvl: [] for lvl in LEVELS}
    for warning_id, level, override, received, deadline in warnings:
        first = first_dials.get(warning_id)
        # A warning nobody dialled by the end of the shift has waited at least until then.
        wait = ((first or end) - received).total_seconds()
        allowed = (deadline - received).total_seconds() if deadline else None
        on_time = first is not None and (deadline is None or first <= deadline)
        per_level.setdefault(override or level, []).append((wait, first is not None, on_time, allowed))
    figures = {}
    for level, rows in per_level.items():
        waits = [r[0] for r in rows]
        deadlines = [r[3] for r in rows if r[3] is not None]
        figures[level] = LevelFigures(
            level, len(rows), sum(1 for r in rows if r[1]),
            _percentile(waits, 50), _percentile(waits, 90), max(waits) if waits else None,
            round(sum(1 for r in rows if r[2]) / len(rows), 4) if rows else None,
            statistics.median(deadlines) if deadlines else None,
        )
    by_station: dict[str, int] = {}
    for name, _id in stations:
        key = name or "未指定派出所"
        by_station[key] = by_station.get(key, 0) + 1
    return len(warnings), figures, by_station


POLICY_LABELS = {"deadline": "超时优先", "score": "分数优先"}


def _with_policy(settings: Settings, policy: str | None) -> Settings:
    """The centre's settings with the scenario's claim order (the real queue code then follows it)."""
    if policy is None:
        return settings
    if policy not in POLICY_LABELS:
        raise ServiceError(f"未知的领取顺序：{policy}（可选：deadline 超时优先，score 分数优先）")
    return replace(settings, triage=replace(settings.triage, claim_order=policy))


def simulate_shift(ctx: ServiceContext, scenario: ShiftScenario, *, profile: HistoryProfile | None = None) -> ShiftResult:
    """Run one scenario; the centre's database is read, never written."""
    ctx.require("stats.view")
    if scenario.seats < 0 or scenario.seats > 200:
        raise ServiceError("席位数必须在0到200之间")
    if not 0 < scenario.hours <= 24:
        raise ServiceError("班次时长必须在0到24小时之间")
    started = time.perf_counter()
    defaults = load_defaults()
    profile = profile or read_history(ctx, weeks=scenario.weeks, tz=ctx.centre_clock.zone, defaults=defaults)
    start = scenario.start or ctx.now()
    start_local = ctx.centre_clock.local(start)
    rates = None
    mode = scenario.arrivals
    if mode not in ("history", "busiest"):
        rates = read_rate_file(Path(mode))
        mode = "file"
    arrivals = build_arrivals(profile, start_local=start_local, hours=scenario.hours, seed=scenario.seed,
                              mode=mode, rates=rates, warnings=scenario.warnings, scale=scenario.scale,
                              bursts=tuple(parse_burst(b, start_local) for b in scenario.bursts))
    with tempfile.TemporaryDirectory(prefix="dissuade-shift-") as folder:
        engine = _throwaway_copy(_engine_of(ctx), Path(folder))
        try:
            actors = _prepare_copy(engine, scenario, start)
            plans = default_seat_plans(scenario.seats, scenario.hours)
            settings = _with_policy(ctx.settings, scenario.policy)
            copy_ctx = ServiceContext(make_session_factory(engine), ctx.actor, clock=lambda: start, settings=settings)
            import_arrivals(copy_ctx.as_actor(SYSTEM), arrivals, start)
            loop = ShiftLoop(make_session_factory(engine), profile, arrivals, plans, actors, start=start,
                             hours=scenario.hours, seed=scenario.seed, settings=settings,
                             sample_minutes=float(defaults.get("sample_minutes", 5)))
            log = loop.run()
            end = start + dt.timedelta(hours=scenario.hours)
            count, levels, by_station = _figures(engine, start, end)
        finally:
            engine.dispose()
    on_duty = sum(log.on_duty_s.values())
    backlog = [(minute, sum(per_level.values()), late) for minute, per_level, late in log.backlog]
    return ShiftResult(
        scenario=scenario, start=start, warnings=count, levels=levels,
        utilisation=round(sum(log.busy_s.values()) / on_duty, 3) if on_duty else 0.0,
        max_backlog=max((n for _m, n, _l in backlog), default=0), backlog=backlog, calls=log.calls,
        escalations_by_station=by_station, wall_seconds=time.perf_counter() - started, sources=profile.sources,
        policy=_with_policy(ctx.settings, scenario.policy).triage.claim_order,
    )


def compare_scenarios(ctx: ServiceContext, scenarios: Sequence[ShiftScenario], *,
                      on_done: Callable[[int, ShiftResult], None] | None = None,
                      ) -> list[ShiftResult]:
    """Run several scenarios on the same history and the same arrivals (same seed), side by side."""
    if not scenarios:
        raise ServiceError("请至少给出一个测算方案")
    weeks = scenarios[0].weeks
    profile = read_history(ctx, weeks=weeks, tz=ctx.centre_clock.zone)
    start = scenarios[0].start or ctx.now()
    results = []
    for i, scenario in enumerate(scenarios):
        result = simulate_shift(ctx, replace(scenario, start=scenario.start or start), profile=profile)
        results.append(result)
        if on_done is not None:
            on_done(i, result)
    return results
