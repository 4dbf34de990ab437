"""A call in progress survives the window being destroyed: the next window reopens it as it was."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from console.app.bootstrap import Database
from console.services.core.context import SYSTEM
from console.ui.draft_keeper import DraftKeeper
from console.ui.main_window import MainWindow
from console.ui.tasks import SyncTaskRunner
from db.models import CallAttempt
from tests.gui_helpers import CTRL, make_user, open_window, press
from tests.queue_helpers import add_warning

pytestmark = pytest.mark.gui


def test_draft_reopens_with_notes_timer_and_script_position(qtbot, sqlite_db: Database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    warning_id, item_id = add_warning(sqlite_db.context(SYSTEM), fraud_type="task_rebate")
    actor = make_user(sqlite_db, "op5")
    window = MainWindow(sqlite_db, actor, runner=SyncTaskRunner(), drafts=DraftKeeper(actor, tmp_path))
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    press(qtbot, window, Qt.Key.Key_F2, Qt.Key.Key_F6, Qt.Key.Key_1, Qt.Key.Key_2)
    press(qtbot, window, Qt.Key.Key_3, modifier=Qt.KeyboardModifier.AltModifier)  # "told to keep it secret"
    window.outcome_panel.notes_edit.insertPlainText("对方说在做任务，已装软件")
    press(qtbot, window, Qt.Key.Key_3, modifier=CTRL)  # 拒绝劝阻 chosen, not yet saved
    before = window.script_view.session.path
    started = window.call_panel.started_at
    assert len(DraftKeeper(actor, tmp_path).load_all()) == 1
    with qtbot.waitSignal(window.destroyed):
        window.deleteLater()  # the window dies mid-call, nothing saved

    again = open_window(qtbot, sqlite_db, actor, tmp_path)
    ws = again.workstation
    assert ws.state is not None and ws.state.queue_item_id == item_id and ws.holds_claim
    assert again.script_view.session.path == before
    assert again.script_view.session.current_objection == "told_to_keep_secret"
    assert again.outcome_panel.notes == "对方说在做任务，已装软件"
    assert again.outcome_panel.disposition == "refused"
    assert again.call_panel.started_at == started and again.call_panel.in_call
    assert "恢复" in again.statusBar().currentMessage()
    press(qtbot, again, Qt.Key.Key_Return, modifier=CTRL)  # and it can be saved as usual
    with sqlite_db.context().session() as s:
        call = s.execute(select(CallAttempt).where(CallAttempt.warning_id == warning_id)).scalar_one()
        assert call.notes == "对方说在做任务，已装软件" and call.objections == ["told_to_keep_secret"]
    assert DraftKeeper(actor, tmp_path).load_all() == []
