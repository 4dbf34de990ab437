"""The columnar import path and the row-by-row path write identical databases.

Every intake fixture and generated exports (CSV and XLSX, with repeats, merges, rejections and
messy phones, in chunks small enough to cross chunk boundaries) go through both paths into twin
fresh databases; then the tables are compared row by row: persons, warnings, queue items, merges,
quarantine, re-import keys and batch counts.  XLSX goes through calamine on one side and openpyxl
on the other, so the readers are compared as well.  The .xls and .ods fixtures (LibreOffice's
conversions of ``oldsheets.xlsx``) must also give the very database that XLSX gives.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bench.bench_import import generate_rows, write_csv, write_xlsx
from console.app.bootstrap import Database
from console.services.core.context import SYSTEM, ServiceContext
from console.services.intake.importer import LOCK_HOLD_GOAL_S, ChunkSizer, ImportSummary, import_files
from console.services.intake.readers import UnreadableInput
from db.models import ImportBatch, ImportedRow, Person, QuarantinedRow, QueueItem, Warning, WarningMerge
from tests.conftest import make_pg_database

FIXTURES = Path(__file__).parent / "fixtures" / "intake"
NOW = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)
READABLE = sorted(p.name for p in FIXTURES.iterdir() if p.suffix in (".csv", ".xlsx", ".xls", ".ods", ".json"))
# batch columns that depend on the wall clock or the process, not on the rows
VOLATILE = {"started_at", "finished_at", "heartbeat_at", "worker"}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def twins(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Database, Database]]:
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_twins")
        return
    server = request.getfixturevalue("pg_server")
    (a, name_a), (b, name_b) = make_pg_database(server), make_pg_database(server)
    yield a, b
    for db, name in ((a, name_a), (b, name_b)):
        db.dispose()
        server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def snapshot(database: Database, ignore: frozenset[str] | set[str] = VOLATILE) -> dict[str, list[tuple[Any, ...]]]:
    tables = {}
    with database.sessions() as session:
        for model in (Person, Warning, QueueItem, WarningMerge, QuarantinedRow, ImportedRow, ImportBatch):
            table = model.__table__
            columns = [c for c in table.columns if c.key not in ignore]  # type: ignore[attr-defined]
            rows = session.execute(select(*columns).order_by(*table.primary_key.columns)).all()  # type: ignore[attr-defined]
            tables[table.name] = [tuple(row) for row in rows]  # type: ignore[attr-defined]
    return tables


def both(twins: tuple[Database, Database], *runs: list[Path], chunk_size: int = 5000) -> list[ImportSummary]:
    """Each run of files through the columnar path into the first twin and the row-by-row path
    into the second; the two databases must then be equal table by table."""
    fast_db, slow_db = twins
    summaries = []
    for paths in runs:
        fast = import_files(ServiceContext(fast_db.sessions, SYSTEM, lambda: NOW), paths, chunk_size=chunk_size)
        slow = import_files(ServiceContext(slow_db.sessions, SYSTEM, lambda: NOW), paths, chunk_size=chunk_size,
                            columnar=False)
        assert fast.as_json() == slow.as_json()
        summaries.append(fast)
    fast_tables, slow_tables = snapshot(fast_db), snapshot(slow_db)
    for name in fast_tables:
        assert fast_tables[name] == slow_tables[name], f"table {name} differs between the two paths"
    return summaries


@pytest.mark.parametrize("name", READABLE)
def test_every_fixture_gives_the_same_database(twins: tuple[Database, Database], name: str) -> None:
    (summary,) = both(twins, [FIXTURES / name])
    assert summary.rows > 0


def test_fixtures_in_sequence_with_reimports_and_merges(twins: tuple[Database, Database], tmp_path: Path) -> None:
    edited = tmp_path / "再次推送.csv"  # the same warnings pushed again with new content: merges into stored rows
    lines = (FIXTURES / "duplicates.csv").read_text(encoding="utf-8-sig").splitlines()
    edited.write_text("\n".join([lines[0], *(line + "再次" for line in lines[1:])]) + "\n", encoding="utf-8")
    files = [FIXTURES / name for name in READABLE]
    summaries = both(twins, files, files, [edited])
    assert summaries[1].unchanged > 0 and summaries[2].merged > 0


@pytest.mark.parametrize("suffix", ["xls", "ods"])
def test_old_formats_give_the_database_of_the_same_sheet_in_xlsx(twins: tuple[Database, Database], suffix: str,
                                                                 tmp_path: Path) -> None:
    """The same sheet under the same file name, as XLSX into one twin and as .xls / .ods into the
    other (the name is part of every stored row's provenance); only the files' digests differ."""
    xlsx_db, old_db = twins
    for database, source in ((xlsx_db, "oldsheets.xlsx"), (old_db, f"oldsheets.{suffix}")):
        folder = tmp_path / source
        folder.mkdir()
        shutil.copyfile(FIXTURES / source, folder / "推送清单")
        summary = import_files(ServiceContext(database.sessions, SYSTEM, lambda: NOW), [folder / "推送清单"])
        assert summary.rows == 4
    xlsx_tables, old_tables = (snapshot(db, VOLATILE | {"file_sha256"}) for db in twins)
    for name in xlsx_tables:
        assert xlsx_tables[name] == old_tables[name], f"table {name} differs between XLSX and {suffix}"


def test_unreadable_files_are_refused_alike(twins: tuple[Database, Database]) -> None:
    for path in sorted((FIXTURES / "unreadable").iterdir()):
        outcomes = []
        for db, columnar in zip(twins, (True, False), strict=True):
            try:
                import_files(ServiceContext(db.sessions, SYSTEM, lambda: NOW), [path], columnar=columnar)
                outcomes.append("imported")
            except UnreadableInput as exc:
                outcomes.append(str(exc))
        assert outcomes[0] == outcomes[1], path.name


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_generated_exports_give_the_same_database(twins: tuple[Database, Database], tmp_path: Path,
                                                  kind: str) -> None:
    rows = generate_rows(1500, seed=11)
    rows += [list(row) for row in rows[:40]]  # exact repeats of earlier rows, across chunk boundaries
    path = tmp_path / f"生成.{kind}"
    (write_csv if kind == "csv" else write_xlsx)(path, rows)
    (summary,) = both(twins, [path], chunk_size=400)
    assert summary.merged > 40 and summary.rejected > 0 and summary.imported > 1000
    again = tmp_path / f"副本.{kind}"  # another file with the same rows: all unchanged, on both paths
    shutil.copyfile(path, again)
    if kind == "csv":
        again.write_bytes(path.read_bytes() + b"\n")
    both(twins, [path], [again], chunk_size=400)


def test_batch_reports_each_chunks_lock_hold(sqlite_db: Database, tmp_path: Path) -> None:
    path = tmp_path / "锁.csv"
    write_csv(path, generate_rows(900, seed=3))
    summary = import_files(ServiceContext(sqlite_db.sessions, SYSTEM, lambda: NOW), [path], chunk_size=300)
    (batch,) = summary.batches
    assert len(batch.lock_holds) == 3 and all(0 < hold < 30 for hold in batch.lock_holds)
    with sqlite_db.sessions() as session:
        assert session.scalars(select(ImportBatch.rows)).one() == 900


def test_chunks_are_sized_from_the_measured_lock_hold() -> None:
    sizer = ChunkSizer(None)
    assert sizer.size == ChunkSizer.FIRST
    sizer.measured(sizer.size, 0.5)  # a slow machine: the next chunk holds the lock ~LOCK_HOLD_GOAL_S
    assert sizer.size == int(ChunkSizer.FIRST * LOCK_HOLD_GOAL_S / 0.5)
    sizer.measured(sizer.size, 60.0)  # never below the smallest size
    assert sizer.size == ChunkSizer.SMALLEST
    for _ in range(10):
        sizer.measured(sizer.size, 0.001)  # a fast one: grows, fourfold at most per chunk, up to the cap
    assert sizer.size == ChunkSizer.LARGEST
    sizer.measured(10, 5.0)  # a short last chunk says nothing about the next
    assert sizer.size == ChunkSizer.LARGEST
    fixed = ChunkSizer(300)
    fixed.measured(300, 9.0)
    assert fixed.size == 300
