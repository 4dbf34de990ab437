"""Open the database the console works on: read the settings, resolve the URL, build the engine,
migrate, wire services.

Qt-free, shared by the CLI, the GUI and the tests.  The settings are read here once per process
start; every context handed out carries them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from console.services.core.context import SYSTEM, Actor, ServiceContext
from console.services.core.last_run import LastRun
from console.services.core.settings import Settings, default_settings, load_settings
from console.services.intake.recovery import recover_interrupted
from db import migrate
from db.engine import SessionFactory, data_dir, describe, make_engine, make_session_factory


@dataclass
class Database:
    engine: Engine
    sessions: SessionFactory
    migrated: bool
    settings: Settings = field(default_factory=default_settings)
    queue_housekeeping: LastRun = field(default_factory=LastRun)  # shared by every context of this database

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
        return ServiceContext(self.sessions, actor, settings=self.settings,
                              queue_housekeeping=self.queue_housekeeping)

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(url: str | None = None, *, upgrade: bool = True, settings: Settings | None = None) -> Database:
    """Read the settings (unless given), connect and bring the schema to the newest migration.

    A broken settings file raises :class:`~console.services.core.errors.ServiceError` naming it.
    """
    settings = load_settings() if settings is None else settings
    engine = make_engine(url)
    migrated = migrate.upgrade(engine) if upgrade else False
    database = Database(engine, make_session_factory(engine), migrated, settings)
    if upgrade:
        # An import whose process died (killed, power cut) is found at the next start, marked
        # interrupted and audited; importing the same file again resumes it.
        recover_interrupted(database.context())
    return database
