"""Start-up in the order the operator meets it: the login window first, the database behind it.

Nothing but Qt is imported before the login dialog is on screen.  While the operator types, one task
imports the database layer (SQLAlchemy, the models, the settings, the migrations), opens and
migrates the database (with demo data when asked), preloads the main window's modules and reads
the telephony settings; its result comes back to the GUI thread by the task runner's signal.  A
second task then reads the script library, so the first F2 finds it loaded.  An empty database
turns the login into the first-run dialog; a database that cannot be opened is said in Chinese in
the login dialog.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QApplication

from console.ui.login_dialog import FIRST_RUN, LoginDialog
from console.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from console.app.bootstrap import Database
    from console.services.core.context import Actor
    from console.services.telephony.settings import TelephonySettings
    from scripts_library import ScriptLibrary

DEMO_HINT = "演示库账号：op01（接线员）、zhiban（值班长）、peixun（培训员）、admin；密码均为 demo1234"
FIRST_RUN_DONE_HINT = "首次设置已完成：请用刚创建的管理员账号登录，再添加其他人员的账号。"
# Set to any value, the console reports which of these are imported once the login dialog is
# visible (one JSON line on stdout) and exits: how the start-up test and benchmark watch the order.
PROBE_ENV = "DISSUADE_STARTUP_PROBE"
HEAVY_MODULES = ("sqlalchemy", "alembic", "pydantic", "argon2", "db", "scripts_library", "yaml")


@dataclass(frozen=True)
class Opened:
    """What the background task hands to the GUI thread."""

    database: Database
    seat: str
    first_run: bool
    telephony: TelephonySettings | None  # None: the main window reads it again and shows its error


@dataclass(frozen=True)
class LoggedIn:
    database: Database
    actor: Actor
    library: ScriptLibrary | None  # None when it was not read yet: the workstation reads it itself
    telephony: TelephonySettings | None


def open_console_database(url: str | None, demo: bool) -> Opened:
    """Worker side: import the database layer, open the database, preload the main window's modules."""
    from console.services.people.privacy import install_log_masking

    install_log_masking()  # before anything of the database layer can log
    from console.ui.app import first_run_needed, prepare_database, seat_name

    database = prepare_database(url, demo)
    try:
        first_run = first_run_needed(database)
        import console.ui.main_window  # noqa: F401 - imported here so the GUI thread finds it loaded
    except BaseException:
        database.dispose()
        raise
    return Opened(database, seat_name(database), first_run, _telephony_settings())


def _telephony_settings() -> TelephonySettings | None:
    from console.services.core.context import ServiceError
    from console.services.telephony.settings import load_telephony_settings

    try:
        return load_telephony_settings()  # YAML: read here rather than while the main window is built
    except ServiceError:
        return None


def _read_library() -> ScriptLibrary:
    """Worker side: the script library (YAML through libyaml, then validation), read while the operator types."""
    from scripts_library import load_library

    return load_library()


def open_failure_text(exc: BaseException) -> str:
    """The Chinese sentence for a start-up that could not open its database."""
    from console.services.core.context import ServiceError

    if isinstance(exc, ServiceError):  # a settings file the centre must fix: its message names file and key
        return f"无法启动：\n{exc}"
    from console.services.core.storage import describe_storage_error

    return f"无法打开数据库：\n{describe_storage_error(exc)}"


def heavy_modules_loaded() -> list[str]:
    return sorted(name for name in HEAVY_MODULES if name in sys.modules)


class StartupFlow:
    """Login dialog, background open, first run if needed; :meth:`run` returns who logged in."""

    def __init__(self, url: str | None, *, demo: bool = False) -> None:
        self.url = url
        self.demo = demo
        self.exit_code = 0
        self.runner = TaskRunner()
        self.dialog = LoginDialog(hint=DEMO_HINT if demo else "", runner=self.runner)
        self.opened: Opened | None = None
        self.library: ScriptLibrary | None = None

    def show(self) -> None:
        """Put the login dialog on screen (painted) before anything heavy is imported."""
        self.dialog.show()
        QApplication.processEvents()

    def begin_open(self, demo: bool) -> None:
        url = self.url
        self.opened = None
        self.runner.run(lambda: open_console_database(url, demo), self._opened, self._open_failed)

    def start(self) -> None:
        """Open the database behind the visible dialog."""
        self.begin_open(self.demo)

    def session(self) -> LoggedIn | None:
        """Who logged in, on which database, with what the start-up read for the main window."""
        if self.dialog.actor is None or self.opened is None:
            return None
        return LoggedIn(self.opened.database, self.dialog.actor, self.library, self.opened.telephony)

    def run(self) -> LoggedIn | None:
        self.show()
        if os.environ.get(PROBE_ENV):
            print(json.dumps({"login_visible": self.dialog.isVisible(), "at": time.time(),
                              "heavy_modules": heavy_modules_loaded()}), flush=True)
            return None
        self.start()
        while True:
            result = self.dialog.exec()
            if result == FIRST_RUN and self.opened is not None:
                if not self._first_run(self.opened.database):
                    return None
                self.dialog.set_hint(FIRST_RUN_DONE_HINT)
                self.dialog.forget_database()
                self.begin_open(False)  # the centre's name is a setting: read it afresh
                continue
            session = self.session() if result else None
            if session is not None:
                return session
            self.runner.wait_all()
            QApplication.processEvents()  # deliver a result that came after the dialog closed
            if self.dialog.fatal:
                self.exit_code = 1
            if self.opened is not None:
                self.opened.database.dispose()
            return None

    def close(self, msecs: int = 30000) -> bool:
        """Wait for the start-up's jobs (the script library may still be read after the login);
        the application calls this before it goes.  False when one still runs after ``msecs``."""
        return self.runner.wait_all(msecs)

    def _opened(self, opened: Opened) -> None:
        self.opened = opened
        if not self.dialog.isVisible():  # the operator left before the database was open
            return
        if opened.first_run:
            self.dialog.done(FIRST_RUN)
            return
        self.dialog.set_database(opened.database.context(), opened.seat)
        self.runner.run(_read_library, self._library_read, lambda _exc: None)  # the workstation retries and says why
        auto = os.environ.get("DISSUADE_AUTOLOGIN")  # "login:password" for kiosk and screenshot runs
        if auto and ":" in auto:
            login, password = auto.split(":", 1)
            self.dialog.login_edit.setText(login)
            self.dialog.password_edit.setText(password)
            self.dialog.try_login()

    def _library_read(self, library: ScriptLibrary) -> None:
        self.library = library

    def _open_failed(self, exc: BaseException) -> None:
        self.dialog.show_fatal(open_failure_text(exc))

    def _first_run(self, database: Database) -> bool:
        from console.ui.first_run_dialog import FirstRunDialog

        dialog = FirstRunDialog(database.context(), self.runner, database.data_dir)
        done = bool(dialog.exec())
        database.dispose()
        return done
