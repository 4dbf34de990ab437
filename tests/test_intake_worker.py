"""A large file is read and prepared by a worker process while the importer writes: same database,
same failures, and a worker that dies loses nothing.

The worker path is compared with the in-process columnar path (itself held to the row-by-row path
by tests/test_intake_differential.py) over every intake fixture and generated exports, table by
table.  The worker only runs where the importer encodes JSON itself (SQLite).
"""

from __future__ import annotations

import datetime as dt
import os
import signal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bench.bench_import import generate_rows, write_csv, write_xlsx
from console.app.bootstrap import Database
from console.services.core.context import SYSTEM, ServiceContext
from console.services.intake import prepworker
from console.services.intake.importer import ImportProgress, ImportSummary, import_files
from console.services.intake.prepworker import WorkerLost
from console.services.intake.readers import UnreadableInput
from db.models import ImportBatch, Warning
from tests.test_intake_differential import FIXTURES, READABLE, VOLATILE, snapshot

NOW = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def twins(sqlite_twins: tuple[Database, Database]) -> tuple[Database, Database]:
    return sqlite_twins


def ctx(database: Database) -> ServiceContext:
    return ServiceContext(database.sessions, SYSTEM, lambda: NOW)


def both(twins: tuple[Database, Database], *runs: list[Path], chunk_size: int | None = 400) -> list[ImportSummary]:
    """Each run through a worker into the first twin and in-process into the second: the summaries
    and then every table must be equal."""
    worker_db, local_db = twins
    summaries = []
    for paths in runs:
        far = import_files(ctx(worker_db), paths, chunk_size=chunk_size, prepare_in_worker=True)
        near = import_files(ctx(local_db), paths, chunk_size=chunk_size, prepare_in_worker=False)
        assert far.as_json() == near.as_json()
        assert all(b.prepared_in_worker for b in far.batches) and not any(b.prepared_in_worker for b in near.batches)
        summaries.append(far)
    far_tables, near_tables = snapshot(worker_db), snapshot(local_db)
    if chunk_size is None:  # chunks sized by the measured lock hold: boundaries differ from run to run
        far_tables, near_tables = across_chunks(far_tables), across_chunks(near_tables)
    for name in far_tables:
        assert far_tables[name] == near_tables[name], f"table {name} differs between worker and in-process"
    return summaries


def across_chunks(tables: dict[str, list[tuple[Any, ...]]]) -> dict[str, list[tuple[Any, ...]]]:
    """The tables without what depends on where chunks begin and end: a warning repeated in two
    chunks is updated twice (its version, the optimistic-locking counter, counts updates), and the
    re-import keys are stored chunk by chunk (their ids follow the chunks)."""
    version = [c.key for c in Warning.__table__.columns if c.key not in VOLATILE].index("version")
    return tables | {
        "warnings": [row[:version] + row[version + 1:] for row in tables["warnings"]],
        "imported_rows": sorted(row[1:] for row in tables["imported_rows"]),
    }


def test_every_fixture_in_sequence_with_reimports(twins: tuple[Database, Database], tmp_path: Path) -> None:
    edited = tmp_path / "再次推送.csv"
    lines = (FIXTURES / "duplicates.csv").read_text(encoding="utf-8-sig").splitlines()
    edited.write_text("\n".join([lines[0], *(line + "再次" for line in lines[1:])]) + "\n", encoding="utf-8")
    files = [FIXTURES / name for name in READABLE]
    summaries = both(twins, files, files, [edited])
    assert summaries[0].imported > 0 and summaries[1].unchanged > 0 and summaries[2].merged > 0


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize("chunk_size", [400, None])
def test_generated_exports_give_the_same_database(twins: tuple[Database, Database], tmp_path: Path, kind: str,
                                                  chunk_size: int | None) -> None:
    rows = generate_rows(2600, seed=5)
    rows += [list(row) for row in rows[:50]]  # exact repeats of earlier rows, blocks apart
    path = tmp_path / f"生成.{kind}"
    (write_csv if kind == "csv" else write_xlsx)(path, rows)
    (summary,) = both(twins, [path], chunk_size=chunk_size)
    assert summary.merged > 50 and summary.rejected > 0 and summary.imported > 2000


def test_a_mapped_file_goes_through_the_worker_with_its_mapping(twins: tuple[Database, Database],
                                                                tmp_path: Path) -> None:
    path = tmp_path / "改列名.csv"
    path.write_text("编号,联系电话,类别\nW-1,13800138000,刷单返利\nW-2,13900139000,冒充客服\n", encoding="utf-8")
    mapping = {str(path): {"external_id": "编号", "phone": "联系电话", "fraud_type": "类别"}}
    results = []
    for db, in_worker in zip(twins, (True, False), strict=True):
        summary = import_files(ctx(db), [path], mappings=mapping, prepare_in_worker=in_worker)
        results.append(summary.as_json())
        assert summary.batches[0].prepared_in_worker is in_worker
    assert results[0] == results[1] and results[0]["imported"] == 2
    assert snapshot(twins[0]) == snapshot(twins[1])


def test_only_a_large_file_gets_a_worker_by_default(sqlite_db: Database, tmp_path: Path) -> None:
    small, large = tmp_path / "小.csv", tmp_path / "大.csv"
    write_csv(small, generate_rows(50, seed=1))
    write_csv(large, generate_rows(9000, seed=2))
    assert small.stat().st_size < prepworker.MIN_FILE_BYTES <= large.stat().st_size
    summary = import_files(ctx(sqlite_db), [small, large])
    assert [b.prepared_in_worker for b in summary.batches] == [False, True]
    assert summary.rows == 9050


def test_a_file_unreadable_part_way_fails_alike(twins: tuple[Database, Database], tmp_path: Path) -> None:
    """A row in the middle the reader refuses (a line longer than the limit): the same message, the
    batch failed the same way, and nothing after the refused row is imported."""
    rows = generate_rows(1500, seed=9)
    path = tmp_path / "半途.csv"
    write_csv(path, rows)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(1200, "W-LONG,张三,13800138000," + "备" * (2 * 1024 * 1024))  # a line over the 1 MiB limit
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    outcomes = []
    for db, in_worker in zip(twins, (True, False), strict=True):
        with pytest.raises(UnreadableInput) as caught:
            import_files(ctx(db), [path], chunk_size=400, prepare_in_worker=in_worker)
        with db.sessions() as session:
            batch = session.scalars(select(ImportBatch)).one()
            outcomes.append((str(caught.value), batch.status, batch.error, batch.rows))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][1] == "failed" and "已拒绝导入" in outcomes[0][0] and 0 < outcomes[0][3] < 1200


def _kill_my_workers() -> int:
    """SIGKILL this process's preparing workers; how many there were."""
    killed = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == os.getpid() and b"console.services.intake.prepworker" in cmdline:
            os.kill(int(entry.name), signal.SIGKILL)
            killed += 1
    return killed


def test_a_killed_worker_interrupts_the_import_and_the_next_import_resumes(twins: tuple[Database, Database],
                                                                           tmp_path: Path) -> None:
    path = tmp_path / "中断.csv"
    write_csv(path, generate_rows(4000, seed=4))
    worker_db, reference_db = twins
    killed: list[int] = []

    def kill_after_first_chunk(progress: ImportProgress) -> None:
        if not killed and progress.rows_done > 0:
            killed.append(_kill_my_workers())

    with pytest.raises(WorkerLost):
        import_files(ctx(worker_db), [path], chunk_size=400, prepare_in_worker=True, progress=kill_after_first_chunk)
    assert killed == [1]
    with worker_db.sessions() as session:
        batch = session.scalars(select(ImportBatch)).one()
        assert batch.status == "interrupted" and "后台进程意外退出" in batch.error
        assert 0 < batch.rows < 4000
    resumed = import_files(ctx(worker_db), [path], chunk_size=400, prepare_in_worker=True)
    assert resumed.batches[0].resumed and resumed.batches[0].prepared_in_worker
    import_files(ctx(reference_db), [path], chunk_size=400, prepare_in_worker=False)
    with worker_db.sessions() as session:
        assert session.scalars(select(ImportBatch.status)).all() == ["done"]
    far, near = snapshot(worker_db), snapshot(reference_db)
    for name in ("persons", "warnings", "queue_items", "warning_merges", "quarantined_rows", "imported_rows"):
        assert far[name] == near[name], name


def test_a_file_replaced_after_it_was_opened_is_imported_as_opened(sqlite_db: Database, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker opens the file again: when another file stands under that name by then (other
    headers), the importer reads on from what it opened itself, and nothing of the other file gets in."""
    path = tmp_path / "被替换.csv"
    write_csv(path, generate_rows(300, seed=6))
    start = prepworker.PrepWorker.__init__

    def replace_file_then_start(self: prepworker.PrepWorker, job: prepworker.PrepJob) -> None:
        other = tmp_path / "另一个.csv"
        other.write_text("预警编号,姓名,手机号,备注\nW-9,张三,13800138000,换了文件\n", encoding="utf-8")
        os.replace(other, path)
        start(self, job)

    monkeypatch.setattr(prepworker.PrepWorker, "__init__", replace_file_then_start)
    summary = import_files(ctx(sqlite_db), [path], prepare_in_worker=True)
    assert not summary.batches[0].prepared_in_worker and summary.rows == 300
    with sqlite_db.sessions() as session:
        assert session.scalars(select(ImportBatch.status)).one() == "done"
        assert session.scalar(select(func.count()).select_from(Warning).where(Warning.external_id == "W-9")) == 0


@pytest.mark.parametrize("kind", ["xlsx", "ods"])
def test_a_sheet_through_a_worker_gives_the_same_database(twins: tuple[Database, Database], tmp_path: Path,
                                                          kind: str) -> None:
    """Sheets are prepared in-process unless a worker is asked for; through one they give the same database."""
    source = tmp_path / "大表.xlsx"
    write_xlsx(source, generate_rows(1200, seed=8))
    path = source if kind == "xlsx" else FIXTURES / "oldsheets.ods"
    (summary,) = both(twins, [path], chunk_size=500)
    assert summary.rows > 0


def test_only_a_large_csv_gets_a_worker_by_default_not_a_sheet(sqlite_db: Database, tmp_path: Path) -> None:
    sheet = tmp_path / "大表.xlsx"
    write_xlsx(sheet, generate_rows(12000, seed=3))
    assert sheet.stat().st_size >= prepworker.MIN_FILE_BYTES
    summary = import_files(ctx(sqlite_db), [sheet])
    assert not summary.batches[0].prepared_in_worker and summary.rows == 12000
