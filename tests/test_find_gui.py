"""Find anyone (Ctrl+F), the person view, taking a named item, and 约定回拨 (Ctrl+B) in the main window."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QMessageBox
from sqlalchemy import select

from console.app.bootstrap import Database
from console.services.queue.claims import claim_item, list_open
from console.ui.main_window import MainWindow
from console.ui.person_view import PersonViewDialog
from console.ui.queue_model import QueueTableModel
from db.models import AuditEvent, Person, QueueItem, Warning
from tests import gui_helpers as gui

pytestmark = pytest.mark.gui


def open_window(qtbot, db: Database, drafts_dir: Path, login: str = "op01") -> MainWindow:  # type: ignore[no-untyped-def]
    # drafts of this test only: a draft left by another test would be reopened as the item in hand
    return gui.open_window(qtbot, db, gui.demo_actor(db, login, "seat-7"), drafts_dir, size=None)


def _open_item_person(db: Database, rank: int = 3) -> tuple[int, int, str]:
    """(item id, person id, phone) of an open queue item below the top of the queue."""
    entries = [e for e in list_open(db.context(gui.demo_actor(db, "zhiban", "s")))
               if e.status == "open"]
    entry = entries[rank]
    with db.sessions() as session:
        person = session.execute(select(Person).join(Warning, Warning.person_id == Person.id)
                                 .where(Warning.id == entry.warning_id)).scalar_one()
        return entry.item_id, person.id, person.phone


def _search(qtbot, window: MainWindow, text: str) -> Any:  # type: ignore[no-untyped-def]
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    dialog = window.find_actions.search_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.keyClicks(dialog.query_edit, text)
    qtbot.keyClick(dialog.query_edit, Qt.Key.Key_Return)
    return dialog


def test_ctrl_f_finds_a_person_by_a_formatted_phone_and_opens_the_person_view(qtbot, demo_db: Database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _item_id, person_id, phone = _open_item_person(demo_db)
    window = open_window(qtbot, demo_db, tmp_path)
    dialog = _search(qtbot, window, f"+86 {phone[:3]}-{phone[3:7]}-{phone[7:]}")
    assert dialog.model.rowCount() >= 1 and "按电话找到" in dialog.status_label.text()
    shown = [dialog.model.index(0, column).data() for column in range(dialog.model.columnCount())]
    assert shown[1] == f"{phone[:3]}****{phone[-4:]}" and phone not in " ".join(shown)
    assert dialog.table.hasFocus()
    qtbot.keyClick(dialog.table, Qt.Key.Key_Return)
    person_view = dialog.person_dialog
    assert isinstance(person_view, PersonViewDialog) and person_view.person_id == person_id
    qtbot.waitUntil(lambda: person_view.timeline is not None)
    assert person_view.phone_label.text() == f"{phone[:3]}****{phone[-4:]}"
    kinds = {person_view.model.index(r, 1).data() for r in range(person_view.model.rowCount())}
    assert "预警" in kinds and "预警" in person_view.summary_label.text()
    with demo_db.sessions() as session:
        audited = session.execute(select(AuditEvent).where(AuditEvent.action == "search")).scalars().all()
    assert [entry.details["key"] for entry in audited] == ["phone"]


def test_an_operator_takes_the_found_item_and_a_held_one_is_refused_in_chinese(qtbot, demo_db: Database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    item_id, _person_id, phone = _open_item_person(demo_db)
    other_id, _other_person, other_phone = _open_item_person(demo_db, rank=5)
    claim_item(demo_db.context(gui.demo_actor(demo_db, "zhiban", "s")), other_id)
    window = open_window(qtbot, demo_db, tmp_path)
    dialog = _search(qtbot, window, other_phone)
    row = next(r for r in range(dialog.model.rowCount()) if dialog.model.item(r).item_id == other_id)
    dialog.table.selectRow(row)
    assert "zhiban 处理中" in dialog.model.index(row, 8).data() and not dialog.take_button.isEnabled()
    qtbot.keyClick(dialog, Qt.Key.Key_F2)
    assert "正由 zhiban 处理" in dialog.status_label.text() and window.workstation.entry is None

    dialog.query_edit.clear()
    qtbot.keyClicks(dialog.query_edit, phone)
    qtbot.keyClick(dialog.query_edit, Qt.Key.Key_Return)
    row = next(r for r in range(dialog.model.rowCount()) if dialog.model.item(r).item_id == item_id)
    dialog.table.selectRow(row)
    qtbot.mouseClick(dialog.take_button, Qt.MouseButton.LeftButton)
    entry = window.workstation.entry
    assert entry is not None and entry.item_id == item_id and entry.claimed_by == "op01"
    assert not dialog.isVisible()


def test_a_race_lost_on_a_queue_row_says_who_took_it(qtbot, demo_db: Database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot, demo_db, tmp_path)
    panel = window.queue_panel
    row = 4
    entry = panel.model.data(panel.model.index(row, 0), QueueTableModel.EntryRole)
    # another seat takes it after this window last refreshed
    claim_item(demo_db.context(gui.demo_actor(demo_db, "zhiban", "s")), entry.item_id)
    rect = panel.table.visualRect(panel.model.index(row, 3))
    qtbot.mouseClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.workstation.entry is None
    assert "刚被 zhiban 领取" in window.statusBar().currentMessage()


def test_double_click_or_enter_on_a_queue_row_takes_that_item(qtbot, demo_db: Database, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                               monkeypatch) -> None:
    refused: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: refused.append(text))
    window = open_window(qtbot, demo_db, tmp_path)
    panel = window.queue_panel
    row = 3
    wanted = panel.model.data(panel.model.index(row, 0), QueueTableModel.EntryRole)
    rect = panel.table.visualRect(panel.model.index(row, 3))
    qtbot.mouseClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    entry = window.workstation.entry
    assert entry is not None and entry.item_id == wanted.item_id and entry.claimed_by == "op01"
    # during the call another row is not taken: the call guard refuses and says why
    qtbot.keyClick(window, Qt.Key.Key_F6)
    assert window.workstation.in_live_call
    other_row = next(r for r in range(panel.model.rowCount())
                     if panel.model.data(panel.model.index(r, 0), QueueTableModel.EntryRole).item_id != wanted.item_id
                     and panel.model.data(panel.model.index(r, 0), QueueTableModel.EntryRole).status == "open")
    panel.table.setFocus()
    panel.table.selectRow(other_row)
    qtbot.keyClick(panel.table, Qt.Key.Key_Return)
    assert window.workstation.entry.item_id == wanted.item_id
    assert refused and all("通话" in text for text in refused)


def test_ctrl_b_agrees_a_callback_for_this_operator_and_notes_it(qtbot, demo_db: Database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot, demo_db, tmp_path)
    qtbot.keyClick(window, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    assert "请先领取" in window.statusBar().currentMessage()
    qtbot.keyClick(window, Qt.Key.Key_F2)
    entry = window.workstation.entry
    assert entry is not None
    qtbot.keyClick(window, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    dialog = window.find_actions.callback_dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.mouseClick(dialog.quick_buttons["1h"], Qt.MouseButton.LeftButton)
    due = dialog.due_at()
    assert abs((due - window.ctx.now()).total_seconds() - 3600) < 120
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    with demo_db.sessions() as session:
        item = session.execute(select(QueueItem).where(QueueItem.kind == "callback")).scalar_one()
    assert item.warning_id == entry.warning_id and item.assigned_to == window.actor.user_id
    assert item.deadline_at == due.replace(second=0, microsecond=0) or abs((item.deadline_at - due).total_seconds()) < 1
    label = window.ctx.centre_clock.format(due, "%m-%d %H:%M")
    assert f"约定回拨：{label}" in window.outcome_panel.notes  # saved with the call log
    assert "已约定回拨" in window.statusBar().currentMessage()


def test_the_holder_reveals_the_phone_in_the_person_view_with_a_reason(qtbot, demo_db: Database, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot, demo_db, tmp_path)
    qtbot.keyClick(window, Qt.Key.Key_F2)
    entry = window.workstation.entry
    with demo_db.sessions() as session:
        person = session.execute(select(Person).join(Warning, Warning.person_id == Person.id)
                                 .where(Warning.id == entry.warning_id)).scalar_one()
    dialog = PersonViewDialog(window.ctx, window.runner, person.id, window)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.phone_label.text() != person.phone
    monkeypatch.setattr(QInputDialog, "getItem", lambda *args, **kwargs: ("本人来电核实身份", True))
    qtbot.mouseClick(dialog.reveal_phone_button, Qt.MouseButton.LeftButton)
    assert dialog.phone_label.text() == person.phone
    with demo_db.sessions() as session:
        reveal = session.execute(select(AuditEvent).where(AuditEvent.action == "reveal")).scalars().all()[-1]
    assert reveal.reason == "本人来电核实身份" and reveal.details["field"] == "phone"


def test_ctrl_shift_f_opens_the_person_view_of_the_claimed_warning(qtbot, demo_db: Database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot, demo_db, tmp_path)
    keys = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(window, Qt.Key.Key_F, keys)
    assert "请先打开一条预警" in window.statusBar().currentMessage()
    qtbot.keyClick(window, Qt.Key.Key_F2)
    detail = window.workstation.detail
    assert detail is not None
    qtbot.keyClick(window, Qt.Key.Key_F, keys)
    dialog = window.find_actions.person_dialog
    assert dialog is not None and dialog.isVisible() and dialog.person_id == detail.person_id
    qtbot.waitUntil(lambda: dialog.timeline is not None)
    assert detail.warning_id in dialog.timeline.warning_ids
    assert any(dialog.model.index(r, 2).data() == f"#{detail.warning_id}" for r in range(dialog.model.rowCount()))
