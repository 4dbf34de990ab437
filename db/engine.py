"""Engine and session factory for the embedded SQLite file or a PostgreSQL server.

The URL comes from ``--db``, else ``DISSUADE_DB``, else the SQLite file in the user data directory.
Engines are built explicitly by the application at start-up, never at import time.
"""

from __future__ import annotations

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


def data_dir() -> Path:
    """The per-user data directory (database, drafts, drop folder, logs)."""
    override = os.environ.get("DISSUADE_DATA_DIR")
    path = Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


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
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
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
