"""Queue view and start-up benchmarks (Qt, offscreen).

1. Queue view: the real ``QueueTableModel`` + proxy + ``QTableView`` with N open items:
   time to first paint, time to apply a level filter, resident memory; and, for the same N, the
   time ``queue.list_open`` needs to load them from SQLite.  Targets at 100,000 items: 300 ms first
   paint, 100 ms filter, 350 MB.
2. Start-up: process start → main window shown with the queue loaded, against a bare PySide6
   window started the same way in the same run.  Target ≤ 1.5 s and ratio ≤ 2.

Run: ``python -m bench.bench_gui [--items N]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench.common import median, print_table, rss_mb, write_result  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def synthetic_entries(n: int, seed: int = 1) -> list[Any]:
    from console.services.core.vocabulary import FRAUD_TYPE_LABELS
    from console.services.queue.claims import QueueEntry

    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    types = list(FRAUD_TYPE_LABELS)
    levels = ("red", "orange", "yellow", "blue")
    entries = []
    for i in range(n):
        level = levels[rng.randrange(4)]
        fraud_type = types[rng.randrange(len(types))]
        entries.append(QueueEntry(
            item_id=i + 1, warning_id=i + 1, kind="warning", status="open", risk_level=level,
            score=rng.randrange(100), reasons=[{"factor": "fraud_type", "label": "诈骗类型", "points": 10}],
            fraud_type=fraud_type, fraud_type_label=FRAUD_TYPE_LABELS[fraud_type],
            deadline_at=now + dt.timedelta(seconds=rng.randrange(-3600, 7200)), not_before=None, overdue=False,
            claimed_by=None, lease_expires_at=None, name_masked="王*", phone_masked="138****0000",
            age_band="26-40", repeat_count=0, attempts=0, received_at=now,
        ))
    return entries


def bench_queue_view(items: int) -> dict[str, float]:
    from PySide6.QtWidgets import QApplication

    from console.ui.queue_panel import QueuePanel

    app = QApplication.instance() or QApplication([])
    rss_before = rss_mb()
    entries = synthetic_entries(items)
    panel = QueuePanel(lambda: dt.datetime.now(dt.UTC))
    panel.resize(900, 800)
    panel.show()
    app.processEvents()
    start = time.perf_counter()
    panel.set_entries(entries)
    panel.table.viewport().repaint()
    app.processEvents()
    first_paint = time.perf_counter() - start
    start = time.perf_counter()
    panel.level_boxes["blue"].setChecked(False)
    panel.table.viewport().repaint()
    app.processEvents()
    filter_time = time.perf_counter() - start
    visible = panel.model.rowCount()
    start = time.perf_counter()
    panel.model.tick()
    panel.table.viewport().repaint()
    tick_time = time.perf_counter() - start
    rss_after = rss_mb()
    panel.close()
    return {
        "items": items,
        "first_paint_ms": first_paint * 1000,
        "filter_ms": filter_time * 1000,
        "countdown_tick_ms": tick_time * 1000,
        "visible_after_filter": visible,
        "rss_mb": rss_after,
        "rss_growth_mb": rss_after - rss_before,
    }


def bench_list_open(items: int) -> dict[str, float]:
    """Load N open items from a SQLite file through the service the window uses."""
    from bench.datagen import build_open_queue
    from console.app.bootstrap import open_database
    from console.services.core.context import SYSTEM
    from console.services.queue import claims as queue

    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(f"sqlite:///{tmp}/view.sqlite3")
        build_open_queue(db, items)
        ctx = db.context(SYSTEM)
        times = []
        for _ in range(3):
            start = time.perf_counter()
            rows = queue.list_open(ctx)
            times.append(time.perf_counter() - start)
        db.dispose()
    return {"items": items, "loaded": len(rows), "list_open_ms": median(times) * 1000}


PROBE = """
import os, sys, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
mode, url = sys.argv[1], sys.argv[2]
from PySide6.QtWidgets import QApplication, QMainWindow
if mode == "bare":
    app = QApplication([])
    w = QMainWindow(); w.resize(1500, 920); w.show(); app.processEvents()
else:
    from console.ui.app import create_application
    from console.app.bootstrap import open_database
    from console.services.security import auth
    from console.ui.main_window import MainWindow
    app = create_application([])
    db = open_database(url)
    actor = auth.authenticate(db.context(), "op01", "demo1234", "bench")
    w = MainWindow(db, actor)
    w.show()
    while w.queue_panel.model.rowCount() == 0 or w.runner.running:
        app.processEvents()
    app.processEvents()
print(time.time())
"""


def bench_startup(runs: int, warnings: int) -> dict[str, float]:
    from console.app.bootstrap import open_database
    from console.services.core.context import SYSTEM
    from console.services.demo import generate as demo

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/startup.sqlite3"
        db = open_database(url)
        demo.generate(db.context(SYSTEM), warnings=warnings, seed=1)
        db.dispose()
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
        results: dict[str, list[float]] = {"bare": [], "console": []}
        for _ in range(runs):
            for mode in ("bare", "console"):
                start = time.time()
                out = subprocess.run([sys.executable, "-c", PROBE, mode, url], capture_output=True, text=True,
                                     env=env, cwd=ROOT, check=True, timeout=120)
                results[mode].append(float(out.stdout.strip().splitlines()[-1]) - start)
    bare, console = median(results["bare"]), median(results["console"])
    return {"runs": runs, "bare_window_s": bare, "console_window_s": console, "ratio": console / bare}


def run(items: int = 100_000, startup_runs: int = 5, startup_warnings: int = 1200) -> dict[str, Any]:
    view = bench_queue_view(items)
    service = bench_list_open(items)
    startup = bench_startup(startup_runs, startup_warnings)
    result = {"queue_view": view, "list_open": service, "startup": startup}
    print_table(f"Queue view, {items:,} open items (targets: paint 300 ms, filter 100 ms, 350 MB)", [
        ("first paint", f"{view['first_paint_ms']:.0f} ms"),
        ("apply level filter", f"{view['filter_ms']:.0f} ms ({view['visible_after_filter']:,} rows left)"),
        ("countdown tick", f"{view['countdown_tick_ms']:.1f} ms"),
        ("resident memory", f"{view['rss_mb']:.0f} MB (+{view['rss_growth_mb']:.0f} MB for the rows)"),
        ("list_open from SQLite", f"{service['list_open_ms']:.0f} ms"),
    ])
    print_table("Start-up to a usable window (targets: ≤ 1.5 s, ratio ≤ 2)", [
        ("bare PySide6 window", f"{startup['bare_window_s']:.2f} s"),
        ("console, queue loaded", f"{startup['console_window_s']:.2f} s"),
        ("ratio", f"{startup['ratio']:.2f}"),
    ])
    write_result("gui", result)
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    run(args.items, args.runs)
