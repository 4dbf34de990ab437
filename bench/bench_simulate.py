"""Shift simulator speed: an 8-hour shift with 1,000 warnings and 6 seats (target: under 30 s).

Builds the demo county (its 30 days of history are what the simulator draws from), then times:

- ``shift``: :func:`simulate_shift` end to end (history read, throw-away copy, arrivals imported,
  every claim, call log, retry, escalation and acknowledgement through the real services);
- ``baseline``: the same arrivals imported into a throw-away copy with no seat working, the least
  any simulation must do, so the ratio shows what working the shift costs;
- the speed-up over real time (simulated seconds per wall second) and the cost per call.

    .venv/bin/python -m bench.bench_simulate                 # full size
    .venv/bin/python -m bench.bench_simulate --warnings 100  # smoke run
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import machine, write_result
from console.app.bootstrap import open_database
from console.services.core.context import ServiceContext
from console.services.demo import generate as demo
from console.services.simulation.runner import ShiftScenario, simulate_shift

NOW = dt.datetime(2026, 11, 9, 10, 0, tzinfo=dt.UTC)  # 18:00 in the centre: an evening shift


def run(warnings: int = 1000, seats: int = 6, hours: float = 8.0) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        database = open_database(f"sqlite:///{Path(folder) / 'county.sqlite3'}")
        ctx = ServiceContext(database.sessions, clock=lambda: NOW)
        demo.generate(ctx, warnings=1200, seed=7)
        scenario = ShiftScenario(seats=seats, hours=hours, warnings=warnings, seed=1)
        started = time.perf_counter()
        simulate_shift(ctx, ShiftScenario(seats=0, hours=hours, warnings=warnings, seed=1))
        baseline_s = time.perf_counter() - started
        started = time.perf_counter()
        result = simulate_shift(ctx, scenario)
        shift_s = time.perf_counter() - started
        database.dispose()
    red = result.levels["red"]
    return {
        "warnings": result.warnings, "seats": seats, "hours": hours, "calls": result.calls,
        "shift_s": round(shift_s, 2), "baseline_s": round(baseline_s, 2),
        "ratio_vs_baseline": round(shift_s / baseline_s, 1) if baseline_s else None,
        "speed_up_vs_real_time": round(hours * 3600 / shift_s),
        "ms_per_call": round(1000 * (shift_s - baseline_s) / max(1, result.calls), 1),
        "red_within_deadline": red.within_deadline, "utilisation": result.utilisation,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--warnings", type=int, default=1000)
    parser.add_argument("--seats", type=int, default=6)
    parser.add_argument("--hours", type=float, default=8.0)
    args = parser.parse_args(argv)
    print(f"Machine: {machine()}")
    figures = run(args.warnings, args.seats, args.hours)
    print(f"Shift of {figures['hours']:g} h, {figures['warnings']} warnings, {figures['seats']} seats, "
          f"{figures['calls']} calls: {figures['shift_s']:.1f} s (target < 30 s)")
    print(f"  baseline (same arrivals, no seat): {figures['baseline_s']:.1f} s; ratio {figures['ratio_vs_baseline']}x")
    print(f"  {figures['speed_up_vs_real_time']:,}x faster than real time; {figures['ms_per_call']} ms per call")
    print(f"  reds within deadline {figures['red_within_deadline']}, utilisation {figures['utilisation']}")
    path = write_result("simulate", figures)
    print(f"Figures in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
