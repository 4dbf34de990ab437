"""The guard that fails a test leaving threads behind notices each kind of thread, and lets go of it."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QThread

from console.ui.tasks import TaskRunner
from tests.thread_guard import ThreadWatch


def test_a_python_thread_left_running_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    watch = ThreadWatch(monkeypatch, grace_ms=50)
    release = threading.Event()
    worker = threading.Thread(target=release.wait, name="left-behind")
    worker.start()
    assert watch.still_running() == ["Python thread 'left-behind'"]
    release.set()
    worker.join()
    assert watch.still_running() == []


def test_a_qthread_left_running_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    watch = ThreadWatch(monkeypatch, grace_ms=50)

    class Loop(QThread):
        def run(self) -> None:
            while not self.isInterruptionRequested():
                self.msleep(5)

    thread = Loop()
    thread.start()
    assert watch.still_running() == ["QThread Loop"]
    thread.requestInterruption()
    assert thread.wait(5000)
    assert watch.still_running() == []


def test_a_task_runner_job_left_running_is_reported(qtbot, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    watch = ThreadWatch(monkeypatch, grace_ms=50)
    release = threading.Event()
    runner = TaskRunner()
    runner.run(lambda: release.wait(10))
    qtbot.waitUntil(lambda: runner.pool.activeThreadCount() == 1)
    assert watch.still_running() == ["1 job(s) of a QThreadPool"]
    release.set()
    assert runner.wait_all()
    assert watch.still_running() == []
