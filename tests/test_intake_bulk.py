"""Bulk inserts store exactly what the ORM stores; the shortcuts they take give the same bytes."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlalchemy.dialects import sqlite

from console.app.bootstrap import Database
from console.services.intake.bulk import (
    _processor,
    insert_columns_with_ids,
    insert_rows,
    reserve_ids,
)
from console.services.intake.jsontext import ListJson
from db.models import Person, Warning

CST = dt.timezone(dt.timedelta(hours=8))


def _stored(database: Database, person_id: int) -> dict[str, Any]:
    with database.sessions() as session:
        row = session.execute(text("SELECT * FROM persons WHERE id = :id"), {"id": person_id}).mappings().one()
        return {k: v for k, v in row.items() if k != "id"}


def test_column_inserts_store_what_the_orm_stores(database: Database) -> None:
    values: dict[str, Any] = {
        "name": "张三", "phone": "13800138000", "other_phones": ["010-1", "13900139000"], "id_number": "",
        "birth_date": dt.date(1950, 2, 3), "sex": "F", "age_band": "65+", "address": "某某县",
        "previous_victim": True, "created_at": dt.datetime(2026, 11, 20, 16, 0, 0, 123, tzinfo=CST),
        "updated_at": dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC),
    }
    with database.sessions() as session, session.begin():
        orm = Person(**values)
        session.add(orm)
        session.flush()
        orm_id = orm.id
    with database.sessions() as session, session.begin():
        [column_id] = insert_columns_with_ids(session, Person, {k: [v] for k, v in values.items()})
        table = Person.__table__
        [row_id] = reserve_ids(session, table, 1)  # type: ignore[arg-type]
        insert_rows(session, Person, [{"id": row_id, **values}])
    assert _stored(database, column_id) == _stored(database, orm_id) == _stored(database, row_id)


def test_constants_and_defaults_fill_every_row(sqlite_db: Database) -> None:
    with sqlite_db.sessions() as session, session.begin():
        ids = insert_columns_with_ids(session, Person, {"phone": ["13800138000", "13900139000"]},
                                      {"name": "某", "created_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)})
    with sqlite_db.sessions() as session:
        people = session.scalars(select(Person).where(Person.id.in_(ids)).order_by(Person.id)).all()
    assert [(p.phone, p.name, p.age_band, p.other_phones) for p in people] == [
        ("13800138000", "某", "unknown", []), ("13900139000", "某", "unknown", [])]
    assert people[0].created_at == dt.datetime(2026, 1, 1, tzinfo=dt.UTC) and people[0].updated_at is not None


_AWARE = st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30),
                      timezones=st.sampled_from([dt.UTC, CST, dt.timezone(dt.timedelta(hours=-5, minutes=-30))]))


@settings(max_examples=300, deadline=None)
@given(st.lists(_AWARE | st.none(), max_size=5))
def test_utc_text_on_sqlite_is_what_sqlalchemy_stores(moments: list[dt.datetime | None]) -> None:
    dialect = sqlite.dialect()
    column = Warning.__table__.c.received_at
    generic = column.type.dialect_impl(dialect).bind_processor(dialect)
    fast = _processor(column, dialect)  # type: ignore[arg-type]
    assert generic is not None and fast is not None and fast is not generic
    assert [fast(m) for m in moments] == [generic(m) for m in moments]


_REASON = st.fixed_dictionaries({"factor": st.text(max_size=8), "label": st.text(max_size=12),
                                 "points": st.integers(-100, 100) | st.booleans() | st.none()})


@settings(max_examples=200, deadline=None)
@given(st.lists(_REASON, min_size=1, max_size=6), st.lists(st.lists(st.integers(0, 5), max_size=6), max_size=6))
def test_list_json_is_json_dumps(pool: list[dict[str, Any]], picks: list[list[int]]) -> None:
    encoder = ListJson(limit=3)  # a small memory, so it also starts afresh in the middle
    for pick in picks:
        items = [pool[i % len(pool)] for i in pick]
        assert encoder.dumps(items) == json.dumps(items, ensure_ascii=False)
    assert encoder.dumps([]) == json.dumps([], ensure_ascii=False)
