"""Import throughput: a generated CSV (and XLSX) of N warning rows into a fresh SQLite database.

The CSV mixes what real exports hold: mostly distinct people, ~3% repeats of an earlier row (same
external id), ~2% repeats by phone and type, ~1% rows without a usable phone, messy phone spellings,
ID numbers with and without a valid check digit.  For comparison the same rows are inserted, in the
same run, by a plain ``sqlite3`` ``executemany`` into a bare table (no parsing, no merges, no
triage): the ratio says what the whole intake pipeline costs over raw insertion.  A file this large
is read and prepared by a worker process while the importer writes (console/services/intake/
prepworker.py); the same file prepared in-process, and the row-by-row path (``columnar=False``), are
timed in the same run too.  A further figure separates the database's
share from Python's: every statement the timed import sent to the driver is recorded and replayed
with bare ``sqlite3`` into a fresh database of the same schema (checkpoints off the commit path, as
the import's connection has them), so its time is what the SQL alone costs (indexes, merge lookups,
commits), the ceiling for any parsing code.

Also printed: the longest time one chunk held the SQLite write lock (what a seat may wait for while
an import runs; target at most 0.3 s), the peak RSS of a process importing the CSV and of its
preparing worker (target at most 300 MB together), and with ``--pg`` the same CSV into a throw-away PostgreSQL server, each run into a fresh
database: once as the import writes there (COPY) and once with COPY switched off (the INSERTs it
replaced), both also as a ratio to the SQLite CSV figure of the same run.

Targets: at least 20,000 CSV rows/s and 15,000 XLSX rows/s on a 2-core machine, within 10x of the
bare executemany.  The machine is shared, so each figure is taken ``--runs`` times (alternating).

    .venv/bin/python -m bench.bench_import               # 100,000 rows, writes bench/results/import.json
    .venv/bin/python -m bench.bench_import --rows 2000   # quick run
    .venv/bin/python -m bench.bench_import --runs 3 --pg
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import event

from bench.common import median, write_result
from console.app.bootstrap import open_database
from console.services.core.context import SYSTEM, ServiceContext
from console.services.intake.bulk import COPY_OPTION
from console.services.intake.importer import import_files
from console.services.intake.normalize import id_check_digit
from console.services.intake.writer import SQLITE_CACHE_KIB
from db.engine import make_session_factory, sqlite_on_connect

NOW = dt.datetime(2026, 11, 20, 8, tzinfo=dt.UTC)
HEADER = ["预警编号", "预警时间", "姓名", "手机号", "身份证号", "预警类型", "涉诈号码", "通话时长(秒)",
          "风险特征", "涉案金额", "现住址", "辖区派出所", "预警来源", "备注"]
TYPES = ["刷单返利", "虚假网络投资理财", "冒充公检法", "虚假网络贷款", "冒充客服", "杀猪盘", "游戏交易", "保健品"]
SIGNALS = ["屏幕共享", "正在通话", "即将转账", "大额转账", "取现", "", "", "安装涉诈APP"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
MOBILE_PREFIXES = ("130", "135", "136", "138", "139", "150", "151", "177", "186", "187", "199")
TARGET_ROWS_PER_S = 20_000
TARGET_XLSX_ROWS_PER_S = 15_000
TARGET_LOCK_HOLD_S = 0.3
TARGET_PEAK_RSS_MB = 300
Statement = tuple[str, Any, bool]  # SQL, parameters, executemany?


def generate_rows(count: int, seed: int = 7) -> list[list[str]]:
    rng = random.Random(seed)
    rows: list[list[str]] = []
    for i in range(count):
        roll = rng.random()
        if rows and roll < 0.03:
            rows.append(list(rng.choice(rows)))  # the platform pushed the same warning again
            continue
        if rows and roll < 0.05:
            repeat = list(rng.choice(rows))
            repeat[0] = f"YJ{i:08d}"
            rows.append(repeat)  # same person, same type, new warning number
            continue
        phone = f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"
        if roll < 0.06:
            phone = str(rng.randrange(10**6))  # no usable phone: rejected
        elif roll < 0.15:
            phone = f"+86 {phone[:3]}-{phone[3:7]}-{phone[7:]}"
        elif roll < 0.2:
            phone = phone + ".0"
        birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(70 * 365))
        body = f"{rng.randrange(110000, 660000)}{birth:%Y%m%d}{rng.randrange(1000):03d}"
        id_number = body + (id_check_digit(body) if rng.random() < 0.95 else "0")
        received = NOW + dt.timedelta(hours=8) - dt.timedelta(minutes=rng.randrange(48 * 60))
        rows.append([
            f"YJ{i:08d}", received.strftime("%Y-%m-%d %H:%M:%S"),
            rng.choice(SURNAMES) + "某", phone, id_number, rng.choice(TYPES), f"1{rng.randrange(10**10):010d}",
            str(rng.randrange(0, 1800)), ";".join({rng.choice(SIGNALS), rng.choice(SIGNALS)} - {""}),
            str(rng.randrange(0, 500_000)), "某某县城关镇", "城关派出所", "省反诈平台", "",
        ])
    return rows


def write_csv(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)


def write_xlsx(path: Path, rows: list[list[str]]) -> None:
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("预警清单")
    sheet.append(["某某县反诈中心预警推送清单"])
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    workbook.save(path)


def time_import(path: Path, directory: Path, statements: list[Statement] | None = None, *,
                columnar: bool = True, url: str | None = None, copy: bool = True,
                worker: bool | None = None) -> dict[str, Any]:
    """Import ``path`` into a fresh database and time it; with ``statements``, also record there every
    statement the driver receives (one cheap call per statement or chunk, not per row).  ``copy=False``
    sends PostgreSQL's bulk inserts as INSERTs instead of COPY; ``worker=False`` prepares the file in
    this process even when it is large enough for a preparing worker (``None``: as the console does)."""
    database = open_database(url or f"sqlite:///{database_path(path, directory)}")
    sessions = database.sessions
    if not copy:
        sessions = make_session_factory(database.engine.execution_options(**{COPY_OPTION: False}))
    if statements is not None:
        def record(_conn: Any, _cursor: Any, sql: str, params: Any, _context: Any, many: bool) -> None:
            statements.append((sql, params, many))

        event.listen(database.engine, "before_cursor_execute", record)
        event.listen(database.engine, "commit", lambda _conn: statements.append(("COMMIT", None, False)))
    ctx = ServiceContext(sessions, SYSTEM, lambda: NOW)
    start = time.perf_counter()
    summary = import_files(ctx, [path], pause_collector=True, columnar=columnar,  # as `dissuade import` runs it
                           prepare_in_worker=worker)
    seconds = time.perf_counter() - start
    database.dispose()
    assert summary.rows == summary.imported + summary.merged + summary.rejected
    holds = [hold for batch in summary.batches for hold in batch.lock_holds]
    return {"seconds": round(seconds, 3), "rows": summary.rows, "imported": summary.imported,
            "merged": summary.merged, "rejected": summary.rejected,
            "rows_per_s": round(summary.rows / seconds) if seconds else 0,
            "chunks": len(holds), "lock_hold_max_s": round(max(holds, default=0.0), 3),
            "prepared_in_worker": any(batch.prepared_in_worker for batch in summary.batches),
            "worker_peak_rss_mb": round(max((b.worker_peak_rss_kib for b in summary.batches), default=0) / 1024, 1)}


def _fresh(directory: Path, path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        database_path(path, directory).with_name(database_path(path, directory).name + suffix).unlink(missing_ok=True)


def peak_rss_mb(path: Path, directory: Path) -> tuple[float, float]:
    """Peak resident memory of a fresh process that imports ``path`` (interpreter and imports
    included), and of the worker that prepared the file for it (0 when none did)."""
    _fresh(directory, path)
    out = subprocess.run([sys.executable, "-m", "bench.bench_import", "--child", str(path), str(directory)],
                         check=True, capture_output=True, text=True, timeout=3600)
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    return float(figures["peak_rss_mb"]), float(figures["worker_peak_rss_mb"])


def _child(path: Path, directory: Path) -> None:
    figures = time_import(path, directory)
    figures["peak_rss_mb"] = round(_own_peak_rss_kib() / 1024, 1)
    print(json.dumps(figures))


def _own_peak_rss_kib() -> int:
    """This process's own peak RSS.  Linux carries ``ru_maxrss`` over ``exec`` from the process that
    forked, so a child of this (large) benchmark would report the parent's peak: ``VmHWM`` is reset
    at ``exec`` and counts this program alone."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


class Postgres:
    """A throw-away PostgreSQL server (see tests/pgserver.py) for the whole run; each import gets a
    fresh database on it."""

    def __init__(self) -> None:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from tests.pgserver import PgServer, find_pg_bin

        bin_dir = find_pg_bin()
        self.skipped = "" if bin_dir is not None else "PostgreSQL server binaries not found"
        self.server = PgServer(bin_dir) if bin_dir is not None else None
        self.databases = 0
        if self.server is not None:
            try:
                self.server.init()
                self.server.start()
            except BaseException:
                self.server.cleanup()
                raise

    def time_import(self, path: Path, directory: Path, *, copy: bool) -> dict[str, Any]:
        assert self.server is not None
        self.databases += 1
        name = f"bench_import_{self.databases}"
        self.server.execute(f"CREATE DATABASE {name}")
        try:
            return time_import(path, directory, url=self.server.url(name), copy=copy)
        finally:
            self.server.execute(f"DROP DATABASE {name}")

    def close(self) -> None:
        if self.server is not None:
            self.server.cleanup()


def database_path(path: Path, directory: Path) -> Path:
    return directory / (path.name + ".sqlite3")


def _counts(database: Path) -> list[int]:
    connection = sqlite3.connect(database)
    counts = [connection.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("warnings", "persons")]
    connection.close()
    return counts


def time_sql_alone(statements: list[Statement], recorded: Path, directory: Path) -> float:
    """Replay the statements an import sent with bare ``sqlite3`` into a fresh database of the same
    schema; returns the replay's seconds: what the import costs with no Python work at all."""
    target = directory / "replayed.sqlite3"
    open_database(f"sqlite:///{target}").dispose()
    connection = sqlite3.connect(target, isolation_level=None)
    sqlite_on_connect(connection)
    connection.execute("PRAGMA wal_autocheckpoint = 0")  # as the import's connection: no checkpoint at commit
    connection.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    start = time.perf_counter()
    for sql, params, many in statements:
        if sql == "COMMIT":
            connection.execute("COMMIT")
        elif many:
            connection.executemany(sql, params)
        else:
            connection.execute(sql, params if isinstance(params, Sequence | dict) else ())
    seconds = time.perf_counter() - start
    connection.close()
    replayed, expected = _counts(target), _counts(recorded)
    assert replayed == expected, f"replay wrote {replayed} warnings/persons, the import {expected}"
    return seconds


def time_plain_executemany(path: Path, directory: Path) -> float:
    """Read the same CSV and insert its rows as text into a bare table: the floor for any import."""
    for suffix in ("", "-wal", "-shm"):
        (directory / f"plain.sqlite3{suffix}").unlink(missing_ok=True)
    connection = sqlite3.connect(directory / "plain.sqlite3", isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    columns = ", ".join(f"c{i} TEXT" for i in range(len(HEADER)))
    connection.execute(f"CREATE TABLE plain (id INTEGER PRIMARY KEY, {columns})")
    placeholders = ", ".join("?" for _ in HEADER)
    start = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        connection.execute("BEGIN")
        connection.executemany(f"INSERT INTO plain VALUES (NULL, {placeholders})", reader)
        connection.execute("COMMIT")
    seconds = time.perf_counter() - start
    connection.close()
    return seconds


def run(rows: int, *, xlsx: bool = True, runs: int = 1, rss: bool = False, pg: bool = False) -> dict[str, Any]:
    """Generate ``rows`` rows, import them as CSV (and XLSX) ``runs`` times on both paths, alternating
    with the plain baseline; the figures of each run and their medians."""
    data = generate_rows(rows)
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        directory = Path(tmp)
        csv_path = directory / "warnings.csv"
        write_csv(csv_path, data)
        xlsx_path = directory / "warnings.xlsx"
        if xlsx:
            write_xlsx(xlsx_path, data)
        each: dict[str, list[dict[str, Any]]] = {"csv": [], "csv_in_process": [], "csv_row_by_row": [], "xlsx": [],
                                                 "xlsx_in_process": [], "postgresql": [], "postgresql_insert": []}
        baselines: list[float] = []
        statements: list[Statement] = []
        postgres = Postgres() if pg else None
        try:
            for index in range(runs):
                baselines.append(time_plain_executemany(csv_path, directory))
                _fresh(directory, csv_path)
                each["csv"].append(time_import(csv_path, directory, statements if index == 0 else None))
                if index == 0:
                    sql_alone = time_sql_alone(statements, database_path(csv_path, directory), directory)
                    statements.clear()
                _fresh(directory, csv_path)
                each["csv_in_process"].append(time_import(csv_path, directory, worker=False))
                _fresh(directory, csv_path)
                each["csv_row_by_row"].append(time_import(csv_path, directory, columnar=False))
                if xlsx:
                    _fresh(directory, xlsx_path)
                    each["xlsx"].append(time_import(xlsx_path, directory))
                    _fresh(directory, xlsx_path)
                    each["xlsx_in_process"].append(time_import(xlsx_path, directory, worker=False))
                if postgres is not None and not postgres.skipped:
                    each["postgresql"].append(postgres.time_import(csv_path, directory, copy=True))
                    each["postgresql_insert"].append(postgres.time_import(csv_path, directory, copy=False))
        finally:
            if postgres is not None:
                postgres.close()
        baseline = median(baselines)
        result: dict[str, Any] = {"rows": rows, "runs": runs}
        for kind, figures in each.items():
            if figures:
                best = sorted(figures, key=lambda f: f["seconds"])[len(figures) // 2]  # the median run
                result[kind] = best | {"rows_per_s_each": [f["rows_per_s"] for f in figures],
                                       "lock_hold_max_s": max(f["lock_hold_max_s"] for f in figures)}
        for kind in ("postgresql", "postgresql_insert"):
            if kind in result:  # PostgreSQL's rows/s over SQLite's, CSV, median runs of the same run
                result[kind]["vs_sqlite_csv"] = round(result[kind]["rows_per_s"] / result["csv"]["rows_per_s"], 2)
        if "postgresql_insert" in result:
            result["postgresql"]["copy_vs_insert"] = round(
                result["postgresql_insert"]["seconds"] / result["postgresql"]["seconds"], 2)
        if postgres is not None and postgres.skipped:
            result["postgresql"] = {"skipped": postgres.skipped}
        result["plain_executemany_s"] = round(baseline, 3)
        result["plain_rows_per_s"] = round(rows / baseline) if baseline else 0
        result["ratio_vs_plain"] = round(result["csv"]["seconds"] / baseline, 1) if baseline else None
        if xlsx:
            result["xlsx_ratio_vs_plain"] = round(result["xlsx"]["seconds"] / baseline, 1) if baseline else None
        result["columnar_speedup"] = round(result["csv_row_by_row"]["seconds"] / result["csv"]["seconds"], 2)
        result["worker_speedup"] = round(result["csv_in_process"]["seconds"] / result["csv"]["seconds"], 2)
        result["sql_alone_s"] = round(sql_alone, 3)
        result["sql_alone_rows_per_s"] = round(rows / sql_alone) if sql_alone else 0
        result["lock_hold_max_s"] = max(result[k]["lock_hold_max_s"] for k in ("csv", "xlsx") if k in result)
        if rss:
            result["peak_rss_mb"], result["worker_peak_rss_mb"] = peak_rss_mb(csv_path, directory)
        result["target_rows_per_s"] = TARGET_ROWS_PER_S
        result["meets_target"] = result["csv"]["rows_per_s"] >= TARGET_ROWS_PER_S
    return result


def _line(what: str, figures: dict[str, Any]) -> str:
    each = " / ".join(str(v) for v in figures.get("rows_per_s_each", [figures["rows_per_s"]]))
    return f"{what:<28}{figures['seconds']:>10}{figures['rows_per_s']:>12}   runs: {each}"


def main() -> None:
    parser = argparse.ArgumentParser(description="导入速度基准")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=1, help="each figure this many times, alternating")
    parser.add_argument("--no-xlsx", action="store_true")
    parser.add_argument("--no-rss", action="store_true", help="skip the peak-memory import in a child process")
    parser.add_argument("--pg", action="store_true", help="also import the CSV into a throw-away PostgreSQL")
    parser.add_argument("--child", nargs=2, metavar=("FILE", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(Path(args.child[0]), Path(args.child[1]))
        return
    result = run(args.rows, xlsx=not args.no_xlsx, runs=args.runs, rss=not args.no_rss, pg=args.pg)
    print(f"{'what':<28}{'seconds':>10}{'rows/s':>12}   (median run)")
    print(_line("CSV import" + (" (worker)" if result["csv"]["prepared_in_worker"] else ""), result["csv"]))
    print(_line("CSV, prepared in-process", result["csv_in_process"]))
    print(_line("CSV import, row by row", result["csv_row_by_row"]))
    if "xlsx" in result:
        print(_line("XLSX import" + (" (worker)" if result["xlsx"]["prepared_in_worker"] else ""), result["xlsx"]))
        print(_line("XLSX, prepared in-process", result["xlsx_in_process"]))
    if "seconds" in result.get("postgresql", {}):
        print(_line("CSV import, PostgreSQL", result["postgresql"]))
        print(_line("  the same with INSERT", result["postgresql_insert"]))
    print(f"{'its SQL alone, replayed':<28}{result['sql_alone_s']:>10}{result['sql_alone_rows_per_s']:>12}")
    print(f"{'plain sqlite3 executemany':<28}{result['plain_executemany_s']:>10}{result['plain_rows_per_s']:>12}")
    csv_counts = result["csv"]
    print(f"CSV rows {csv_counts['rows']}: imported {csv_counts['imported']}, merged {csv_counts['merged']}, "
          f"rejected {csv_counts['rejected']}; {csv_counts['chunks']} chunks")
    print(f"ratio vs plain executemany: CSV {result['ratio_vs_plain']}x"
          + (f", XLSX {result['xlsx_ratio_vs_plain']}x" if "xlsx" in result else "")
          + f" (target within 10x); columnar vs row by row {result['columnar_speedup']}x; "
          f"with a preparing worker vs without {result['worker_speedup']}x")
    print(f"lock hold max per chunk: {result['lock_hold_max_s']} s (target <= {TARGET_LOCK_HOLD_S} s)")
    if "seconds" in result.get("postgresql", {}):
        pg, insert = result["postgresql"], result["postgresql_insert"]
        print(f"PostgreSQL CSV import: {pg['rows_per_s']} rows/s (COPY), {pg['vs_sqlite_csv']}x SQLite's "
              f"{csv_counts['rows_per_s']} rows/s; with INSERT {insert['rows_per_s']} rows/s, "
              f"{insert['vs_sqlite_csv']}x; COPY {pg['copy_vs_insert']}x as fast as INSERT")
    elif "postgresql" in result:
        print(f"PostgreSQL CSV import skipped: {result['postgresql']['skipped']}")
    if "peak_rss_mb" in result:
        both = result["peak_rss_mb"] + result["worker_peak_rss_mb"]
        print(f"peak RSS of the CSV import: {result['peak_rss_mb']} MB, its preparing worker "
              f"{result['worker_peak_rss_mb']} MB, together {both:.1f} MB (target <= {TARGET_PEAK_RSS_MB} MB)")
    print(f"target {TARGET_ROWS_PER_S} CSV rows/s {'met' if result['meets_target'] else 'NOT met'}; "
          f"XLSX target {TARGET_XLSX_ROWS_PER_S} rows/s")
    path = write_result("import", result)
    print(f"written to {path}")


if __name__ == "__main__":
    main()
