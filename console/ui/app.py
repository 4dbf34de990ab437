"""Start-up: the Qt application, the database (migrated, demo data on first run), login, main window.

Dependencies are wired here explicitly and passed down; nothing reaches for a global.  This module
imports Qt alone: the database layer loads behind the login dialog (see ``console.ui.startup``).
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QLocale, QTranslator
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from console import __version__
from console.ui.app_icon import app_icon

if TYPE_CHECKING:
    from console.app.bootstrap import Database

RESOURCES = Path(__file__).resolve().parents[2] / "resources"


def create_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(argv if argv is not None else sys.argv)
    QCoreApplication.setApplicationName("预警劝阻工作台")
    QCoreApplication.setOrganizationName("dissuasion-console")
    QCoreApplication.setApplicationVersion(__version__)
    app.setWindowIcon(app_icon())
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
    flow = StartupFlow(url, demo=demo)
    session = flow.run()
    if session is None:
        return flow.exit_code
    from console.ui.main_window import MainWindow  # already imported by the start-up task

    window = MainWindow(session.database, session.actor, library=session.library, telephony=session.telephony)
    window.show()
    return int(app.exec())


def first_run_needed(database: Database) -> bool:
    from console.services.security.first_run import needs_first_run

    return needs_first_run(database.context())
