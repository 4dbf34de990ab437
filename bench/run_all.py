"""Run every benchmark, with growth series, and print one summary table (``make bench``).

Each benchmark builds its own seeded data.  Growth: import, claim and reports are also run at
sizes 10x, 100x and 1000x smaller than the full run, so the cost curve is visible.  Larger sizes
(1M import rows, 10M warnings, 3M calls) are left out: on a 2-core machine building or importing
them takes many minutes for one more point on a curve that is already linear.

``python -m bench.run_all --quick`` runs every benchmark once at a tiny size (a smoke run).
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from bench import bench_claim, bench_gui, bench_import, bench_reports
from bench.common import machine, write_result


def _quiet(_msg: str) -> None:
    pass


def growth_import(sizes: list[int], full: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for size in sizes:
        result = bench_import.run(size, xlsx=False)
        rows.append({"rows": size, "csv_rows_per_s": result["csv"]["rows_per_s"],
                     "ratio_vs_executemany": result["ratio_vs_plain"]})
        print(f"  import {size:>9,} rows: {rows[-1]['csv_rows_per_s']:>10,.0f} rows/s", flush=True)
    rows.append({"rows": full["rows"], "csv_rows_per_s": full["csv"]["rows_per_s"],
                 "ratio_vs_executemany": full["ratio_vs_plain"]})
    print(f"  import {full['rows']:>9,} rows: {rows[-1]['csv_rows_per_s']:>10,.0f} rows/s (full run)")
    return rows


def growth_claim(scales: list[float]) -> list[dict[str, Any]]:
    rows = []
    for scale in scales:
        result = bench_claim.run(scale, postgres=False, log=_quiet)
        sqlite = result["runs"][0]
        rows.append({"stored_warnings": result["stored_warnings"], "open_items": result["open_items"],
                     "median_ms": sqlite["median_ms"], "p99_ms": sqlite["p99_ms"]})
        print(f"  claim {result['stored_warnings']:>9,} stored / {result['open_items']:>6,} open: "
              f"median {sqlite['median_ms']:.2f} ms, p99 {sqlite['p99_ms']:.2f} ms", flush=True)
    return rows


def growth_reports(scales: list[float]) -> list[dict[str, Any]]:
    rows = []
    for scale in scales:
        result = bench_reports.run(scale, repeat=1)
        rows.append({"calls": result["rows"]["calls"], "monthly_s": result["monthly_s"],
                     "daily_s": result["daily_s"]})
        print(f"  reports {rows[-1]['calls']:>9,} calls: monthly {rows[-1]['monthly_s']:.2f} s, "
              f"daily {rows[-1]['daily_s']:.2f} s", flush=True)
    return rows


def report(summary: dict[str, Any]) -> None:
    imp = summary["import"]
    print("\n== Import into SQLite (target >= 20,000 rows/s for CSV)")
    print(f"  CSV  {imp['csv']['rows_per_s']:>10,} rows/s  ({imp['ratio_vs_plain']}x the time of plain executemany, "
          f"{imp['plain_rows_per_s']:,} rows/s)")
    print(f"  its SQL alone, replayed with bare sqlite3: {imp['sql_alone_rows_per_s']:>10,} rows/s")
    if "xlsx" in imp:
        print(f"  XLSX {imp['xlsx']['rows_per_s']:>10,} rows/s")
    bench_claim.print_table(summary["claim"])
    bench_reports._print(summary["reports"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks that every benchmark runs")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    print(f"Machine: {machine()}")
    summary: dict[str, Any] = {}
    if args.quick:
        summary["import"] = bench_import.run(300, xlsx=True)
        summary["claim"] = bench_claim.run(0.0005, postgres=True, threads=4, log=_quiet)
        summary["gui"] = bench_gui.run(items=500, startup_runs=1, startup_warnings=60)
        summary["reports"] = bench_reports.run(0.002, repeat=1)
    else:
        summary["import"] = bench_import.run(100_000, xlsx=True)
        summary["claim"] = bench_claim.run(1.0, postgres=True, threads=16)
        summary["gui"] = bench_gui.run(items=100_000, startup_runs=5)
        summary["reports"] = bench_reports.run(1.0, repeat=3)
        print("\n== Growth (cost curves)")
        summary["growth"] = {
            "import": growth_import([100, 1_000, 10_000], summary["import"]),
            "claim": growth_claim([0.001, 0.01, 0.1]),
            "reports": growth_reports([0.001, 0.01, 0.1]),
        }
    report(summary)
    summary["total_s"] = time.perf_counter() - started
    path = write_result("summary" if not args.quick else "summary_quick", summary)
    print(f"\nAll benchmarks done in {summary['total_s']:.0f} s; figures in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
