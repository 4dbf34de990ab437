"""Bulk inserts for the importer: one driver-level ``executemany`` per table and chunk.

Two costs dominate a naive bulk insert: RETURNING (which makes SQLAlchemy split the insert into
many small statements) and SQLAlchemy's per-row parameter assembly.  Here the ids are reserved
first, the INSERT is compiled once by SQLAlchemy for the connected dialect, each value goes through
the column type's own bind processor (so UTC datetimes, JSON and decimals are stored exactly as the
ORM would store them), and the rows go to the driver in one ``executemany``.

Id reservation: on SQLite the import's transaction already holds the write lock (``BEGIN
IMMEDIATE``), so ``max(id) + 1 …`` cannot be taken by anyone else; on PostgreSQL the ids come from
the table's own sequence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from operator import itemgetter
from typing import Any, Final, cast

from sqlalchemy import Column, Table, func, insert, select, text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session


def reserve_ids(session: Session, table: Table, count: int) -> list[int]:
    if count <= 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(
            text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
            {"table": table.name, "n": count},
        ).scalars()
        return [int(v) for v in rows]
    start = int(session.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()) + 1
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
    processor = column.type.dialect_impl(dialect).bind_processor(dialect)
    return cast(Callable[[Any], Any] | None, processor)


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
        try:
            return memo[key]
        except KeyError:
            result = memo[key] = processor(value)
            return result

    return process


def insert_rows(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (all with the same keys) in one executemany; omitted columns get their defaults."""
    if not rows:
        return
    table = cast(Table, model.__table__)
    connection = session.connection()
    dialect = connection.dialect
    given = list(rows[0])
    defaults = {c.key: d for c in table.columns if c.key not in given and (d := _default_of(c)) is not None}
    compiled = insert(table).compile(dialect=dialect, column_keys=given + list(defaults))
    names = list(compiled.positiontup or []) if compiled.positional else given + list(defaults)
    # Scalar defaults are processed once; given values and callable defaults once per row.
    constant: dict[str, Any] = {}
    calls: dict[str, Callable[[], Any]] = {}
    processors: list[tuple[int, Callable[[Any], Any]]] = []
    for index, name in enumerate(names):
        processor = _processor(table.c[name], dialect)
        if name in defaults and not defaults[name][0]:
            value = defaults[name][1]
            constant[name] = processor(value) if processor else value
        else:
            if name in defaults:
                calls[name] = defaults[name][1]
            if processor:
                processors.append((index, _memoised(processor)))
    fetch = itemgetter(*names)
    values: list[Any] = []
    for row in rows:
        full = row | constant if not calls else row | constant | {k: make() for k, make in calls.items()}
        cells = list(fetch(full)) if len(names) > 1 else [fetch(full)]
        for index, process in processors:
            cells[index] = process(cells[index])
        values.append(tuple(cells))
    params: Any = values if compiled.positional else [dict(zip(names, v, strict=True)) for v in values]
    connection.exec_driver_sql(str(compiled), params)


def insert_with_ids(session: Session, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` into ``model``'s table; returns their new ids in order."""
    table = cast(Table, model.__table__)
    ids = reserve_ids(session, table, len(rows))
    for row, new_id in zip(rows, ids, strict=True):
        row["id"] = new_id
    insert_rows(session, model, rows)
    return ids
