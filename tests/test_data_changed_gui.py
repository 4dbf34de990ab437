"""One "data changed" broadcast: a save in one window refreshes the others of the same console."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from console.app.bootstrap import Database
from console.services.core.context import SYSTEM
from console.ui.supervisor import SupervisorBoard
from console.ui.tasks import Change
from tests.gui_helpers import CTRL, make_user, open_window, press
from tests.queue_helpers import add_warning

pytestmark = pytest.mark.gui


def test_a_call_saved_at_the_workstation_refreshes_the_open_board(  # type: ignore[no-untyped-def]
        qtbot, sqlite_db: Database, tmp_path: Path) -> None:
    add_warning(sqlite_db.context(SYSTEM), fraud_type="fake_loan")
    window = open_window(qtbot, sqlite_db, make_user(sqlite_db, "zhiban", "supervisor"), tmp_path)
    window.open_supervisor_board()
    board = window._tool_windows["board"]
    assert isinstance(board, SupervisorBoard)
    qtbot.waitUntil(lambda: board.snapshot is not None)
    board.timer.stop()  # from here on only the broadcast can make the board read again
    window.activateWindow()  # back to the operator's desk; the board stays open beside it
    qtbot.waitUntil(window.isActiveWindow)
    assert sum(t.claimed for t in board.snapshot.tiles) == 0 and board.snapshot.today.totals.calls == 0

    with qtbot.waitSignal(board.snapshot_applied):
        press(qtbot, window, Qt.Key.Key_F2)  # claimed in the main window …
    assert sum(t.claimed for t in board.snapshot.tiles) == 1  # … and the board shows it at once

    press(qtbot, window, Qt.Key.Key_F6, Qt.Key.Key_F7)
    press(qtbot, window, Qt.Key.Key_4, modifier=CTRL)  # no answer
    with qtbot.waitSignals([window.workstation.call_saved, board.snapshot_applied], order="strict"):
        press(qtbot, window, Qt.Key.Key_Return, modifier=CTRL)
    assert board.snapshot.today.totals.calls == 1
    assert sum(t.claimed for t in board.snapshot.tiles) == 0
    queue_rows = window.queue_panel.model.rowCount()
    assert queue_rows == 1  # the main queue was read again too: the item waits for its retry


def test_each_writing_task_names_what_it_changed(qtbot) -> None:  # type: ignore[no-untyped-def]
    from console.ui.tasks import SyncTaskRunner

    runner = SyncTaskRunner()
    with qtbot.waitSignal(runner.data_changed) as blocker:
        runner.run(lambda: 1, changes=Change.CALLS)
    assert blocker.args == ["calls"]
    with qtbot.assertNotEmitted(runner.data_changed):
        runner.run(lambda: 1)  # a read changes nothing
        runner.run(lambda: 1 / 0, on_failure=lambda _exc: None, changes=Change.CALLS)  # a failed write neither
