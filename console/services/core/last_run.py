"""When a periodic chore last ran, held by whoever shares the chore (not by a module).

The queue's lease housekeeping, for instance, runs at most every few seconds per database: the
:class:`~console.app.bootstrap.Database` owns one :class:`LastRun` and hands it to every context it
makes, so all seats of one process share it, and two databases never do.
"""

from __future__ import annotations

import datetime as dt
import threading


class LastRun:
    """The time (on the caller's clock) a chore last ran; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._at: dt.datetime | None = None

    @property
    def at(self) -> dt.datetime | None:
        with self._lock:
            return self._at

    def due(self, now: dt.datetime, every: dt.timedelta) -> bool:
        """True unless the chore ran in ``[now - every, now]`` (a clock that went back makes it due)."""
        with self._lock:
            return self._at is None or not self._at <= now < self._at + every

    def mark(self, now: dt.datetime) -> None:
        with self._lock:
            self._at = now
