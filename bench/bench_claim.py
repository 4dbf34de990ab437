"""Claim latency of the shared queue, on SQLite and on PostgreSQL with concurrent claimers.

Builds a database with ``1,000,000 × scale`` stored warnings (each with a finished queue item) and
``10,000 × scale`` open items, then measures ``claim_next``:

- SQLite: one claimer, median and p99 per claim;
- PostgreSQL (a throw-away server, see tests/pgserver.py): 16 seats (one process each) claiming at the same
  instant, round after round: median and p99 per claim, and the number of items claimed twice (must be 0).
  The same seats then claim back to back with no pause (a saturation test, printed on its own line):
  on one machine all 16 seat processes and the server share its cores, so there the latency measures
  the CPU queue more than the claim.
  The first ``WARM_UP`` claims of each seat, also made together, are printed on a line of their own:
  a fresh connection prepares the claim and the server plans it anew for its first executions, so
  they show what the first minutes of a shift cost, and the main figures show a seat at work.

Each backend also times a bare single-row ``SELECT ... LIMIT 1`` on the same table as a baseline.
Prints a table and writes bench/results/claim.json.

    .venv/bin/python -m bench.bench_claim               # full size
    .venv/bin/python -m bench.bench_claim --scale 0.01  # smoke run
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from console.app.bootstrap import Database, open_database
from console.services.core.context import Actor, ServiceContext
from console.services.queue.claims import claim_next, finish_item
from db.engine import make_engine, make_session_factory
from db.models import Person, QueueItem, User, Warning

RESULTS = Path(__file__).resolve().parent / "results" / "claim.json"
NOW = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)
LEVELS = (("red", 75, 3), ("orange", 55, 10), ("yellow", 35, 30), ("blue", 15, 120))
CHUNK = 20_000
WARM_UP = 10  # claims of a fresh seat, timed apart: psycopg prepares, the server tries custom plans first


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(q * (len(ordered) - 1)))))
    return ordered[index]


def _ms(values: list[float]) -> dict[str, float]:
    return {
        "median_ms": round(statistics.median(values) * 1000, 3),
        "p99_ms": round(_percentile(values, 0.99) * 1000, 3),
        "samples": len(values),
    }


def populate(database: Database, n_warnings: int, n_open: int, operators: int, seed: int = 7) -> list[Actor]:
    """Fast Core bulk inserts: persons, warnings, one queue item per warning (``n_open`` still open)."""
    rng = random.Random(seed)
    n_persons = max(1, n_warnings // 2)
    open_from = n_warnings - n_open  # the newest warnings are the open ones
    with database.engine.begin() as conn:
        conn.execute(insert(User.__table__), [
            {"login": f"bench{i}", "display_name": f"坐席{i}", "role": "operator", "password_hash": "-",
             "active": True, "failed_logins": 0, "created_at": NOW} for i in range(operators)
        ])
        for start in range(0, n_persons, CHUNK):
            conn.execute(insert(Person.__table__), [
                {"id": i + 1, "name": "张三", "phone": f"138{i:08d}", "other_phones": [], "id_number": "",
                 "id_number_flag": "", "age_band": "26-40", "occupation": "", "profile_group": "general",
                 "address": "", "relative_name": "", "relative_phone": "", "previous_victim": False,
                 "dissuaded_before": False, "legal_hold": False, "created_at": NOW, "updated_at": NOW}
                for i in range(start, min(start + CHUNK, n_persons))
            ])
        for start in range(0, n_warnings, CHUNK):
            warnings, items = [], []
            for i in range(start, min(start + CHUNK, n_warnings)):
                is_open = i >= open_from
                level, base, deadline_min = LEVELS[rng.choices(range(4), weights=(5, 15, 30, 50))[0]]
                score = base + rng.randint(-5, 5)
                received = NOW - dt.timedelta(minutes=rng.randint(0, 240) if is_open else 60 * 24 + i % 100_000)
                deadline = received + dt.timedelta(minutes=deadline_min)
                warnings.append({
                    "id": i + 1, "person_id": i % n_persons + 1, "received_at": received, "fraud_type": "task_rebate",
                    "fraud_contact": "", "signals": [], "signals_text": "", "source": "platform", "station_hint": "",
                    "note": "", "raw_payload": {}, "field_warnings": [], "repeat_count": 0, "risk_score": score,
                    "risk_level": level, "risk_reasons": [{"factor": "fraud_type", "label": "诈骗类型：刷单返利",
                                                           "points": score}],
                    "level_override_reason": "", "deadline_at": deadline, "status": "open" if is_open else "closed",
                    "attempts": 0, "legal_hold": False, "created_at": received, "updated_at": received, "version": 1,
                })
                items.append({
                    "id": i + 1, "kind": "warning", "warning_id": i + 1, "status": "open" if is_open else "done",
                    "priority": score, "risk_level": level, "deadline_at": deadline, "skip_reason": "",
                    "created_at": received, "closed_at": None if is_open else received + dt.timedelta(minutes=5),
                })
            conn.execute(insert(Warning.__table__), warnings)
            conn.execute(insert(QueueItem.__table__), items)
    if database.engine.dialect.name == "postgresql":
        with database.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    with database.sessions() as session:
        rows = session.execute(select(User.id, User.login).where(User.login.like("bench%")).order_by(User.id)).all()
    return [Actor(int(row[0]), str(row[1]), "operator") for row in rows]


def _baseline(database: Database, samples: int) -> list[float]:
    timings = []
    query = select(QueueItem.id).where(QueueItem.status == "open").limit(1)
    with database.sessions() as session:
        for _ in range(samples):
            started = time.perf_counter()
            with session.begin():
                session.execute(query).scalar_one_or_none()
            timings.append(time.perf_counter() - started)
    return timings


def _timed_claims(ctx: ServiceContext, count: int, claimed: list[int]) -> list[float]:
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        item = claim_next(ctx)
        timings.append(time.perf_counter() - started)
        if item is None:
            break
        claimed.append(item.item_id)
        finish_item(ctx, item.item_id)  # the operator handles it (not timed), as a seat does between claims
    return timings


def bench_sqlite(n_warnings: int, n_open: int, claims: int, log: Callable[[str], None]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-claim-") as directory:
        database = open_database(f"sqlite:///{directory}/bench.sqlite3")
        started = time.perf_counter()
        actors = populate(database, n_warnings, n_open, operators=1)
        log(f"SQLite: {n_warnings:,} warnings / {n_open:,} open loaded in {time.perf_counter() - started:.1f} s")
        ctx = ServiceContext(database.sessions, actors[0], lambda: NOW)
        _timed_claims(ctx, min(20, claims), [])  # warm up caches and compiled statements
        claimed: list[int] = []
        timings = _timed_claims(ctx, claims, claimed)
        baseline = _baseline(database, claims)
        database.dispose()
    result = {"backend": "sqlite", "claimers": 1, "claims": len(claimed), **_ms(timings),
              "baseline_median_ms": _ms(baseline)["median_ms"],
              "double_claims": len(claimed) - len(set(claimed))}
    result["ratio_to_baseline"] = round(result["median_ms"] / max(result["baseline_median_ms"], 1e-6), 1)
    return result


def _claim_together(ctx: ServiceContext, barrier: Any, claimed: list[int]) -> float:
    """One burst: claim when every seat does; handle the item once the whole burst is claimed (the
    calls come after the claims).  Returns this seat's claim time."""
    barrier.wait()
    started = time.perf_counter()
    item = claim_next(ctx)
    seconds = time.perf_counter() - started
    barrier.wait()
    if item is not None:
        claimed.append(item.item_id)
        finish_item(ctx, item.item_id)
    return seconds


def _seat(url: str, user_id: int, login: str, count: int, barrier: Any, results: Any) -> None:
    """One seat in its own process: warm up, then two patterns, each started together with the others.

    - together: ``count`` rounds in which every seat claims at the same instant (all operators press
      "next" at once, e.g. a wave of red warnings); each seat handles its item once the whole burst
      is claimed, as real calls start after the claims, and the next round starts when all seats are
      ready again;
    - back to back: ``count`` claims each followed at once by finishing the item, no pause between:
      a saturation test, since a real seat spends minutes on a call between two claims.
    """
    claimed: list[int] = []
    first: list[float] = []
    together: list[float] = []
    back_to_back: list[float] = []
    error = ""
    try:
        engine = make_engine(url, pool_size=1, max_overflow=0)
        ctx = ServiceContext(make_session_factory(engine), Actor(user_id, login, "operator"), lambda: NOW)
        with engine.connect():  # the window is open: it connected when it loaded the queue
            pass
        # a fresh seat first (connection, prepared statement, the server's plans), then a seat at work
        first = [_claim_together(ctx, barrier, claimed) for _ in range(WARM_UP)]
        together = [_claim_together(ctx, barrier, claimed) for _ in range(count)]
        barrier.wait()
        back_to_back = _timed_claims(ctx, count, claimed)
        engine.dispose()
    except Exception as exc:  # reported in the result
        error = repr(exc)
        barrier.abort()  # the other seats must not wait for this one
    results.put((user_id, first, together, back_to_back, claimed, error))


def bench_postgres(n_warnings: int, n_open: int, claims_per_thread: int, threads: int,
                   log: Callable[[str], None]) -> dict[str, Any]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.pgserver import PgServer, find_pg_bin

    bin_dir = find_pg_bin()
    if bin_dir is None:
        return {"backend": "postgresql", "skipped": "PostgreSQL server binaries not found"}
    server = PgServer(bin_dir)
    server.init()
    server.start()
    try:
        server.execute("CREATE DATABASE bench")
        database = open_database(server.url("bench"))
        started = time.perf_counter()
        actors = populate(database, n_warnings, n_open, operators=threads)
        log(f"PostgreSQL: {n_warnings:,} warnings / {n_open:,} open loaded in {time.perf_counter() - started:.1f} s")
        # one process per seat, as in a centre (each console is its own program on its own PC)
        mp = multiprocessing.get_context("spawn")
        barrier = mp.Barrier(threads)
        results = mp.Queue()
        seats = [mp.Process(target=_seat, args=(server.url("bench"), actor.user_id, actor.login,
                                                 claims_per_thread, barrier, results)) for actor in actors]
        for seat in seats:
            seat.start()
        per_thread: dict[int, tuple[list[float], list[int]]] = {}
        sustained: list[float] = []
        fresh: list[float] = []
        errors: list[str] = []
        for _ in seats:
            user_id, first_, together_, back_to_back_, claimed_, error = results.get(timeout=1800)
            per_thread[user_id] = (together_, claimed_)
            sustained += back_to_back_
            fresh += first_
            if error:
                errors.append(error)
        for seat in seats:
            seat.join()
        timings = [t for ts, _ in per_thread.values() for t in ts]
        claimed = [item for _, items in per_thread.values() for item in items]
        with database.sessions() as session:
            holders = {int(row[0]): row[1] for row in session.execute(
                select(QueueItem.id, QueueItem.claimed_by).where(QueueItem.status == "done"))}
        wrong_holder = sum(1 for uid, (_, items) in per_thread.items() for item in items if holders.get(item) != uid)
        duplicates = sum(n - 1 for n in Counter(claimed).values() if n > 1)
        baseline = _baseline(database, 500)
        database.dispose()
    finally:
        server.cleanup()
    result = {"backend": "postgresql", "claimers": threads, "claims": len(claimed), **_ms(timings or [0.0]),
              "back_to_back": _ms(sustained or [0.0]), "fresh_seats": _ms(fresh or [0.0]),
              "baseline_median_ms": _ms(baseline)["median_ms"], "double_claims": duplicates + wrong_holder,
              "errors": errors}
    result["ratio_to_baseline"] = round(result["median_ms"] / max(result["baseline_median_ms"], 1e-6), 1)
    return result


def run(scale: float, *, postgres: bool = True, threads: int = 16, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Run the benchmark at ``scale`` (1.0 = 1,000,000 warnings, 10,000 open) and return the figures."""
    n_warnings = max(200, int(1_000_000 * scale))
    n_open = max(100, int(10_000 * scale))
    claims = min(2000, n_open // 2)
    results: dict[str, Any] = {
        "scale": scale, "stored_warnings": n_warnings, "open_items": n_open,
        "targets": {"sqlite_median_ms": 2.0, "postgresql_p99_ms": 20.0, "double_claims": 0},
        "runs": [bench_sqlite(n_warnings, n_open, claims, log)],
    }
    if postgres:
        per_thread = max(5, min(200, (n_open // threads - WARM_UP) // 2))
        results["runs"].append(bench_postgres(n_warnings, n_open, per_thread, threads, log))
    return results


def print_table(results: dict[str, Any]) -> None:
    print(f"\nclaim_next with {results['stored_warnings']:,} stored warnings, {results['open_items']:,} open")
    header = f"{'backend':<11}{'claimers':>9}{'claims':>8}{'median ms':>11}{'p99 ms':>9}{'base ms':>9}{'ratio':>7}{'double':>8}"
    print(header)
    print("-" * len(header))
    for run_ in results["runs"]:
        if "skipped" in run_:
            print(f"{run_['backend']:<11} skipped: {run_['skipped']}")
            continue
        print(f"{run_['backend']:<11}{run_['claimers']:>9}{run_['claims']:>8}{run_['median_ms']:>11.3f}"
              f"{run_['p99_ms']:>9.3f}{run_['baseline_median_ms']:>9.3f}{run_['ratio_to_baseline']:>7.1f}"
              f"{run_['double_claims']:>8}")
        if "back_to_back" in run_:
            sustained = run_["back_to_back"]
            print(f"{'  back to back, no pause between claims (saturation)':<47}{sustained['median_ms']:>11.3f}"
                  f"{sustained['p99_ms']:>9.3f}")
        if "fresh_seats" in run_:
            fresh = run_["fresh_seats"]
            print(f"{f'  first {WARM_UP} claims of seats just started, together':<47}{fresh['median_ms']:>11.3f}"
                  f"{fresh['p99_ms']:>9.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Claim latency benchmark")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    results = run(args.scale, postgres=not args.no_postgres, threads=args.threads)
    print_table(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
