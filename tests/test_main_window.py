"""The main window opens on a demo database and shows the live queue (model/view, not item widgets)."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from sqlalchemy import update

from console.app.bootstrap import Database
from console.services.core.context import ServiceContext
from console.services.demo import generate as demo
from console.ui.main_window import MainWindow
from console.ui.queue_model import QueueTableModel, countdown_text
from console.ui.tasks import SyncTaskRunner
from db.models import QueueItem
from tests import gui_helpers as gui

pytestmark = pytest.mark.gui


def open_window(qtbot, db: Database, login: str = "op01") -> MainWindow:  # type: ignore[no-untyped-def]
    return gui.open_window(qtbot, db, gui.demo_actor(db, login, "seat-7"), size=None)


def test_window_lists_the_open_queue_in_chinese(qtbot, demo_db: Database) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot, demo_db)
    model = window.queue_panel.model
    assert model.rowCount() == 25
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers[:4] == ["等级", "时限", "类别", "诈骗类型"]
    first = model.index(0, 0).data()
    assert first[0] in "红橙黄蓝"
    assert "*" in model.index(0, QueueTableModel.COLUMNS.index("phone")).data()  # masked by default
    # the status bar names the centre, the seat and the login; the database path is only a tooltip
    assert "SQLite" in window.connection_label.toolTip()
    bar_text = " ".join(w.text() for w in window.statusBar().findChildren(QLabel))
    assert str(demo_db.data_dir) not in bar_text and ".sqlite3" not in bar_text
    user = window.user_label.text()
    assert "seat-7" in user and "op01" in user and "接线员" in user


def test_level_filter_and_selection_survive_a_live_refresh(qtbot, demo_db: Database) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot, demo_db)
    panel = window.queue_panel
    panel.level_boxes["blue"].setChecked(False)
    assert all(panel.model.index(r, 0).data()[0] != "蓝" for r in range(panel.model.rowCount()))
    assert panel.model.rowCount() < len(panel.model.entries())
    panel.table.selectRow(2)
    chosen = panel.selected_entry().item_id
    # another seat changes the queue: a new version arrives, the window reloads on its next poll
    with demo_db.context().session() as s:
        s.execute(update(QueueItem).where(QueueItem.id != chosen, QueueItem.status == "open")
                  .values(priority=QueueItem.priority + 1))
        from console.services.queue.claims import bump_queue_version

        bump_queue_version(s)
    window.check_for_changes()
    assert panel.selected_entry().item_id == chosen


def test_next_claims_the_most_urgent_item_with_one_key(qtbot, demo_db: Database) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot, demo_db)
    qtbot.keyClick(window, Qt.Key.Key_F2)
    entry = window.warning_panel.entry
    assert entry is not None and entry.claimed_by == "op01"
    assert window.queue_panel.selected_entry().item_id == entry.item_id


def test_trainer_cannot_claim(qtbot, demo_db: Database) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot, demo_db, "peixun")
    assert not window.queue_panel.next_button.isEnabled()


def test_countdown_text() -> None:
    now = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)
    assert countdown_text(now + dt.timedelta(seconds=155), now) == "剩 2:35"
    assert countdown_text(now - dt.timedelta(minutes=4, seconds=10), now) == "超时 4 分"
    assert countdown_text(now - dt.timedelta(seconds=35), now) == "超时 35 秒"  # late, not "超时 0 分"
    assert countdown_text(now + dt.timedelta(hours=1, minutes=5), now) == "剩 1小时05分"
    assert ServiceContext  # imported for typing in fixtures


def test_tool_windows_follow_the_role(qtbot, demo_db: Database) -> None:  # type: ignore[no-untyped-def]
    from console.ui.supervisor import SupervisorBoard
    from console.ui.training import TrainingWindow

    operator = open_window(qtbot, demo_db, "op01")
    assert set(operator.tool_actions) == {"import", "manual", "escalations", "training", "my_reviews"}
    supervisor = open_window(qtbot, demo_db, "zhiban")
    assert {"board", "reports", "import"} <= set(supervisor.tool_actions)
    qtbot.keyClick(supervisor, Qt.Key.Key_F9)
    board = supervisor._tool_windows["board"]
    assert isinstance(board, SupervisorBoard) and board.isVisible()
    trainer = open_window(qtbot, demo_db, "peixun")
    assert isinstance(trainer.centralWidget(), TrainingWindow)
    assert "import" not in trainer.tool_actions and trainer.queue_panel.model.rowCount() == 0


def test_idle_lock_hides_people_until_the_password(qtbot, demo_db: Database) -> None:  # type: ignore[no-untyped-def]
    from console.services.security.session_policy import IdleTimer

    now = [dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)]
    actor = gui.demo_actor(demo_db, "op01", "seat-7")
    window = MainWindow(demo_db, actor, runner=SyncTaskRunner(),
                        idle_timer=IdleTimer(dt.timedelta(minutes=10), lambda: now[0]))
    qtbot.addWidget(window)
    window.show()
    window.idle_guard.check()
    assert window.centralWidget().isVisible()
    now[0] += dt.timedelta(minutes=11)
    window.idle_guard.check()
    assert not window.centralWidget().isVisible()
    dialog = window.lock_dialog
    dialog.password_edit.setText("wrong-password")
    dialog.try_unlock()
    assert dialog.isVisible() and dialog.error_label.text()
    dialog.password_edit.setText(demo.DEMO_PASSWORD)
    dialog.try_unlock()
    assert window.centralWidget().isVisible()
    assert not window.idle_guard.timer.is_locked()


def test_a_supervisor_exports_the_queue_masked_and_audited(qtbot, demo_db: Database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook
    from sqlalchemy import select

    from db.models import AuditEvent

    operator = open_window(qtbot, demo_db, "op01")
    assert operator.export_action is None  # operators have no export permission
    supervisor = open_window(qtbot, demo_db, "zhiban")
    assert supervisor.export_action is not None
    target = tmp_path / "queue.xlsx"
    supervisor.export_queue(str(target))
    assert "已导出 25 条" in supervisor.statusBar().currentMessage()
    sheet = load_workbook(target).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("预警编号", "等级", "分数") and len(rows) == 26
    assert all("*" in str(row[6]) for row in rows[1:])  # phones masked
    with demo_db.context().session() as s:
        event = s.execute(select(AuditEvent).where(AuditEvent.action == "export")).scalars().one()
        assert event.details["rows"] == 25 and event.details["masked"] is True
    supervisor.export_queue(str(tmp_path / "queue.pdf"))  # an unsupported format: a clear message, no file
    assert "导出失败：不支持的导出格式：pdf" in supervisor.statusBar().currentMessage()
    assert not (tmp_path / "queue.pdf").exists()
