"""On PostgreSQL the import writes its rows with COPY; the INSERT it replaced gives identical tables.

Twin databases on the same server take the same files, one through COPY (the default) and one with
COPY switched off (``bulk_copy=False``, the INSERT path): every intake fixture, then a generated
export whose cells hold what COPY's text format must escape (backslashes, tabs, newlines, a literal
``\\N``), long texts, odd amounts, empty cells, Chinese text and characters outside the BMP, with
merges and rejections across chunk boundaries.  A connection lost in the middle of a COPY leaves the
chunks before it and nothing of its own chunk.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DataError, DBAPIError

from bench.bench_import import HEADER, generate_rows
from console.app.bootstrap import Database
from console.services.core.context import SYSTEM, ServiceContext
from console.services.intake import bulk
from console.services.intake.importer import ImportSummary, import_files
from db.engine import make_session_factory
from db.models import ImportBatch, ImportedRow, Person, QuarantinedRow, QueueItem, Warning, WarningMerge
from tests.conftest import make_pg_database
from tests.pgserver import PgServer
from tests.test_intake_differential import FIXTURES, READABLE, snapshot

pytestmark = pytest.mark.postgres

NOW = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)
# cells COPY's text format must carry unchanged: its delimiter, row end, escape and NULL marker
AWKWARD = ["反斜杠\\结尾\\", "制表\t符", "换\n行", "回车\r\n换行", "\\N", "\\.", "\\t 不是制表符", "引号\"与'撇号",
           "𠀀𪚥 扩展区汉字", "emoji 😀", " 前后空格 ", "ＡＢＣ全角", "NULL", "\\\\双反斜杠"]
AMOUNTS = ["", "0", "0.005", "0.015", "-12.5", "1,234.56", "１２３４", "99999999999.99", "1e3", "12万", "约5000元",
           "3.14159", "100000000000000", "abc", " 88 "]


@pytest.fixture
def pair(pg_server: PgServer) -> Iterator[tuple[Database, ServiceContext, Database, ServiceContext]]:
    """A COPY database and an INSERT database, each with a context, and the statements each sends."""
    (copying, name_a), (inserting, name_b) = make_pg_database(pg_server), make_pg_database(pg_server)
    by_copy = ServiceContext(copying.sessions, SYSTEM, lambda: NOW)
    by_insert = ServiceContext(make_session_factory(inserting.engine.execution_options(bulk_copy=False)),
                               SYSTEM, lambda: NOW)
    yield copying, by_copy, inserting, by_insert
    for db, name in ((copying, name_a), (inserting, name_b)):
        db.dispose()
        pg_server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _statements(database: Database) -> list[str]:
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        sent.append(sql)

    event.listen(database.engine, "before_cursor_execute", record)
    return sent


def _same_tables(pair: tuple[Database, ServiceContext, Database, ServiceContext], *runs: list[Path],
                 chunk_size: int = 5000) -> list[ImportSummary]:
    copying, by_copy, inserting, by_insert = pair
    through_driver, through_insert = _statements(copying), _statements(inserting)
    summaries = []
    for paths in runs:
        copied = import_files(by_copy, paths, chunk_size=chunk_size)
        inserted = import_files(by_insert, paths, chunk_size=chunk_size)
        assert copied.as_json() == inserted.as_json()
        summaries.append(copied)
    copy_tables, insert_tables = snapshot(copying), snapshot(inserting)
    for name in copy_tables:
        assert copy_tables[name] == insert_tables[name], f"table {name} differs between COPY and INSERT"
    # each database was written the way it was meant to be: no row INSERT went through SQLAlchemy on
    # the COPY side, and the INSERT side did send its warnings as INSERTs
    assert not [sql for sql in through_driver if sql.startswith("INSERT INTO warnings ")]
    assert any(sql.startswith("INSERT INTO warnings ") for sql in through_insert)
    return summaries


def test_every_fixture_in_sequence_gives_identical_tables(
        pair: tuple[Database, ServiceContext, Database, ServiceContext], tmp_path: Path) -> None:
    edited = tmp_path / "再次推送.csv"  # the same warnings pushed again with new content: merges
    lines = (FIXTURES / "duplicates.csv").read_text(encoding="utf-8-sig").splitlines()
    edited.write_text("\n".join([lines[0], *(line + "再次" for line in lines[1:])]) + "\n", encoding="utf-8")
    files = [FIXTURES / name for name in READABLE]
    summaries = _same_tables(pair, *([path] for path in files), files, [edited])
    assert sum(s.imported for s in summaries) > 0 and summaries[-1].merged > 0
    assert sum(s.rejected for s in summaries) > 0 and summaries[-2].unchanged > 0


def _awkward_rows(count: int) -> list[list[str]]:
    rows = generate_rows(count, seed=5)
    rows += [list(row) for row in rows[:30]]  # exact repeats across chunk boundaries: merges
    for i, row in enumerate(rows):
        if i % 3 == 0:
            row[13] = AWKWARD[i % len(AWKWARD)] + f" 第{i}行"  # note (Text)
        if i % 5 == 1:
            row[2] = AWKWARD[i % len(AWKWARD)][:20]  # name
            row[10] = ("某某县\\城关镇" * 40)[: 150 + i % 120]  # address, around its 200-character width
        if i % 4 == 2:
            row[9] = AMOUNTS[i % len(AMOUNTS)]
        if i % 7 == 3:
            row[7] = ""  # no call duration: NULL
            row[4] = ""  # no ID number
        if i % 11 == 4:
            row[8] = "屏幕共享;\\;\t;正在通话"  # signals with an escape and a tab
        if i % 13 == 5:
            row[13] = "很长的备注，" * 900 + "\\N\t结束"  # a long text of 5,000+ characters
        if i % 17 == 6:
            row[1] = ""  # no time: the row is taken with a field warning, or rejected
    return rows


def test_awkward_cells_and_amounts_give_identical_tables(
        pair: tuple[Database, ServiceContext, Database, ServiceContext], tmp_path: Path) -> None:
    path = _write(tmp_path / "转义与金额.csv", _awkward_rows(900))
    document = tmp_path / "嵌套.json"  # raw payloads with numbers, booleans, nulls and nesting (JSONB)
    document.write_text(json.dumps([
        {"预警编号": f"JS-{i}", "预警时间": "2026-11-20 15:00", "手机号": f"1390013{i:04d}", "预警类型": "刷单返利",
         "涉案金额": [1.5, 0.1, 12345678901234567890, None, True][i % 5], "备注": AWKWARD[i % len(AWKWARD)],
         "extra": {"层级": [1, {"b": None, "a": "\\\t\n"}], "空": {}, "浮点": 1e-7, "真": False}}
        for i in range(60)], ensure_ascii=False), encoding="utf-8")
    (csv_summary, json_summary) = _same_tables(pair, [path], [document], chunk_size=250)
    assert csv_summary.merged >= 30 and csv_summary.rejected > 0 and csv_summary.imported > 800
    assert json_summary.imported == 60
    copying = pair[0]
    with copying.sessions() as session:
        notes = set(session.scalars(select(Warning.note)))
        payloads = {w.external_id: w.raw_payload for w in session.scalars(select(Warning))}
        amounts = set(session.scalars(select(Warning.amount)))
    # what COPY's text format must escape arrives as it was written, not as a NULL or a control code
    assert {"\\N", "\\.", "换\n行", "制表\t符", "回车\r\n换行", "反斜杠\\结尾\\", "\\\\双反斜杠", "NULL",
            "\\t 不是制表符", "\\N 第60行", "emoji 😀"} <= notes
    assert any(note.endswith("\\N\t结束") and len(note) > 5000 for note in notes)
    assert [payloads[f"JS-{i}"]["备注"] for i in range(len(AWKWARD))] == AWKWARD  # the raw rows, exactly
    assert json.loads(payloads["JS-3"]["extra"])["层级"][1] == {"b": None, "a": "\\\t\n"}
    assert {None, Decimal("0.01"), Decimal("0.02"), Decimal("1234.56"), Decimal("1000.00")} <= amounts


def test_a_value_its_column_refuses_fails_alike_and_leaves_nothing(
        pair: tuple[Database, ServiceContext, Database, ServiceContext]) -> None:
    """The error an import reports (its first line, its type) is the same whichever way the rows went."""
    failures = []
    for ctx in (pair[1], pair[3]):
        with pytest.raises(DBAPIError) as refused, ctx.sessions() as session, session.begin():
            bulk.insert_columns_with_ids(session, Person, {"phone": ["13800138000", "1" * 40], "name": ["甲", "乙"]})
        failures.append((type(refused.value), type(refused.value.orig), str(refused.value.orig).splitlines()[0]))
        assert not refused.value.connection_invalidated
        with ctx.sessions() as session, session.begin():  # the connection is fine; nothing was kept
            assert session.scalar(select(func.count()).select_from(Person)) == 0
            bulk.insert_columns_with_ids(session, Person, {"phone": ["13800138000"], "name": ["甲"]})
        with ctx.sessions() as session:
            assert session.scalars(select(Person.name)).all() == ["甲"]
    assert failures[0] == failures[1]
    assert failures[0][0] is DataError and "too long" in failures[0][2]


class _Lost:
    """Kills the import's own backend from another connection once ``after`` rows of the
    ``chunk``-th COPY into warnings went out: the connection dies in the middle of the COPY."""

    def __init__(self, database: Database, monkeypatch: pytest.MonkeyPatch, chunk: int, after: int) -> None:
        self.database, self.chunk, self.after = database, chunk, after
        self.copies = 0
        self.killed = False
        real = bulk._copy_rows

        def copy_rows(connection: Connection, table: Any, names: Sequence[str], rows: Iterable[Any]) -> None:
            if table.name == "warnings":
                self.copies += 1
                if self.copies == self.chunk:
                    rows = self._killing(connection, rows)
            real(connection, table, names, rows)

        monkeypatch.setattr(bulk, "_copy_rows", copy_rows)

    def _killing(self, connection: Connection, rows: Iterable[Any]) -> Iterator[Any]:
        pid = connection.connection.driver_connection.info.backend_pid  # type: ignore[union-attr]
        for index, row in enumerate(rows):
            if index == self.after:
                with self.database.engine.connect() as admin:
                    admin.exec_driver_sql("SELECT pg_terminate_backend(%(pid)s)", {"pid": pid})
                self.killed = True
            yield row


def _counts(database: Database) -> dict[str, int]:
    with database.sessions() as session:
        return {model.__tablename__: int(session.scalar(select(func.count()).select_from(model)) or 0)
                for model in (Warning, QueueItem, WarningMerge, QuarantinedRow, ImportedRow)}


def test_a_connection_lost_during_copy_keeps_the_chunks_before_it_and_nothing_of_its_own(
        pg_db: Database, pg_server: PgServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = generate_rows(1000, seed=11)
    path = _write(tmp_path / "推送.csv", rows)
    ctx = ServiceContext(pg_db.sessions, SYSTEM, lambda: NOW)
    lost = _Lost(pg_db, monkeypatch, chunk=3, after=150)
    with pytest.raises(DBAPIError) as raised:
        import_files(ctx, [path], chunk_size=200)
    assert lost.killed and raised.value.connection_invalidated
    with pg_db.sessions() as session:
        batch = session.scalars(select(ImportBatch)).one()
        committed = session.execute(select(ImportedRow.row_number)).scalars().all()
    assert batch.status == "failed" and batch.error.startswith("导入中断：数据库错误")
    assert batch.rows == 400 == len(committed) and max(committed) == 401  # two whole chunks, in file order
    counts = _counts(pg_db)
    assert counts["warnings"] == counts["queue_items"] == batch.imported
    assert counts["warning_merges"] == batch.merged and counts["quarantined_rows"] == batch.rejected

    monkeypatch.undo()  # the server is reachable again: the same file once more completes the import
    again = import_files(ctx, [path], chunk_size=200)
    assert again.rows == 1000 and again.unchanged >= 400
    # the same as a database that only ever saw the two committed chunks, then the whole file
    (tmp_path / "前两块").mkdir()
    committed_part = _write(tmp_path / "前两块" / "推送.csv", rows[:400])
    clean, name = make_pg_database(pg_server)
    try:
        for paths in ([committed_part], [path]):
            import_files(ServiceContext(clean.sessions, SYSTEM, lambda: NOW), paths, chunk_size=200)
        assert _counts(pg_db) == _counts(clean)
        assert _warnings(pg_db) == _warnings(clean)
    finally:
        clean.dispose()
        pg_server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def _warnings(database: Database) -> list[tuple[Any, ...]]:
    with database.sessions() as session:
        return [(w.external_id, w.received_at, w.risk_level, w.risk_score, w.repeat_count, w.signals, w.amount,
                 w.raw_payload, w.deadline_at)
                for w in session.scalars(select(Warning).order_by(Warning.external_id, Warning.received_at))]
