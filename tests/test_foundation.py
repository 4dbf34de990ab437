"""Foundation: migrations, engine settings, role checks in services, Qt-free core."""

from __future__ import annotations

import ast
import datetime as dt
import subprocess
import sys
from collections.abc import Iterator
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


def _imported_modules(package: str) -> Iterator[tuple[str, str]]:
    """(file, module) for every import in ``package``, including imports inside functions."""
    for path in (ROOT / package).rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield str(path.relative_to(ROOT)), alias.name
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                yield str(path.relative_to(ROOT)), node.module


def _offenders(packages: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{path}: {module}"
        for package in packages
        for path, module in _imported_modules(package)
        if any(module == name or module.startswith(name + ".") for name in forbidden)
    )


def test_core_packages_never_import_qt_or_the_front_ends() -> None:
    forbidden = ("PySide6", "shiboken6", "PyQt5", "PyQt6", "console.ui", "console.commands", "console.app",
                 "console.cli")
    assert _offenders(("console/services", "db", "scripts_library"), forbidden) == []


def test_ui_never_imports_the_database_layer() -> None:
    assert _offenders(("console/ui",), ("db", "sqlalchemy")) == []


def test_ui_checks_permissions_never_role_names() -> None:
    """No comparison in the UI involves ``.role`` or a role name: what a user may do is a permission."""
    from console.services.core.context import ROLE_LABELS

    def role_like(node: ast.expr) -> bool:
        if isinstance(node, ast.Attribute) and node.attr == "role":
            return True
        if isinstance(node, ast.Constant) and node.value in ROLE_LABELS:
            return True
        return isinstance(node, ast.Tuple | ast.List | ast.Set) and any(role_like(e) for e in node.elts)

    offenders = []
    for path in (ROOT / "console/ui").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare) and any(role_like(n) for n in [node.left, *node.comparators]):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_import_contracts_hold() -> None:
    """The contracts in pyproject.toml ([tool.importlinter]), including the layering of the services."""
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "BROKEN" not in result.stdout


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
    for _ in range(ctx.settings.security.max_failed_logins):
        with pytest.raises(auth.LoginFailed):
            auth.authenticate(ctx, "zhang", "wrong")
    with pytest.raises(auth.LoginFailed, match="锁定"):
        auth.authenticate(ctx, "zhang", "correct-horse")
    later = type(ctx)(ctx.sessions, SYSTEM, lambda: now + ctx.settings.security.lockout + dt.timedelta(seconds=1))
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


def test_every_permission_granted_is_checked_somewhere() -> None:
    """A permission no service or view ever asks for is a promise the console does not keep."""
    from console.services.core.context import PERMISSIONS

    sources = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "console").rglob("*.py")
                      if p.name != "context.py")
    granted = set().union(*PERMISSIONS.values())
    assert sorted(p for p in granted if f'"{p}"' not in sources) == []
