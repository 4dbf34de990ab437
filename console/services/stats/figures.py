"""Every figure the duty report, the period statistics and ``dissuade stats`` print, from one function.

:func:`compute_stats` takes the centre's local dates (``ctx.centre_clock``, both ends included) and
returns a :class:`Stats` tree; the PDF reports, the XLSX export, the supervisor board and the CLI JSON all read
that same object, so their numbers cannot disagree.

Two cohorts, stated once so every table means the same thing:

- **warning figures** (received, contacted, outcomes, response times, late items, by level / fraud
  type / profile group, amount at risk, repeat victims) count the warnings *received* in the range,
  with their state as of now;
- **activity figures** (calls, load by hour, operators, script effectiveness, amount protected,
  escalations, follow-ups done, key actions promised / confirmed) count what *happened* in the range (call start, order creation,
  follow-up completion).

Each figure's name and 统计口径 is in :mod:`console.services.stats.definitions` (printed under every
table, documented in docs/FIGURES.md); in short: *contacted* = someone answered at least once
(``first_contact_at`` set); *success rate* = dissuaded / (dissuaded + refused + victimized);
*late* = first contact after the level's deadline, or no contact although the deadline passed before
the warning was closed (or, still open, before now); *unreachable* = closed as no answer / busy / powered off / invalid number; *repeat
victim* = a person defrauded in the range who was warned before or is marked as a previous victim;
an operator's *dissuaded* = the range's dissuaded warnings credited to the operator of the last
dissuading call (so the operators' column sums to the total).

Volume: every table is a grouped SQL aggregate; only the time-to-first-contact and escalation
acknowledgement durations are fetched row by row (one float each) for the percentiles.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from console.services.core.clock import CentreClock
from console.services.core.context import ServiceContext, ServiceError
from console.services.core.levels import effective_level_sql
from console.services.core.vocabulary import (
    CLOSED_ESCALATION_STATUSES,
    RISK_LEVEL_ORDER,
    UNREACHED_DISPOSITIONS,
    FollowUpStatus,
    TaskResult,
)
from console.services.stats import definitions
from console.services.stats.key_actions import KeyActionRow, key_action_rows
from console.services.stats.operators import operator_dissuaded
from console.services.stats.scripts import ScriptRow, script_rows
from console.services.stats.sql import (
    hours_since,
    local_day,
    percentile,
    rate,
    round_opt,
    seconds_between,
)
from db.models import CallAttempt, Escalation, FollowUp, Person, Station, User, Warning

UNREACHABLE = tuple(sorted(UNREACHED_DISPOSITIONS))
DECIDED = ("dissuaded", "refused", "victimized")
PENDING = "pending"  # outcome of a warning nobody has closed yet
RESPONSE_BUCKETS_MIN = (1, 3, 5, 10, 30, 60)  # histogram upper bounds in minutes; the last bucket is open
DETAIL_LIMIT = 200


@dataclass
class Totals:
    warnings_received: int = 0
    contacted: int = 0
    dissuaded: int = 0
    victimized: int = 0
    refused: int = 0
    unreachable: int = 0
    false_positives: int = 0
    pending: int = 0
    late: int = 0
    calls: int = 0
    connected_calls: int = 0
    talk_seconds: int = 0
    escalations: int = 0
    escalations_acknowledged: int = 0
    escalations_success: int = 0
    follow_ups_done: int = 0
    amount_at_risk: float = 0.0
    amount_protected: float = 0.0
    repeat_victims: int = 0
    success_rate: float | None = None
    # warnings × key actions (see stats/key_actions.py): promised on the phone vs confirmed done
    key_actions_promised: int = 0
    key_actions_confirmed: int = 0


@dataclass
class GroupRow:
    """One line of a by-level / by-fraud-type / by-profile-group table."""

    key: str
    received: int = 0
    contacted: int = 0
    dissuaded: int = 0
    refused: int = 0
    victimized: int = 0
    other: int = 0  # every other outcome, pending included
    late: int = 0
    amount_at_risk: float = 0.0
    success_rate: float | None = None


@dataclass
class Durations:
    count: int = 0
    median_s: float | None = None
    p90_s: float | None = None
    within_deadline: int = 0
    within_share: float | None = None


@dataclass
class ResponseTimes:
    overall: Durations
    by_level: dict[str, Durations]
    histogram: list[int]  # counts per RESPONSE_BUCKETS_MIN bucket, plus one for "longer"


@dataclass
class LateItem:
    warning_id: int
    level: str
    fraud_type: str
    received_at: str
    deadline_at: str
    first_contact_at: str | None
    minutes_late: int
    outcome: str
    seconds_late: int = 0  # the lateness to the second (minutes_late is its whole minutes)


@dataclass
class StationAck:
    station: str
    escalations: int
    acknowledged: int
    median_ack_s: float | None
    p90_ack_s: float | None
    success: int
    failed: int
    open: int


@dataclass
class EscalationItem:
    escalation_id: int
    warning_id: int
    station: str
    level: str
    created_at: str
    ack_s: float | None
    status: str
    result: str | None


@dataclass
class DayRow:
    day: str
    received: int = 0
    contacted: int = 0
    dissuaded: int = 0
    calls: int = 0


@dataclass
class OperatorRow:
    login: str
    name: str
    calls: int
    connected: int
    dissuaded: int
    talk_seconds: int


@dataclass
class NotableCase:
    warning_id: int
    level: str
    fraud_type: str
    outcome: str
    amount: float | None
    profile_group: str
    escalated: bool


@dataclass
class Stats:
    date_from: str
    date_to: str
    timezone: str
    generated_at: str
    totals: Totals
    by_level: list[GroupRow]
    by_fraud_type: list[GroupRow]
    by_profile_group: list[GroupRow]
    by_outcome: dict[str, int]
    call_dispositions: dict[str, int]
    response_times: ResponseTimes
    late_items: list[LateItem]
    escalation_stations: list[StationAck]
    escalations: list[EscalationItem]
    load_by_hour: list[int]
    daily: list[DayRow]
    operators: list[OperatorRow]
    scripts: list[ScriptRow]
    notable_cases: list[NotableCase] = field(default_factory=list)
    key_actions: list[KeyActionRow] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable dict (what ``dissuade stats --json`` prints), with the definitions."""
        return {**asdict(self), "definitions": definitions.as_dict()}


def _iso_local(value: dt.datetime | None, clock: CentreClock) -> str | None:
    return clock.format(value) if value else None


def _level_col() -> Any:
    return effective_level_sql(Warning)


def _late_expr(cutoff: dt.datetime) -> Any:
    return case(
        (and_(Warning.first_contact_at.is_not(None), Warning.first_contact_at > Warning.deadline_at), 1),
        (and_(Warning.first_contact_at.is_(None), Warning.deadline_at < func.coalesce(Warning.closed_at, cutoff)), 1),
        else_=0,
    )


def _warning_groups(session: Session, start: dt.datetime, end: dt.datetime, cutoff: dt.datetime,
                    totals: Totals) -> tuple[list[GroupRow], list[GroupRow], list[GroupRow], dict[str, int]]:
    level = _level_col()
    contacted = case((Warning.first_contact_at.is_not(None), 1), else_=0)
    rows = session.execute(
        select(level, Warning.fraud_type, Person.profile_group, Warning.outcome,
               func.count(), func.sum(contacted), func.sum(_late_expr(cutoff)), func.sum(Warning.amount))
        .join(Person, Person.id == Warning.person_id)
        .where(Warning.received_at >= start, Warning.received_at < end)
        .group_by(level, Warning.fraud_type, Person.profile_group, Warning.outcome)
    ).all()
    tables: list[dict[str, GroupRow]] = [{}, {}, {}]
    outcomes: Counter[str] = Counter()
    for lvl, fraud_type, group, outcome, count, n_contacted, n_late, amount in rows:
        outcome = outcome or PENDING
        count, n_contacted, n_late = int(count), int(n_contacted or 0), int(n_late or 0)
        money = float(amount or 0)
        outcomes[outcome] += count
        for table, key in zip(tables, (lvl, fraud_type, group), strict=True):
            row = table.setdefault(str(key), GroupRow(str(key)))
            row.received += count
            row.contacted += n_contacted
            row.late += n_late
            row.amount_at_risk += money
            if outcome in DECIDED:
                setattr(row, outcome, getattr(row, outcome) + count)
            else:
                row.other += count
        totals.warnings_received += count
        totals.contacted += n_contacted
        totals.late += n_late
        totals.amount_at_risk += money
    totals.amount_at_risk = round(totals.amount_at_risk, 2)
    totals.dissuaded, totals.refused, totals.victimized = (outcomes[o] for o in DECIDED)
    totals.unreachable = sum(outcomes[o] for o in UNREACHABLE)
    totals.false_positives = outcomes["false_positive"]
    totals.pending = outcomes[PENDING]
    totals.success_rate = rate(totals.dissuaded, totals.dissuaded + totals.refused + totals.victimized)
    result = []
    for table in tables:
        for row in table.values():
            row.amount_at_risk = round(row.amount_at_risk, 2)
            row.success_rate = rate(row.dissuaded, row.dissuaded + row.refused + row.victimized)
        result.append(table)
    by_level = [result[0].get(lv, GroupRow(lv)) for lv in RISK_LEVEL_ORDER]
    by_level += [r for k, r in result[0].items() if k not in RISK_LEVEL_ORDER]
    ordered = [sorted(t.values(), key=lambda r: (-r.received, r.key)) for t in result[1:]]
    return by_level, ordered[0], ordered[1], dict(outcomes.most_common())


def _response_times(session: Session, dialect: str, start: dt.datetime, end: dt.datetime) -> ResponseTimes:
    seconds = seconds_between(dialect, Warning.first_contact_at, Warning.received_at)
    within = case((and_(Warning.deadline_at.is_not(None), Warning.first_contact_at <= Warning.deadline_at), 1),
                  else_=0)
    rows = session.execute(
        select(_level_col(), seconds, within).where(
            Warning.received_at >= start, Warning.received_at < end, Warning.first_contact_at.is_not(None))
    ).all()
    per_level: dict[str, list[float]] = defaultdict(list)
    within_level: Counter[str] = Counter()
    histogram = [0] * (len(RESPONSE_BUCKETS_MIN) + 1)
    for level, secs, ok in rows:
        value = max(0.0, float(secs or 0))
        per_level[str(level)].append(value)
        within_level[str(level)] += int(ok or 0)
        minutes = value / 60
        index = next((i for i, bound in enumerate(RESPONSE_BUCKETS_MIN) if minutes < bound), len(RESPONSE_BUCKETS_MIN))
        histogram[index] += 1

    def durations(values: list[float], ok: int) -> Durations:
        values.sort()
        return Durations(len(values), round_opt(percentile(values, 0.5)), round_opt(percentile(values, 0.9)),
                         ok, rate(ok, len(values)))

    everything = [v for values in per_level.values() for v in values]
    overall = durations(everything, sum(within_level.values()))
    by_level = {level: durations(per_level.get(level, []), within_level[level]) for level in RISK_LEVEL_ORDER}
    return ResponseTimes(overall, by_level, histogram)


def _late_items(session: Session, start: dt.datetime, end: dt.datetime, cutoff: dt.datetime,
                limit: int, clock: CentreClock) -> list[LateItem]:
    rows = session.execute(
        select(Warning.id, _level_col(), Warning.fraud_type, Warning.received_at, Warning.deadline_at,
               Warning.first_contact_at, Warning.outcome, Warning.closed_at)
        .where(Warning.received_at >= start, Warning.received_at < end, _late_expr(cutoff) == 1)
        .order_by(Warning.deadline_at, Warning.id)
        .limit(limit)
    ).all()
    items = []
    for wid, level, fraud_type, received, deadline, first, outcome, closed in rows:
        reached = first or closed or cutoff  # never reached: late until it was closed, or until now
        late_s = max(0, int((reached - deadline).total_seconds()))
        items.append(LateItem(int(wid), str(level), fraud_type, _iso_local(received, clock) or "", _iso_local(deadline, clock) or "",
                              _iso_local(first, clock), late_s // 60, outcome or PENDING, late_s))
    return items


def _repeat_victims(session: Session, start: dt.datetime, end: dt.datetime) -> int:
    earlier = aliased(Warning)
    warned_before = exists().where(earlier.person_id == Warning.person_id, earlier.received_at < Warning.received_at)
    count = session.execute(
        select(func.count(func.distinct(Warning.person_id)))
        .join(Person, Person.id == Warning.person_id)
        .where(Warning.received_at >= start, Warning.received_at < end, Warning.outcome == "victimized",
               or_(Person.previous_victim.is_(True), warned_before))
    ).scalar_one()
    return int(count or 0)


def _calls(session: Session, dialect: str, start: dt.datetime, end: dt.datetime, totals: Totals,
           clock: CentreClock) -> tuple[dict[str, int], list[int], dict[str, int], list[OperatorRow]]:
    """One pass over the range's calls, grouped by local day, hour, operator and disposition."""
    hours = hours_since(dialect, CallAttempt.started_at, start)
    rows = session.execute(
        select(hours, CallAttempt.operator_id, CallAttempt.disposition, CallAttempt.connected, func.count(),
               func.sum(CallAttempt.duration_s), func.sum(CallAttempt.amount_protected))
        .where(CallAttempt.started_at >= start, CallAttempt.started_at < end)
        .group_by(hours, CallAttempt.operator_id, CallAttempt.disposition, CallAttempt.connected)
    ).all()
    first_day = clock.today(start)
    dispositions: Counter[str] = Counter()
    load = [0] * 24
    calls_by_day: Counter[str] = Counter()
    per_operator: dict[int | None, list[int]] = {}
    protected_total = 0.0
    for since, operator_id, disposition, connected, count, talk, protected in rows:
        n, seconds = int(count), int(talk or 0)
        day_index, hour = divmod(int(since), 24)
        dispositions[str(disposition)] += n
        load[hour] += n
        calls_by_day[(first_day + dt.timedelta(days=day_index)).isoformat()] += n
        totals.calls += n
        totals.connected_calls += n if connected else 0
        totals.talk_seconds += seconds
        protected_total += float(protected or 0)
        row = per_operator.setdefault(operator_id, [0, 0, 0, 0])
        row[0] += n
        row[1] += n if connected else 0
        row[3] += seconds
    totals.amount_protected = round(protected_total, 2)
    for operator_id, won in operator_dissuaded(session, start, end).items():
        per_operator.setdefault(operator_id, [0, 0, 0, 0])[2] += won
    ids = [i for i in per_operator if i is not None]
    names = {uid: (login, name) for uid, login, name in session.execute(
        select(User.id, User.login, User.display_name).where(User.id.in_(ids))).all()} if ids else {}
    operators = []
    for uid, (n, c, won, seconds) in per_operator.items():
        login, name = names.get(uid, ("—", "—")) if uid is not None else ("—", "—")
        operators.append(OperatorRow(login, name or login, n, c, won, seconds))
    operators.sort(key=lambda o: (-o.calls, o.login))
    ordered = dict(sorted(dispositions.items(), key=lambda kv: (-kv[1], kv[0])))
    return ordered, load, dict(calls_by_day), operators


def _daily(session: Session, dialect: str, start: dt.datetime, end: dt.datetime, date_from: dt.date,
           date_to: dt.date, calls_by_day: dict[str, int], clock: CentreClock) -> list[DayRow]:
    day = local_day(dialect, Warning.received_at, start, clock)
    contacted = case((Warning.first_contact_at.is_not(None), 1), else_=0)
    dissuaded = case((Warning.outcome == "dissuaded", 1), else_=0)
    found = {str(d): (int(n), int(c or 0), int(s or 0)) for d, n, c, s in session.execute(
        select(day, func.count(), func.sum(contacted), func.sum(dissuaded))
        .where(Warning.received_at >= start, Warning.received_at < end).group_by(day)).all()}
    rows = []
    current = date_from
    while current <= date_to:
        key = current.isoformat()
        n, c, s = found.get(key, (0, 0, 0))
        rows.append(DayRow(key, n, c, s, calls_by_day.get(key, 0)))
        current += dt.timedelta(days=1)
    return rows


def _escalations(session: Session, dialect: str, start: dt.datetime, end: dt.datetime, totals: Totals,
                 limit: int, clock: CentreClock) -> tuple[list[StationAck], list[EscalationItem]]:
    ack = seconds_between(dialect, Escalation.acknowledged_at, Escalation.created_at)
    rows = session.execute(
        select(Escalation.id, Escalation.warning_id, func.coalesce(Station.name, Escalation.target_detail),
               Escalation.risk_level, Escalation.created_at, ack, Escalation.status, Escalation.result)
        .outerjoin(Station, Station.id == Escalation.station_id)
        .where(Escalation.created_at >= start, Escalation.created_at < end)
        .order_by(Escalation.created_at, Escalation.id)
    ).all()
    per_station: dict[str, list[Any]] = {}
    items: list[EscalationItem] = []
    for eid, wid, station, level, created, ack_s, status, result in rows:
        name = station or "（未指定）"
        ack_value = None if ack_s is None else max(0.0, float(ack_s))
        bucket = per_station.setdefault(name, [[], 0, 0, 0, 0])
        bucket[1] += 1
        if ack_value is not None:
            bucket[0].append(ack_value)
        bucket[2] += result == TaskResult.SUCCESS
        bucket[3] += result == TaskResult.FAILED
        bucket[4] += status not in CLOSED_ESCALATION_STATUSES
        totals.escalations += 1
        totals.escalations_acknowledged += ack_value is not None
        totals.escalations_success += result == "success"
        if len(items) < limit:
            items.append(EscalationItem(int(eid), int(wid), name, str(level), _iso_local(created, clock) or "",
                                        round_opt(ack_value), str(status), result))
    stations = []
    for name, (acks, count, success, failed, still_open) in sorted(per_station.items(), key=lambda kv: (-kv[1][1], kv[0])):
        acks.sort()
        stations.append(StationAck(name, count, len(acks), round_opt(percentile(acks, 0.5)),
                                   round_opt(percentile(acks, 0.9)), success, failed, still_open))
    return stations, items


def _notable(session: Session, start: dt.datetime, end: dt.datetime, limit: int = 10) -> list[NotableCase]:
    """Defrauded people first, then refusals, then the largest amounts saved."""
    escalated = exists().where(Escalation.warning_id == Warning.id)
    rank = case((Warning.outcome == "victimized", 0), (Warning.outcome == "refused", 1), else_=2)
    rows = session.execute(
        select(Warning.id, _level_col(), Warning.fraud_type, Warning.outcome, Warning.amount, Person.profile_group,
               escalated)
        .join(Person, Person.id == Warning.person_id)
        .where(Warning.received_at >= start, Warning.received_at < end,
               or_(Warning.outcome.in_(("victimized", "refused")),
                   and_(Warning.outcome == "dissuaded", Warning.amount >= 50000)))
        .order_by(rank, Warning.amount.desc(), Warning.id).limit(limit)
    ).all()
    return [NotableCase(int(i), str(lv), ft, str(o), float(a) if a is not None else None, pg, bool(e))
            for i, lv, ft, o, a, pg, e in rows]


def compute_stats(ctx: ServiceContext, date_from: dt.date, date_to: dt.date, *,
                  detail_limit: int = DETAIL_LIMIT) -> Stats:
    """Every figure for the local dates ``date_from`` .. ``date_to`` (see the module docstring)."""
    ctx.require("stats.view")
    if date_to < date_from:
        raise ServiceError("结束日期不能早于开始日期")
    now = ctx.now()
    clock = ctx.centre_clock
    start, end = clock.utc_bounds(date_from, date_to)
    cutoff = now  # warning figures describe the state as of now
    totals = Totals()
    with ctx.sessions() as session:
        dialect = session.get_bind().dialect.name
        by_level, by_type, by_group, outcomes = _warning_groups(session, start, end, cutoff, totals)
        response = _response_times(session, dialect, start, end)
        late = _late_items(session, start, end, cutoff, detail_limit, clock)
        totals.repeat_victims = _repeat_victims(session, start, end)
        dispositions, load, calls_by_day, operators = _calls(session, dialect, start, end, totals, clock)
        daily = _daily(session, dialect, start, end, date_from, date_to, calls_by_day, clock)
        stations, escalations = _escalations(session, dialect, start, end, totals, detail_limit, clock)
        totals.follow_ups_done = int(session.execute(
            select(func.count()).select_from(FollowUp).where(
                FollowUp.status == FollowUpStatus.DONE, FollowUp.completed_at >= start, FollowUp.completed_at < end)
        ).scalar_one())
        scripts = script_rows(session, start, end)
        notable = _notable(session, start, end)
        actions = key_action_rows(session, start, end)
        totals.key_actions_promised = sum(row.promised for row in actions)
        totals.key_actions_confirmed = sum(row.confirmed for row in actions)
    return Stats(
        date_from=date_from.isoformat(), date_to=date_to.isoformat(), timezone=clock.name,
        generated_at=_iso_local(now, clock) or "", totals=totals, by_level=by_level, by_fraud_type=by_type,
        by_profile_group=by_group, by_outcome=outcomes, call_dispositions=dispositions, response_times=response,
        late_items=late, escalation_stations=stations, escalations=escalations, load_by_hour=load, daily=daily,
        operators=operators, scripts=scripts, notable_cases=notable,
        key_actions=actions,
    )


__all__ = ["Stats", "Totals", "compute_stats"]
