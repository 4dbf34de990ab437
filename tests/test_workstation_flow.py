"""The operator's whole working loop, driven with keys: next → call → script with an objection →
key actions → outcome → saved with the right next step; the no-answer retry; the audited reveal."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select, update

from console.app.bootstrap import Database
from console.services.core.context import SYSTEM
from db.models import AuditEvent, CallAttempt, FollowUp, Person, QueueItem
from tests.gui_helpers import ALT, CTRL, make_user, open_window, press
from tests.queue_helpers import add_warning

pytestmark = pytest.mark.gui


def test_next_call_script_objection_and_dissuaded_outcome_with_keys(qtbot, sqlite_db: Database,  # type: ignore[no-untyped-def]
                                                                     tmp_path: Path) -> None:
    warning_id, item_id = add_warning(sqlite_db.context(SYSTEM), fraud_type="task_rebate", name="李秀英",
                                      amount=Decimal("20000"), signals=("screen_sharing",))
    with sqlite_db.context().session() as s:
        s.execute(update(Person).where(Person.name == "李秀英").values(sex="F"))
    actor = make_user(sqlite_db, "op1")
    window = open_window(qtbot, sqlite_db, actor, tmp_path)
    script = window.script_view

    press(qtbot, window, Qt.Key.Key_F2)  # next: claims and opens the only item
    assert window.workstation.entry.item_id == item_id
    assert script.session is not None and script.session.script.id == "task_rebate"
    assert "李女士" in script.line_label.text()  # surname and form of address are filled in
    assert "138" not in window.call_panel.number_label.text()[3:7]  # still masked

    press(qtbot, window, Qt.Key.Key_F6)  # start the call: the timer runs
    assert window.call_panel.in_call and not window.call_panel.start_button.isEnabled()
    press(qtbot, window, Qt.Key.Key_1, Qt.Key.Key_1)  # it is him; he is sharing his screen
    assert script.session.current_ref == "stop_share"
    press(qtbot, window, Qt.Key.Key_1, modifier=ALT)  # "you are the scammers": objection handler
    assert script.session.current_objection == "doubts_caller"
    assert "【应对" in script.node_title.text()
    press(qtbot, window, Qt.Key.Key_1)  # he will call 110 himself → back where we were
    assert script.session.current_ref == "stop_share"
    assert script.key_action_boxes["call_110_to_verify"].isChecked()
    press(qtbot, window, Qt.Key.Key_1)  # sharing stopped: now clean up the phone
    assert script.session.current_ref == "secure_device" and script.session.purpose == "secure_device"
    assert "密码" in script.line_label.text() and script.check_buttons  # the step's checking questions
    press(qtbot, window, Qt.Key.Key_1, Qt.Key.Key_2)  # will do it all; then a wrong choice …
    assert script.session.current_ref == "reveal"
    press(qtbot, window, Qt.Key.Key_Backspace)  # … undone with one key
    assert script.session.current_ref == "check_money"
    press(qtbot, window, Qt.Key.Key_1, Qt.Key.Key_1, Qt.Key.Key_1)  # no money sent; understood; agrees to all
    assert script.session.current_ref == "collect_leads" and script.session.purpose == "leads"
    press(qtbot, window, Qt.Key.Key_1)  # gave the scammer's number and group
    assert script.session.finished
    press(qtbot, window, Qt.Key.Key_U, modifier=ALT)  # also agrees to visit the station (ticked by hand)
    assert script.key_action_boxes["visit_station"].isChecked()
    assert script.key_action_boxes["end_screen_share"].isChecked()

    outcome = window.outcome_panel
    assert outcome.disposition == "dissuaded"  # the script's ending pre-selects the outcome
    press(qtbot, window, Qt.Key.Key_1, modifier=CTRL)
    for day in ("第1天", "第7天", "第30天", "第90天"):
        assert day in outcome.next_label.text()  # the next step is shown before saving
    press(qtbot, window, Qt.Key.Key_M, modifier=CTRL)
    qtbot.keyClicks(outcome.amount_edit, "20000")
    press(qtbot, window, Qt.Key.Key_N, modifier=CTRL)
    assert outcome.notes_edit.hasFocus()
    outcome.notes_edit.insertPlainText("已卸载软件，家属在场")  # Chinese arrives committed from the input method
    press(qtbot, window, Qt.Key.Key_Return, modifier=CTRL)  # save

    with sqlite_db.context().session() as s:
        call = s.execute(select(CallAttempt).where(CallAttempt.warning_id == warning_id)).scalar_one()
        assert call.disposition == "dissuaded" and call.connected
        assert call.script_id == "task_rebate" and call.script_version
        assert call.node_path[0] == "opening" and call.node_path[-1] == "close_dissuaded"
        assert "secure_device" in call.node_path and "collect_leads" in call.node_path
        assert "@doubts_caller" in call.node_path
        assert call.objections == ["doubts_caller"]
        assert {"call_110_to_verify", "end_screen_share", "stop_transfer", "visit_station"} <= set(call.key_actions)
        assert call.amount_protected == Decimal("20000")
        assert call.notes == "已卸载软件，家属在场"
        assert s.get(QueueItem, item_id).status == "done"
        days = sorted(f.day_offset for f in s.execute(select(FollowUp).where(FollowUp.warning_id == warning_id))
                      .scalars())
        assert days == [1, 7, 30, 90]
    assert window.workstation.state is None  # the centre is free for the next one
    assert "劝阻成功" in window.statusBar().currentMessage()
    assert not list(tmp_path.rglob("*.json"))  # the draft is gone once the call is written


def test_no_answer_puts_the_item_back_with_a_retry_time(qtbot, sqlite_db: Database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    warning_id, item_id = add_warning(sqlite_db.context(SYSTEM), fraud_type="fake_loan")
    window = open_window(qtbot, sqlite_db, make_user(sqlite_db, "op2"), tmp_path)
    press(qtbot, window, Qt.Key.Key_F2, Qt.Key.Key_F6, Qt.Key.Key_F7)
    press(qtbot, window, Qt.Key.Key_4, modifier=CTRL)  # 无人接听
    assert window.outcome_panel.disposition == "no_answer"
    preview = window.outcome_panel.next_label.text()
    assert "分钟后重拨" in preview and "重拨时间" in preview
    press(qtbot, window, Qt.Key.Key_Return, modifier=CTRL)
    with sqlite_db.context().session() as s:
        call = s.execute(select(CallAttempt).where(CallAttempt.warning_id == warning_id)).scalar_one()
        assert call.disposition == "no_answer" and not call.connected
        item = s.get(QueueItem, item_id)
        assert item.status == "open" and item.kind == "retry" and item.claimed_by is None
        assert item.not_before is not None and item.not_before > call.ended_at


def test_save_needs_an_outcome(qtbot, sqlite_db: Database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    warning_id, _item = add_warning(sqlite_db.context(SYSTEM))
    window = open_window(qtbot, sqlite_db, make_user(sqlite_db, "op3"), tmp_path)
    press(qtbot, window, Qt.Key.Key_F2, Qt.Key.Key_F6)
    press(qtbot, window, Qt.Key.Key_Return, modifier=CTRL)
    assert not window.outcome_panel.save_button.isEnabled()
    with sqlite_db.context().session() as s:
        assert s.execute(select(CallAttempt).where(CallAttempt.warning_id == warning_id)).first() is None
    assert window.workstation.state is not None


def test_operator_reveal_is_audited_and_copied(qtbot, sqlite_db: Database, tmp_path: Path,  # type: ignore[no-untyped-def]
                                               monkeypatch) -> None:
    add_warning(sqlite_db.context(SYSTEM))
    asked: list[str] = []
    monkeypatch.setattr("console.ui.call_panel.ask_reveal_reason",
                        lambda field, _parent, default="": asked.append(field) or "核实身份")
    window = open_window(qtbot, sqlite_db, make_user(sqlite_db, "op4"), tmp_path)
    panel = window.call_panel
    assert not panel.reveal_button.isEnabled()  # nothing claimed yet
    press(qtbot, window, Qt.Key.Key_F2)
    assert "*" in panel.number_label.text() and not panel.copy_button.isEnabled()
    press(qtbot, window, Qt.Key.Key_R, modifier=CTRL)
    number = panel.number_label.text()
    assert number.isdigit() and len(number) == 11
    press(qtbot, window, Qt.Key.Key_C, modifier=CTRL)
    from PySide6.QtGui import QGuiApplication

    assert QGuiApplication.clipboard().text() == number
    with sqlite_db.context().session() as s:
        event = s.execute(select(AuditEvent).where(AuditEvent.action == "reveal")).scalar_one()
        assert event.login == "op4" and event.details["field"] == "phone"
        assert asked == ["电话"] and event.reason == "核实身份"  # the reason picked goes to the audit
        assert number not in str(event.details)


def test_trainer_gets_no_personal_data_and_cannot_reveal(qtbot, sqlite_db: Database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    add_warning(sqlite_db.context(SYSTEM))
    window = open_window(qtbot, sqlite_db, make_user(sqlite_db, "tr1", "trainer"), tmp_path)
    assert not window.queue_panel.isVisible() and not window.workstation.isVisible()
    assert window.queue_panel.model.rowCount() == 0  # the queue was never loaded
    assert not window.call_panel.reveal_button.isVisible()
    press(qtbot, window, Qt.Key.Key_F2)
    assert window.workstation.state is None
