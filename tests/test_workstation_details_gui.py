"""The smaller things an operator notices: the header's lateness as the queue shows it, a new person on
the reasons tab, no stale save message, a reason for every reveal, the masked escalation dialog, the
centre and seat in the status bar, keys a role may not use, and a trainer's window without errors."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from sqlalchemy import select

from console.app.bootstrap import Database
from console.services.core.context import SYSTEM, Actor
from console.services.demo import generate as demo
from console.ui.escalation_dialog import EscalationDialog
from console.ui.queue_model import QueueTableModel
from console.ui.reveal_reason import RevealReasonDialog
from console.ui.tasks import Change, SyncTaskRunner
from db.models import AuditEvent
from tests import escalation_builders as esc
from tests.gui_helpers import CTRL, demo_actor, make_user, open_window
from tests.queue_helpers import add_warning

pytestmark = pytest.mark.gui


def user(db: Database, login: str, role: str = "operator") -> Actor:
    return make_user(db, login, role, seat="seat-5")


def test_header_lateness_matches_the_queue_and_a_new_person_opens_on_the_reasons(  # type: ignore[no-untyped-def]
        qtbot, sqlite_db: Database, tmp_path: Path) -> None:
    ctx = sqlite_db.context(SYSTEM)
    add_warning(ctx, name="李秀英", amount=Decimal("50000"), signals=("screen_sharing", "transfer_pending"))
    add_warning(ctx, name="王建国")  # received long ago: both are past their deadline
    window = open_window(qtbot, sqlite_db, user(sqlite_db, "op1"), tmp_path)
    qtbot.keyClick(window, Qt.Key.Key_F2)
    panel = window.warning_panel
    window.tick_timer.timeout.emit()
    model = window.queue_panel.model
    row = model.row_of_item(window.workstation.entry.item_id)
    queue_text = model.index(row, QueueTableModel.COLUMNS.index("countdown")).data()
    assert queue_text.startswith("超时") and panel.deadline_label.text() == queue_text
    assert "#cf222e" in panel.deadline_label.styleSheet()  # red, as in the queue

    panel.tabs.setCurrentIndex(1)  # the operator looked at the history of this person
    qtbot.keyClick(window, Qt.Key.Key_4, CTRL)  # no answer
    qtbot.keyClick(window, Qt.Key.Key_Return, CTRL)
    assert "已保存" in window.statusBar().currentMessage()
    qtbot.keyClick(window, Qt.Key.Key_F2)
    assert window.workstation.entry is not None and panel.tabs.currentIndex() == 0
    assert "已保存" not in window.statusBar().currentMessage()  # the last person's message is gone


def test_ctrl_r_asks_a_reason_and_audits_it(qtbot, sqlite_db: Database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    add_warning(sqlite_db.context(SYSTEM))
    window = open_window(qtbot, sqlite_db, user(sqlite_db, "op2"), tmp_path)
    qtbot.keyClick(window, Qt.Key.Key_F2)
    seen: list[bool] = []

    def answer(cancel: bool) -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, RevealReasonDialog):
            QTimer.singleShot(10, lambda: answer(cancel))
            return
        if cancel:
            dialog.reject()
            return
        ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
        dialog.combo.setCurrentIndex(dialog.combo.findData("其他"))
        seen.append(ok.isEnabled())  # 其他 without a word is refused
        dialog.other_edit.setText("家属来电要求核对")
        seen.append(ok.isEnabled())
        ok.click()

    QTimer.singleShot(0, lambda: answer(True))
    qtbot.keyClick(window, Qt.Key.Key_R, CTRL)
    assert "*" in window.call_panel.number_label.text()  # cancelled: nothing shown, nothing audited
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    QTimer.singleShot(0, lambda: answer(False))
    qtbot.keyClick(window, Qt.Key.Key_R, CTRL)
    assert seen == [False, True] and window.call_panel.number_label.text().isdigit()
    with sqlite_db.context().session() as s:
        events = s.execute(select(AuditEvent).where(AuditEvent.action == "reveal")).scalars().all()
        assert [e.reason for e in events] == ["其他：家属来电要求核对"]


def test_escalation_dialog_masks_the_address_and_reveals_with_a_reason(  # type: ignore[no-untyped-def]
        qtbot, sqlite_db: Database, monkeypatch) -> None:
    esc.standard_stations(sqlite_db)
    warning_id = esc.add_warning(sqlite_db)
    with sqlite_db.context().session() as s:
        from db.models import Warning

        person_id = s.get(Warning, warning_id).person_id
    operator = EscalationDialog(sqlite_db.context(user(sqlite_db, "op3")), SyncTaskRunner(), warning_id,
                                person_id=person_id)
    qtbot.addWidget(operator)
    shown = operator.header.text() + operator.station_reason.text()
    assert "3栋201" not in shown and "幸福社区" not in shown and "城关派出所" in operator.station_combo.currentText()
    assert operator.reveal_button.isHidden()  # an operator may not see the address in clear

    monkeypatch.setattr("console.ui.escalation_dialog.ask_reveal_reason", lambda *_a, **_k: "上报派出所")
    chief = EscalationDialog(sqlite_db.context(user(sqlite_db, "chief", "supervisor")), SyncTaskRunner(),
                             warning_id, person_id=person_id)
    qtbot.addWidget(chief)
    assert "3栋201" not in chief.header.text()
    chief.reveal_button.click()
    assert "幸福社区3栋201" in chief.header.text() and "幸福社区" in chief.station_reason.text()
    with sqlite_db.context().session() as s:
        event = s.execute(select(AuditEvent).where(AuditEvent.action == "reveal")).scalar_one()
        assert event.login == "chief" and event.reason == "上报派出所" and event.details["field"] == "address"


def test_status_bar_names_centre_and_seat_and_refused_keys_say_why(qtbot, sqlite_db: Database,  # type: ignore[no-untyped-def]
                                                                    tmp_path: Path) -> None:
    settings = sqlite_db.settings
    named = dataclasses.replace(sqlite_db, settings=dataclasses.replace(
        settings, centre=dataclasses.replace(settings.centre, unit_name="明湖县反诈中心")))
    window = open_window(qtbot, named, user(named, "op4"), tmp_path)
    text = window.user_label.text()
    assert "明湖县反诈中心" in text and "seat-5" in text and "op4" in text
    assert str(named.data_dir) not in window.connection_label.text()
    qtbot.keyClick(window, Qt.Key.Key_F9)
    assert "没有“值班长看板”的权限" in window.statusBar().currentMessage()
    qtbot.keyClick(window, Qt.Key.Key_F10)
    assert "接线员" in window.statusBar().currentMessage() and "报表与统计" in window.statusBar().currentMessage()


def test_trainer_window_asks_nothing_of_the_operator_queue(qtbot, demo_sqlite: Database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    demo.generate(demo_sqlite.context(SYSTEM), warnings=40, seed=3, open_count=10)
    window = open_window(qtbot, demo_sqlite, demo_actor(demo_sqlite, "peixun", "seat-9"), tmp_path)
    window.check_for_changes()  # the two-second poll
    window.runner.data_changed.emit(Change.QUEUE)  # another view wrote something
    window.refresh_queue()
    assert "连接异常" not in window.connection_label.text()
    assert "PermissionDenied" not in window.connection_label.text() + window.statusBar().currentMessage()
    assert window.queue_panel.model.rowCount() == 0
    qtbot.keyClick(window, Qt.Key.Key_F2)  # a trainer takes no warnings: the key says so
    assert "培训员" in window.statusBar().currentMessage() and "下一条" in window.statusBar().currentMessage()
