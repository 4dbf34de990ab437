"""Start-up: the Qt application, the database (migrated, demo data on first run), login, main window.

Dependencies are wired here explicitly and passed down; nothing reaches for a global.  This module
imports Qt alone: the database layer loads behind the login dialog (see ``console.ui.startup``).
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QLibraryInfo,
    QLocale,
    QObject,
    QTimer,
    QTranslator,
    Signal,
)
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QWidget

from console import __version__
from console.ui.app_icon import app_icon
from console.ui.collector import GuiThreadCollector

if TYPE_CHECKING:
    from console.app.bootstrap import Database
    from console.services.core.context import Actor
    from console.ui.startup import StartupFlow

RESOURCES = Path(__file__).resolve().parents[2] / "resources"


def create_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(argv if argv is not None else sys.argv)
    QCoreApplication.setApplicationName("预警劝阻工作台")
    QCoreApplication.setOrganizationName("dissuasion-console")
    QCoreApplication.setApplicationVersion(__version__)
    app.setWindowIcon(app_icon())
    install_qt_translations(app)
    translator = QTranslator(app)
    if translator.load(QLocale(), "console", "_", str(RESOURCES / "i18n")):
        app.installTranslator(translator)
    family = _cjk_family()
    if family:
        app.setFont(QFont(family, 10))
    qss = RESOURCES / "styles" / "console.qss"
    if qss.exists():
        app.setStyleSheet(qss.read_text(encoding="utf-8"))
    return app


CHINESE = QLocale(QLocale.Language.Chinese, QLocale.Country.China)
QT_CATALOGUES = "qtbase"  # standard buttons, QMessageBox, QDialogButtonBox, QFileDialog, QLineEdit menus


def install_qt_translations(app: QCoreApplication) -> list[QTranslator]:
    """Qt's own Simplified Chinese catalogues (shipped in PySide6's wheel), whatever the PC's locale,
    so standard buttons and the file dialog speak the console's language; returns what it installed.

    Also makes Chinese the default locale, so calendars and number fields follow."""
    QLocale.setDefault(CHINESE)
    directory = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    installed: list[QTranslator] = []
    # ours last: an installed translator is asked first, and it fills the few gaps Qt's catalogue has
    for catalogue, where in ((QT_CATALOGUES, directory), ("qt_extra", str(RESOURCES / "i18n"))):
        translator = QTranslator(app)
        if translator.load(CHINESE, catalogue, "_", where) and app.installTranslator(translator):
            installed.append(translator)
    return installed


def _cjk_family() -> str | None:
    """Prefer a font that has Chinese glyphs, so no character falls back to boxes."""
    preferred = ("Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "WenQuanYi Micro Hei", "Source Han Sans SC",
                 "SimHei")
    families = set(QFontDatabase.families())
    return next((f for f in preferred if f in families), None)


def seat_name(database: Database) -> str:
    """The seat's name: the centre settings' ``seat_name``, else ``DISSUADE_SEAT``, else the host name."""
    return database.settings.centre.seat_name or os.environ.get("DISSUADE_SEAT") or socket.gethostname()


def prepare_database(url: str | None, demo_on_empty: bool) -> Database:
    from console.app.bootstrap import open_database

    database = open_database(url)
    if demo_on_empty:
        from console.services.demo import generate as demo  # only imported when a demo database is wanted

        ctx = database.context()
        if demo.is_empty(ctx):
            demo.generate(ctx)
    return database


def run_gui(url: str | None = None, *, demo: bool = False) -> int:
    """The login dialog at once, the database opened behind it, then the main window."""
    from console.ui.startup import StartupFlow

    app = create_application()
    collector = GuiThreadCollector(app)  # cycles are collected on this thread, never in a background job
    flow = StartupFlow(url, demo=demo)
    try:
        return _run_sessions(app, flow)
    finally:
        # every runner has finished before the application goes: a start-up job still running (the
        # script library read while the operator logged in) must not report to objects already gone
        flow.close()
        collector.stop()


def _run_sessions(app: QApplication, flow: StartupFlow) -> int:
    session = flow.run()
    if session is None:
        return flow.exit_code
    from console.ui.main_window import MainWindow  # already imported by the start-up task

    database, actor = session.database, session.actor
    while True:  # 注销 (Ctrl+Shift+L) returns to the login for the next person on this seat
        window = MainWindow(database, actor, library=session.library, telephony=session.telephony)
        SessionCloser(window, app.quit)  # leaving closes every window of this session
        window.show()
        code = int(app.exec())
        window.runner.wait_all(5000)  # the sign-off (离线 at once) and any write in flight finish first
        if not window.logged_out or os.environ.get("DISSUADE_AUTOLOGIN"):
            return code
        window.deleteLater()
        relogin = _login_again(database)
        if relogin is None:
            return 0
        actor = relogin


def _login_again(database: Database) -> Actor | None:
    """The login dialog for the next person after 注销; the database is already open."""
    from console.ui.login_dialog import LoginDialog

    dialog = LoginDialog(database.context(), seat=seat_name(database))
    accepted = bool(dialog.exec())
    dialog.runner.wait_all()  # a password check still running ends before the dialog goes
    return dialog.actor if accepted else None


class SessionCloser(QObject):
    """Quitting the main window ends the session: every other window of it (board, reports, escalations …,
    which hold personal data) closes and the event loop quits, so the process exits.

    Watches the main window's close event; a close the window refused (e.g. an unsaved call) changes
    nothing.  Windows that refuse to close are hidden: nothing of the session stays on screen."""

    ended_session = Signal()

    def __init__(self, main: QWidget, quit_app: Callable[[], None]) -> None:
        super().__init__(main)
        self.main = main
        self.quit_app = quit_app
        self.ended = False
        main.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self.main and event.type() == QEvent.Type.Close:
            QTimer.singleShot(0, self._after_close)
        return False

    def _after_close(self) -> None:
        if self.ended or self.main.isVisible():
            return  # the main window declined to close
        self.ended = True
        for widget in QApplication.topLevelWidgets():
            if widget is not self.main and widget.isVisible() and not widget.close():
                widget.hide()
        self.ended_session.emit()
        self.quit_app()


def first_run_needed(database: Database) -> bool:
    from console.services.security.first_run import needs_first_run

    return needs_first_run(database.context())
