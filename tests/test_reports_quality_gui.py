"""The reports dialog's 话务质检 filter: a supervisor restricts the script report to the calls reviewed well."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from console.app.bootstrap import Database
from console.services.core.context import ServiceContext
from console.services.reports.labels import script_title
from console.services.review import calls as review
from console.ui.supervisor import ReportsDialog
from console.ui.tasks import SyncTaskRunner
from db.models import AuditEvent, CallAttempt, User
from scripts_library.loader import load_library
from tests.board_helpers import NOW, add_item, centre
from tests.stats_helpers import pdftotext

pytestmark = pytest.mark.gui

FULL = {"opening": 10, "identity": 10, "fraud_type": 15, "objections": 20, "key_actions": 20, "tone": 15, "record": 10}


def _call(ctx: ServiceContext, at: dt.datetime, disposition: str, script_id: str) -> int:
    warning_id, _item = add_item(ctx)
    with ctx.session() as session:
        user_id = session.execute(select(User.id).where(User.login == "op1")).scalar_one()
        call = CallAttempt(client_uuid=str(uuid.uuid4()), warning_id=warning_id, operator_id=user_id, started_at=at,
                           connected=True, duration_s=120, disposition=disposition, script_id=script_id)
        session.add(call)
        session.flush()
        return call.id


def _script_uses(xlsx: Path, title: str) -> list[int]:
    """The 使用 column of the exported 话术效果 sheet for the script ``title``."""
    book = openpyxl.load_workbook(xlsx, read_only=True)
    rows = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    header = next(i for i, row in enumerate(rows) if row and "使用" in row)
    column = rows[header].index("使用")
    return [int(row[column]) for row in rows[header + 1:] if row and row[0] == title]


def _generate(qtbot, dialog: ReportsDialog):  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(dialog.report_finished) as blocker:
        qtbot.mouseClick(dialog.generate_button, Qt.MouseButton.LeftButton)
    return blocker.args[0]


def test_choosing_80_percent_prints_the_figures_of_the_calls_reviewed_well(  # type: ignore[no-untyped-def]
        qtbot, sqlite_db: Database, tmp_path: Path) -> None:
    _clock, boss, _ops = centre(sqlite_db, "op1")
    script = next(iter(load_library()))
    good = _call(boss, NOW - dt.timedelta(hours=3), "dissuaded", script.id)
    poor = _call(boss, NOW - dt.timedelta(hours=2), "refused", script.id)
    _call(boss, NOW - dt.timedelta(hours=1), "refused", script.id)  # never reviewed
    review.submit_review(boss, good, FULL, "规范")  # 100 %
    review.submit_review(boss, poor, {key: points // 3 for key, points in FULL.items()}, "未核实本人")  # about 32 %

    dialog = ReportsDialog(boss, None, SyncTaskRunner(), output_dir=tmp_path)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert not dialog.quality_check.isChecked()  # off by default
    dialog.set_kind("daily")
    assert not dialog.quality_check.isEnabled()  # only the script report has it
    dialog.set_kind("scripts")
    dialog.xlsx_check.setChecked(True)
    assert dialog.quality_check.isEnabled() and not dialog.quality_spin.isEnabled()

    unfiltered = _generate(qtbot, dialog)
    title = script_title(script.id)
    assert unfiltered.xlsx_path is not None and _script_uses(unfiltered.xlsx_path, title) == [3]
    assert "得分率不低于" not in pdftotext(unfiltered.path)

    qtbot.mouseClick(dialog.quality_check, Qt.MouseButton.LeftButton)
    assert dialog.quality_spin.isEnabled()
    assert (dialog.quality_spin.minimum(), dialog.quality_spin.maximum()) == (0, 100)
    dialog.quality_spin.lineEdit().selectAll()
    qtbot.keyClicks(dialog.quality_spin, "80")
    assert dialog.quality_spin.value() == 80
    filtered = _generate(qtbot, dialog)

    assert filtered.xlsx_path is not None and _script_uses(filtered.xlsx_path, title) == [1]
    assert "得分率不低于80%的通话（共1通）" in pdftotext(filtered.path)
    assert "仅统计质检得分率不低于 80% 的通话" in dialog.status_label.text()
    with sqlite_db.sessions() as session:
        printed = session.execute(select(AuditEvent.details).where(AuditEvent.action == "print")
                                  .order_by(AuditEvent.id)).scalars().all()
    assert [d["min_quality"] for d in printed] == [None, 80.0]
