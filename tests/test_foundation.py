"""Foundation: migrations, engine settings, role checks in services, Qt-free core."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from console.app.bootstrap import Database, open_database
from console.services.core import audit
from console.services.core.context import SYSTEM, PermissionDenied, ServiceError
from console.services.security import auth
from db import migrate
from db.models import Base

ROOT = Path(__file__).resolve().parents[1]


def test_core_packages_never_import_qt() -> None:
    offenders = []
    for package in ("console/services", "db", "scripts_library"):
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                if any(n.split(".")[0] in ("PySide6", "shiboken6", "PyQt5", "PyQt6") for n in names):
                    offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_migration_chain_is_linear_and_reaches_the_models(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'chain.sqlite3'}", upgrade=False)
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config(db.engine))
    heads = script.get_heads()
    assert len(heads) == 1, f"several heads: {heads}"
    assert migrate.file_heads() == set(heads)  # the fast start-up check agrees with Alembic
    revisions = list(script.walk_revisions())
    assert revisions[-1].down_revision is None
    assert migrate.upgrade(db.engine) is True
    assert migrate.current_revision(db.engine) == heads[0]
    tables = set(inspect(db.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    # downgrade to nothing and up again: every migration is reversible
    migrate.downgrade(db.engine, "base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    assert migrate.upgrade(db.engine) is True
    db.dispose()


def test_schema_matches_models_on_both_backends(database: Database) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with database.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], "models changed without a migration"


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_db: Database) -> None:
    with sqlite_db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_open_database_upgrades_automatically(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    assert db.migrated
    assert migrate.current_revision(db.engine) == migrate.head_revision(db.engine)
    again = open_database(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    assert not again.migrated


def test_only_admin_may_add_users(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    operator = make_actor("op1", "operator")
    admin = make_actor("admin1", "admin")
    with pytest.raises(PermissionDenied):
        auth.add_user(database.context(operator), "op2", "long-enough", "operator")
    created = auth.add_user(database.context(admin), "op2", "long-enough", "operator")
    assert created.role == "operator"
    with pytest.raises(ServiceError):
        auth.add_user(database.context(admin), "op2", "long-enough", "operator")


def test_login_locks_after_repeated_failures(database: Database) -> None:
    auth.add_user(database.context(SYSTEM), "zhang", "correct-horse", "operator")
    now = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
    ctx = database.context(SYSTEM)
    ctx = type(ctx)(ctx.sessions, SYSTEM, lambda: now)
    for _ in range(auth.MAX_FAILED_LOGINS):
        with pytest.raises(auth.LoginFailed):
            auth.authenticate(ctx, "zhang", "wrong")
    with pytest.raises(auth.LoginFailed, match="锁定"):
        auth.authenticate(ctx, "zhang", "correct-horse")
    later = type(ctx)(ctx.sessions, SYSTEM, lambda: now + auth.LOCKOUT + dt.timedelta(seconds=1))
    actor = auth.authenticate(later, "zhang", "correct-horse")
    assert actor.role == "operator"
    assert audit.verify_chain(ctx).ok


def test_audit_chain_detects_a_modified_entry(database: Database) -> None:
    ctx = database.context(SYSTEM)
    with ctx.session() as session:
        for i in range(3):
            audit.record(session, SYSTEM, "export", object_type="report", object_id=i)
    assert audit.verify_chain(ctx).ok
    with ctx.session() as session:
        if database.engine.dialect.name == "postgresql":  # past the append-only trigger, as a superuser could
            session.execute(text("SET LOCAL session_replication_role = replica"))
        session.execute(text("UPDATE audit_events SET reason = 'x' WHERE id = 2"))
    report = audit.verify_chain(ctx)
    assert not report.ok and report.first_broken_id == 2
