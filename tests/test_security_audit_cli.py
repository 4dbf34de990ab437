"""`dissuade audit verify`: an intact chain exits 0; every kind of tampering is named, exit 1.

The tampering runs as the database superuser: on PostgreSQL the append-only trigger is switched off
for that transaction (``session_replication_role = replica``), as only a superuser could.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from console.app.bootstrap import Database
from console.cli import main
from console.services.core import audit
from console.services.core import audit_anchors as anchors
from console.services.intake.importer import import_files
from console.services.security import auth
from db.models import AuditEvent, ImportBatch
from tests.cli_helpers import PASSWORD, login_as


def _url(database: Database) -> str:
    return database.engine.url.render_as_string(hide_password=False)


def _verify(database: Database, monkeypatch: pytest.MonkeyPatch, *extra: str) -> int:
    return main(["audit", "verify", *extra, "--db", _url(database), *login_as(monkeypatch, "auditor")])


def _fill(database: Database, logins: int = 3) -> None:
    anchors.load_key(create=True)  # the owner's key, as `dissuade db upgrade` makes it
    ctx = database.context()
    user = auth.add_user(ctx, "op1", "right-password", "operator")
    auth.add_user(ctx, "auditor", PASSWORD, "supervisor")
    for n in range(logins):  # one committed entry each, as logins would write (without argon2's cost)
        with ctx.session() as session:
            audit.record(session, user.actor("seat-1"), "login", object_type="user", object_id=user.id,
                         details={"n": n})


def _tamper(database: Database, *statements: object) -> None:
    with database.sessions() as session, session.begin():
        if database.engine.dialect.name == "postgresql":
            session.execute(text("SET LOCAL session_replication_role = replica"))
        for statement in statements:
            session.execute(statement)  # type: ignore[call-overload]


def _rehash_from(database: Database, first_id: int, **changes: object) -> None:
    """Forge entry ``first_id`` and recompute every later hash with the public formula."""
    with database.sessions() as session, session.begin():
        if database.engine.dialect.name == "postgresql":
            session.execute(text("SET LOCAL session_replication_role = replica"))
        entries = session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
        prev = ""
        for entry in entries:
            if entry.id == first_id:
                for name, value in changes.items():
                    setattr(entry, name, value)
            if entry.id >= first_id:
                entry.prev_hash = prev
                entry.hash = audit._entry_digest(prev, entry)
            prev = entry.hash


def test_intact_chain_exits_zero(database: Database, capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    _fill(database)
    assert _verify(database, monkeypatch) == 0
    assert "审计链完整，共 6 条" in capsys.readouterr().out  # 2 users, 3 entries, and the auditor's login


def test_edited_entry_is_reported_as_first_broken_link(database: Database, capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    _fill(database)
    _tamper(database, update(AuditEvent).where(AuditEvent.id == 3).values(login="intruder"))
    assert _verify(database, monkeypatch, "--json") == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False and report["first_broken_id"] == 3
    assert "第 3 条内容与其哈希不符" in report["message"]


def test_deleted_entry_leaves_a_gap_in_the_ids(database: Database) -> None:
    _fill(database)
    _tamper(database, delete(AuditEvent).where(AuditEvent.id == 2))
    report = audit.verify_chain(database.context())
    assert not report.ok and report.first_broken_id == 3
    assert "第 2 条缺失" in report.message


def test_deleted_first_entries_are_a_gap_too(database: Database) -> None:
    _fill(database)
    _tamper(database, delete(AuditEvent).where(AuditEvent.id <= 2))
    _rehash_from(database, 3)  # the new first entry even links to "" again
    report = audit.verify_chain(database.context())
    assert not report.ok and "第 1–2 条缺失" in report.message


@pytest.mark.parametrize("removed", [1, 15, "all"])
def test_truncated_tail_is_caught(database: Database, removed: int | str, capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    _fill(database, logins=20)  # 22 entries
    keep = 0 if removed == "all" else 22 - int(removed)
    _tamper(database, delete(AuditEvent).where(AuditEvent.id > keep))
    assert audit.verify_chain(database.context()).ok is False
    message = audit.verify_chain(database.context()).message
    assert "审计记录被截断" in message and "第 22 条" in message
    assert ("已没有任何记录" if removed == "all" else f"只剩 {keep} 条") in message


def test_forgery_rehashed_with_the_public_formula_is_caught(database: Database) -> None:
    _fill(database, logins=5)
    _rehash_from(database, 3, login="intruder")
    report = audit.verify_chain(database.context())
    assert not report.ok and report.first_broken_id == 3
    assert "签名的链头锚点不符" in report.message


def test_forged_anchor_lines_are_caught(database: Database) -> None:
    _fill(database)
    _rehash_from(database, 4, login="intruder")
    identity = anchors.database_identity(database.engine.url)
    forged_hash = audit.chain_head(database.context())
    assert forged_hash is not None
    with anchors.anchor_path(identity).open("a", encoding="ascii") as handle:
        handle.write(f"4 {forged_hash[1]} {'0' * 64}\n")  # signed with a guessed key
    report = audit.verify_chain(database.context())
    assert not report.ok


def test_missing_key_with_anchors_present_is_not_reported_intact(database: Database, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    _fill(database)
    monkeypatch.setenv(anchors.ENV_AUDIT_KEY, str(tmp_path / "elsewhere.key"))
    monkeypatch.setattr(anchors, "load_key", lambda create=False: None)  # a machine without the key
    report = audit.verify_chain(database.context())
    assert not report.ok and "缺少审计密钥" in report.message


def test_anchor_and_key_files_are_private(sqlite_db: Database) -> None:
    _fill(sqlite_db)
    identity = anchors.database_identity(sqlite_db.engine.url)
    assert anchors.anchor_path(identity).stat().st_mode & 0o777 == 0o600
    assert anchors.key_path().stat().st_mode & 0o777 == 0o600
    assert anchors.anchor_path(identity).parent.stat().st_mode & 0o777 == 0o700


@pytest.mark.postgres
def test_postgres_refuses_update_delete_and_truncate_even_for_the_owner(pg_db: Database) -> None:
    _fill(pg_db)
    for statement in (update(AuditEvent).values(login="x"), delete(AuditEvent), text("TRUNCATE audit_events")):
        with pytest.raises(DBAPIError, match="append-only"), pg_db.sessions() as session, session.begin():
            session.execute(statement)
    assert audit.verify_chain(pg_db.context()).ok


def test_personal_numbers_never_reach_an_audit_reason(database: Database) -> None:
    with database.sessions() as session, session.begin():
        audit.record(session, database.context().actor, "import", reason="第 3 行 张三 13912345678 110101199003071234",
                     details={"row": {"phone": "139-1234-5678", "account": "6222021234567890123"}})
    with database.sessions() as session:
        entry = session.execute(select(AuditEvent)).scalars().one()
    stored = entry.reason + json.dumps(entry.details, ensure_ascii=False)
    for clear in ("13912345678", "1234-5678", "110101199003071234", "6222021234567890123"):
        assert clear not in stored
    assert "139****5678" in entry.reason
    assert audit.verify_chain(database.context()).ok


def test_a_crashed_import_keeps_the_row_out_of_the_batch_error_and_the_audit(sqlite_db: Database,
                                                                            tmp_path: Path) -> None:
    """The database refuses the write (a real error whose text quotes the row); nothing personal is kept."""
    source = tmp_path / "预警.csv"
    source.write_text("预警编号,预警时间,姓名,手机号,身份证号,预警类型\n"
                      "P-1,2026-11-20 14:00,欧阳娜娜,13912345678,110101199003071234,冒充客服诈骗\n", encoding="utf-8")
    with sqlite_db.engine.begin() as conn:
        conn.execute(text("CREATE TRIGGER refuse_persons BEFORE INSERT ON persons "
                          "BEGIN SELECT RAISE(ABORT, 'disk controller gave up'); END"))
    with pytest.raises(DBAPIError) as crash:
        import_files(sqlite_db.context(), [source])
    assert "13912345678" in str(crash.value)  # the raw error does quote the row
    with sqlite_db.sessions() as session:
        batch = session.execute(select(ImportBatch)).scalars().one()
        entry = session.execute(select(AuditEvent).where(AuditEvent.action == "import")).scalars().one()
    stored = " ".join([batch.error or "", entry.reason, json.dumps(entry.details, ensure_ascii=False)])
    assert batch.status == "failed" and "导入中断" in batch.error
    for clear in ("13912345678", "110101199003071234", "欧阳娜娜"):
        assert clear not in stored
