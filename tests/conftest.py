"""Test fixtures: Qt offscreen, an isolated data directory, real SQLite and PostgreSQL databases.

Service tests ask for ``database`` and run twice: on a SQLite file copied from a template migrated
once per session, and on a PostgreSQL database cloned from a migrated template on a real server
that this session starts and stops.  Window tests on the demo county ask for ``demo_db`` (or fill
``demo_sqlite`` themselves): its staff, whose password hashes are the slow part, come with the copy.
"""

from __future__ import annotations

import gc
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before any Qt import
os.environ.setdefault("DISSUADE_DATA_DIR", tempfile.mkdtemp(prefix="dissuade-test-data-"))
os.environ.pop("DISSUADE_DB", None)

import pytest  # noqa: E402

import console.ui  # noqa: E402,F401 - its guard against PySide6's None/bool reference leak, before any test
from console.app.bootstrap import Database, open_database  # noqa: E402
from console.services.core.context import SYSTEM, Actor, ServiceContext  # noqa: E402
from tests.pgserver import PgServer, find_pg_bin  # noqa: E402
from tests.thread_guard import ThreadWatch  # noqa: E402

TEMPLATE_PG = "dissuade_template"


@pytest.fixture(autouse=True)
def collect_on_the_main_thread() -> Iterator[None]:
    """Each test's reference cycles are collected here, on the main thread, once it ends: as in the
    console (console/ui/collector.py), the windows and Qt objects a test leaves in cycles must never
    be freed by a collection that starts in a later test's background job."""
    yield
    gc.collect()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    db = open_database(f"sqlite:///{path}")
    db.dispose()
    return path


@pytest.fixture(scope="session")
def demo_staff_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The migrated template plus the demo county's staff and stations, and nothing else.

    ``demo.generate`` keeps staff and stations it finds and draws no random number for them, so on a
    copy of this file it writes the same warnings, calls and queue, relative to the test's own clock,
    as on an empty database; only the nine password hashes (a second of work) are not made again.
    """
    from console.services.demo import generate as demo

    path = tmp_path_factory.mktemp("demo-template") / "template.sqlite3"
    shutil.copyfile(sqlite_template, path)
    db = open_database(f"sqlite:///{path}")
    demo.generate(db.context(SYSTEM), warnings=0)
    db.dispose()
    return path


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    bin_dir = find_pg_bin()
    if bin_dir is None:
        pytest.fail("PostgreSQL server binaries not found (install Debian's postgresql; `make test` does)")
    server = PgServer(bin_dir)
    server.init()
    server.start()
    try:
        server.execute(f"CREATE DATABASE {TEMPLATE_PG}")
        db = open_database(server.url(TEMPLATE_PG))
        db.dispose()
        yield server
    finally:
        server.cleanup()


def make_sqlite_database(template: Path, directory: Path) -> Database:
    path = directory / "console.sqlite3"
    shutil.copyfile(template, path)
    return open_database(f"sqlite:///{path}")


def make_pg_database(server: PgServer) -> tuple[Database, str]:
    name = f"t_{uuid.uuid4().hex[:12]}"
    server.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE_PG}")
    return open_database(server.url(name)), name


@pytest.fixture
def sqlite_db(sqlite_template: Path, tmp_path: Path) -> Iterator[Database]:
    db = make_sqlite_database(sqlite_template, tmp_path)
    yield db
    db.dispose()


@pytest.fixture
def sqlite_twins(sqlite_template: Path, tmp_path: Path) -> Iterator[tuple[Database, Database]]:
    """Two fresh SQLite databases from the template, for tests that import the same files two ways."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    pair = (make_sqlite_database(sqlite_template, tmp_path / "a"), make_sqlite_database(sqlite_template, tmp_path / "b"))
    yield pair
    for db in pair:
        db.dispose()


@pytest.fixture
def demo_sqlite(demo_staff_template: Path, tmp_path: Path) -> Iterator[Database]:
    """A SQLite database with the demo staff signed up and no warnings yet: fill it with ``demo.generate``."""
    db = make_sqlite_database(demo_staff_template, tmp_path)
    yield db
    db.dispose()


@pytest.fixture
def demo_db(demo_sqlite: Database) -> Database:
    """The demo county most window tests share: 120 warnings, 25 of them open in the queue (seed 5)."""
    from console.services.demo import generate as demo

    demo.generate(demo_sqlite.context(SYSTEM), warnings=120, seed=5, open_count=25)
    return demo_sqlite


@pytest.fixture
def pg_db(pg_server: PgServer) -> Iterator[Database]:
    db, name = make_pg_database(pg_server)
    yield db
    db.dispose()
    pg_server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest) -> Database:
    """The same service test on SQLite and on PostgreSQL."""
    fixture = "sqlite_db" if request.param == "sqlite" else "pg_db"
    db: Database = request.getfixturevalue(fixture)
    return db


@pytest.fixture
def system_ctx(database: Database) -> ServiceContext:
    return database.context(SYSTEM)


def actor_for(database: Database, login: str, role: str) -> Actor:
    """Create a user with ``role`` and return its actor (password 'secret-pass')."""
    from console.services.security import auth

    info = auth.add_user(database.context(SYSTEM), login, "secret-pass", role)
    return info.actor("seat-test")


@pytest.fixture
def make_actor(database: Database):  # type: ignore[no-untyped-def]
    def factory(login: str, role: str = "operator") -> Actor:
        return actor_for(database, login, role)

    return factory


@pytest.fixture(autouse=True)
def no_thread_left_running(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail the test that leaves a Python thread, a QThread or a thread-pool job running."""
    watch = ThreadWatch(monkeypatch)
    yield
    left = watch.still_running()
    if left:
        pytest.fail("the test left threads running: " + ", ".join(left), pytrace=False)


_exit_status: list[int] = []


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _exit_status.append(int(exitstatus))


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """Leave without interpreter teardown once every result is reported; the run's exit status is kept.

    Why it stays: ``no_thread_left_running`` shows that no test leaves a thread or a pool job behind,
    yet without this exit the GUI tests, all passed, still end in "Fatal Python error: bool_dealloc:
    deallocating True or False" while the interpreter finalises.  That is a reference-count error on
    the bool singletons inside PySide6 6.12 (a C extension), not a thread of ours still running.
    """
    if _exit_status and not hasattr(config, "workerinput"):
        import sys

        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_exit_status[-1])
