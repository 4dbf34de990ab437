"""What the centre's own history says about a shift: arrivals, call outcomes, handling and station times.

Everything the simulator draws from comes from here, read once from the centre's database (or the
defaults in ``resources/simulation.yaml`` where the history is too thin to say anything).  The
profile is a plain value: the simulator never reads the source database again.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select

from console.services.core.context import ServiceContext, ServiceError
from db.models import CallAttempt, Escalation, Person, Station, Warning

RESOURCES = Path(__file__).resolve().parents[3] / "resources"
DEFAULTS_FILE = RESOURCES / "simulation.yaml"
MIN_SAMPLES = 5  # fewer observations than this and the shipped defaults are used instead


@dataclass(frozen=True)
class WarningTemplate:
    """The triage-relevant facts of one historical warning, re-imported with a new phone and time."""

    fraud_type: str
    signals: str
    amount: str
    call_duration_s: str
    id_number: str
    source: str
    level: str
    station: str = ""  # the station of the historical warning's jurisdiction (addresses are not copied)


@dataclass(frozen=True)
class OutcomeMix:
    """For one level: how often a dial connects, and what the dispositions are on either side."""

    answer_rate: float
    connected: tuple[tuple[str, float], ...]
    unconnected: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class HistoryProfile:
    """Everything the simulator samples from."""

    weeks: int
    hourly_rate: tuple[float, ...]  # mean warnings per hour of the centre's day, 24 values
    busiest_day: dt.date | None
    busiest_day_hourly: tuple[int, ...]  # warnings per hour on the busiest day
    templates: tuple[WarningTemplate, ...]
    outcomes: dict[str, OutcomeMix]
    talk_seconds: dict[str, tuple[int, ...]]  # connected call durations per level
    ring_seconds: dict[str, float]  # time lost on an unconnected dial, per disposition
    wrap_up_seconds: float
    dial_setup_seconds: float
    station_ack_minutes: tuple[float, ...]
    sources: dict[str, str] = field(default_factory=dict)  # what came from history, what from defaults

    @property
    def warnings_per_day(self) -> float:
        return sum(self.hourly_rate)


def load_defaults(path: Path | None = None) -> dict[str, Any]:
    data = yaml.safe_load((path or DEFAULTS_FILE).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ServiceError("排班测算参数文件格式不正确")
    return data


def _mix(counter: Counter[str]) -> tuple[tuple[str, float], ...]:
    total = sum(counter.values())
    return tuple((code, n / total) for code, n in sorted(counter.items())) if total else ()


def _default_mix(defaults: dict[str, Any], level: str) -> OutcomeMix:
    level_defaults = defaults["outcomes"].get(level, defaults["outcomes"]["default"])
    return OutcomeMix(
        float(level_defaults["answer_rate"]),
        tuple((str(k), float(v)) for k, v in level_defaults["connected"].items()),
        tuple((str(k), float(v)) for k, v in level_defaults["unconnected"].items()),
    )


def read_history(ctx: ServiceContext, *, weeks: int = 4, tz: dt.tzinfo,
                 defaults: dict[str, Any] | None = None) -> HistoryProfile:
    """Read the last ``weeks`` weeks of the centre's warnings, calls and escalations."""
    ctx.require("stats.view")
    defaults = defaults or load_defaults()
    now = ctx.now()
    since = now - dt.timedelta(weeks=weeks)
    sources: dict[str, str] = {}
    with ctx.sessions() as session:
        rows = session.execute(
            select(Warning.received_at, Warning.fraud_type, Warning.signals_text, Warning.amount,
                   Warning.call_duration_s, Warning.source, Warning.risk_level, Warning.level_override,
                   Person.id_number, Station.name)
            .join(Person, Person.id == Warning.person_id)
            .join(Station, Station.id == func.coalesce(Warning.station_id, Person.station_id), isouter=True)
            .where(Warning.received_at >= since, Warning.received_at < now)
        ).all()
        calls = session.execute(
            select(Warning.risk_level, Warning.level_override, CallAttempt.connected, CallAttempt.disposition,
                   CallAttempt.duration_s)
            .join(Warning, Warning.id == CallAttempt.warning_id)
            .where(CallAttempt.started_at >= since, CallAttempt.follow_up_id.is_(None))
        ).all()
        acks = session.execute(
            select(Escalation.created_at, Escalation.acknowledged_at)
            .where(Escalation.created_at >= since, Escalation.acknowledged_at.is_not(None))
        ).all()
        first_day = session.execute(select(func.min(Warning.received_at))).scalar()
    span_days = max(1.0, min(weeks * 7.0, (now - _aware(first_day)).total_seconds() / 86400 if first_day else 1.0))

    per_hour = [0] * 24
    per_day_hour: dict[dt.date, list[int]] = defaultdict(lambda: [0] * 24)
    templates: list[WarningTemplate] = []
    for received, fraud_type, signals, amount, duration, source, level, override, id_number, station in rows:
        local = _aware(received).astimezone(tz)
        per_hour[local.hour] += 1
        per_day_hour[local.date()][local.hour] += 1
        templates.append(WarningTemplate(
            fraud_type or "other", signals or "", _amount_text(amount), "" if duration is None else str(duration),
            id_number or "", source or "", override or level, station or "",
        ))
    if templates:
        hourly = tuple(n / span_days for n in per_hour)
        busiest = max(per_day_hour, key=lambda d: (sum(per_day_hour[d]), d))
        sources["arrivals"] = f"近{weeks}周{len(templates)}条预警"
    else:
        hourly = tuple(float(x) for x in defaults["hourly_rate"])
        busiest = None
        templates = [WarningTemplate(str(t["fraud_type"]), str(t.get("signals", "")), str(t.get("amount", "")),
                                     "", "", "platform", str(t.get("level", ""))) for t in defaults["templates"]]
        sources["arrivals"] = "默认参数（无历史预警）"

    connected_mix: dict[str, Counter[str]] = defaultdict(Counter)
    unconnected_mix: dict[str, Counter[str]] = defaultdict(Counter)
    talk: dict[str, list[int]] = defaultdict(list)
    for level, override, connected, disposition, duration in calls:
        lvl = override or level
        if connected:
            connected_mix[lvl][disposition] += 1
            talk[lvl].append(int(duration or 0))
        else:
            unconnected_mix[lvl][disposition] += 1
    outcomes: dict[str, OutcomeMix] = {}
    for lvl in ("red", "orange", "yellow", "blue"):
        n_conn, n_unconn = sum(connected_mix[lvl].values()), sum(unconnected_mix[lvl].values())
        if n_conn + n_unconn >= MIN_SAMPLES and n_conn and n_unconn:
            outcomes[lvl] = OutcomeMix(n_conn / (n_conn + n_unconn), _mix(connected_mix[lvl]),
                                       _mix(unconnected_mix[lvl]))
            sources[f"outcomes.{lvl}"] = f"历史通话{n_conn + n_unconn}次"
        else:
            outcomes[lvl] = _default_mix(defaults, lvl)
            sources[f"outcomes.{lvl}"] = "默认参数"
    default_talk = tuple(int(x) for x in defaults["talk_seconds"])
    talk_seconds = {lvl: tuple(talk[lvl]) if len(talk[lvl]) >= MIN_SAMPLES else default_talk
                    for lvl in ("red", "orange", "yellow", "blue")}
    ack_minutes = tuple(
        (_aware(ack) - _aware(created)).total_seconds() / 60 for created, ack in acks if ack is not None and ack >= created
    )
    if len(ack_minutes) < MIN_SAMPLES:
        ack_minutes = tuple(float(x) for x in defaults["station_ack_minutes"])
        sources["stations"] = "默认参数"
    else:
        sources["stations"] = f"历史签收{len(ack_minutes)}次"
    return HistoryProfile(
        weeks=weeks,
        hourly_rate=hourly,
        busiest_day=busiest,
        busiest_day_hourly=tuple(per_day_hour[busiest]) if busiest else tuple(0 for _ in range(24)),
        templates=tuple(templates),
        outcomes=outcomes,
        talk_seconds=talk_seconds,
        ring_seconds={str(k): float(v) for k, v in defaults["ring_seconds"].items()},
        wrap_up_seconds=float(defaults["wrap_up_seconds"]),
        dial_setup_seconds=float(defaults["dial_setup_seconds"]),
        station_ack_minutes=ack_minutes,
        sources=sources,
    )


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _amount_text(amount: Decimal | None) -> str:
    return "" if amount is None else format(amount, "f")
