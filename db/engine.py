"""Engine and session factory for the embedded SQLite file or a PostgreSQL server.

The URL comes from ``--db``, else ``DISSUADE_DB``, else the SQLite file in the user data directory.
Engines are built explicitly by the application at start-up, never at import time.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

APP_NAME = "dissuasion-console"
ENV_DB = "DISSUADE_DB"

SessionFactory = sessionmaker[Session]

# JSON columns on SQLite are stored as UTF-8 text with Chinese kept as is: ``\uXXXX`` escapes would
# double the size of raw payloads and triage reasons (and of every write of them).  Values read back
# are identical either way, so files written with escapes stay readable.
JSON_TEXT = functools.partial(json.dumps, ensure_ascii=False)


PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) readable by this OS user only; tighten it if it exists.

    Missing parents are created 0700 as well; existing parents are left alone (they may be the
    user's own folders).
    """
    missing: list[Path] = []
    current = path
    while not current.exists() and current != current.parent:
        missing.append(current)
        current = current.parent
    for directory in reversed(missing):
        directory.mkdir(mode=PRIVATE_DIR_MODE, exist_ok=True)
    if path.stat().st_mode & 0o077:
        path.chmod(PRIVATE_DIR_MODE)
    return path


def private_file(path: Path) -> None:
    """Make an existing file readable and writable by this OS user only (no-op when missing)."""
    with contextlib.suppress(FileNotFoundError, PermissionError):  # someone else's file: nothing to do
        if path.stat().st_mode & 0o077:
            path.chmod(PRIVATE_FILE_MODE)


def data_dir() -> Path:
    """The per-user data directory (database, drafts, drop folder, logs), mode 0700."""
    override = os.environ.get("DISSUADE_DATA_DIR")
    path = Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    return private_dir(path)


def default_sqlite_path() -> Path:
    return data_dir() / "dissuade.sqlite3"


def resolve_url(url: str | None = None) -> str:
    """``--db`` wins, then the environment, then the embedded SQLite file."""
    if url:
        return normalise_url(url)
    env = os.environ.get(ENV_DB)
    if env:
        return normalise_url(env)
    return f"sqlite:///{default_sqlite_path()}"


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and plain file paths; always drive PostgreSQL through psycopg 3."""
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def sqlite_on_connect(dbapi_connection: Any, _record: Any = None) -> None:
    """The pragmas every SQLite connection of the console gets (also used by the benchmarks' bare connections)."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _prepare_sqlite_file(path: Path) -> None:
    """Create the database file 0600 before SQLite does (its -wal and -shm files copy that mode).

    A file left 0644 by an older version is tightened, together with its -wal/-shm companions.
    """
    if not path.parent.exists():
        private_dir(path.parent)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, PRIVATE_FILE_MODE))
    for member in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        private_file(member)


def _sqlite_begin(conn: Any) -> None:
    # pysqlite's implicit transactions are disabled below; BEGIN IMMEDIATE takes the write lock at the
    # start, so two processes can never interleave read-then-write (claims rely on this).
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """Build an engine for ``url`` (resolved as described above)."""
    resolved = resolve_url(url)
    parsed = make_url(resolved)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _prepare_sqlite_file(Path(parsed.database))
        kwargs.setdefault("json_serializer", JSON_TEXT)
        engine = create_engine(resolved, connect_args={"timeout": 30, "isolation_level": None}, **kwargs)
        event.listen(engine, "connect", sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 5)
    kwargs.setdefault("connect_args", {"connect_timeout": 5})
    return create_engine(resolved, **kwargs)


def make_session_factory(engine: Engine) -> SessionFactory:
    return sessionmaker(engine, expire_on_commit=False)


def describe(engine: Engine) -> str:
    """Human description of where the data lives (for the status bar and the CLI)."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        return f"SQLite {url.database}"
    return f"PostgreSQL {url.host or 'localhost'}:{url.port or 5432}/{url.database}"
