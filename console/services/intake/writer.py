"""The connection an import writes through, one transaction per chunk, and how long each holds the lock.

An import keeps one connection for its whole run.  On SQLite that connection gets a page cache
large enough for a chunk's index pages and ``wal_autocheckpoint=0``: otherwise nearly every chunk's
commit would also copy the write-ahead log back into the database and fsync it while the write lock
is held (a chunk writes more pages than the default threshold of 1,000).  Instead PASSIVE
checkpoints run from a second connection in a background thread after each commit, and once more
at the end; they never block a writer or a reader.  The connection gets its usual settings back
before it returns to the pool.  On PostgreSQL each chunk takes an advisory lock, so imports from
several seats take turns chunk by chunk.

Every chunk's lock hold (from the moment its transaction holds the write lock to the end of its
commit) is recorded, so a benchmark can show that a seat never waits long for an import.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from console.services.core.context import ServiceContext
from console.services.intake.bulk import stores_json_text

IMPORT_LOCK_KEY = 7_110_96111  # PostgreSQL advisory lock: imports from several seats take turns per chunk
SQLITE_CACHE_KIB = 16384  # page cache of the import connection (the default is 2 MiB): a chunk's index pages fit

log = logging.getLogger(__name__)


class _Checkpointer:
    """PASSIVE WAL checkpoints from a connection of its own, run in a thread when asked to."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._wanted = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="import-checkpoint", daemon=True)
        self._thread.start()

    def request(self) -> None:
        self._wanted.set()

    def _run(self) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()
            if self._stopping:
                return
            self.checkpoint()

    def checkpoint(self) -> None:
        try:
            raw = self._engine.raw_connection()  # autocommit: PASSIVE needs no transaction nor write lock
            try:
                raw.cursor().execute("PRAGMA wal_checkpoint(PASSIVE)")
            finally:
                raw.close()
        except (SQLAlchemyError, OSError) as exc:  # a checkpoint is an optimisation: the next one catches up
            log.warning("import checkpoint skipped: %s", type(exc).__name__)

    def stop(self) -> None:
        self._stopping = True
        self._wanted.set()
        self._thread.join()
        self.checkpoint()


class ImportWriter:
    """One import's connection: :meth:`chunk` opens each chunk's transaction; :meth:`close` ends it all."""

    def __init__(self, ctx: ServiceContext) -> None:
        with ctx.sessions() as probe:
            bind = probe.get_bind()
        self._ctx = ctx
        self.lock_holds: list[float] = []  # seconds each chunk held the write lock
        self._engine: Engine | None = bind if isinstance(bind, Engine) else None
        self._connection: Connection | None = None
        self._checkpointer: _Checkpointer | None = None
        self._restore_autocheckpoint: int | None = None
        self.dialect = bind.dialect.name
        with ctx.sessions() as probe:
            self.stores_json_text = stores_json_text(probe)
        if self._engine is None:  # sessions bound to something else: one pooled session per chunk
            return
        self._connection = self._engine.connect()
        if self.dialect == "sqlite":
            raw: Any = self._connection.connection.dbapi_connection
            self._restore_autocheckpoint = int(raw.execute("PRAGMA wal_autocheckpoint").fetchone()[0])
            raw.execute("PRAGMA wal_autocheckpoint = 0")
            raw.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
            self._checkpointer = _Checkpointer(self._engine)

    @contextlib.contextmanager
    def chunk(self) -> Iterator[Session]:
        """A chunk's transaction: commits on success, rolls back on error; the lock hold is recorded."""
        context = (Session(bind=self._connection) if self._connection is not None else self._ctx.sessions())
        with context as session, session.begin():
            session.connection()  # BEGIN IMMEDIATE on SQLite: from here on this chunk holds the write lock
            if self.dialect == "postgresql":
                session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": IMPORT_LOCK_KEY})
            started = time.perf_counter()
            yield session
        self.lock_holds.append(time.perf_counter() - started)
        if self._checkpointer is not None:
            self._checkpointer.request()

    def close(self) -> None:
        """Stop the checkpoints (after a last one) and give the connection its settings back."""
        checkpointer, self._checkpointer = self._checkpointer, None
        if checkpointer is not None:
            checkpointer.stop()
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            if self._restore_autocheckpoint is not None:
                # the import's pragmas leave with its connection: the pool opens a fresh one next time
                # (PRAGMA values cannot be bound as parameters, and no SQL is built from strings here)
                connection.invalidate()
        finally:
            connection.close()
