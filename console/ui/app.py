"""Start-up: the Qt application, the database (migrated, demo data on first run), login, main window.

Dependencies are wired here explicitly and passed down; nothing reaches for a global.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QMessageBox

from console import __version__
from console.app.bootstrap import Database, open_database
from console.services.core.context import Actor, ServiceError
from console.ui.app_icon import app_icon

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
    database = open_database(url)
    if demo_on_empty:
        from console.services.demo import generate as demo  # only imported when a demo database is wanted

        ctx = database.context()
        if demo.is_empty(ctx):
            demo.generate(ctx)
    return database


def run_gui(url: str | None = None, *, demo: bool = False) -> int:
    from console.ui.main_window import MainWindow

    app = create_application()
    try:
        database = prepare_database(url, demo)
    except ServiceError as exc:  # a settings file the centre must fix: its message names file and key
        QMessageBox.critical(None, "预警劝阻工作台", f"无法启动：\n{exc}")
        return 1
    except Exception as exc:  # noqa: BLE001 - shown to the user, not a traceback
        from console.services.core.storage import describe_storage_error

        QMessageBox.critical(None, "预警劝阻工作台", f"无法打开数据库：\n{describe_storage_error(exc)}")
        return 1
    hint = ""
    if demo:
        hint = "演示库账号：op01（接线员）、zhiban（值班长）、peixun（培训员）、admin；密码均为 demo1234"
    elif first_run_needed(database):
        if not _first_run(database):
            return 0
        database.dispose()
        database = prepare_database(url, False)  # the centre's name is a setting: read it afresh
        hint = "首次设置已完成：请用刚创建的管理员账号登录，再添加其他人员的账号。"
    actor = _login(database, hint)
    if actor is None:
        return 0
    window = MainWindow(database, actor)
    window.show()
    return int(app.exec())


def first_run_needed(database: Database) -> bool:
    from console.services.security.first_run import needs_first_run

    return needs_first_run(database.context())


def _first_run(database: Database) -> bool:
    from console.ui.first_run_dialog import FirstRunDialog
    from console.ui.tasks import TaskRunner

    dialog = FirstRunDialog(database.context(), TaskRunner(), database.data_dir)
    return bool(dialog.exec())


def _login(database: Database, hint: str) -> Actor | None:
    from console.ui.login_dialog import LoginDialog

    auto = os.environ.get("DISSUADE_AUTOLOGIN")  # "login:password" for kiosk and screenshot runs
    if auto and ":" in auto:
        from console.services.security import auth

        login, password = auto.split(":", 1)
        return auth.authenticate(database.context(), login, password, seat_name(database))
    dialog = LoginDialog(database.context(), seat=seat_name(database), hint=hint)
    return dialog.actor if dialog.exec() else None
