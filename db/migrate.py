"""Schema migrations (Alembic), run programmatically: on start-up and by ``dissuade db upgrade``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


_REVISION = re.compile(r"^revision\s*=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN = re.compile(r"^down_revision\s*=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)


def file_heads() -> set[str]:
    """Head revisions read straight from the migration files.

    Importing Alembic costs most of a second; a console that is already up to date (every start but
    the first after an update) only needs to compare one string, so start-up reads the files instead.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        found = _REVISION.search(source)
        if found:
            revisions.add(found.group(1))
        parents.update(_DOWN.findall(source))
    return revisions - parents


def stored_revision(engine: Engine) -> str | None:
    """The revision recorded in the database, without Alembic (None for an empty database)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        value = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()
        return str(value) if value is not None else None


def is_up_to_date(engine: Engine) -> bool:
    heads = file_heads()
    return len(heads) == 1 and stored_revision(engine) in heads


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision(engine: Engine) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> bool:
    """Migrate to ``revision``; returns True when something was applied."""
    if revision == "head" and is_up_to_date(engine):
        return False
    from alembic import command

    before = current_revision(engine)
    if revision == "head" and before == head_revision(engine):
        return False
    command.upgrade(alembic_config(engine), revision)
    return current_revision(engine) != before


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(engine), revision)
