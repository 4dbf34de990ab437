"""The import dialog's preview and mapping, rejected vs warned rows, the quarantine's failing field,
and manual entry's Ctrl+Enter, confirmation and import-identical ID warning (offscreen Qt)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow
from sqlalchemy import select

from console.app.bootstrap import Database
from console.services.core.context import SYSTEM, ServiceContext, ServiceError
from console.services.intake.importer import import_files
from console.services.intake.preview import check_mapping, preview_file
from console.ui.import_dialog import ImportDialog
from console.ui.intake_marks import MARK_BACKGROUND, REJECTED, WARNED, issue_line
from console.ui.manual_entry_dialog import ManualEntryDialog
from console.ui.tasks import SyncTaskRunner, TaskRunner
from db.models import Person, Warning

pytestmark = pytest.mark.gui
NOW = dt.datetime(2026, 11, 20, 8, tzinfo=dt.UTC)
CTRL = Qt.KeyboardModifier.ControlModifier
BAD_ID = "320102198001011235"  # the check digit does not match


@pytest.fixture
def ctx(sqlite_db: Database) -> ServiceContext:
    return ServiceContext(sqlite_db.sessions, SYSTEM, lambda: NOW)


def _two_phone_file(path: Path, rows: int = 25) -> Path:
    """“手机号” holds the bank's desk line; the person's own mobile is in “本人手机” (not detected)."""
    lines = ["预警编号,姓名,手机号,本人手机,预警类型"]
    lines += [f"M-{n},张{chr(0x4e00 + n)}明,0512-6688{n:04d},139{n:08d},刷单返利" for n in range(1, rows + 1)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_preview_shows_the_first_rows_masked_and_a_corrected_mapping_imports_that_column(  # type: ignore[no-untyped-def]
        qtbot, ctx: ServiceContext, sqlite_db: Database, tmp_path: Path) -> None:
    source = _two_phone_file(tmp_path / "银行推送.csv")
    runner = TaskRunner()
    dialog = ImportDialog(ctx, runner)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: runner.running == 0)
    with qtbot.waitSignal(dialog.preview_loaded, timeout=30_000) as blocker:  # read on a worker thread
        dialog.add_files([str(source)])
    preview = blocker.args[0]
    assert preview.field_columns["phone"] == "手机号" and "本人手机" not in preview.field_columns.values()
    panel = dialog.preview_panel
    assert panel.table.rowCount() == 1 + 20  # the mapping row and the first 20 rows
    headers = preview.headers
    assert panel.combos[headers.index("手机号")].currentData() == "phone"
    assert panel.combos[headers.index("本人手机")].currentData() == ""
    assert panel.cell_text(0, headers.index("姓名")) == "张**"  # masked as the name it is mapped to
    assert panel.cell_text(0, headers.index("本人手机")) == "139****0001"  # free text: masked by pattern

    mobile = panel.combos[headers.index("本人手机")]
    mobile.setCurrentIndex(mobile.findData("phone"))  # the operator corrects the mapping
    assert panel.combos[headers.index("手机号")].currentData() == ""  # a field comes from one column
    assert dialog.mappings[str(source)]["phone"] == "本人手机"
    with qtbot.waitSignal(dialog.import_finished, timeout=60_000) as done:
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert done.args[0].imported == 25 and done.args[0].rejected == 0
    assert runner.wait_all()
    with sqlite_db.sessions() as s:
        phones = set(s.scalars(select(Person.phone)))
    assert "13900000001" in phones and not any(p.startswith("0512") for p in phones)


def test_a_mapping_without_a_phone_or_with_an_unknown_column_is_refused(ctx: ServiceContext, tmp_path: Path) -> None:
    preview = preview_file(ctx, _two_phone_file(tmp_path / "a.csv", rows=3))
    assert len(preview.rows) == 3 and preview.rows[0][0] == 2  # row numbers as in the file
    with pytest.raises(ServiceError, match="手机号"):
        check_mapping(preview.headers, {"name": "姓名"})
    with pytest.raises(ServiceError, match="没有这些列"):
        check_mapping(preview.headers, {"phone": "电话2"})
    with pytest.raises(ServiceError, match="不能同时"):
        check_mapping(preview.headers, {"phone": "本人手机", "fraud_contact": "本人手机"})


def _mixed_file(path: Path) -> Path:
    path.write_text("预警编号,预警时间,姓名,手机号,身份证号,预警类型\n"
                    "X-1,2026-11-20 15:00,李四,12345,,刷单返利\n"  # no usable phone: rejected
                    f"X-2,2026-11-20 15:00,王五,13800138001,{BAD_ID},刷单返利\n"  # imported, with a warning
                    "X-3,2026-11-20 15:00,赵六,13800138002,,刷单返利\n", encoding="utf-8")  # clean
    return path


def test_rejected_and_warned_rows_are_marked_apart_and_the_quarantine_opens_on_the_failing_field(  # type: ignore[no-untyped-def]
        qtbot, ctx: ServiceContext, tmp_path: Path) -> None:
    dialog = ImportDialog(ctx, SyncTaskRunner())
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.add_files([str(_mixed_file(tmp_path / "混合.csv"))])
    with qtbot.waitSignal(dialog.import_finished):
        dialog.start_import()
    model = dialog.issues_model
    marks = {dialog.issues()[r].row: (model.data(model.index(r, 0)),
                                      model.data(model.index(r, 0), Qt.ItemDataRole.BackgroundRole).color(),
                                      model.data(model.index(r, 0), Qt.ItemDataRole.DecorationRole))
             for r in range(model.rowCount())}
    assert set(marks) == {2, 3}
    assert marks[2][0].endswith("已拒绝（进入隔离区）") and marks[2][1] == MARK_BACKGROUND[REJECTED]
    assert marks[3][0].endswith("已导入，有提示") and marks[3][1] == MARK_BACKGROUND[WARNED]
    assert marks[2][1] != marks[3][1] and marks[2][2] is not None and not marks[2][2].isNull()

    dialog.tabs.setCurrentIndex(1)
    assert dialog.quarantine_model.rowCount() == 1
    dialog.field_combo.setCurrentIndex(dialog.field_combo.findData("name"))  # whatever was picked before
    dialog.quarantine_view.selectRow(0)
    assert dialog.field_combo.currentData() == "phone"
    assert dialog.value_edit.text() == "12345" and dialog.value_edit.hasFocus()
    assert dialog.value_edit.selectedText() == "12345"  # typing replaces the wrong value
    assert "需修正：手机号" in dialog.failing_label.text()


def test_manual_entry_saves_with_ctrl_enter_confirms_and_warns_on_an_id_like_an_import(  # type: ignore[no-untyped-def]
        qtbot, ctx: ServiceContext, sqlite_db: Database, tmp_path: Path) -> None:
    imported = import_files(ctx, [_mixed_file(tmp_path / "同号.csv")])
    id_issue = next(i for i in imported.errors if i.field == "id_number")
    window = QMainWindow()
    qtbot.addWidget(window)
    window.show()
    dialog = ManualEntryDialog(ctx, SyncTaskRunner(), window)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.source_combo.setCurrentIndex(dialog.source_combo.findData("bank"))
    qtbot.keyClicks(dialog.phone_edit, "13700137000")
    dialog.name_edit.setText("孙丽华")
    qtbot.keyClicks(dialog.id_edit, BAD_ID)
    assert dialog.warnings_label.text().splitlines()[0] == "提示：" + issue_line(id_issue.field, id_issue.message)
    with qtbot.waitSignal(dialog.report_submitted) as blocker:
        qtbot.keyClick(dialog.id_edit, Qt.Key.Key_Return, CTRL)
    result = blocker.args[0]
    assert result.outcome == "imported" and result.warning_id is not None
    message = window.statusBar().currentMessage()
    assert message.startswith(f"已保存：新预警 {result.warning_id}（孙**）")
    assert "孙丽华" not in message
    with sqlite_db.sessions() as s:
        assert s.get(Warning, result.warning_id) is not None
