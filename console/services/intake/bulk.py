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

from collections.abc import Callable
from typing import Any, cast

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


def _default_of(column: Column[Any]) -> Callable[[], Any] | None:
    default: Any = column.default
    if default is None:
        return None
    if getattr(default, "is_scalar", False):
        value = getattr(default, "arg", None)
        return lambda: value
    if getattr(default, "is_callable", False):
        fn = cast(Callable[[Any], Any], default.arg)
        return lambda: fn(None)
    return None


def _processor(column: Column[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    processor = column.type.dialect_impl(dialect).bind_processor(dialect)
    return cast(Callable[[Any], Any] | None, processor)


def insert_rows(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (all with the same keys) in one executemany; omitted columns get their defaults."""
    if not rows:
        return
    table = cast(Table, model.__table__)
    connection = session.connection()
    dialect = connection.dialect
    given = list(rows[0])
    defaults = {c.key: d for c in table.columns if c.key not in given and (d := _default_of(c)) is not None}
    keys = given + list(defaults)
    compiled = insert(table).compile(dialect=dialect, column_keys=keys)
    processors = [(key, _processor(table.c[key], dialect)) for key in keys]
    prepared: list[dict[str, Any]] = []
    for row in rows:
        values = row | {key: make() for key, make in defaults.items()}
        prepared.append({key: (proc(values[key]) if proc else values[key]) for key, proc in processors})
    if compiled.positional:
        order = compiled.positiontup or []
        params: Any = [tuple(p[name] for name in order) for p in prepared]
    else:
        params = prepared
    connection.exec_driver_sql(str(compiled), params)


def insert_with_ids(session: Session, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` into ``model``'s table; returns their new ids in order."""
    table = cast(Table, model.__table__)
    ids = reserve_ids(session, table, len(rows))
    for row, new_id in zip(rows, ids, strict=True):
        row["id"] = new_id
    insert_rows(session, model, rows)
    return ids
