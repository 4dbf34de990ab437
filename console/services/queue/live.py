"""Queue change notifications for every seat, without Qt.

PostgreSQL: a dedicated psycopg connection LISTENs on ``dissuade_queue``; ``bump_queue_version``
sends NOTIFY in the same transaction as the change, so the message arrives only once it is
committed.  SQLite: the ``queue_version`` counter is compared (one indexed read).  The GUI calls
:meth:`QueueWatcher.poll` in a loop on a worker thread and refreshes when it returns True.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Protocol

from sqlalchemy import Engine

from console.services.core.context import ServiceContext
from console.services.queue.claims import NOTIFY_CHANNEL, queue_version
from db.engine import SessionFactory


class WatchedDatabase(Protocol):
    """What the watcher needs of the open database (``console.app.bootstrap.Database`` has it)."""

    @property
    def engine(self) -> Engine: ...

    @property
    def sessions(self) -> SessionFactory: ...

    @property
    def is_sqlite(self) -> bool: ...


class QueueWatcher:
    """Tell a seat when the queue changed; one instance per seat, used from one thread."""

    def __init__(self, database: WatchedDatabase) -> None:
        self._database = database
        self._ctx = ServiceContext(database.sessions)
        self._connection: Any = None
        self._stop = threading.Event()
        self._last = queue_version(self._ctx)

    @property
    def uses_notify(self) -> bool:
        return not self._database.is_sqlite

    def _listen(self) -> Any:
        if self._connection is None or self._connection.closed:
            import psycopg

            url = self._database.engine.url
            self._connection = psycopg.connect(
                host=url.host, port=url.port, user=url.username, password=url.password, dbname=url.database,
                autocommit=True,
            )
            self._connection.execute(f"LISTEN {NOTIFY_CHANNEL}")  # constant channel name, no user input
        return self._connection

    def poll(self, timeout_s: float) -> bool:
        """Wait up to ``timeout_s`` seconds; True when the queue changed since the last True."""
        if self.uses_notify:
            try:
                connection = self._listen()
                changed = any(True for _ in connection.notifies(timeout=timeout_s, stop_after=1))
            except Exception:  # the server went away: drop the connection, fall back to the counter
                self._drop()
                changed = False
            version = queue_version(self._ctx)
            if changed or version != self._last:
                self._last = version
                return True
            return False
        deadline = time.monotonic() + max(timeout_s, 0.0)
        while True:
            version = queue_version(self._ctx)
            if version != self._last:
                self._last = version
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._stop.wait(min(0.5, remaining)):
                return False

    def stop(self) -> None:
        """Make a waiting :meth:`poll` return soon (SQLite) and close the listening connection."""
        self._stop.set()
        self._drop()

    def _drop(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            finally:
                self._connection = None
