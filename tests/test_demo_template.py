"""The demo county the window tests open is the one ``dissuade demo`` would make: filling a copy of the
staff template gives the same rows as filling an empty database (tests/conftest.py ``demo_sqlite``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text

from console.app.bootstrap import Database
from console.services.demo import generate as demo
from tests.conftest import make_sqlite_database
from tests.stats_helpers import fixed_ctx

# written with the wall clock (column defaults) or salted: they differ between any two fillings
UNSTABLE_COLUMNS = {"created_at", "updated_at", "password_hash"}
# the change counter: the template's own filling counted one change already
UNSTABLE_TABLES = {"app_state"}


def rows(db: Database) -> dict[str, list[dict[str, Any]]]:
    with db.sessions() as session:
        tables = sorted(set(inspect(session.connection()).get_table_names()) - UNSTABLE_TABLES)
        return {table: [{k: v for k, v in row.items() if k not in UNSTABLE_COLUMNS}
                        for row in session.execute(text(f"SELECT * FROM {table} ORDER BY 1")).mappings()]
                for table in tables}


def test_a_demo_on_the_staff_template_equals_one_on_an_empty_database(demo_sqlite: Database, sqlite_template: Path,
                                                                      tmp_path: Path) -> None:
    (tmp_path / "fresh").mkdir()
    fresh = make_sqlite_database(sqlite_template, tmp_path / "fresh")
    try:
        for db in (fresh, demo_sqlite):
            demo.generate(fixed_ctx(db), warnings=40, seed=3, open_count=10)
        expected, got = rows(fresh), rows(demo_sqlite)
    finally:
        fresh.dispose()
    assert len(expected["users"]) == len(demo.STAFF) and len(expected["queue_items"]) == 10
    assert got == expected
