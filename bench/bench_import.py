"""Import throughput: a generated CSV (and XLSX) of N warning rows into a fresh SQLite database.

The CSV mixes what real exports hold: mostly distinct people, ~3% repeats of an earlier row (same
external id), ~2% repeats by phone and type, ~1% rows without a usable phone, messy phone spellings,
ID numbers with and without a valid check digit.  For comparison the same rows are inserted, in the
same run, by a plain ``sqlite3`` ``executemany`` into a bare table (no parsing, no merges, no
triage): the ratio says what the whole intake pipeline costs over raw insertion.  A third figure
separates the database's share from Python's: every statement the timed import sent to the driver is
recorded and replayed with bare ``sqlite3`` into a fresh database of the same schema, so its time is
what the SQL alone costs (indexes, merge lookups, commits), the ceiling for any parsing code.

Target: at least 20,000 rows/s for the CSV on a 2-core machine.

    .venv/bin/python -m bench.bench_import               # 100,000 rows, writes bench/results/import.json
    .venv/bin/python -m bench.bench_import --rows 2000   # quick run
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import sqlite3
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import event

from bench.common import write_result
from console.app.bootstrap import open_database
from console.services.core.context import SYSTEM, ServiceContext
from console.services.intake.importer import import_files
from console.services.intake.normalize import id_check_digit
from db.engine import sqlite_on_connect

NOW = dt.datetime(2026, 11, 20, 8, tzinfo=dt.UTC)
HEADER = ["预警编号", "预警时间", "姓名", "手机号", "身份证号", "预警类型", "涉诈号码", "通话时长(秒)",
          "风险特征", "涉案金额", "现住址", "辖区派出所", "预警来源", "备注"]
TYPES = ["刷单返利", "虚假网络投资理财", "冒充公检法", "虚假网络贷款", "冒充客服", "杀猪盘", "游戏交易", "保健品"]
SIGNALS = ["屏幕共享", "正在通话", "即将转账", "大额转账", "取现", "", "", "安装涉诈APP"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
MOBILE_PREFIXES = ("130", "135", "136", "138", "139", "150", "151", "177", "186", "187", "199")
TARGET_ROWS_PER_S = 20_000
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


def time_import(path: Path, directory: Path, statements: list[Statement] | None = None) -> dict[str, Any]:
    """Import ``path`` into a fresh database and time it; with ``statements``, also record there every
    statement the driver receives (one cheap call per statement or chunk, not per row)."""
    database = open_database(f"sqlite:///{database_path(path, directory)}")
    if statements is not None:
        def record(_conn: Any, _cursor: Any, sql: str, params: Any, _context: Any, many: bool) -> None:
            statements.append((sql, params, many))

        event.listen(database.engine, "before_cursor_execute", record)
        event.listen(database.engine, "commit", lambda _conn: statements.append(("COMMIT", None, False)))
    ctx = ServiceContext(database.sessions, SYSTEM, lambda: NOW)
    start = time.perf_counter()
    summary = import_files(ctx, [path], pause_collector=True)  # as `dissuade import` runs it
    seconds = time.perf_counter() - start
    database.dispose()
    assert summary.rows == summary.imported + summary.merged + summary.rejected
    return {"seconds": round(seconds, 3), "rows": summary.rows, "imported": summary.imported,
            "merged": summary.merged, "rejected": summary.rejected,
            "rows_per_s": round(summary.rows / seconds) if seconds else 0}


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


def run(rows: int, *, xlsx: bool = True) -> dict[str, Any]:
    """Generate ``rows`` rows, import them as CSV (and XLSX), and time the plain baseline."""
    data = generate_rows(rows)
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        directory = Path(tmp)
        csv_path = directory / "warnings.csv"
        write_csv(csv_path, data)
        baseline = time_plain_executemany(csv_path, directory)
        statements: list[Statement] = []
        result: dict[str, Any] = {"rows": rows, "csv": time_import(csv_path, directory, statements)}
        result["plain_executemany_s"] = round(baseline, 3)
        result["plain_rows_per_s"] = round(rows / baseline) if baseline else 0
        result["ratio_vs_plain"] = round(result["csv"]["seconds"] / baseline, 1) if baseline else None
        sql_alone = time_sql_alone(statements, database_path(csv_path, directory), directory)
        statements.clear()
        result["sql_alone_s"] = round(sql_alone, 3)
        result["sql_alone_rows_per_s"] = round(rows / sql_alone) if sql_alone else 0
        if xlsx:
            xlsx_path = directory / "warnings.xlsx"
            write_xlsx(xlsx_path, data)
            result["xlsx"] = time_import(xlsx_path, directory)
        result["target_rows_per_s"] = TARGET_ROWS_PER_S
        result["meets_target"] = result["csv"]["rows_per_s"] >= TARGET_ROWS_PER_S
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description="导入速度基准")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--no-xlsx", action="store_true")
    args = parser.parse_args()
    result = run(args.rows, xlsx=not args.no_xlsx)
    print(f"{'what':<28}{'seconds':>10}{'rows/s':>12}")
    print(f"{'CSV import':<28}{result['csv']['seconds']:>10}{result['csv']['rows_per_s']:>12}")
    if "xlsx" in result:
        print(f"{'XLSX import':<28}{result['xlsx']['seconds']:>10}{result['xlsx']['rows_per_s']:>12}")
    print(f"{'its SQL alone, replayed':<28}{result['sql_alone_s']:>10}{result['sql_alone_rows_per_s']:>12}")
    print(f"{'plain sqlite3 executemany':<28}{result['plain_executemany_s']:>10}{result['plain_rows_per_s']:>12}")
    csv_counts = result["csv"]
    print(f"CSV rows {csv_counts['rows']}: imported {csv_counts['imported']}, merged {csv_counts['merged']}, "
          f"rejected {csv_counts['rejected']}; ratio vs plain {result['ratio_vs_plain']}x; "
          f"target {TARGET_ROWS_PER_S} rows/s {'met' if result['meets_target'] else 'NOT met'}")
    path = write_result("import", result)
    print(f"written to {path}")


if __name__ == "__main__":
    main()
