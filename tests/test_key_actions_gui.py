"""Promised vs confirmed key actions on the workstation, and no duplicate escalation from Ctrl+E."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import func, select

from console.app.bootstrap import Database
from console.services.calls.workstation import warning_detail
from console.services.core.context import SYSTEM
from console.ui.escalation_dialog import EscalationDialog
from console.ui.queue_model import QueueTableModel
from db.models import CallAttempt, Escalation, EscalationEvent
from tests.gui_helpers import ALT, CTRL, demo_actor, make_user, open_window, press
from tests.queue_helpers import add_warning

pytestmark = pytest.mark.gui


def test_a_promise_and_a_verification_are_shown_and_stored_apart(qtbot, sqlite_db: Database,  # type: ignore[no-untyped-def]
                                                                 tmp_path: Path) -> None:
    warning_id, _item = add_warning(sqlite_db.context(SYSTEM), fraud_type="task_rebate")
    window = open_window(qtbot, sqlite_db, make_user(sqlite_db, "op1"), tmp_path)
    press(qtbot, window, Qt.Key.Key_F2, Qt.Key.Key_F6)
    outcome = window.outcome_panel
    assert "尚无承诺" in outcome.actions_label.text()
    press(qtbot, window, Qt.Key.Key_Q, modifier=ALT)  # the person agrees to stop the transfer
    assert window.script_view.key_action_boxes["stop_transfer"].isChecked()
    assert "已承诺（待核实）：停止转账" in outcome.actions_label.text()
    assert "已核实" not in outcome.actions_label.text()
    outcome.verify_actions["tell_family"].trigger()  # the operator verified the family was told
    assert "已核实：告知家人" in outcome.actions_label.text()
    assert outcome.confirmed_actions == ["tell_family"]
    press(qtbot, window, Qt.Key.Key_F7)
    press(qtbot, window, Qt.Key.Key_1, modifier=CTRL)
    press(qtbot, window, Qt.Key.Key_Return, modifier=CTRL)
    with sqlite_db.context().session() as s:
        call = s.execute(select(CallAttempt).where(CallAttempt.warning_id == warning_id)).scalar_one()
        assert call.key_actions == ["stop_transfer"]
        assert call.confirmed_actions == ["tell_family"]
    assert window.workstation.state is None
    window.warning_panel.show_detail(warning_detail(window.ctx, warning_id))  # the call history says both
    history = window.warning_panel.history_label.text()
    assert "已承诺：停止转账" in history and "已核实：告知家人" in history


def test_a_second_ctrl_e_shows_the_open_order_and_busy_no_longer_suggests(qtbot, demo_db: Database,  # type: ignore[no-untyped-def]
                                                                          tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    actor = demo_actor(demo_db, "op01", "seat-9")
    opened: list[EscalationDialog] = []

    def run_dialog(dialog: EscalationDialog) -> int:
        opened.append(dialog)
        dialog.show()
        qtbot.waitUntil(lambda: dialog.draft is not None or dialog.open_order is not None)
        if dialog.open_order is None:  # the first time: confirm the pre-filled order
            qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
        else:  # the second time: the open order, read-only, with a chase-up note sent by Ctrl+Enter
            dialog.activateWindow()
            qtbot.waitUntil(dialog.isActiveWindow)
            assert dialog.order_view.note_edit.hasFocus()
            dialog.order_view.note_edit.insertPlainText("当事人仍在占线，请尽快上门")
            qtbot.keyClick(dialog.order_view.note_edit, Qt.Key.Key_Return, CTRL)
        return int(dialog.result())

    monkeypatch.setattr(EscalationDialog, "exec", run_dialog)
    window = open_window(qtbot, demo_db, actor, tmp_path)
    press(qtbot, window, Qt.Key.Key_F2)
    state = window.workstation.state
    assert window.workstation.detail.risk_level == "red"
    press(qtbot, window, Qt.Key.Key_F6, Qt.Key.Key_F7)
    press(qtbot, window, Qt.Key.Key_5, modifier=CTRL)  # 占线: escalation suggested
    outcome = window.outcome_panel
    assert outcome.plan is not None and outcome.plan.suggest_escalation
    press(qtbot, window, Qt.Key.Key_E, modifier=CTRL)
    # escalated: the same busy outcome no longer tells the operator to escalate
    assert outcome.plan is not None and not outcome.plan.suggest_escalation
    assert "建议立即上报" not in outcome.next_label.text() and "无需再次上报" in outcome.next_label.text()

    press(qtbot, window, Qt.Key.Key_E, modifier=CTRL)  # a second Ctrl+E
    assert len(opened) == 2
    second = opened[1]
    assert second.open_order is not None and not second.confirm_button.isVisible()
    assert "不重复上报" in second.order_view.title.text() and second.order_view.state_label.text()
    with demo_db.context().session() as s:
        orders = s.execute(select(Escalation).where(Escalation.warning_id == state.warning_id)).scalars().all()
        assert len(orders) == 1 and orders[0].id == second.open_order.id
        notes = s.execute(select(EscalationEvent.note).where(EscalationEvent.escalation_id == orders[0].id,
                                                             EscalationEvent.status == "reminded")).scalars().all()
        assert notes == ["当事人仍在占线，请尽快上门"]

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    press(qtbot, window, Qt.Key.Key_Return, modifier=CTRL)  # the busy outcome is saved
    with demo_db.context().session() as s:
        assert s.execute(select(func.count()).select_from(CallAttempt)
                         .where(CallAttempt.client_uuid == state.client_uuid)).scalar_one() == 1


def test_retry_rows_say_when_the_next_dial_is_due(qtbot, sqlite_db: Database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    add_warning(sqlite_db.context(SYSTEM), fraud_type="fake_loan")
    window = open_window(qtbot, sqlite_db, make_user(sqlite_db, "op2"), tmp_path)
    press(qtbot, window, Qt.Key.Key_F2, Qt.Key.Key_F6, Qt.Key.Key_F7)
    press(qtbot, window, Qt.Key.Key_4, modifier=CTRL)  # 无人接听
    press(qtbot, window, Qt.Key.Key_Return, modifier=CTRL)
    model: QueueTableModel = window.queue_panel.model
    qtbot.waitUntil(lambda: model.rowCount() == 1)
    entry = model.entry(0)
    assert entry.not_before is not None
    text = model.data(model.index(0, model.COLUMNS.index("kind")))
    due = window.ctx.centre_clock.format(entry.not_before, "%H:%M")
    minutes = -(-int((entry.not_before - window.ctx.now()).total_seconds()) // 60)
    assert text == f"重拨 {due}（{minutes} 分后）"
    model._now = entry.not_before + dt.timedelta(seconds=1)  # once due, the row is a plain retry again
    assert model.data(model.index(0, model.COLUMNS.index("kind"))) == "重拨"
