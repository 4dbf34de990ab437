"""An import killed with SIGKILL mid-file, then imported again, ends exactly like one clean import."""

from __future__ import annotations

import csv
import datetime as dt
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from bench.bench_import import HEADER, generate_rows
from console.app.bootstrap import Database, open_database
from console.services.core.context import SYSTEM, ServiceContext
from console.services.intake.importer import ImportSummary, import_files
from db.models import AuditEvent, ImportBatch, QueueItem, Warning
from tests.conftest import make_sqlite_database

NOW = dt.datetime(2026, 11, 20, 8, tzinfo=dt.UTC)
ROWS = 12_000
CHUNK = 400
CHILD = """
import datetime as dt, sys
from pathlib import Path
from console.app.bootstrap import open_database
from console.services.core.context import SYSTEM, ServiceContext
from console.services.intake.importer import import_files
NOW = dt.datetime(2026, 11, 20, 8, tzinfo=dt.UTC)
db = open_database(sys.argv[1])
def progress(event):
    print(event.rows_done, flush=True)
import_files(ServiceContext(db.sessions, SYSTEM, lambda: NOW), [Path(sys.argv[2])], chunk_size=int(sys.argv[3]),
             progress=progress)
print("finished", flush=True)
"""


def ctx(database: Database) -> ServiceContext:
    return ServiceContext(database.sessions, SYSTEM, lambda: NOW)


def export(path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(generate_rows(ROWS, seed=11))
    return path


def outcome(database: Database) -> dict[str, object]:
    with database.sessions() as session:
        warnings = {(w.external_id, w.received_at, w.person_id is not None): (w.risk_level, w.risk_score,
                                                                              w.repeat_count, w.deadline_at)
                    for w in session.scalars(select(Warning))}
        items = sorted((i.risk_level, i.priority) for i in session.scalars(select(QueueItem)))
    return {"warnings": warnings, "queue": items}


def totals(summary: ImportSummary) -> tuple[int, int, int, int, int]:
    return summary.rows, summary.imported, summary.merged, summary.rejected, summary.unchanged


def kill_mid_import(database: Database, path: Path) -> int:
    """Run the import in a child process and SIGKILL it after its third committed chunk."""
    url = database.engine.url.render_as_string(hide_password=False)
    env = os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    child = subprocess.Popen([sys.executable, "-c", CHILD, url, str(path), str(CHUNK)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=env)
    assert child.stdout is not None
    done = 0
    for _ in range(3):
        line = child.stdout.readline()
        assert line.strip().isdigit(), child.stderr.read() if child.stderr else line
        done = int(line)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    child.stdout.close()
    if child.stderr:
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    return done


def test_killed_import_resumes_without_changing_any_priority(sqlite_template: Path, tmp_path: Path) -> None:
    path = export(tmp_path / "推送.csv")
    (tmp_path / "clean").mkdir()
    (tmp_path / "crash").mkdir()
    clean = make_sqlite_database(sqlite_template, tmp_path / "clean")
    crash = make_sqlite_database(sqlite_template, tmp_path / "crash")
    try:
        reference = import_files(ctx(clean), [path], chunk_size=CHUNK)
        assert reference.rows == ROWS and reference.merged > 0 and reference.rejected > 0

        committed = kill_mid_import(crash, path)
        with crash.sessions() as session:
            (batch,) = session.scalars(select(ImportBatch)).all()
            assert batch.status == "running" and committed <= batch.rows < ROWS  # what kill -9 leaves

        resumed = import_files(ctx(crash), [path], chunk_size=CHUNK)
        assert resumed.batches[0].resumed and resumed.batches[0].batch_id == batch.id
        assert totals(resumed) == totals(reference)
        assert outcome(crash) == outcome(clean)
        with crash.sessions() as session:
            (final,) = session.scalars(select(ImportBatch)).all()
            assert (final.status, final.rows, final.merged) == ("done", reference.rows, reference.merged)
            interrupted = session.scalars(select(AuditEvent).where(AuditEvent.action == "import_interrupted")).one()
            assert interrupted.object_id == str(batch.id) and "意外终止" in interrupted.reason

        again = import_files(ctx(crash), [path], chunk_size=CHUNK)  # and once more: nothing moves
        assert (again.unchanged, again.imported, again.merged) == (ROWS, 0, 0)
        assert outcome(crash) == outcome(clean)
    finally:
        clean.dispose()
        crash.dispose()


def test_a_running_import_of_a_live_process_is_not_taken_for_interrupted(sqlite_db: Database, tmp_path: Path) -> None:
    from console.services.intake.recovery import recover_interrupted, worker_id

    with sqlite_db.sessions() as session, session.begin():
        session.add(ImportBatch(file_name="a.csv", status="running", worker=worker_id(), started_at=NOW))
        session.add(ImportBatch(file_name="b.csv", status="running", worker="elsewhere:1:1", started_at=NOW,
                                heartbeat_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)))
    assert len(recover_interrupted(ctx(sqlite_db))) == 1
    with sqlite_db.sessions() as session:
        statuses = {b.file_name: b.status for b in session.scalars(select(ImportBatch))}
    assert statuses == {"a.csv": "running", "b.csv": "interrupted"}


def test_an_interrupted_batch_is_found_when_the_console_starts(sqlite_db: Database) -> None:
    """Not only at the next import: opening the database marks a batch whose process is gone."""
    with sqlite_db.sessions() as session, session.begin():
        batch = ImportBatch(source="platform", file_name="推送.csv", file_sha256="ab" * 32, status="running",
                            rows=4000, worker=f"{socket.gethostname()}:999999999:1",
                            heartbeat_at=dt.datetime.now(dt.UTC))
        session.add(batch)
        session.flush()
        batch_id = batch.id
    reopened = open_database(str(sqlite_db.engine.url))
    try:
        with reopened.sessions() as session:
            found = session.get(ImportBatch, batch_id)
            assert found is not None and found.status == "interrupted"
            assert "第 4001 行继续" in found.error
            assert session.execute(select(func.count()).select_from(AuditEvent)
                                   .where(AuditEvent.action == "import_interrupted")).scalar_one() == 1
    finally:
        reopened.dispose()
