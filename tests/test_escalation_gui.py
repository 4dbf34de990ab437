"""Escalation GUI: create an order through the dialog with clicks, then advance a task in the panel."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from console.app.bootstrap import Database
from console.services.core.context import Actor
from console.services.escalation import orders as esc
from console.ui.escalation_dialog import EscalationDialog
from console.ui.escalation_panel import EscalationPanel
from console.ui.tasks import SyncTaskRunner, TaskRunner
from tests.escalation_builders import FakeClock, add_warning, ctx_for, standard_stations

pytestmark = pytest.mark.gui


@pytest.fixture
def setup(sqlite_db: Database):  # type: ignore[no-untyped-def]
    from tests.conftest import actor_for

    ids = standard_stations(sqlite_db)
    warning_id = add_warning(sqlite_db, calls=2)
    actor: Actor = actor_for(sqlite_db, "op-gui", "operator")
    return sqlite_db, ids, warning_id, ctx_for(sqlite_db, actor, FakeClock())


def test_dialog_prefills_and_creates_the_order_with_one_confirmation(qtbot, setup) -> None:  # type: ignore[no-untyped-def]
    database, ids, warning_id, ctx = setup
    runner = TaskRunner()  # the real thread pool: the dialog must not block while loading
    dialog = EscalationDialog(ctx, runner, warning_id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.confirm_button.isEnabled(), timeout=10000)
    assert dialog.station_combo.currentText().startswith("城关派出所")
    # the rule's keyword is part of the address: masked like the address
    assert "幸福**" in dialog.station_reason.text() and "幸福社区" not in dialog.station_reason.text()
    assert "139****1111" in dialog.relative_phone_edit.placeholderText()
    assert dialog.family_check.isChecked() and dialog.onsite_check.isChecked() and not dialog.stop_check.isChecked()
    assert "拒绝劝阻" in dialog.reason_edit.text()
    # override the station: the reason says so
    dialog.station_combo.setCurrentIndex(dialog.station_combo.findData(ids["xinhe"]))
    assert "人工指定" in dialog.station_reason.text()
    # typing a bank ticks the stop-payment task (QTest types ASCII only)
    qtbot.keyClicks(dialog.bank_edit, "ABC")
    assert dialog.stop_check.isChecked()
    qtbot.keyClicks(dialog.account_edit, "6228480012345678")
    with qtbot.waitSignal(dialog.escalation_created, timeout=10000) as created:
        qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    info = esc.get_escalation(ctx, created.args[0])
    assert info.station_id == ids["xinhe"]
    assert [t.kind for t in info.tasks] == ["onsite_visit", "stop_payment", "family_notice"]
    assert info.tasks[1].details["account"] == "6228480012345678"
    assert info.tasks[2].details["phone"] == "13900001111"  # the registered relative, never shown in clear
    runner.wait_all()


def test_dialog_shows_a_service_refusal_and_stays_open(qtbot, setup) -> None:  # type: ignore[no-untyped-def]
    _database, _ids, warning_id, ctx = setup
    dialog = EscalationDialog(ctx, SyncTaskRunner(), warning_id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.stop_check, Qt.MouseButton.LeftButton)  # ticked without bank or account
    with qtbot.waitSignal(dialog.failed) as failed:
        qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    assert "开户银行和账号" in failed.args[0]
    assert dialog.isVisible() and dialog.error_label.isVisible() and dialog.confirm_button.isEnabled()
    assert esc.list_escalations(ctx) == []


def test_panel_advances_a_task_and_the_timeline_updates(qtbot, setup) -> None:  # type: ignore[no-untyped-def]
    _database, _ids, warning_id, ctx = setup
    order = esc.create_escalation(ctx, warning_id, tasks=[esc.TaskRequest.onsite_visit(),
                                                          esc.TaskRequest.family_notice("", "")])
    panel = EscalationPanel(ctx, SyncTaskRunner(), order.id)
    qtbot.addWidget(panel)
    panel.show()
    assert panel.task_model.rowCount() == 2
    assert panel.timeline_model.rowCount() == 1
    assert "139****1111" in panel.task_model.index(1, 2).data()  # details masked in the table
    panel.actor_edit.setText("民警张伟")  # QTest cannot type Chinese; the text is what matters here
    panel.note_edit.setText("已电话通知值班室")
    with qtbot.waitSignal(panel.escalation_updated):
        qtbot.mouseClick(panel.advance_button, Qt.MouseButton.LeftButton)
    assert panel.timeline_model.rowCount() == 2
    assert panel.timeline_model.index(1, 1).data() == "已发送"
    assert panel.timeline_model.index(1, 3).data() == "民警张伟"
    assert panel.timeline_model.index(1, 4).data() == "已电话通知值班室"
    assert panel.task_model.index(0, 1).data() == "已发送"
    assert panel.note_edit.text() == ""
    # the second task: closed at once as unreachable; the selection stays on it
    panel.task_view.selectRow(1)
    panel.result_combo.setCurrentIndex(panel.result_combo.findData("unreachable"))
    with qtbot.waitSignal(panel.escalation_updated):
        qtbot.mouseClick(panel.finish_button, Qt.MouseButton.LeftButton)
    assert panel.selected_task_id() == order.tasks[1].id
    assert panel.task_model.index(1, 1).data() == "已完成（无法联系）"
    assert not panel.finish_button.isEnabled() and not panel.advance_button.isEnabled()
    # the station answers: the order is closed and nothing can be advanced any more
    panel.task_view.selectRow(0)
    panel.result_combo.setCurrentIndex(panel.result_combo.findData("success"))
    with qtbot.waitSignal(panel.escalation_updated):
        qtbot.mouseClick(panel.answer_button, Qt.MouseButton.LeftButton)
    assert "已办结" in panel.header.text()
    assert not panel.advance_button.isEnabled() and not panel.answer_button.isEnabled()


def test_the_orders_window_lists_open_orders_and_follows_the_panel(qtbot, setup) -> None:  # type: ignore[no-untyped-def]
    from console.ui.escalations_window import EscalationsWindow

    database, _ids, warning_id, ctx = setup
    first = esc.create_escalation(ctx, warning_id, tasks=[esc.TaskRequest.onsite_visit()])
    other = add_warning(database, name="赵桂兰", phone="13812340000")  # one open order per warning
    second = esc.create_escalation(ctx, other, tasks=[esc.TaskRequest.family_notice("", "")])
    window = EscalationsWindow(ctx, SyncTaskRunner())
    qtbot.addWidget(window)
    window.show()
    listed = [window.model.index(r, 0).data() for r in range(window.model.rowCount())]
    assert listed == [str(second.id), str(first.id)]  # newest first
    assert window.model.index(1, 6).data() != "已签收"
    window.view.selectRow(1)
    assert window.panel.info is not None and window.panel.info.id == first.id
    with qtbot.waitSignal(window.panel.escalation_updated):
        qtbot.mouseClick(window.panel.ack_button, Qt.MouseButton.LeftButton)
    assert window.model.index(1, 6).data() == "已签收"  # the list read again after the panel's write
    assert window.view.currentIndex().row() == 1  # and the order being worked on stays selected
    window.panel.task_view.selectRow(0)
    window.panel.result_combo.setCurrentIndex(window.panel.result_combo.findData("success"))
    with qtbot.waitSignal(window.panel.escalation_updated):
        qtbot.mouseClick(window.panel.answer_button, Qt.MouseButton.LeftButton)
    assert [window.model.index(r, 0).data() for r in range(window.model.rowCount())] == [str(second.id)]
    window.open_only.setChecked(False)  # closed orders on request
    assert window.model.rowCount() == 2
