"""The supervisor board and the reports dialog, driven like a duty supervisor would (SQLite)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from sqlalchemy import select

from console.app.bootstrap import Database
from console.services.core.context import ServiceContext
from console.services.queue import claims as queue
from console.services.security import auth
from console.services.stats.board import summary_text
from console.services.stats.figures import compute_stats
from console.ui.supervisor import ReportsDialog, SupervisorBoard
from console.ui.supervisor import board as board_module
from console.ui.tasks import SyncTaskRunner
from db.models import AuditEvent, QueueItem, User, Warning
from tests.stats_helpers import TODAY, fixed_ctx, pdftotext, seed_demo


@pytest.fixture
def supervisor_ctx(sqlite_db: Database) -> ServiceContext:
    seed_demo(sqlite_db, warnings=300)
    user = auth.get_user(sqlite_db.context(), "zhiban")
    assert user is not None
    return fixed_ctx(sqlite_db, user.actor("seat-sup"))


def _board(qtbot, ctx: ServiceContext) -> SupervisorBoard:  # type: ignore[no-untyped-def]
    board = SupervisorBoard(ctx, None, SyncTaskRunner(), auto_refresh=False)
    qtbot.addWidget(board)
    with qtbot.waitSignal(board.snapshot_applied):
        board.refresh()
    return board


def _select_first_overdue(qtbot, board: SupervisorBoard) -> Any:  # type: ignore[no-untyped-def]
    view = board.overdue_view
    rect = view.visualRect(board.overdue_model.index(0, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    entry = board.selected_overdue()
    assert entry is not None
    return entry


def test_board_shows_the_queue_and_todays_figures(qtbot, supervisor_ctx: ServiceContext) -> None:  # type: ignore[no-untyped-def]
    board = _board(qtbot, supervisor_ctx)
    entries = queue.list_open(supervisor_ctx)
    expected = summary_text(compute_stats(supervisor_ctx, TODAY, TODAY))
    assert board.summary_label.text() == expected and expected.startswith("今日：接收预警 ")
    red = [e for e in entries if e.risk_level == "red"]
    assert f"队列 {len(red)}" in board.tile_labels["red"].text()
    overdue = [e for e in entries if e.overdue]
    assert overdue, "the seeded county has items past their deadline"
    assert board.overdue_model.rowCount() == len(overdue)
    background = board.overdue_model.data(board.overdue_model.index(0, 0), Qt.ItemDataRole.BackgroundRole)
    assert background is not None  # overdue rows are highlighted
    operators = {o.login for o in board.snapshot.operators} if board.snapshot else set()
    assert {"op01", "op06"} <= operators
    assert sum(board.hour_chart.totals()) == compute_stats(supervisor_ctx, TODAY, TODAY).totals.calls


def test_change_level_from_the_board_moves_the_item_and_is_audited(
        qtbot, supervisor_ctx: ServiceContext, sqlite_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    board = _board(qtbot, supervisor_ctx)
    entry = _select_first_overdue(qtbot, board)
    target = "blue" if entry.risk_level != "blue" else "red"

    class FakeLevelDialog:
        def __init__(self, *_args: Any) -> None: ...
        def exec(self) -> QDialog.DialogCode:
            return QDialog.DialogCode.Accepted
        def level(self) -> str:
            return target
        def reason(self) -> str:
            return "当事人已到派出所"

    monkeypatch.setattr(board_module, "ChangeLevelDialog", FakeLevelDialog)
    with qtbot.waitSignal(board.action_finished):
        qtbot.mouseClick(board.level_button, Qt.MouseButton.LeftButton)
    with sqlite_db.sessions() as session:
        warning = session.get(Warning, entry.warning_id)
        item = session.get(QueueItem, entry.item_id)
        audit = session.execute(select(AuditEvent).where(AuditEvent.action == "level_change")).scalars().all()
    assert warning is not None and warning.level_override == target
    assert item is not None and item.risk_level == target
    assert [(a.login, a.object_id, a.reason) for a in audit] == [("zhiban", str(entry.warning_id), "当事人已到派出所")]
    assert "已调整为" in board.message_label.text()


def test_reassign_from_the_board_hands_the_item_to_the_operator(
        qtbot, supervisor_ctx: ServiceContext, sqlite_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from console.services.queue.presence import beat

    op02 = auth.get_user(sqlite_db.context(), "op02")
    assert op02 is not None
    beat(fixed_ctx(sqlite_db, op02.actor("seat-2")), "ready", None)  # op02 is at a seat: no confirmation asked
    board = _board(qtbot, supervisor_ctx)
    entry = _select_first_overdue(qtbot, board)

    class FakeReassignDialog:
        def __init__(self, *_args: Any) -> None: ...
        def exec(self) -> QDialog.DialogCode:
            return QDialog.DialogCode.Accepted
        def login(self) -> str:
            return "op02"
        def reason(self) -> str:
            return "op01 外出"

    monkeypatch.setattr(board_module, "ReassignDialog", FakeReassignDialog)
    with qtbot.waitSignal(board.action_finished):
        qtbot.mouseClick(board.reassign_button, Qt.MouseButton.LeftButton)
    with sqlite_db.sessions() as session:
        item = session.get(QueueItem, entry.item_id)
        op02 = session.execute(select(User.id).where(User.login == "op02")).scalar_one()
        audit = session.execute(select(AuditEvent).where(AuditEvent.action == "reassign")).scalars().all()
    assert item is not None and item.status == "claimed" and item.claimed_by == op02
    assert [a.details["to"] for a in audit] == ["op02"]
    busy = {o.login: o for o in board.snapshot.operators} if board.snapshot else {}
    assert busy["op02"].item_id == entry.item_id  # the board refreshed after the action


def test_reports_dialog_generates_the_daily_pdf(qtbot, supervisor_ctx: ServiceContext, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dialog = ReportsDialog(supervisor_ctx, None, SyncTaskRunner(), output_dir=tmp_path)
    qtbot.addWidget(dialog)
    dialog.set_kind("daily")
    dialog.xlsx_check.setChecked(True)
    with qtbot.waitSignal(dialog.report_finished) as blocker:
        qtbot.mouseClick(dialog.generate_button, Qt.MouseButton.LeftButton)
    result = blocker.args[0]
    assert dialog.progress_bar.value() == 100
    assert result.path.exists() and result.xlsx_path is not None and result.xlsx_path.exists()
    text = pdftotext(result.path)
    assert "值班日报" in text and summary_text(compute_stats(supervisor_ctx, TODAY, TODAY)).replace(" ", "") in text
    assert dialog.open_button.isEnabled() and "已生成" in dialog.status_label.text()


def test_reports_dialog_prints_a_warning_record_masked_unless_revealed_with_a_reason(  # type: ignore[no-untyped-def]
        qtbot, supervisor_ctx: ServiceContext, tmp_path: Path) -> None:
    with supervisor_ctx.sessions() as session:
        warning = session.execute(select(Warning).where(Warning.outcome == "dissuaded").limit(1)).scalar_one()
        name = warning.person.name
    dialog = ReportsDialog(supervisor_ctx, None, SyncTaskRunner(), output_dir=tmp_path)
    qtbot.addWidget(dialog)
    dialog.set_kind("warning")
    dialog.warning_spin.setValue(warning.id)
    with qtbot.waitSignal(dialog.report_finished) as blocker:
        qtbot.mouseClick(dialog.generate_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].masked and name not in pdftotext(blocker.args[0].path)  # a supervisor too
    dialog.reveal_check.setChecked(True)
    assert not dialog.generate_button.isEnabled()  # no reveal without a reason
    dialog.reason_edit.setText("派出所上门核对")
    assert dialog.generate_button.isEnabled()
    with qtbot.waitSignal(dialog.report_finished) as blocker:
        qtbot.mouseClick(dialog.generate_button, Qt.MouseButton.LeftButton)
    assert not blocker.args[0].masked and name in pdftotext(blocker.args[0].path)
    with supervisor_ctx.sessions() as session:
        reveal = session.execute(select(AuditEvent).where(AuditEvent.action == "reveal",
                                                          AuditEvent.object_type == "warning")).scalar_one()
    assert reveal.reason == "派出所上门核对" and reveal.object_id == str(warning.id)
