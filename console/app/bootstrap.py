"""Open the database the console works on: resolve the URL, build the engine, migrate, wire services.

Qt-free, shared by the CLI, the GUI and the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from console.services.core.context import SYSTEM, Actor, ServiceContext
from db import migrate
from db.engine import SessionFactory, data_dir, describe, make_engine, make_session_factory


@dataclass
class Database:
    engine: Engine
    sessions: SessionFactory
    migrated: bool

    @property
    def description(self) -> str:
        return describe(self.engine)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def data_dir(self) -> Path:
        """The user data directory (drafts, recordings, local settings), for the UI that may not import db."""
        return data_dir()

    def context(self, actor: Actor = SYSTEM) -> ServiceContext:
        return ServiceContext(self.sessions, actor)

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(url: str | None = None, *, upgrade: bool = True) -> Database:
    """Connect and bring the schema to the newest migration (automatic upgrade on start)."""
    engine = make_engine(url)
    migrated = migrate.upgrade(engine) if upgrade else False
    return Database(engine, make_session_factory(engine), migrated)
