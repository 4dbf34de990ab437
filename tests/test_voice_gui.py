"""The supervisor's voice-warning view: start a campaign, watch it progress over real calls on
loopback, pause it (the loop stops between calls), resume it to the end; opened from the board."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from console.app.bootstrap import Database
from console.services.telephony.baresip import free_port
from console.services.telephony.settings import load_telephony_settings
from console.services.voice import campaign as lane
from console.ui.supervisor import SupervisorBoard
from console.ui.supervisor.voice_campaign import VoiceCampaignWindow
from console.ui.tasks import SyncTaskRunner, TaskRunner
from tests.conftest import actor_for
from tests.sip.phones import SippPhone
from tests.voice_helpers import centre_time, voice_context, warning_for


def test_start_progress_pause_and_resume(qtbot, sqlite_db: Database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ctx = voice_context(sqlite_db, actor_for(sqlite_db, "zb1", "supervisor"), at=centre_time(10), channels=1,
                        wait_for_key_s=1.0)
    for index in range(3):
        warning_for(ctx, f"1380013820{index}")
    runner = TaskRunner()
    with SippPhone(tmp_path / "sipp", "answer_hangup", calls=3, pause_ms=1500) as far_end:
        telephony = dataclasses.replace(load_telephony_settings(), dial=far_end.dial_template(),
                                        account=f"sip:voice@127.0.0.1:{free_port(pair=True)}")
        window = VoiceCampaignWindow(ctx, None, runner, lines=lambda: lane.VoiceLines(telephony, tmp_path / "d"))
        qtbot.addWidget(window)
        window.show()
        qtbot.waitUntil(lambda: window.loaded and window.start_button.isEnabled(), timeout=5000)
        assert window.chosen_levels() == ("blue", "yellow") and window.channels_spin.value() == 1

        qtbot.mouseClick(window.start_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.progress is not None and window.progress.finished >= 1, timeout=30000)
        assert window.pause_button.isEnabled() and not window.start_button.isEnabled()
        with qtbot.waitSignal(window.run_finished, timeout=30000) as paused:
            qtbot.mouseClick(window.pause_button, Qt.MouseButton.LeftButton)
        assert paused.args[0].stopped_by == "paused"
        qtbot.waitUntil(lambda: "已暂停" in window.status_label.text() and window.resume_button.isEnabled(),
                        timeout=5000)
        assert window.progress is not None and window.progress.finished < 3
        assert "已收听" in window.results_label.text() and not window.pause_button.isEnabled()

        with qtbot.waitSignal(window.run_finished, timeout=60000) as finished:
            qtbot.mouseClick(window.resume_button, Qt.MouseButton.LeftButton)
        assert finished.args[0].stopped_by == "done"
        qtbot.waitUntil(lambda: window.progress_bar.value() == 3, timeout=5000)
        assert "已收听 3" in window.results_label.text() and "已完成" in window.status_label.text()
        assert window.model.rowCount() == 3
        shown = window.model.index(0, 1).data()
        assert "****" in shown  # phone numbers masked
    assert runner.wait_all()


def test_the_board_opens_the_view(qtbot, sqlite_db: Database) -> None:  # type: ignore[no-untyped-def]
    ctx = sqlite_db.context(actor_for(sqlite_db, "zb1", "supervisor"))
    board = SupervisorBoard(ctx, None, SyncTaskRunner(), auto_refresh=False)
    qtbot.addWidget(board)
    assert board.voice_button.text() == "语音提示预警…"
    window = board.open_voice_campaign()
    assert isinstance(window, QWidget) and window.isVisible() and window.windowTitle() == "语音提示预警"
    qtbot.waitUntil(lambda: window.loaded, timeout=5000)
    assert window.start_button.isEnabled() and not window.pause_button.isEnabled()
    assert "尚无语音提示活动" in window.status_label.text()
    window.close()
