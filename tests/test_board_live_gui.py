"""The supervisor board as a duty supervisor relies on it: presence from the heartbeat, stale claims
given back, the selection kept across refreshes, drill-down, neglect alerts, 催办 without a second
order, follow-up waiting counted from the due time, labels that do not overlap (SQLite, pytest-qt)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QInputDialog, QMessageBox
from sqlalchemy import func, select

from console.app.bootstrap import Database
from console.services.calls.drafts import load_drafts, new_draft, save_draft
from console.services.escalation.orders import TaskRequest, create_escalation
from console.services.queue import claims as queue
from console.services.queue import presence
from console.services.stats.figures import compute_stats
from console.ui.agent_state import AgentStateKeeper
from console.ui.supervisor import board as board_module
from console.ui.tasks import SyncTaskRunner
from db.models import AuditEvent, Escalation, EscalationEvent, EscalationTask, QueueItem
from tests.board_helpers import NOW, add_item, centre, make_board, operator_row, refresh

pytestmark = pytest.mark.gui


def _click_row(qtbot, view, row: int) -> None:  # type: ignore[no-untyped-def]
    rect = view.visualRect(view.model().index(row, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_presence_from_the_heartbeat_state_duration_item_and_sign_off(qtbot, sqlite_db: Database) -> None:  # type: ignore[no-untyped-def]
    clock, boss, ops = centre(sqlite_db, "op1", "op2")
    warning_id, item_id = add_item(boss)
    keeper = AgentStateKeeper(ops["op1"], SyncTaskRunner())
    claimed = queue.claim_next(ops["op1"])
    assert claimed is not None and claimed.item_id == item_id
    keeper.item_in_hand = lambda: item_id
    keeper.start()
    keeper.call_started()
    presence.beat(ops["op2"], "paused", None, "用餐")
    clock.advance(minutes=3)
    keeper.timer.timeout.emit()  # the seat's periodic heartbeat (every supervision.heartbeat_seconds)
    presence.beat(ops["op2"], "paused", None, "用餐")
    board = make_board(qtbot, boss)
    row = operator_row(board, "op1")
    assert row[2] == "通话中" and row[3] == "3 分钟" and row[4].startswith(f"预警 #{warning_id}")
    assert operator_row(board, "op2")[2] == "小休（用餐）"

    keeper.stop()  # quitting (or logging out): 离线 at once, not when the heartbeat goes stale
    refresh(qtbot, board)
    assert operator_row(board, "op1")[2] == "离线"
    clock.advance(seconds=boss.settings.supervision.offline_after_seconds + 1)  # op2's console stopped beating
    refresh(qtbot, board)
    assert operator_row(board, "op2")[2] == "离线"
    fg = board.operator_model.data(board.operator_model.index(0, 0), Qt.ItemDataRole.ForegroundRole)
    assert fg is not None  # absent operators are greyed


def test_each_state_change_of_the_seat_is_one_write(qtbot, sqlite_db: Database) -> None:  # type: ignore[no-untyped-def]
    """F12, a call starting and ending: each change reaches the board in one transaction, with the item
    in hand, so the board never sees the new state with the old item (or the reverse)."""
    from sqlalchemy import event

    clock, boss, ops = centre(sqlite_db, "op1")
    warning_id, item_id = add_item(boss)
    keeper = AgentStateKeeper(ops["op1"], SyncTaskRunner())
    assert queue.claim_next(ops["op1"]) is not None
    keeper.item_in_hand = lambda: item_id
    commits: list[int] = []
    listener = lambda _connection: commits.append(1)  # noqa: E731
    event.listen(sqlite_db.engine, "commit", listener)
    try:
        keeper.start()
        keeper.call_started()
        keeper.call_ended()
        keeper.toggle_pause(reason="用餐")
    finally:
        event.remove(sqlite_db.engine, "commit", listener)
    assert len(commits) == 4  # ready, on a call, wrap-up, paused: one write each
    seat = presence.presence(boss)["op1"]
    assert (seat.state, seat.reason, seat.item_id) == ("paused", "用餐", item_id)
    board = make_board(qtbot, boss)
    row = operator_row(board, "op1")
    assert row[2] == "小休（用餐）" and row[4].startswith(f"预警 #{warning_id}")
    assert clock.current == NOW


def test_a_silent_seat_releases_its_claims_and_keeps_its_draft(qtbot, sqlite_db: Database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    clock, boss, ops = centre(sqlite_db, "op1")
    warning_id, item_id = add_item(boss)
    assert queue.claim_next(ops["op1"]) is not None
    presence.beat(ops["op1"], "on_call", item_id)
    draft = new_draft("op1", warning_id, item_id, NOW)
    save_draft(draft, root=tmp_path)
    board = make_board(qtbot, boss)
    assert operator_row(board, "op1")[4].startswith(f"预警 #{warning_id}")
    clock.advance(seconds=boss.settings.supervision.release_claims_after_seconds - 10)
    refresh(qtbot, board)
    assert board.snapshot is not None and board.snapshot.released == []
    clock.advance(seconds=20)  # the seat crashed: no heartbeat for longer than the setting
    refresh(qtbot, board)
    assert board.snapshot is not None and board.snapshot.released == [item_id]
    assert "自动释放" in board.message_label.text()
    assert operator_row(board, "op1")[2] == "离线" and operator_row(board, "op1")[4] == "—"
    with sqlite_db.sessions() as session:
        item = session.get(QueueItem, item_id)
        assert item is not None and item.status == "open" and item.claimed_by is None
        audit = session.execute(select(AuditEvent).where(AuditEvent.action == "release")).scalars().all()
    assert [a.details["from"] for a in audit] == ["op1"]
    assert [d.client_uuid for d in load_drafts("op1", root=tmp_path)] == [draft.client_uuid]  # nothing typed is lost


def test_reassign_offers_present_operators_first_and_confirms_an_absent_one(
        qtbot, sqlite_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    clock, boss, ops = centre(sqlite_db, "op1", "op2")
    add_item(boss, received=NOW - dt.timedelta(minutes=30))
    presence.beat(ops["op2"], "ready", None)
    board = make_board(qtbot, boss)
    offered: list[Any] = []
    answers = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]

    class FakeReassignDialog:
        def __init__(self, _warning_id: int, operators: list[tuple[str, str]], *_args: Any) -> None:
            offered.append(operators)
        def exec(self) -> QDialog.DialogCode:
            return QDialog.DialogCode.Accepted
        def login(self) -> str:
            return "op1"
        def reason(self) -> str:
            return "夜班交接"

    monkeypatch.setattr(board_module, "ReassignDialog", FakeReassignDialog)
    monkeypatch.setattr(QMessageBox, "question", lambda *_a, **_k: answers.pop(0))
    _click_row(qtbot, board.overdue_view, 0)
    qtbot.mouseClick(board.reassign_button, Qt.MouseButton.LeftButton)  # the supervisor answers 否
    assert offered[0][0] == ("op2", "op2") and offered[0][1] == ("op1", "op1（离线）")
    with sqlite_db.sessions() as session:
        assert session.execute(select(func.count()).select_from(QueueItem).where(
            QueueItem.status == "claimed")).scalar_one() == 0
    with pytest.raises(presence.AbsentOperator, match="离线"):
        presence.reassign_checked(boss, board.snapshot.overdue[0].item_id, "op1", "试试")  # type: ignore[union-attr]
    with qtbot.waitSignal(board.action_finished):
        qtbot.mouseClick(board.reassign_button, Qt.MouseButton.LeftButton)  # 是: confirmed
    assert "已改派给 op1" in board.message_label.text()


def test_refresh_keeps_the_selection_and_scroll_so_adjust_level_acts(
        qtbot, sqlite_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    clock, boss, _ops = centre(sqlite_db)
    for minutes in range(40):
        add_item(boss, level="orange", received=NOW - dt.timedelta(minutes=60 + minutes), name=f"王{minutes}")
    board = make_board(qtbot, boss)
    board.resize(1200, 900)
    board.show()
    qtbot.waitExposed(board)
    view = board.overdue_view
    view.scrollToBottom()
    scrolled = view.verticalScrollBar().value()
    assert scrolled > 0
    row = board.overdue_model.rowCount() - 2
    view.selectRow(row)
    chosen = board.selected_overdue()
    assert chosen is not None
    add_item(boss, level="orange", received=NOW - dt.timedelta(hours=5))  # a new, more overdue item goes first
    clock.advance(seconds=5)
    refresh(qtbot, board)
    refresh(qtbot, board)
    after = board.selected_overdue()
    assert after is not None and after.item_id == chosen.item_id
    assert view.verticalScrollBar().value() == scrolled

    class FakeLevelDialog:
        def __init__(self, *_args: Any) -> None: ...
        def exec(self) -> QDialog.DialogCode:
            return QDialog.DialogCode.Accepted
        def level(self) -> str:
            return "red"
        def reason(self) -> str:
            return "涉案金额大"

    monkeypatch.setattr(board_module, "ChangeLevelDialog", FakeLevelDialog)
    with qtbot.waitSignal(board.action_finished):
        qtbot.mouseClick(board.level_button, Qt.MouseButton.LeftButton)
    with sqlite_db.sessions() as session:
        item = session.get(QueueItem, chosen.item_id)
        assert item is not None and item.risk_level == "red"


def test_drill_down_from_a_tile_and_act_on_an_item(qtbot, sqlite_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    clock, boss, _ops = centre(sqlite_db)
    reds = [add_item(boss, level="red", received=NOW - dt.timedelta(minutes=m))[1] for m in (30, 3)]
    add_item(boss, level="yellow", received=NOW - dt.timedelta(hours=3))
    board = make_board(qtbot, boss)
    assert board.overdue_model.rowCount() == 2  # default: every overdue item, red and yellow
    qtbot.mouseClick(board.tile_buttons["red"], Qt.MouseButton.LeftButton)
    model = board.overdue_model
    assert [model.row_at(r).item_id for r in range(model.rowCount())] == reds  # overdue first
    assert "红色条目" in board.items_title.text() and board.tile_buttons["red"].isChecked()
    _click_row(qtbot, board.overdue_view, 1)
    qtbot.mouseClick(board.open_button, Qt.MouseButton.LeftButton)
    assert board.detail_box.isVisible() and "李*" in board.detail_box.text()
    board.detail_box.close()
    monkeypatch.setattr(QInputDialog, "getText", lambda *_a, **_k: ("重复预警", True))
    queue.claim_next(boss)
    refresh(qtbot, board)
    held = next(r for r in range(model.rowCount()) if model.row_at(r).status == "claimed")
    _click_row(qtbot, board.overdue_view, held)
    with qtbot.waitSignal(board.action_finished):
        qtbot.mouseClick(board.release_button, Qt.MouseButton.LeftButton)
    assert board.tile_buttons["red"].isChecked()  # the drill-down survives the action's refresh


def test_neglect_alerts_undialled_claim_and_red_waiting_with_free_operators(qtbot, sqlite_db: Database) -> None:  # type: ignore[no-untyped-def]
    clock, boss, ops = centre(sqlite_db, "op1", "op2")
    settings = boss.settings.supervision
    held_warning, _held = add_item(boss, level="orange")
    assert queue.claim_next(ops["op1"]) is not None
    clock.advance(minutes=settings.undialled_minutes + 1)
    queue.renew_lease(ops["op1"], _held)  # the workstation keeps the claim alive, but nobody dials
    waiting_warning, waiting_item = add_item(boss, level="red", received=clock.current - dt.timedelta(
        minutes=settings.red_waiting_minutes + 2), deadline_min=60)
    presence.beat(ops["op1"], "ready", _held)
    board = make_board(qtbot, boss)
    texts = [board.alert_list.item(i).text() for i in range(board.alert_list.count())]
    assert any(f"#{held_warning}" in t and "仍未拨打" in t for t in texts)
    assert not any("空闲接线员" in t for t in texts)  # op1 has an item in hand: nobody is free yet
    presence.beat(ops["op2"], "ready", None)  # a free operator while a red waits
    refresh(qtbot, board)
    texts = [board.alert_list.item(i).text() for i in range(board.alert_list.count())]
    assert any(f"#{waiting_warning}" in t and "op2" in t for t in texts)
    index = next(i for i, t in enumerate(texts) if f"#{waiting_warning}" in t)
    board.alert_list.itemClicked.emit(board.alert_list.item(index))
    chosen = board.selected_overdue()
    assert board.filter == "red" and chosen is not None and chosen.item_id == waiting_item


def test_chase_records_on_the_same_order_without_a_second_one(
        qtbot, sqlite_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from tests.escalation_builders import add_station

    clock, boss, _ops = centre(sqlite_db)
    station = add_station(sqlite_db, "S1", "城关派出所", [])
    warning_id, _item = add_item(boss)
    create_escalation(boss, warning_id, tasks=[TaskRequest.onsite_visit("上门")], station_id=station, reason="拒接")
    board = make_board(qtbot, boss)
    monkeypatch.setattr(QInputDialog, "getText", lambda *_a, **_k: ("请尽快签收", True))
    _click_row(qtbot, board.ack_view, 0)
    for _ in range(2):
        with qtbot.waitSignal(board.action_finished):
            qtbot.mouseClick(board.chase_button, Qt.MouseButton.LeftButton)
    assert "城关派出所" in board.message_label.text() and "第 2 次" in board.message_label.text()
    assert "0512-66000000" in board.message_label.text()
    with sqlite_db.sessions() as session:
        assert session.execute(select(func.count()).select_from(Escalation)).scalar_one() == 1
        assert session.execute(select(func.count()).select_from(EscalationTask)).scalar_one() == 1
        chased = session.execute(select(EscalationEvent.note).where(EscalationEvent.status == "chased")).scalars().all()
    assert len(chased) == 2 and chased[0].startswith("请尽快签收")
    today = boss.centre_clock.today(clock.current)
    assert compute_stats(boss, today, today).totals.escalations == 1
    assert board.ack_model.rowCount() == 1  # the same order, still waiting for its acknowledgement


def test_a_due_follow_up_waits_from_its_due_time_and_labels_do_not_overlap(qtbot, sqlite_db: Database) -> None:  # type: ignore[no-untyped-def]
    clock, boss, _ops = centre(sqlite_db)
    level = boss.settings.triage.follow_up_level
    add_item(boss, level=level, received=NOW - dt.timedelta(days=30), kind="follow_up",
             follow_up_due=NOW - dt.timedelta(minutes=2))
    board = make_board(qtbot, boss)
    assert "最久等待 2 分钟" in board.tile_buttons[level].text()
    board.drill_down(level)
    assert board.overdue_model.data(board.overdue_model.index(0, 5)) == "2 分钟"
    for width in (260, 420, 900):
        board.hour_chart.resize(width, 190)
        boxes = [box for box, _label in board.hour_chart.label_boxes()]
        assert boxes and all(a.right() <= b.left() for a, b in zip(boxes, boxes[1:], strict=False))
        assert all(box.left() >= 0 and box.right() <= width for box in boxes)
    board.hour_chart.resize(900, 190)
    assert len(board.hour_chart.label_boxes()) == 24  # wide enough: every hour is labelled
