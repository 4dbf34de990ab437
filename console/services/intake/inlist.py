"""``column IN (values)`` for the importer's per-chunk lookups, with the values as one parameter.

A chunk looks up thousands of phones, external ids and row keys at once.  Written as ``IN (?, ?, …)``
every value is a bind parameter of its own, and compiling and binding them costs more than the
lookup itself; here the list travels as one value: a JSON array read back by ``json_each`` on
SQLite, an array compared with ``= ANY`` on PostgreSQL.  Both use the column's index.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import String, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import ColumnElement

from console.services.intake.jsontext import json_text


def among(column: Any, values: Collection[Any], dialect_name: str) -> ColumnElement[bool]:
    """``column IN values`` as one parameter (``values`` are strings or integers)."""
    if dialect_name == "sqlite":
        listed = func.json_each(bindparam(None, json_text(list(values)), type_=String)).table_valued("value")
        return column.in_(select(listed.c.value))  # type: ignore[no-any-return]
    if dialect_name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))  # type: ignore[no-any-return]
    return column.in_(values)  # type: ignore[no-any-return]
