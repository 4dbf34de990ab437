"""Report generation time: the duty report over a day of 1,000 calls, the monthly report over 300,000.

Builds a SQLite database with synthetic rows written by Core bulk inserts (persons, warnings, call
attempts with script paths and objections, escalations): a 30-day month of ``300,000 × scale``
calls whose last day holds ``1,000 × scale`` of them.  Then times, end to end (statistics, charts,
PDF with embedded font):

- ``daily``: :func:`build_daily_report` for the last day (target: under 1 s);
- ``monthly``: :func:`build_period_report` for the 30 days (target: under 10 s);
- ``stats_month``: :func:`compute_stats` alone for the month;
- ``font_load``: registering the CJK font, paid once per process (not in the figures above);
- ``baseline``: a bare ``SELECT count(*), sum(duration_s) FROM call_attempts`` over the month, the
  least any report must do, so the ratio shows the cost of everything else.

Prints a table and writes bench/results/reports.json.

    .venv/bin/python -m bench.bench_reports               # full size
    .venv/bin/python -m bench.bench_reports --scale 0.01  # smoke run
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from console.app.bootstrap import Database, open_database
from console.services.core.clock import centre_clock
from console.services.core.context import SYSTEM, ServiceContext
from console.services.pdf.styles import sheet_styles
from console.services.reports.daily import build_daily_report
from console.services.reports.period import build_period_report
from console.services.stats.figures import compute_stats
from db.models import CallAttempt, Escalation, Person, Station, User, Warning

RESULTS = Path(__file__).resolve().parent / "results"
MONTH_CALLS = 300_000
DAY_CALLS = 1_000
DAYS = 30
CALLS_PER_WARNING = 5
FIRST_DAY = dt.date(2026, 1, 1)
BATCH = 5_000
FRAUD_TYPES = ("task_rebate", "fake_investment", "fake_loan", "fake_customer_service", "romance_investment",
               "impersonate_authority", "fake_credit_repair", "other")
GROUPS = ("general", "young_adult", "elderly", "student", "finance_staff")
LEVELS = ("red", "orange", "yellow", "blue")
DEADLINE_MIN = {"red": 5, "orange": 15, "yellow": 60, "blue": 240}
DISPOSITIONS = ("dissuaded", "no_answer", "busy", "refused", "powered_off", "hung_up", "victimized", "false_positive")
OBJECTIONS = ("doubts_caller", "already_profited", "told_to_keep_secret", "emotional_bond", "no_time")


def _local(day: dt.date, seconds: float) -> dt.datetime:
    return centre_clock("Asia/Shanghai").at(day) + dt.timedelta(seconds=seconds)


def _bulk(database: Database, table: Any, rows: list[dict[str, Any]]) -> None:
    with database.engine.begin() as conn:
        for start in range(0, len(rows), BATCH):
            conn.execute(insert(table), rows[start:start + BATCH])


def build_database(path: Path, scale: float, seed: int = 5) -> dict[str, int]:
    """Write the synthetic month; returns the row counts."""
    rng = random.Random(seed)
    database = open_database(f"sqlite:///{path}")
    month_calls = max(DAYS * 2, int(MONTH_CALLS * scale))
    day_calls = max(2, int(DAY_CALLS * scale))
    per_day = [(month_calls - day_calls) // (DAYS - 1)] * (DAYS - 1) + [day_calls]
    _bulk(database, User, [{"login": f"op{i:02d}", "display_name": f"接线员{i:02d}", "role": "operator",
                            "password_hash": "x"} for i in range(1, 13)])
    _bulk(database, Station, [{"code": f"S{i}", "name": f"第{i}派出所"} for i in range(1, 9)])
    with database.sessions() as session:
        operators = list(session.execute(select(User.id)).scalars())
        stations = list(session.execute(select(Station.id)).scalars())
    persons: list[dict[str, Any]] = []
    warnings: list[dict[str, Any]] = []
    calls: list[dict[str, Any]] = []
    escalations: list[dict[str, Any]] = []
    warning_id = 0
    for index, count in enumerate(per_day):
        day = FIRST_DAY + dt.timedelta(days=index)
        for _ in range(max(1, round(count / CALLS_PER_WARNING))):
            warning_id += 1
            level = rng.choice(LEVELS)
            received = _local(day, rng.uniform(8.5 * 3600, 22 * 3600))
            first = received + dt.timedelta(minutes=rng.expovariate(1 / 12))
            outcome = rng.choice(DISPOSITIONS[:1] * 6 + DISPOSITIONS[3:])
            persons.append({"id": warning_id, "name": "测试", "phone": f"139{warning_id:08d}",
                            "profile_group": rng.choice(GROUPS), "age_band": "26-40"})
            warnings.append({"id": warning_id, "person_id": warning_id, "received_at": received,
                             "fraud_type": rng.choice(FRAUD_TYPES), "risk_level": level, "risk_score": 60,
                             "deadline_at": received + dt.timedelta(minutes=DEADLINE_MIN[level]),
                             "first_contact_at": first, "outcome": outcome, "status": "closed",
                             "amount": rng.choice((None, 5000, 20000, 100000)), "attempts": CALLS_PER_WARNING})
            for n in range(CALLS_PER_WARNING):
                last = n == CALLS_PER_WARNING - 1
                disposition = outcome if last else rng.choice(("no_answer", "busy", "powered_off", "hung_up"))
                connected = disposition not in ("no_answer", "busy", "powered_off")
                started = first if last else received + dt.timedelta(minutes=n + rng.random())
                objections = rng.sample(OBJECTIONS, rng.choice((0, 0, 1, 2))) if connected else []
                calls.append({
                    "client_uuid": str(uuid.UUID(int=rng.getrandbits(128))), "warning_id": warning_id,
                    "operator_id": rng.choice(operators), "started_at": started, "connected": connected,
                    "duration_s": rng.randint(60, 900) if connected else 0, "disposition": disposition,
                    "script_id": rng.choice(FRAUD_TYPES) if connected else "", "script_version": "v1",
                    "node_path": ["opening", "probe", *(f"@{o}" for o in objections), "close"] if connected else [],
                    "objections": objections, "key_actions": [],
                    "amount_protected": 20000 if disposition == "dissuaded" and rng.random() < 0.3 else None,
                })
            if level in ("red", "orange") and outcome in ("refused", "victimized"):
                created = first + dt.timedelta(minutes=2)
                escalations.append({"warning_id": warning_id, "station_id": rng.choice(stations), "risk_level": level,
                                    "status": "done", "result": rng.choice(("success", "failed")),
                                    "created_at": created,
                                    "acknowledged_at": created + dt.timedelta(minutes=rng.randint(2, 30))})
    _bulk(database, Person, persons)
    _bulk(database, Warning, warnings)
    _bulk(database, CallAttempt, calls)
    _bulk(database, Escalation, escalations)
    database.dispose()
    last_start = _local(FIRST_DAY + dt.timedelta(days=DAYS - 1), 0)
    day_calls = sum(1 for c in calls if c["started_at"] >= last_start)
    return {"warnings": len(warnings), "calls": len(calls), "day_calls": day_calls, "escalations": len(escalations)}


def _best_of(times: int, fn: Callable[[], Any]) -> float:
    best = float("inf")
    for _ in range(times):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def run(scale: float = 1.0, repeat: int = 3) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
        directory = Path(tmp)
        started = time.perf_counter()
        counts = build_database(directory / "bench.sqlite3", scale)
        build_s = time.perf_counter() - started
        database = open_database(f"sqlite:///{directory / 'bench.sqlite3'}")
        now = _local(FIRST_DAY + dt.timedelta(days=DAYS), 8 * 3600)
        ctx = ServiceContext(database.sessions, SYSTEM, clock=lambda: now)
        last_day = FIRST_DAY + dt.timedelta(days=DAYS - 1)
        start_utc = _local(FIRST_DAY, 0)
        end_utc = _local(last_day + dt.timedelta(days=1), 0)

        def baseline() -> Any:
            with database.sessions() as session:
                return session.execute(
                    select(func.count(), func.sum(CallAttempt.duration_s))
                    .where(CallAttempt.started_at >= start_utc, CallAttempt.started_at < end_utc)).one()

        month_stats = compute_stats(ctx, FIRST_DAY, last_day)
        assert month_stats.totals.calls == counts["calls"], (month_stats.totals.calls, counts)
        day_stats = compute_stats(ctx, last_day, last_day)
        assert day_stats.totals.calls == counts["day_calls"], (day_stats.totals.calls, counts)
        # the first PDF of a process parses the CJK font file; a running console pays that once
        font_s = _best_of(1, sheet_styles)
        figures = {
            "font_load_s": font_s,
            "baseline_s": _best_of(repeat, baseline),
            "stats_month_s": _best_of(repeat, lambda: compute_stats(ctx, FIRST_DAY, last_day)),
            "daily_s": _best_of(repeat, lambda: build_daily_report(ctx, last_day, directory / "daily.pdf")),
            "monthly_s": _best_of(repeat, lambda: build_period_report(ctx, FIRST_DAY, last_day,
                                                                      directory / "month.pdf")),
        }
        database.dispose()
    result: dict[str, Any] = {
        "scale": scale, "rows": counts, "build_s": round(build_s, 2),
        **{k: round(v, 4) for k, v in figures.items()},
        "monthly_vs_baseline": round(figures["monthly_s"] / max(figures["baseline_s"], 1e-9), 1),
        "targets": {"daily_s": 1.0, "monthly_s": 10.0},
        "machine": f"{platform.system()} {platform.release()}, Python {platform.python_version()}",
    }
    result["within_targets"] = figures["daily_s"] < 1.0 and figures["monthly_s"] < 10.0
    return result


def _print(result: dict[str, Any]) -> None:
    rows = result["rows"]
    print(f"\n== report generation (scale {result['scale']}, SQLite)")
    print(f"  data                 {rows['calls']:,} calls in the month, {rows['day_calls']:,} on the last day, "
          f"{rows['warnings']:,} warnings (built in {result['build_s']} s)")
    print(f"  font load (once)     {result['font_load_s'] * 1000:8.1f} ms")
    print(f"  baseline count/sum   {result['baseline_s'] * 1000:8.1f} ms")
    print(f"  compute_stats month  {result['stats_month_s'] * 1000:8.1f} ms")
    print(f"  daily report         {result['daily_s'] * 1000:8.1f} ms   (target < 1000 ms)")
    print(f"  monthly report       {result['monthly_s'] * 1000:8.1f} ms   (target < 10000 ms, "
          f"{result['monthly_vs_baseline']}× baseline)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    result = run(args.scale, args.repeat)
    _print(result)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "reports.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"  written to {out}")
    return 0 if result["within_targets"] or args.scale < 1 else 1


if __name__ == "__main__":
    sys.exit(main())
