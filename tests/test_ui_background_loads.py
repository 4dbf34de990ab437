"""Slow reads (the script library, the rehearsal scenarios) run on the task runner, not the GUI thread."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from console.app.bootstrap import Database
from console.services.calls.workstation import WorkstationSettings
from console.ui import workstation_view
from console.ui.draft_keeper import DraftKeeper
from console.ui.tasks import TaskRunner
from console.ui.training import window as training_window
from scripts_library import load_library
from tests.conftest import actor_for

pytestmark = pytest.mark.gui


def _spy(monkeypatch: pytest.MonkeyPatch, module: Any) -> list[threading.Thread]:
    """Record the thread each script-library read runs on (the real read still happens)."""
    threads: list[threading.Thread] = []

    def recording_load(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.current_thread())
        return load_library(*args, **kwargs)

    monkeypatch.setattr(module, "load_library", recording_load)
    return threads


def test_the_workstation_reads_the_script_library_off_the_gui_thread(  # type: ignore[no-untyped-def]
        qtbot, sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    threads = _spy(monkeypatch, workstation_view)
    actor = actor_for(sqlite_db, "zhangsan", "operator")
    runner = TaskRunner()
    view = workstation_view.WorkstationView(sqlite_db.context(actor), runner, WorkstationSettings(),
                                            DraftKeeper(actor, tmp_path))
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: view.library is not None, timeout=20000)
    assert len(view.library or []) > 0
    assert threads and all(t is not threading.main_thread() for t in threads)
    qtbot.waitUntil(lambda: runner.running == 0, timeout=20000)  # every result delivered


def test_the_training_window_opens_at_once_and_fills_its_tabs_when_read(  # type: ignore[no-untyped-def]
        qtbot, sqlite_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    threads = _spy(monkeypatch, training_window)
    actor = actor_for(sqlite_db, "lisi", "operator")
    runner = TaskRunner()
    window = training_window.TrainingWindow(sqlite_db, actor, runner)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.tabs.count() == 2, timeout=20000)
    assert window.centralWidget() is window.tabs
    assert [window.tabs.tabText(i) for i in range(2)] == ["演练", "成绩记录"]
    assert threads and all(t is not threading.main_thread() for t in threads)
    qtbot.waitUntil(lambda: runner.running == 0, timeout=20000)  # every result delivered
