"""话务质检 in the console: the reviewer picks, reads, listens to and scores a call; the operator sees
the score in their own view (pytest-qt, SQLite)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from console.app.bootstrap import Database
from console.services.telephony.recordings import save_recording
from console.ui.supervisor.quality_review import MyReviewsWindow, QualityReviewWindow
from console.ui.tasks import SyncTaskRunner
from scripts_library.loader import load_library
from tests.board_helpers import NOW, centre
from tests.test_review_service import _call, _wav

pytestmark = pytest.mark.gui


def test_reviewer_scores_a_call_and_the_operator_sees_it(qtbot, sqlite_db: Database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _clock, boss, ops = centre(sqlite_db, "op1")
    script = next(iter(load_library()))
    nodes = list(script.nodes)[:3]
    attempt, call_uuid = _call(boss, "op1", NOW - dt.timedelta(hours=2), "refused", duration=600,
                               script_id=script.id, path=nodes, notes="当事人坚称是客服")
    save_recording(ops["op1"], call_uuid, _wav(tmp_path / "c.wav"), warning_id=None)
    played: list[Path] = []
    window = QualityReviewWindow(boss, SyncTaskRunner(), player=lambda path: played.append(path) is None)
    qtbot.addWidget(window)
    window.how_combo.setCurrentIndex(window.how_combo.findData("refused"))
    with qtbot.waitSignal(window.candidates_loaded):
        qtbot.mouseClick(window.pick_button, Qt.MouseButton.LeftButton)
    assert window.model.rowCount() == 1
    with qtbot.waitSignal(window.call_loaded):
        window.view.selectRow(0)
    text = window.detail.text()
    assert script.nodes[nodes[0]].title in text and "当事人坚称是客服" in text and "拒绝劝阻" in text
    assert window.play_button.isEnabled()
    qtbot.mouseClick(window.play_button, Qt.MouseButton.LeftButton)
    assert len(played) == 1 and played[0].exists() and "审计" in window.status.text()
    window.score_spins["objections"].setValue(9)
    assert window.total_label.text() == "89 / 100 分"
    with qtbot.waitSignal(window.failed):
        qtbot.mouseClick(window.save_button, Qt.MouseButton.LeftButton)  # no comment yet
    assert "评语" in window.status.text()
    window.comment_edit.setPlainText("回应异议不够具体")
    with qtbot.waitSignal(window.review_saved):
        qtbot.mouseClick(window.save_button, Qt.MouseButton.LeftButton)
    assert "89 / 100" in window.status.text()

    mine = MyReviewsWindow(ops["op1"], SyncTaskRunner())
    qtbot.addWidget(mine)
    assert mine.model.rowCount() == 1
    row = [str(mine.model.data(mine.model.index(0, c))) for c in range(mine.model.columnCount())]
    assert row[2] == "89/100" and "回应异议 9/20" in row[3] and row[4] == "回应异议不够具体"
    assert "平均得分率 89.0%" in mine.summary.text()
