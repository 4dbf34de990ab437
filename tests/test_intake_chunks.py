"""Large imports are written chunk by chunk: rows keep their file order across chunks, and a file that
breaks half-way, or a write that fails half-way, keeps the whole chunks before it and says so."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from console.app.bootstrap import Database
from console.services.core.context import SYSTEM, ServiceContext
from console.services.intake import importer
from console.services.intake.fields import map_headers
from console.services.intake.importer import import_table
from console.services.intake.readers import SourceRow, Table, UnreadableInput
from db.models import ImportBatch, Warning

NOW = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)
HEADERS = ["预警编号", "手机号", "预警类型", "预警时间"]


def _row(number: int) -> SourceRow:
    values = [f"YJ{number:06d}", f"138{number:08d}", "刷单返利", "2026-11-20 15:00"]
    return SourceRow(number, dict(zip(HEADERS, values, strict=True)))


def _table(rows: Iterator[SourceRow]) -> Table:
    columns = {field: HEADERS[index] for field, index in map_headers(HEADERS).items()}
    return Table("推送清单.csv", "csv", HEADERS, columns, rows)


def _stored(database: Database) -> tuple[int, str, int]:
    with database.sessions() as session:
        batch = session.scalars(select(ImportBatch)).one()
        return int(session.scalar(select(func.count()).select_from(Warning)) or 0), batch.status, batch.rows


def test_rows_are_imported_in_file_order_across_many_chunks(sqlite_db: Database) -> None:
    ctx = ServiceContext(sqlite_db.sessions, SYSTEM, lambda: NOW)
    batch = import_table(ctx, _table(_row(n) for n in range(2, 60)), chunk_size=5, keep_outcomes=True)
    assert (batch.rows, batch.imported) == (58, 58)
    assert [o.row for o in batch.outcomes] == list(range(2, 60))
    with sqlite_db.sessions() as session:
        ids = session.execute(select(Warning.external_id).order_by(Warning.id)).scalars().all()
    assert ids == [f"YJ{n:06d}" for n in range(2, 60)]


def test_a_file_that_breaks_half_way_keeps_the_chunks_before_it(sqlite_db: Database) -> None:
    def rows() -> Iterator[SourceRow]:
        yield from (_row(n) for n in range(2, 12))
        raise UnreadableInput("文件“推送清单.csv”在第 12 行损坏")

    ctx = ServiceContext(sqlite_db.sessions, SYSTEM, lambda: NOW)
    with pytest.raises(UnreadableInput, match="第 12 行损坏"):
        import_table(ctx, _table(rows()), chunk_size=4)
    assert _stored(sqlite_db) == (8, "failed", 8)  # two whole chunks; the broken third is not half-written


def test_a_failing_write_keeps_the_chunks_before_it(sqlite_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    written = 0
    real = importer._import_chunk

    def failing(session: Any, chunk: Any, columns: Any, state: Any) -> None:
        nonlocal written
        written += 1
        if written == 3:
            raise OSError("磁盘已满")
        real(session, chunk, columns, state)

    monkeypatch.setattr(importer, "_import_chunk", failing)
    ctx = ServiceContext(sqlite_db.sessions, SYSTEM, lambda: NOW)
    with pytest.raises(OSError, match="磁盘已满"):
        import_table(ctx, _table(_row(n) for n in range(2, 100)), chunk_size=10)
    assert _stored(sqlite_db) == (20, "failed", 20)
    with sqlite_db.sessions() as session:
        assert "磁盘已满" in session.scalars(select(ImportBatch.error)).one()


def test_the_garbage_collector_is_paused_during_an_import_and_back_on_after(sqlite_db: Database) -> None:
    seen: list[bool] = []
    ctx = ServiceContext(sqlite_db.sessions, SYSTEM, lambda: NOW)
    assert gc.isenabled()
    import_table(ctx, _table(_row(n) for n in range(2, 30)), chunk_size=10, pause_collector=True,
                 on_rows=lambda done, estimate: seen.append(gc.isenabled()))
    assert seen == [False, False, False]  # one report per chunk, each while the import was running
    assert gc.isenabled()


def test_an_import_leaves_the_collector_alone_unless_asked(sqlite_db: Database) -> None:
    """The GUI imports in a worker thread while the window runs: the collector stays on throughout."""
    seen: list[bool] = []
    ctx = ServiceContext(sqlite_db.sessions, SYSTEM, lambda: NOW)
    import_table(ctx, _table(_row(n) for n in range(2, 30)), chunk_size=10,
                 on_rows=lambda done, estimate: seen.append(gc.isenabled()))
    assert seen == [True, True, True]


def test_the_garbage_collector_is_back_on_after_a_failed_import(sqlite_db: Database) -> None:
    def rows() -> Iterator[SourceRow]:
        yield _row(2)
        raise UnreadableInput("文件“推送清单.csv”在第 3 行损坏")

    ctx = ServiceContext(sqlite_db.sessions, SYSTEM, lambda: NOW)
    with pytest.raises(UnreadableInput):
        import_table(ctx, _table(rows()), chunk_size=4, pause_collector=True)
    assert gc.isenabled()


def test_overlapping_imports_share_one_pause() -> None:
    first, second = importer.collector_paused(), importer.collector_paused()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert not gc.isenabled()  # the other import is still running
    second.__exit__(None, None, None)
    assert gc.isenabled()


def test_a_collector_switched_off_by_the_program_stays_off() -> None:
    gc.disable()
    try:
        with importer.collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
