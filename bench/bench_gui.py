"""Queue view and start-up benchmarks (Qt, offscreen).

1. Queue view: the real ``QueueTableModel`` + proxy + ``QTableView`` with N open items:
   time to first paint, time to apply a level filter, resident memory; and, for the same N, the
   time ``queue.list_open`` needs to load them from SQLite.  Targets at 100,000 items: 300 ms first
   paint, 100 ms filter, 350 MB.
2. Start-up, against a bare PySide6 window started the same way in the same run: process start →
   login dialog on screen through the ``dissuade-gui`` entry point (target ≤ 2× the bare window);
   login confirmed → usable queue, with the database opened behind the dialog (target ≤ 0.4 s);
   F2 → script shown, the first claim of the process and later ones (target ≤ 200 ms).

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
    print(time.time())
    sys.exit(0)
from console.ui.app import create_application
from console.ui.startup import StartupFlow
app = create_application([])

from PySide6.QtCore import QEventLoop, QTimer

def wait(done):  # an event loop, not a processEvents() spin: PySide6 6.12 loses a None reference per call
    if done():
        return
    loop, timer = QEventLoop(), QTimer()
    timer.timeout.connect(lambda: done() and loop.quit())
    timer.start(1)
    loop.exec()
    timer.stop()

flow = StartupFlow(url)
flow.show()
dialog_at = time.time()
flow.start()
wait(lambda: flow.opened is not None and not flow.runner.running)  # database, script library, warm-up
dialog = flow.dialog
ready_at = time.time()  # the operator typed slower than this: Enter comes once the database is open
dialog.login_edit.setText("op01"); dialog.password_edit.setText("demo1234")
start = time.perf_counter()
dialog.try_login()
wait(lambda: dialog.actor is not None)
from console.ui.main_window import MainWindow
session = flow.session()
w = MainWindow(session.database, session.actor, library=session.library, telephony=session.telephony)
w.show()
wait(lambda: w.queue_panel.model.rowCount() > 0 and not w.runner.running)
queue_s = time.perf_counter() - start
wait(lambda: w.workstation.library is not None)  # read in the background once the window shows
f2 = []
for _ in range(int(sys.argv[3])):
    start = time.perf_counter()
    w.claim_next()
    wait(lambda: w.workstation.session is not None and not w.runner.running)
    w.workstation.script_view.repaint()
    f2.append((time.perf_counter() - start) * 1000)
    w.workstation.release()
    wait(lambda: w.workstation.session is None and not w.runner.running)
from argon2 import PasswordHasher
from console.services.security.auth import hash_password
stored = hash_password("demo1234")  # the console's own parameters
start = time.perf_counter()
PasswordHasher().verify(stored, "demo1234")
argon2_s = time.perf_counter() - start  # the floor of any login, measured in this process
print(dialog_at, ready_at, queue_s, argon2_s, *f2)
sys.exit(0)
"""

ENTRY = "import sys; from console.cli import gui_main; sys.exit(gui_main())"


def bench_startup(runs: int, warnings: int, claims: int = 4) -> dict[str, Any]:
    """Bare PySide6 window, the login dialog through the entry point, login → queue, F2 → script."""
    import json

    from console.app.bootstrap import open_database
    from console.services.core.context import SYSTEM
    from console.services.demo import generate as demo

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/startup.sqlite3"
        db = open_database(url)
        demo.generate(db.context(SYSTEM), warnings=warnings, seed=1)
        db.dispose()
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT), "DISSUADE_DATA_DIR": tmp}
        env.pop("DISSUADE_AUTOLOGIN", None)
        times: dict[str, list[float]] = {"bare": [], "login": [], "entry": [], "queue": [], "argon2": [],
                                         "first_f2": [], "later_f2": []}

        def child(*args: str, **extra: str) -> str:
            out = subprocess.run([sys.executable, "-c", *args], capture_output=True, text=True,
                                 env={**env, **extra}, cwd=ROOT, check=True, timeout=180)
            return out.stdout.strip().splitlines()[-1]

        for _ in range(runs):
            start = time.time()
            times["bare"].append(float(child(PROBE, "bare", url)) - start)
            start = time.time()
            probe = json.loads(child(ENTRY, "--db", url, DISSUADE_STARTUP_PROBE="1"))
            assert probe["login_visible"] and not probe["heavy_modules"], probe
            times["entry"].append(probe["at"] - start)
            start = time.time()
            dialog_at, _ready_at, queue_s, argon2_s, first, *later = map(
                float, child(PROBE, "console", url, str(claims)).split())
            times["login"].append(dialog_at - start)
            times["queue"].append(queue_s)
            times["argon2"].append(argon2_s)
            times["first_f2"].append(first)
            times["later_f2"].append(median(later))
    bare, entry, login = median(times["bare"]), median(times["entry"]), median(times["login"])
    queue_s, argon2_s = median(times["queue"]), median(times["argon2"])
    first_f2, later_f2 = median(times["first_f2"]), median(times["later_f2"])
    return {"runs": runs, "bare_window_s": bare, "login_dialog_s": entry, "login_ratio": entry / bare,
            "login_dialog_probe_s": login, "login_to_queue_s": queue_s, "argon2_verify_s": argon2_s,
            "queue_vs_argon2": queue_s / argon2_s,
            "console_window_s": login + queue_s, "ratio": (login + queue_s) / bare,
            "first_f2_ms": first_f2, "later_f2_ms": later_f2, "first_vs_later": first_f2 / later_f2}


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
    print_table("Start-up, process start to usable (targets: login ≤ 2× bare, login → queue ≤ 0.4 s, "
                "F2 → script ≤ 200 ms)", [
        ("bare PySide6 window", f"{startup['bare_window_s']:.2f} s"),
        ("login dialog usable (dissuade-gui)", f"{startup['login_dialog_s']:.2f} s   "
                                               f"ratio vs bare {startup['login_ratio']:.2f}"),
        ("login → usable queue", f"{startup['login_to_queue_s']:.2f} s   "
                                 f"{startup['queue_vs_argon2']:.1f}× the password check alone "
                                 f"({startup['argon2_verify_s'] * 1000:.0f} ms)"),
        ("dialog + login → queue", f"{startup['console_window_s']:.2f} s   ratio vs bare {startup['ratio']:.2f}"),
        ("first F2 → script", f"{startup['first_f2_ms']:.0f} ms"),
        ("later F2 → script", f"{startup['later_f2_ms']:.0f} ms   first/later {startup['first_vs_later']:.2f}"),
    ])
    write_result("gui", result)
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    run(args.items, args.runs)
