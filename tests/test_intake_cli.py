"""The intake commands (import, quarantine, watch), the drop folder and manual entry."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from console.app.bootstrap import Database
from console.cli import main
from console.services.core.context import SYSTEM, PermissionDenied, ServiceContext, ServiceError
from console.services.intake.dropfolder import DropWatcher
from console.services.intake.manual import ManualReport, submit_manual_report, validate_manual_report
from db.models import AuditEvent, Person, Warning, WarningMerge
from tests.cli_helpers import login_as
from tests.conftest import actor_for

FIXTURES = Path(__file__).parent / "fixtures" / "intake"
NOW = dt.datetime(2026, 11, 20, 8, tzinfo=dt.UTC)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def db_url(database: Database) -> str:
    return database.engine.url.render_as_string(hide_password=False)


def test_import_json_summary_and_exit_code(sqlite_db: Database, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    actor_for(sqlite_db, "op1", "operator")
    files = [str(FIXTURES / "messy_phones.csv"), str(FIXTURES / "duplicates.csv")]
    assert main(["import", *files, "--json", "--db", db_url(sqlite_db), *login_as(monkeypatch, "op1")]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert {k: summary[k] for k in ("rows", "imported", "merged", "rejected")} == {
        "rows": 20, "imported": 13, "merged": 3, "rejected": 4}
    rejected = [e for e in summary["errors"] if e["field"] == "phone"]
    assert [(e["file"], e["row"]) for e in rejected] == [("messy_phones.csv", n) for n in (11, 12, 13, 14)]
    assert main(["import", *files, "--json", "--db", db_url(sqlite_db), *login_as(monkeypatch, "op1")]) == 0
    again = json.loads(capsys.readouterr().out)
    # the same files again change nothing: no repeats, no new quarantine entries
    assert (again["imported"], again["merged"], again["rejected"], again["unchanged"]) == (0, 0, 0, 20)


def test_unreadable_input_exits_2_with_a_chinese_message(sqlite_db: Database, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    actor_for(sqlite_db, "op1", "operator")
    code = main(["import", str(FIXTURES / "unreadable" / "old.xls"), "--json", "--db", db_url(sqlite_db), *login_as(monkeypatch, "op1")])
    out = capsys.readouterr()
    assert code == 2 and out.out == ""
    assert "不是有效的 Excel 97-2003（.xls）工作簿" in out.err
    assert main(["import", "/nonexistent/预警.csv", "--db", db_url(sqlite_db), *login_as(monkeypatch, "op1")]) == 2
    assert "找不到文件" in capsys.readouterr().err


def test_quarantine_list_and_retry_commands(sqlite_db: Database, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    actor_for(sqlite_db, "op1", "operator")
    url = db_url(sqlite_db)
    main(["import", str(FIXTURES / "array.json"), "--db", url, *login_as(monkeypatch, "op1")])
    capsys.readouterr()
    assert main(["quarantine", "list", "--json", "--db", url, *login_as(monkeypatch, "op1")]) == 0
    (entry,) = json.loads(capsys.readouterr().out)
    assert (entry["file"], entry["row"], entry["field"], entry["raw"]["姓名"]) == ("array.json", 2, "phone", "郑某")
    with sqlite_db.sessions() as session:  # the raw rows were shown: audited, for op1 on the command line
        seen = session.execute(select(AuditEvent.login, AuditEvent.channel)
                               .where(AuditEvent.action == "reveal", AuditEvent.object_type == "quarantine")).all()
    assert [tuple(r) for r in seen] == [("op1", "cli")]
    assert main(["quarantine", "retry", str(entry["id"]), "--set", "phone=139 0000 1111", "--json", "--db", url, *login_as(monkeypatch, "op1")]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["outcome"] == "imported"
    assert main(["quarantine", "list", "--json", "--db", url, *login_as(monkeypatch, "op1")]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["quarantine", "retry", str(entry["id"]), "--set", "phone=1", "--db", url, *login_as(monkeypatch, "op1")]) == 1


def test_drop_folder_moves_files_and_never_deletes(sqlite_db: Database, tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    for name in ("platform_gbk.csv", "titled.xlsx"):
        shutil.copy(FIXTURES / name, drop / name)
    shutil.copy(FIXTURES / "unreadable" / "no_header.csv", drop / "no_header.csv")
    (drop / "~$titled.xlsx").write_bytes(b"lock")  # Excel's lock file stays untouched
    ctx = ServiceContext(sqlite_db.sessions, SYSTEM, lambda: NOW)
    results = DropWatcher(drop).scan_once(ctx)
    assert sorted((r.file_name, r.error == "") for r in results) == [
        ("no_header.csv", False), ("platform_gbk.csv", True), ("titled.xlsx", True)]
    assert sorted(p.name for p in (drop / "processed").iterdir()) == ["platform_gbk.csv", "titled.xlsx"]
    assert sorted(p.name for p in (drop / "failed").iterdir()) == ["no_header.csv", "no_header.csv.原因.txt"]
    assert "找不到表头" in (drop / "failed" / "no_header.csv.原因.txt").read_text(encoding="utf-8")
    assert (drop / "~$titled.xlsx").exists()
    # the same export dropped again changes nothing, and the earlier copy in processed/ is kept
    shutil.copy(FIXTURES / "platform_gbk.csv", drop / "platform_gbk.csv")
    (again,) = DropWatcher(drop).scan_once(ctx)
    assert again.summary is not None
    assert (again.summary.imported, again.summary.merged, again.summary.unchanged) == (0, 0, 4)
    assert len(list((drop / "processed").iterdir())) == 3


def test_watch_waits_for_a_file_to_settle(sqlite_db: Database, tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    shutil.copy(FIXTURES / "array.json", drop / "array.json")
    ctx = ServiceContext(sqlite_db.sessions, SYSTEM, lambda: NOW)
    watcher = DropWatcher(drop, settle=True)
    assert watcher.scan_once(ctx) == []  # first sight: maybe still being written
    assert [r.file_name for r in watcher.scan_once(ctx)] == ["array.json"]


def test_watch_once_command(sqlite_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    actor_for(sqlite_db, "op1", "operator")
    drop = tmp_path / "drop"
    drop.mkdir()
    shutil.copy(FIXTURES / "array.json", drop / "array.json")
    assert main(["watch", str(drop), "--once", "--db", db_url(sqlite_db), *login_as(monkeypatch, "op1")]) == 0
    assert "新增 2" in capsys.readouterr().out
    assert (drop / "processed" / "array.json").exists()


def test_manual_report_uses_the_import_rules(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    operator = make_actor("op1", "operator")
    ctx = ServiceContext(database.sessions, operator, lambda: NOW)
    report = ManualReport(source="bank", phone="+86 138-0013-8000", name="钱阿姨", id_number="11010519491231002X",
                          fraud_type="冒充公检法", signals="正在通话，准备转账", amount="20万", reporter="工行城关支行柜员")
    first = submit_manual_report(ctx, report)
    assert first.outcome == "imported" and first.field_warnings == []
    with database.sessions() as session:
        w = session.get(Warning, first.warning_id)
        assert w is not None
        person = session.get(Person, w.person_id)
        assert (w.source, w.signals, w.received_at) == ("bank", ["on_call_now", "transfer_pending"], NOW)
        assert w.raw_payload["reporter"] == "工行城关支行柜员"
        assert person is not None and person.profile_group == "elderly"
    second = submit_manual_report(ctx, ManualReport(source="relative", phone="13800138000", fraud_type="冒充公安"))
    assert (second.outcome, second.warning_id) == ("merged", first.warning_id)
    with database.sessions() as session:
        assert session.scalar(select(func.count()).select_from(WarningMerge)) == 1


def test_manual_report_without_a_phone_is_refused(sqlite_db: Database) -> None:
    ctx = ServiceContext(sqlite_db.sessions, SYSTEM, lambda: NOW)
    errors, _ = validate_manual_report(ManualReport(source="bank", phone="123"), NOW, SHANGHAI)
    assert [e.field for e in errors] == ["phone"]
    errors, warnings = validate_manual_report(ManualReport(source="", phone="13800138000", id_number="1"), NOW, SHANGHAI)
    assert [e.field for e in errors] == ["source"] and [w.field for w in warnings] == ["id_number", "fraud_type"]
    with pytest.raises(ServiceError, match="手机号"):
        submit_manual_report(ctx, ManualReport(source="grid_worker", phone="123"))
    with sqlite_db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Warning)) == 0


def test_trainer_may_not_enter_reports(sqlite_db: Database) -> None:
    from tests.conftest import actor_for

    trainer = actor_for(sqlite_db, "tr", "trainer")
    with pytest.raises(PermissionDenied):
        submit_manual_report(ServiceContext(sqlite_db.sessions, trainer, lambda: NOW),
                             ManualReport(source="bank", phone="13800138000"))
