"""Peak memory and time of the importer on hostile files, each in its own child process.

Every bomb of :mod:`bench.bombs` is given to ``dissuade import`` in a fresh process; the process's
peak resident memory is its ``VmHWM`` from ``/proc/self/status``, read as it exits (``ru_maxrss``
from ``wait4`` would also count the parent's memory at the fork, which exec carries over).  As
the baseline, the same command imports a normal 2,000-row export in the same run; the ratio says how
much more memory a bomb costs than ordinary work.

    .venv/bin/python -m bench.bench_bombs
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.bench_import import HEADER, generate_rows
from bench.bombs import BOMBS

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_S = 120.0
WRAPPER = """
import sys
from console.cli import main
code = 1
try:
    code = main(sys.argv[2:])
finally:
    with open("/proc/self/status", encoding="ascii") as status:
        peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    with open(sys.argv[1], "w", encoding="ascii") as out:
        out.write(peak)
sys.exit(code)
"""


@dataclass(frozen=True)
class Run:
    code: int
    peak_mib: float
    seconds: float
    stderr: str


IMPORTER = ("bomb-importer", "bomb-importer-pass")  # the operator who runs the imports (the CLI logs in)


def add_importer(db_url: str) -> None:
    """The operator the measured imports run as (the command line acts only for a user who logs in)."""
    from console.app.bootstrap import open_database
    from console.services.security import auth

    database = open_database(db_url)
    try:
        if auth.get_user(database.context(), IMPORTER[0]) is None:
            auth.add_user(database.context(), IMPORTER[0], IMPORTER[1], "operator")
    finally:
        database.dispose()


def run_import(path: Path, db_url: str, timeout_s: float = TIMEOUT_S) -> Run:
    """``dissuade import PATH`` in a child process (as :data:`IMPORTER`, made with :func:`add_importer`);
    its exit code, peak RSS, time and stderr."""
    env = os.environ | {"PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    with tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile("r", suffix=".hwm") as hwm:
        started = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-c", WRAPPER, hwm.name, "import", str(path), "--json", "--db", db_url,
                                  "--as", IMPORTER[0], "--password-stdin"],
                                 stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=err, env=env)
        assert child.stdin is not None
        child.stdin.write(f"{IMPORTER[1]}\n".encode())
        child.stdin.close()
        deadline = started + timeout_s
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                os.kill(child.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(child.pid, 0)
                break
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read().decode("utf-8", errors="replace")
        peak_kib = hwm.read().strip()
    del usage
    return Run(child.returncode, int(peak_kib) / 1024 if peak_kib else float("nan"), seconds, text)


def normal_export(path: Path, rows: int = 2000) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(generate_rows(rows))
    return path


def main() -> int:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        url = f"sqlite:///{root / 'bombs.sqlite3'}"
        add_importer(url)
        baseline = run_import(normal_export(root / "normal.csv"), url)
        print(f"{'case':28} {'on disk':>10} {'exit':>5} {'peak RSS':>10} {'vs normal':>9} {'seconds':>8}")
        print(f"{'normal 2000-row CSV':28} {'':>10} {baseline.code:>5} {baseline.peak_mib:>7.0f} MB {1:>8.2f}x "
              f"{baseline.seconds:>8.2f}")
        for name, (file_name, build) in BOMBS.items():
            path = build(root / file_name)
            size = path.stat().st_size if path.is_file() else 0
            result = run_import(path, url)
            message = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else ""
            print(f"{name:28} {size / 2**20:>7.1f} MB {result.code:>5} {result.peak_mib:>7.0f} MB "
                  f"{result.peak_mib / baseline.peak_mib:>8.2f}x {result.seconds:>8.2f}  {message}")
            path.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
