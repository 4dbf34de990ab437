"""What an operator sees of merged repeats, capped scores and quarantined rows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from console.app.bootstrap import Database
from console.services.core.context import SYSTEM, ServiceContext
from console.services.intake.importer import import_files
from console.services.intake.quarantine import list_quarantine, retry_quarantined
from console.services.triage.scoring import explain, reason_text
from db.models import QueueItem, Warning, WarningMerge

NOW = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)
HEADER = "预警编号,预警时间,姓名,手机号,身份证号,预警类型,风险特征,涉案金额,备注"


def ctx_at(database: Database) -> ServiceContext:
    return ServiceContext(database.sessions, SYSTEM, lambda: NOW)


def write(tmp_path: Path, name: str, *lines: str) -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def test_a_repeated_row_does_not_double_its_signals(database: Database, tmp_path: Path) -> None:
    row = "R-1,2026-11-20 15:00:00,王某,13800138000,,冒充公检法,屏幕共享;正在通话,5000,"
    path = write(tmp_path, "重复.csv", row, row, row.replace("R-1,", "R-2,").replace("屏幕共享;正在通话", "正在通话;即将转账"))
    summary = import_files(ctx_at(database), [path])
    assert (summary.imported, summary.merged) == (1, 2)
    with database.sessions() as session:
        (warning,) = session.scalars(select(Warning)).all()
        item = session.scalars(select(QueueItem)).one()
        assert session.query(WarningMerge).count() == 2
    # each signal once, the new one from the third row added; the score counts every signal once
    assert sorted(warning.signals) == sorted(["screen_sharing", "on_call_now", "transfer_pending"])
    assert len(warning.signals) == len(set(warning.signals))
    signal_reasons = [r for r in warning.risk_reasons if str(r["factor"]).startswith("signal:")]
    assert len(signal_reasons) == len({r["factor"] for r in signal_reasons})
    assert item.priority == warning.risk_score


def test_a_repeat_in_a_later_import_adds_only_new_signals(sqlite_db: Database, tmp_path: Path) -> None:
    first = write(tmp_path, "一.csv", "S-1,2026-11-20 15:00:00,王某,13800138000,,冒充公检法,正在通话,,")
    import_files(ctx_at(sqlite_db), [first])
    again = write(tmp_path, "二.csv", "S-1,2026-11-20 15:00:00,王某,13800138000,,冒充公检法,正在通话;屏幕共享,,再次推送")
    import_files(ctx_at(sqlite_db), [again])
    with sqlite_db.sessions() as session:
        warning = session.scalars(select(Warning)).one()
    assert warning.signals == ["on_call_now", "screen_sharing"] and warning.repeat_count == 1


def test_the_cap_never_reads_plus_minus() -> None:
    cap = {"factor": "cap", "label": "总分封顶100分", "points": -3}
    assert reason_text(cap) == "总分封顶100分（超出3分）"
    line = explain([{"factor": "signal:on_call", "label": "正在通话", "points": 20}, cap])
    assert line == "正在通话 +20；总分封顶100分（超出3分）" and "+-" not in line


def test_capped_warning_reasons_render_without_plus_minus(sqlite_db: Database, tmp_path: Path) -> None:
    path = write(tmp_path, "封顶.csv", "C-1,2026-11-20 08:00:00,王某,13800138000,11010519400101001X,冒充公检法,"
                 "屏幕共享;正在通话;即将转账;大额转账;安装涉诈APP,900000,")
    import_files(ctx_at(sqlite_db), [path])
    with sqlite_db.sessions() as session:
        warning = session.scalars(select(Warning)).one()
    assert warning.risk_score == 100 and any(r["factor"] == "cap" for r in warning.risk_reasons)
    assert "+-" not in explain(warning.risk_reasons) and "（超出" in explain(warning.risk_reasons)


def test_quarantine_names_the_field_that_failed(sqlite_db: Database, tmp_path: Path) -> None:
    path = write(tmp_path, "坏号码.csv", "Q-1,2026-11-20 15:00:00,王某,12345,,冒充公检法,,,")
    import_files(ctx_at(sqlite_db), [path])
    (entry,) = list_quarantine(ctx_at(sqlite_db))
    assert entry.field == "phone" and entry.column == "手机号" and "手机号" in entry.reason
    assert entry.as_json()["column"] == "手机号"
    again = retry_quarantined(ctx_at(sqlite_db), entry.id, {"phone": "abc"})
    assert again.outcome == "rejected" and again.field == "phone" and "手机号" in again.reason
