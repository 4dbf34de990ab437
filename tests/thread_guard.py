"""Which threads a test started and left running: Python threads, QThreads and thread-pool jobs.

Python threads are compared before and after the test; every QThread started and every QThreadPool
created by the task runner while the watch is on (plus the global pool) is checked when it ends.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

import pytest
from PySide6.QtCore import QThread, QThreadPool

from console.ui import tasks

GRACE_MS = 2000  # a worker that has just emitted its result may need a moment to return


class ThreadWatch:
    def __init__(self, monkeypatch: pytest.MonkeyPatch, grace_ms: int = GRACE_MS) -> None:
        self.grace_ms = grace_ms
        self.before = set(threading.enumerate())
        self.started: weakref.WeakSet[QThread] = weakref.WeakSet()
        self.pools: weakref.WeakSet[QThreadPool] = weakref.WeakSet()
        original_start = QThread.start
        started, pools = self.started, self.pools

        def tracked_start(thread: QThread, *args: Any) -> None:
            started.add(thread)
            original_start(thread, *args)

        class TrackedPool(QThreadPool):
            def __init__(self, *args: Any) -> None:
                super().__init__(*args)
                pools.add(self)

        monkeypatch.setattr(QThread, "start", tracked_start)
        monkeypatch.setattr(tasks, "QThreadPool", TrackedPool)

    def still_running(self) -> list[str]:
        """What is still running once each thread had ``grace_ms`` to finish."""
        left: list[str] = []
        for thread in set(threading.enumerate()) - self.before:
            if isinstance(thread, threading._DummyThread):  # a Qt thread Python has seen: checked below
                continue
            thread.join(self.grace_ms / 1000)
            if thread.is_alive():
                left.append(f"Python thread {thread.name!r}")
        for qthread in list(self.started):
            try:
                if qthread.isRunning() and not qthread.wait(self.grace_ms):
                    left.append(f"QThread {type(qthread).__name__}")
            except RuntimeError:  # the C++ object is gone, and its thread with it
                continue
        for pool in [QThreadPool.globalInstance(), *self.pools]:
            try:
                if pool.activeThreadCount() and not pool.waitForDone(self.grace_ms):
                    left.append(f"{pool.activeThreadCount()} job(s) of a QThreadPool")
            except RuntimeError:
                continue
        return sorted(left)
