"""The call in hand is never dropped: F2, a row switch, quit, logout and lock refuse during a live call
and ask when something is unsaved; the draft stays on disk and the item in “我的处理中”."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from console.app.bootstrap import Database
from console.services.calls import drafts
from console.services.core.context import SYSTEM
from console.services.security.session_policy import IdleTimer
from console.ui.main_window import MainWindow
from db.models import QueueItem
from tests.gui_helpers import CTRL, make_user, open_window
from tests.queue_helpers import add_warning

pytestmark = pytest.mark.gui


def two_warnings(db: Database) -> tuple[int, int]:
    """A red one (claimed first) and a blue one; returns their queue item ids."""
    ctx = db.context(SYSTEM)
    _w1, first = add_warning(ctx, name="李秀英", amount=Decimal("50000"), signals=("screen_sharing", "transfer_pending"))
    _w2, second = add_warning(ctx, name="王建国")
    assert first is not None and second is not None
    return first, second


def answer_dialog(qtbot, button_text: str, *, tick: bool = False) -> list[str]:  # type: ignore[no-untyped-def]
    """Click a button of the next modal message box (after ticking its check box); returns its text."""
    seen: list[str] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, answer)
            return
        seen.append(box.text())
        if tick and box.checkBox() is not None:
            box.checkBox().setChecked(True)
        next(b for b in box.buttons() if b.text() == button_text).click()

    QTimer.singleShot(0, answer)
    return seen


def refocus(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """The keys go to the window again once a message box is gone."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)


def refusals(monkeypatch) -> list[str]:  # type: ignore[no-untyped-def]
    texts: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: texts.append(text))
    return texts


def status(db: Database, item_id: int) -> tuple[str, int | None]:
    with db.context().session() as s:
        item = s.get(QueueItem, item_id)
        return item.status, item.claimed_by


def draft_notes(login: str, root: Path, item_id: int) -> list[str]:
    """The notes kept on disk for one queue item (the item in hand always has a draft too)."""
    return [d.fields.get("notes", "") for d in drafts.load_drafts(login, root=root) if d.queue_item_id == item_id]


def test_f2_refused_during_a_call_then_set_aside_and_reopened_from_my_items(  # type: ignore[no-untyped-def]
        qtbot, sqlite_db: Database, tmp_path: Path, monkeypatch) -> None:
    first, second = two_warnings(sqlite_db)
    actor = make_user(sqlite_db, "op1")
    window = open_window(qtbot, sqlite_db, actor, tmp_path)
    refused = refusals(monkeypatch)
    qtbot.keyClick(window, Qt.Key.Key_F2)
    assert window.workstation.entry.item_id == first
    qtbot.keyClick(window, Qt.Key.Key_F6)  # the call is running
    qtbot.keyClick(window, Qt.Key.Key_F2)
    assert refused and "通话进行中" in refused[0] and "F7" in refused[0]
    assert window.workstation.entry.item_id == first and window.call_panel.in_call
    assert status(sqlite_db, second)[0] == "open"  # nothing else was claimed

    qtbot.keyClick(window, Qt.Key.Key_F7)
    window.outcome_panel.notes_edit.insertPlainText("对方说晚上再打")
    asked = answer_dialog(qtbot, "保存草稿并继续")
    qtbot.keyClick(window, Qt.Key.Key_F2)
    assert asked and "领取下一条" in asked[0]
    assert window.workstation.entry.item_id == second
    assert status(sqlite_db, first) == ("claimed", actor.user_id)  # still held, not silently dropped
    assert draft_notes("op1", tmp_path, first) == ["对方说晚上再打"]
    mine = window.my_items
    rows = {e.item_id: mine.model.index(r, 3).data() for r, e in enumerate(mine.entries())}
    assert rows[first] == "已领取·有草稿" and rows[second] == "正在处理"

    # the second is untouched: opening the first from 我的处理中 gives it back without asking
    row = next(r for r, e in enumerate(mine.entries()) if e.item_id == first)
    qtbot.mouseClick(mine.table.viewport(), Qt.MouseButton.LeftButton,
                     pos=mine.table.visualRect(mine.model.index(row, 1)).center())
    assert window.workstation.entry.item_id == first
    assert window.outcome_panel.notes == "对方说晚上再打"
    assert window.call_panel.ended_at is not None  # the call's timer came back too
    assert status(sqlite_db, second) == ("open", None)


def test_switching_rows_asks_cancel_keeps_the_call_discard_gives_it_back(  # type: ignore[no-untyped-def]
        qtbot, sqlite_db: Database, tmp_path: Path, monkeypatch) -> None:
    first, second = two_warnings(sqlite_db)
    window = open_window(qtbot, sqlite_db, make_user(sqlite_db, "op1"), tmp_path)
    refused = refusals(monkeypatch)
    table = window.queue_panel.table

    def click_row_of(item_id: int) -> None:
        row = window.queue_panel.model.row_of_item(item_id)
        rect = table.visualRect(window.queue_panel.model.index(row, 3))
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(rect.center()))

    qtbot.keyClick(window, Qt.Key.Key_F2)
    qtbot.keyClick(window, Qt.Key.Key_F6)
    click_row_of(second)
    assert refused and "查看其他条目" in refused[-1]
    assert window.queue_panel.selected_entry().item_id == first  # the selection snaps back
    qtbot.keyClick(window, Qt.Key.Key_F7)
    qtbot.keyClick(window, Qt.Key.Key_2, CTRL)  # an outcome is picked
    asked = answer_dialog(qtbot, "取消")
    click_row_of(second)
    assert asked and window.workstation.entry.item_id == first and window.outcome_panel.disposition
    assert window.queue_panel.selected_entry().item_id == first

    answer_dialog(qtbot, "放弃")
    click_row_of(second)
    assert window.workstation.state is None
    assert window.warning_panel.entry.item_id == second  # now only browsing the other row
    assert status(sqlite_db, first) == ("open", None)
    assert not drafts.load_drafts("op1", root=tmp_path)


def test_quit_refused_in_a_call_then_asks_and_releases_only_when_ticked(  # type: ignore[no-untyped-def]
        qtbot, sqlite_db: Database, tmp_path: Path, monkeypatch) -> None:
    first, _second = two_warnings(sqlite_db)
    window = open_window(qtbot, sqlite_db, make_user(sqlite_db, "op1"), tmp_path)
    refused = refusals(monkeypatch)
    qtbot.keyClick(window, Qt.Key.Key_F2)
    qtbot.keyClick(window, Qt.Key.Key_F6)
    qtbot.keyClick(window, Qt.Key.Key_Q, CTRL)
    assert refused and "退出" in refused[0] and window.isVisible()

    qtbot.keyClick(window, Qt.Key.Key_F7)
    answer_dialog(qtbot, "取消")
    qtbot.keyClick(window, Qt.Key.Key_Q, CTRL)
    assert window.isVisible() and window.workstation.entry.item_id == first
    refocus(qtbot, window)

    answer_dialog(qtbot, "保存草稿并继续", tick=True)  # ticked: the item goes back to the queue
    qtbot.keyClick(window, Qt.Key.Key_Q, CTRL)
    assert not window.isVisible()
    assert status(sqlite_db, first) == ("open", None)
    assert len(drafts.load_drafts("op1", root=tmp_path)) == 1  # the call can still be written later


def test_logout_asks_and_keeps_the_claim_unless_told(qtbot, sqlite_db: Database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first, _second = two_warnings(sqlite_db)
    actor = make_user(sqlite_db, "op1")
    window = open_window(qtbot, sqlite_db, actor, tmp_path)
    qtbot.keyClick(window, Qt.Key.Key_F2)
    window.outcome_panel.notes_edit.insertPlainText("家属在场")
    answer_dialog(qtbot, "取消")
    qtbot.keyClick(window, Qt.Key.Key_L, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert window.isVisible()
    refocus(qtbot, window)

    answer_dialog(qtbot, "保存草稿并继续")
    with qtbot.waitSignal(window.logout_requested):
        qtbot.keyClick(window, Qt.Key.Key_L, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert not window.isVisible() and window.logged_out
    assert status(sqlite_db, first) == ("claimed", actor.user_id)  # not released: nobody said so
    assert draft_notes("op1", tmp_path, first) == ["家属在场"]


def test_lock_waits_for_a_live_call_and_keeps_the_draft(  # type: ignore[no-untyped-def]
        qtbot, sqlite_db: Database, tmp_path: Path, monkeypatch) -> None:
    first, _second = two_warnings(sqlite_db)
    now = [dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)]
    window = open_window(qtbot, sqlite_db, make_user(sqlite_db, "op1"), tmp_path,
                         idle_timer=IdleTimer(dt.timedelta(minutes=10), lambda: now[0]))
    refused = refusals(monkeypatch)
    qtbot.keyClick(window, Qt.Key.Key_F2)
    qtbot.keyClick(window, Qt.Key.Key_F6)
    qtbot.keyClick(window, Qt.Key.Key_L, CTRL)
    assert refused and "锁定屏幕" in refused[0]
    now[0] += dt.timedelta(minutes=11)  # a long call without touching the keyboard
    window.idle_guard.check()
    assert window.centralWidget().isVisible() and window.call_panel.in_call

    qtbot.keyClick(window, Qt.Key.Key_F7)
    window.outcome_panel.notes_edit.insertPlainText("已通知家属")
    now[0] += dt.timedelta(minutes=11)
    window.idle_guard.check()
    assert not window.centralWidget().isVisible()  # idle: locked, the call in hand kept
    assert draft_notes("op1", tmp_path, first) == ["已通知家属"]
    window.lock_dialog.password_edit.setText("secret-pass")
    window.lock_dialog.try_unlock()
    assert window.centralWidget().isVisible() and window.outcome_panel.notes == "已通知家属"
    assert window.workstation.state is not None


def test_my_items_follows_changes_and_opens_a_callback_due_to_me(qtbot, sqlite_db: Database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import update

    from console.ui.tasks import Change

    first, second = two_warnings(sqlite_db)
    actor = make_user(sqlite_db, "op1")
    window = open_window(qtbot, sqlite_db, actor, tmp_path)
    mine = window.my_items
    assert mine.entries() == [] and mine.empty_label.isVisible()
    with sqlite_db.context().session() as s:  # e.g. a callback promised to this operator, written elsewhere
        s.execute(update(QueueItem).where(QueueItem.id == second).values(assigned_to=actor.user_id))
    window.runner.data_changed.emit(Change.QUEUE)
    assert [e.item_id for e in mine.entries()] == [second] and "我的处理中（1）" in mine.title.text()
    mine.table.activated.emit(mine.model.index(0, 1))  # Enter on the row
    assert window.workstation.entry.item_id == second and window.workstation.holds_claim
    assert status(sqlite_db, second) == ("claimed", actor.user_id)
    assert status(sqlite_db, first)[0] == "open"


def test_a_draft_whose_claim_lapsed_stays_listed_and_reopens(qtbot, sqlite_db: Database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from console.services.queue import claims
    from console.ui.tasks import Change

    first, second = two_warnings(sqlite_db)
    actor = make_user(sqlite_db, "op1")
    window = open_window(qtbot, sqlite_db, actor, tmp_path)
    qtbot.keyClick(window, Qt.Key.Key_F2)
    window.outcome_panel.notes_edit.insertPlainText("答应下午去派出所")
    answer_dialog(qtbot, "保存草稿并继续")
    qtbot.keyClick(window, Qt.Key.Key_F2)
    assert window.workstation.entry.item_id == second
    claims.release(sqlite_db.context(actor), first, "领取到期")  # as if the lease had run out
    window.runner.data_changed.emit(Change.QUEUE)
    mine = window.my_items
    rows = {e.item_id: mine.model.index(r, 3).data() for r, e in enumerate(mine.entries())}
    assert rows[first] == "仅有草稿（领取已过期）"
    row = next(r for r, e in enumerate(mine.entries()) if e.item_id == first)
    mine.table.activated.emit(mine.model.index(row, 1))  # the second is untouched: no question
    assert window.workstation.entry.item_id == first and not window.workstation.holds_claim
    assert window.outcome_panel.notes == "答应下午去派出所"


def test_an_untouched_claim_goes_back_when_the_next_is_taken_with_f2_or_by_name(  # type: ignore[no-untyped-def]
        qtbot, sqlite_db: Database, tmp_path: Path) -> None:
    first, second = two_warnings(sqlite_db)
    actor = make_user(sqlite_db, "op1")
    window = open_window(qtbot, sqlite_db, actor, tmp_path)
    qtbot.keyClick(window, Qt.Key.Key_F2)
    assert window.workstation.entry.item_id == first
    qtbot.keyClick(window, Qt.Key.Key_F2)  # nothing done with the first: it goes back once the next is taken
    assert window.workstation.entry.item_id == second
    assert status(sqlite_db, first) == ("open", None) and status(sqlite_db, second) == ("claimed", actor.user_id)
    assert window.statusBar().currentMessage() == "上一条未作任何处理，已退回队列"
    window.statusBar().clearMessage()

    # the person of the first calls back: found by name and taken; the untouched second goes back
    qtbot.keyClick(window, Qt.Key.Key_F, CTRL)
    dialog = window.find_actions.search_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.query_edit.setText("李秀英")  # Chinese comes through the input method, not key by key
    qtbot.keyClick(dialog.query_edit, Qt.Key.Key_Return)
    row = next(r for r in range(dialog.model.rowCount()) if dialog.model.item(r).item_id == first)
    dialog.table.selectRow(row)
    qtbot.mouseClick(dialog.take_button, Qt.MouseButton.LeftButton)
    assert window.workstation.entry.item_id == first and not dialog.isVisible()
    assert status(sqlite_db, first) == ("claimed", actor.user_id) and status(sqlite_db, second) == ("open", None)
    assert window.statusBar().currentMessage() == "上一条未作任何处理，已退回队列"
    assert [e.item_id for e in window.my_items.entries()] == [first]  # nothing else is left in hand
