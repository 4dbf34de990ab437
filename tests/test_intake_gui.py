"""Import and manual-entry dialogs, driven like an operator would (offscreen Qt)."""

from __future__ import annotations

import datetime as dt
import shutil
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import func, select

from bench.bench_import import generate_rows, write_csv
from console.app.bootstrap import Database
from console.services.core.context import SYSTEM, ServiceContext
from console.services.intake import prepworker
from console.ui.import_dialog import ImportDialog
from console.ui.manual_entry_dialog import ManualEntryDialog
from console.ui.tasks import SyncTaskRunner, TaskRunner
from db.models import Warning

pytestmark = pytest.mark.gui
FIXTURES = Path(__file__).parent / "fixtures" / "intake"
NOW = dt.datetime(2026, 11, 20, 8, tzinfo=dt.UTC)


@pytest.fixture
def ctx(sqlite_db: Database) -> ServiceContext:
    return ServiceContext(sqlite_db.sessions, SYSTEM, lambda: NOW)


def test_import_runs_in_the_background_with_progress(qtbot, ctx: ServiceContext, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    runner = TaskRunner()
    dialog = ImportDialog(ctx, runner)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: runner.running == 0)
    shutil.copy(FIXTURES / "titled.xlsx", tmp_path / "清单.xlsx")
    dialog.add_files([str(tmp_path / "清单.xlsx"), str(FIXTURES / "messy_phones.csv")])
    with qtbot.waitSignal(dialog.import_finished, timeout=60_000) as blocker:
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
        assert not dialog.import_button.isEnabled()
    summary = blocker.args[0]
    assert (summary.rows, summary.imported, summary.merged, summary.rejected) == (17, 12, 0, 5)
    assert dialog.progress.value() == 100
    assert "共 17 行：新增 12，合并 0，拒绝 5" in dialog.summary_label.text()
    assert [(i.file, i.row) for i in dialog.issues()][:2] == [("清单.xlsx", 6), ("清单.xlsx", 8)]
    qtbot.waitUntil(lambda: dialog.quarantine_model.rowCount() == 5)
    assert runner.wait_all()


def test_a_large_file_imports_through_a_worker_from_the_dialog(qtbot, ctx: ServiceContext,  # type: ignore[no-untyped-def]
                                                              tmp_path: Path) -> None:
    """A file over a megabyte is prepared by a worker process while the dialog's background job
    writes: the operator sees the same progress and summary, and no process or thread is left."""
    path = tmp_path / "全省推送.csv"
    write_csv(path, generate_rows(8000, seed=12))
    assert path.stat().st_size >= prepworker.MIN_FILE_BYTES
    runner = TaskRunner()
    dialog = ImportDialog(ctx, runner)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: runner.running == 0)
    dialog.add_files([str(path)])
    with qtbot.waitSignal(dialog.import_finished, timeout=120_000) as blocker:
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    summary = blocker.args[0]
    assert summary.batches[0].prepared_in_worker
    assert summary.rows == 8000 == summary.imported + summary.merged + summary.rejected
    assert dialog.progress.value() == 100
    assert f"共 8000 行：新增 {summary.imported}，合并 {summary.merged}，拒绝 {summary.rejected}" in dialog.summary_label.text()
    assert runner.wait_all()
    assert not any(t.name == "import-prepare-reader" for t in threading.enumerate())
    with ctx.session() as session:
        assert session.scalar(select(func.count()).select_from(Warning)) == summary.imported


def test_unreadable_file_shows_the_reason(qtbot, ctx: ServiceContext) -> None:  # type: ignore[no-untyped-def]
    dialog = ImportDialog(ctx, SyncTaskRunner())
    qtbot.addWidget(dialog)
    dialog.add_files([str(FIXTURES / "unreadable" / "old.xls")])
    with qtbot.waitSignal(dialog.import_failed) as blocker:
        dialog.start_import()
    words = "不是有效的 Excel 97-2003（.xls）工作簿"
    assert words in blocker.args[0] and words in dialog.summary_label.text()
    assert dialog.import_button.isEnabled()


def test_quarantined_row_corrected_from_the_dialog(qtbot, ctx: ServiceContext, sqlite_db: Database) -> None:  # type: ignore[no-untyped-def]
    dialog = ImportDialog(ctx, SyncTaskRunner())
    qtbot.addWidget(dialog)
    dialog.add_files([str(FIXTURES / "array.json")])
    dialog.start_import()
    assert dialog.quarantine_model.rowCount() == 1
    dialog.tabs.setCurrentIndex(1)
    dialog.quarantine_view.selectRow(0)
    dialog.field_combo.setCurrentIndex(dialog.field_combo.findData("phone"))
    qtbot.keyClicks(dialog.value_edit, "123")
    qtbot.mouseClick(dialog.retry_button, Qt.MouseButton.LeftButton)
    assert "仍无法导入" in dialog.retry_label.text()
    dialog.quarantine_view.selectRow(0)
    dialog.value_edit.setText("13900001111")
    with qtbot.waitSignal(dialog.quarantine_retried) as blocker:
        qtbot.mouseClick(dialog.retry_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].outcome == "imported"
    assert "已导入" in dialog.retry_label.text()
    assert dialog.quarantine_model.rowCount() == 0
    with sqlite_db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Warning)) == 3


def test_manual_entry_validates_and_saves(qtbot, ctx: ServiceContext, sqlite_db: Database) -> None:  # type: ignore[no-untyped-def]
    dialog = ManualEntryDialog(ctx, SyncTaskRunner())
    qtbot.addWidget(dialog)
    assert not dialog.save_button.isEnabled()
    assert "请填写当事人手机号" in dialog.errors_label.text()
    qtbot.keyClicks(dialog.phone_edit, "12345")
    assert "无法识别有效的手机号" in dialog.errors_label.text()
    assert "请选择报告来源" in dialog.errors_label.text()
    dialog.phone_edit.clear()
    qtbot.keyClicks(dialog.phone_edit, "138-0013-8000")
    dialog.source_combo.setCurrentIndex(dialog.source_combo.findData("hotline_96110"))
    dialog.type_combo.setCurrentIndex(dialog.type_combo.findData("impersonate_authority"))
    qtbot.keyClicks(dialog.id_edit, "110105194912310021")
    assert "校验位" in dialog.warnings_label.text()  # a warning, not a blocker
    assert dialog.save_button.isEnabled()
    dialog.signals_edit.setText("正在通话")  # QTest types Latin-1 only
    with qtbot.waitSignal(dialog.report_submitted) as blocker:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    result = blocker.args[0]
    assert result.outcome == "imported"
    assert dialog.result() == ManualEntryDialog.DialogCode.Accepted
    with sqlite_db.sessions() as session:
        w = session.get(Warning, result.warning_id)
        assert w is not None
        assert (w.source, w.fraud_type, w.signals) == ("hotline_96110", "impersonate_authority", ["on_call_now"])


def test_the_file_chooser_offers_old_excel_and_opendocument_sheets(qtbot, ctx: ServiceContext,  # type: ignore[no-untyped-def]
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QFileDialog

    offered: list[str] = []

    def choose(_parent, _title, _folder, filters):  # type: ignore[no-untyped-def]
        offered.append(filters)
        return [str(FIXTURES / "oldsheets.xls"), str(FIXTURES / "oldsheets.ods")], ""

    monkeypatch.setattr(QFileDialog, "getOpenFileNames", staticmethod(choose))
    dialog = ImportDialog(ctx, SyncTaskRunner())
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    first_filter = offered[0].split(";;")[0]
    assert "*.xls " in first_filter and "*.ods" in first_filter and "*.xlsx" in first_filter
    assert dialog.files() == [str(FIXTURES / "oldsheets.xls"), str(FIXTURES / "oldsheets.ods")]
    with qtbot.waitSignal(dialog.import_finished) as blocker:
        dialog.start_import()
    summary = blocker.args[0]
    assert (summary.rows, summary.imported, summary.unchanged) == (8, 4, 4)  # the second file repeats the first
