"""Tell the window at once when another seat changed the queue (PostgreSQL LISTEN/NOTIFY).

A :class:`QueueChangeListener` thread waits on the server's notifications through
:class:`console.services.queue.live.QueueWatcher` and emits :attr:`QueueChangeListener.queue_changed`; the
window then re-reads the queue.  The window's two-second version check stays in place as the
fallback (and is the whole mechanism on SQLite, where a version read is the cheap change check).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal

from console.app.bootstrap import Database
from console.services.queue.live import QueueWatcher

WAIT_S = 1.0  # longest wait in one poll: how soon the thread notices it should stop


class QueueChangeListener(QThread):
    """Background thread; ``queue_changed`` arrives in the receiver's thread (queued connection)."""

    queue_changed = Signal()

    def __init__(self, database: Database, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._database = database
        self._watcher: QueueWatcher | None = None
        app = QCoreApplication.instance()
        if app is not None:  # never left running when the program quits without closing the window
            app.aboutToQuit.connect(self.stop)

    def run(self) -> None:
        while not self.isInterruptionRequested():
            try:
                if self._watcher is None:
                    self._watcher = QueueWatcher(self._database)
                changed = self._watcher.poll(WAIT_S)
            except Exception:  # server unreachable: the window shows it; try again shortly
                self._watcher = None
                changed = False
                self.msleep(int(WAIT_S * 1000))
            if changed:
                self.queue_changed.emit()
        if self._watcher is not None:
            self._watcher.stop()

    def stop(self) -> None:
        """Ask the thread to finish and wait for it (at most one poll)."""
        self.requestInterruption()
        self.wait(int(WAIT_S * 1000) * 5)
