"""`dissuade audit verify`: intact chain exits 0; a modified or deleted entry is named, exit 1."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import delete, update

from console.app.bootstrap import Database
from console.cli import main
from console.services.core import audit
from console.services.core.context import SYSTEM
from console.services.security import auth
from db.models import AuditEvent


def _fill(database: Database) -> None:
    ctx = database.context()
    auth.add_user(ctx, "op1", "right-password", "operator")
    for _ in range(3):
        auth.authenticate(ctx, "op1", "right-password", seat="seat-1")


def test_intact_chain_exits_zero(database: Database, capsys: pytest.CaptureFixture[str]) -> None:
    _fill(database)
    assert main(["audit", "verify", "--db", database.engine.url.render_as_string(hide_password=False)]) == 0
    assert "审计链完整，共 4 条" in capsys.readouterr().out


def test_edited_entry_is_reported_as_first_broken_link(database: Database,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    _fill(database)
    with database.sessions() as session, session.begin():
        session.execute(update(AuditEvent).where(AuditEvent.id == 3).values(login="intruder"))
    url = database.engine.url.render_as_string(hide_password=False)
    assert main(["audit", "verify", "--json", "--db", url]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False and report["first_broken_id"] == 3
    assert "第 3 条内容与其哈希不符" in report["message"]


def test_deleted_entry_breaks_the_link_of_the_next_one(database: Database) -> None:
    _fill(database)
    with database.sessions() as session, session.begin():
        session.execute(delete(AuditEvent).where(AuditEvent.id == 2))
    report = audit.verify_chain(database.context())
    assert not report.ok and report.first_broken_id == 3
    assert "前序哈希" in report.message


def test_only_roles_with_audit_view_may_verify_the_chain(database: Database,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    _fill(database)
    auth.add_user(database.context(SYSTEM), "zhiban", "secret-pass", "supervisor")
    url = database.engine.url.render_as_string(hide_password=False)
    assert main(["audit", "verify", "--as", "op1", "--db", url]) == 2
    assert "无权" in capsys.readouterr().err
    assert main(["audit", "verify", "--as", "zhiban", "--db", url]) == 0
    assert "审计链完整" in capsys.readouterr().out
