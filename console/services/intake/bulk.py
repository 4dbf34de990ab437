"""Bulk inserts for the importer: one driver-level ``executemany`` (SQLite) or ``COPY``
(PostgreSQL) per table and chunk.

Two costs dominate a naive bulk insert: RETURNING (which makes SQLAlchemy split the insert into
many small statements) and SQLAlchemy's per-row parameter assembly.  Here the ids are reserved
first, each value goes through the column type's own bind processor (so UTC datetimes, JSON and
decimals are stored exactly as the ORM would store them), and the rows go to the driver at once:
on SQLite as one ``executemany`` of the INSERT SQLAlchemy compiles once for the dialect; on
PostgreSQL as one ``COPY … FROM STDIN`` in text format on the driver connection of the same
transaction.  psycopg turns each bound value into the same text it would send as an INSERT
parameter (its text dumpers: aware UTC datetimes, ``Jsonb`` wrappers, decimals, booleans, NULL) and
escapes it for COPY (backslashes, tabs, newlines); the server reads it with the column type's own
input function, the way an INSERT assigns a parameter to the column.  The engine or connection
execution option ``bulk_copy=False`` keeps PostgreSQL on the INSERT (the tests compare the two).

Id reservation: on SQLite the import's transaction already holds the write lock (``BEGIN
IMMEDIATE``), so ``max(id) + 1 …`` cannot be taken by anyone else; on PostgreSQL the ids come from
the table's own sequence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from itertools import repeat
from typing import Any, Final, cast

from sqlalchemy import Column, Table, func, insert, select, text
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from db.base import UTCDateTime
from db.engine import JSON_TEXT


def reserve_ids(session: Session, table: Table, count: int) -> list[int]:
    if count <= 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        rows = session.connection().execute(
            text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
            {"table": table.name, "n": count},
        ).scalars()
        return [int(v) for v in rows]
    start = int(session.connection().execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()) + 1
    return list(range(start, start + count))


def _default_of(column: Column[Any]) -> tuple[bool, Any] | None:
    """(is_callable, value or function) of a column's Python-side default, or None."""
    default: Any = column.default
    if default is None:
        return None
    if getattr(default, "is_scalar", False):
        return False, getattr(default, "arg", None)
    if getattr(default, "is_callable", False):
        fn = cast(Callable[[Any], Any], default.arg)
        return True, lambda: fn(None)
    return None


def _processor(column: Column[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    processor = cast(Callable[[Any], Any] | None, column.type.dialect_impl(dialect).bind_processor(dialect))
    if processor is not None and isinstance(column.type, UTCDateTime) and dialect.name == "sqlite":
        return _sqlite_utc_text(processor)
    return processor


def _sqlite_utc_text(processor: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """The UTC column processor on SQLite, with the usual value (an aware datetime) turned into the
    stored text directly: UTC wall time, ``YYYY-MM-DD HH:MM:SS.ffffff``.  Anything else goes through
    ``processor``; so does everything when a probe shows a different storage format."""
    probe = dt.datetime(987, 6, 5, 4, 3, 2, 1, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    if processor(probe) != _utc_text(probe):
        return processor

    def process(value: Any) -> Any:
        if type(value) is dt.datetime and value.tzinfo is not None:
            return _utc_text(value)
        return processor(value)

    return process


def _utc_text(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


_MEMO_SCALARS: Final = frozenset({str, int, float, bool, Decimal, dt.datetime, dt.date, dt.time})


def _memoised(processor: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``processor`` with its results remembered for values that repeat down a column (the import
    time, deadlines, empty lists, the same signal codes).  Keys carry the value's type, so ``1``,
    ``1.0`` and ``True`` never share an entry; only immutable scalars and lists of strings are
    remembered, everything else is processed every time."""
    memo: dict[Any, Any] = {}

    def process(value: Any) -> Any:
        kind = type(value)
        if kind in _MEMO_SCALARS:
            key: Any = (kind, value)
        elif kind is list and all(type(item) is str for item in value):
            key = (list, tuple(value))
        else:
            return processor(value)
        result = memo.get(key, memo)
        if result is memo:  # the memo itself marks a value not seen yet
            result = memo[key] = processor(value)
        return result

    return process


def bound_values(session: Session, model: Any, name: str, values: Sequence[Any]) -> Sequence[Any]:
    """``values`` of column ``name`` as the driver receives them (the column type's bind processing),
    for a caller that sends the same values to several tables (as ``encoded``, see insert_columns)."""
    table = cast(Table, model.__table__)
    processor = _processor(table.c[name], session.connection().dialect)
    return list(map(_memoised(processor), values)) if processor else values


def insert_rows(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (all with the same keys) in one batch; omitted columns get their defaults."""
    if rows:
        insert_columns(session, model, {key: [row[key] for row in rows] for key in rows[0]})


def stores_json_text(session: Session) -> bool:
    """Whether JSON values reach the driver as the text ``json.dumps(value, ensure_ascii=False)``
    (SQLite with the engine's serializer): callers may then hand over JSON text they encoded
    themselves."""
    dialect = session.get_bind().dialect
    return dialect.name == "sqlite" and getattr(dialect, "_json_serializer", None) is JSON_TEXT


def insert_columns(session: Session, model: Any, columns: Mapping[str, Sequence[Any]],
                   constants: Mapping[str, Any] | None = None, *,
                   encoded: Mapping[str, Sequence[Any]] | None = None) -> None:
    """Insert rows given column by column: ``columns`` maps a column to its values (one per row, all
    of the same length), ``constants`` a column to the value every row gets, ``encoded`` a column to
    values already in the form the driver receives (no bind processing).  Omitted columns get their
    defaults.  Values are converted column by column, which is much cheaper than row by row."""
    encoded = encoded or {}
    count = len(next(iter(columns.values()))) if columns else 0
    if count == 0:
        return
    constants = constants or {}
    table = cast(Table, model.__table__)
    connection = session.connection()
    dialect = connection.dialect
    given = [*columns, *encoded, *constants]
    defaults = {c.key: d for c in table.columns if c.key not in given and (d := _default_of(c)) is not None}
    keys = (*given, *defaults)
    copy = dialect.name == "postgresql" and connection.get_execution_options().get(COPY_OPTION, True)
    sql, names, positional = ("", list(keys), True) if copy else _compiled_insert(table, dialect, keys)
    cells: list[Iterable[Any]] = []
    for name in names:
        if name in encoded:
            if len(encoded[name]) != count:
                raise ValueError(f"column {name} has {len(encoded[name])} values for {count} rows")
            cells.append(encoded[name])
            continue
        processor = _processor(table.c[name], dialect)
        if name in columns:
            values = columns[name]
            if len(values) != count:
                raise ValueError(f"column {name} has {len(values)} values for {count} rows")
            cells.append(list(map(_memoised(processor), values)) if processor else values)
            continue
        is_call, default = defaults[name] if name in defaults else (False, constants[name])
        if is_call:
            made = [default() for _ in range(count)]
            cells.append(list(map(processor, made)) if processor else made)
        else:
            cells.append(repeat(processor(default) if processor else default, count))
    rows = zip(*cells, strict=False)  # constant columns are repeat() iterators, the others lists
    if copy:
        _copy_rows(connection, table, names, rows)
        return
    params = list(rows) if positional else [dict(zip(names, row, strict=True)) for row in rows]
    connection.exec_driver_sql(sql, params)


COPY_OPTION: Final = "bulk_copy"  # execution option: False sends PostgreSQL bulk inserts as INSERTs
_COPIES: Final[dict[tuple[Table, tuple[str, ...]], Any]] = {}  # psycopg ``sql.Composed`` statements


def _copy_rows(connection: Connection, table: Table, names: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """``rows`` (bound values in the order of ``names``) into ``table`` by ``COPY … FROM STDIN`` on the
    driver connection, inside the connection's transaction.  A driver error comes back as
    SQLAlchemy's, a lost connection invalidated, as ``Connection.execute`` reports them: the chunk's
    transaction then rolls back whole."""
    from psycopg import sql

    key = (table, tuple(names))
    statement = _COPIES.get(key)
    if statement is None:
        statement = _COPIES[key] = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(*filter(None, (table.schema, table.name))),
            sql.SQL(", ").join(sql.Identifier(table.c[n].name) for n in names))
    raw = connection.connection
    driver: Any = raw.driver_connection
    dialect = connection.dialect
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            write = copy.write_row
            for row in rows:
                write(row)
    except dialect.loaded_dbapi.Error as exc:
        lost = dialect.is_disconnect(exc, raw.dbapi_connection, None)
        if lost:
            connection.invalidate(exc)
        # no parameters in the error: its text reaches the log, and the rows hold personal data
        raise DBAPIError.instance(statement.as_string(None), None, exc, dialect.loaded_dbapi.Error,
                                  connection_invalidated=lost, dialect=dialect) from exc


_Statement = tuple[str, list[str], bool]  # SQL, column names in parameter order, positional?
_STATEMENTS: Final[dict[tuple[type[Dialect], str, Table, tuple[str, ...]], _Statement]] = {}


def _compiled_insert(table: Table, dialect: Dialect, keys: tuple[str, ...]) -> _Statement:
    """The INSERT for ``keys``, compiled once per dialect, table and set of columns."""
    key = (type(dialect), dialect.paramstyle, table, keys)
    found = _STATEMENTS.get(key)
    if found is None:
        compiled = insert(table).compile(dialect=dialect, column_keys=list(keys))
        names = list(compiled.positiontup or []) if compiled.positional else list(keys)
        found = _STATEMENTS[key] = (str(compiled), names, bool(compiled.positional))
    return found


def insert_with_ids(session: Session, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` into ``model``'s table; returns their new ids in order."""
    table = cast(Table, model.__table__)
    ids = reserve_ids(session, table, len(rows))
    for row, new_id in zip(rows, ids, strict=True):
        row["id"] = new_id
    insert_rows(session, model, rows)
    return ids


def insert_columns_with_ids(session: Session, model: Any, columns: Mapping[str, Sequence[Any]],
                            constants: Mapping[str, Any] | None = None, *,
                            encoded: Mapping[str, Sequence[Any]] | None = None) -> list[int]:
    """:func:`insert_columns` for new rows that get reserved ids; returns the ids in row order."""
    count = len(next(iter(columns.values()))) if columns else 0
    ids = reserve_ids(session, cast(Table, model.__table__), count)
    if ids:
        insert_columns(session, model, {"id": ids, **columns}, constants, encoded=encoded)
    return ids
