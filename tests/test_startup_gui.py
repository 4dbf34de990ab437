"""Start-up: the login dialog is on screen before the database layer is imported; the database opens
behind it, on a worker, and a failure to open is said in Chinese in the dialog."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog

from console.app.bootstrap import open_database
from console.services.core.context import SYSTEM
from console.services.people.privacy import PiiLogFilter
from console.services.security import auth
from console.ui.first_run_dialog import FirstRunDialog
from console.ui.login_dialog import FIRST_RUN, LoginDialog
from console.ui.startup import FIRST_RUN_DONE_HINT, HEAVY_MODULES, PROBE_ENV, StartupFlow

pytestmark = pytest.mark.gui
ROOT = Path(__file__).resolve().parents[1]
ENTRY = "import sys; from console.cli import gui_main; sys.exit(gui_main())"


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.fixture
def seat_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A migrated SQLite file with one operator, closed again: the start-up opens it by URL."""
    path = tmp_path / "seat.sqlite3"
    shutil.copyfile(sqlite_template, path)
    url = f"sqlite:///{path}"
    db = open_database(url)
    auth.add_user(db.context(SYSTEM), "op07", "right-pass-7", "operator", display_name="周敏")
    db.dispose()
    return url


def _close(flow: StartupFlow) -> None:
    flow.runner.wait_all()
    if flow.opened is not None:
        flow.opened.database.dispose()


def test_the_entry_point_shows_the_login_dialog_before_the_database_layer_is_imported(seat_url: str,
                                                                                       tmp_path: Path) -> None:
    env = {**os.environ, PROBE_ENV: "1", "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT),
           "DISSUADE_DATA_DIR": str(tmp_path / "data")}
    out = subprocess.run([sys.executable, "-c", ENTRY, "--db", seat_url], capture_output=True, text=True,
                         env=env, cwd=ROOT, timeout=120, check=True)
    probe = json.loads(out.stdout.strip().splitlines()[-1])
    assert probe["login_visible"] is True
    assert probe["heavy_modules"] == []  # none of sqlalchemy, alembic, pydantic, argon2, db, scripts_library, yaml
    assert {"sqlalchemy", "pydantic", "db"} <= set(HEAVY_MODULES)


# The console as `dissuade gui`, with two stand-ins: the main window closes as soon as it is shown (the
# operator quits at once), and the script library, read by a start-up job behind the login, is still
# being read then and finishes only after the application has quit (a slow network share).
QUIT_DURING_STARTUP_JOB = """
import sys, threading
from PySide6.QtCore import QCoreApplication, QTimer
import console.ui.main_window as main_window
import console.ui.startup as startup

quitting = threading.Event()
read_library = startup._read_library

def slow_library():
    quitting.wait(60)
    threading.Event().wait(1.0)
    library = read_library()
    print("library read", flush=True)
    return library

show = main_window.MainWindow.show

def show_then_quit(window):
    show(window)
    QCoreApplication.instance().aboutToQuit.connect(quitting.set)
    QTimer.singleShot(0, window.close)

startup._read_library = slow_library
main_window.MainWindow.show = show_then_quit
from console.cli import gui_main
code = gui_main()
print("console closed", flush=True)
sys.exit(code)
"""
OFFSCREEN_NOTICE = "This plugin does not support propagateSizeHints()"  # the offscreen platform's, not ours


def test_quitting_while_a_start_up_job_still_runs_exits_cleanly(seat_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT),
           "DISSUADE_DATA_DIR": str(tmp_path / "data"), "DISSUADE_AUTOLOGIN": "op07:right-pass-7"}
    env.pop(PROBE_ENV, None)
    out = subprocess.run([sys.executable, "-c", QUIT_DURING_STARTUP_JOB, "--db", seat_url], capture_output=True,
                         text=True, env=env, cwd=ROOT, timeout=120)
    printed = [line for line in out.stderr.splitlines() if line.strip() and line.strip() != OFFSCREEN_NOTICE]
    assert printed == [] and out.returncode == 0
    assert out.stdout.splitlines() == ["library read", "console closed"]  # the job was waited for


def test_the_database_opens_behind_the_dialog_and_the_login_is_checked_off_the_gui_thread(qtbot, seat_url: str) -> None:  # type: ignore[no-untyped-def]
    flow = StartupFlow(seat_url)
    qtbot.addWidget(flow.dialog)
    flow.show()
    dialog = flow.dialog
    assert dialog.isVisible() and dialog.ctx is None
    # The operator is quicker than the database: the login waits for it and says so.
    qtbot.keyClicks(dialog.login_edit, "op07")
    qtbot.keyClicks(dialog.password_edit, "right-pass-7")
    dialog.try_login()
    assert dialog.status_label.text() == "正在打开数据库，请稍候…" and not dialog.ok_button.isEnabled()
    try:
        with qtbot.waitSignal(dialog.accepted, timeout=60000):
            flow.start()
        session = flow.session()
        assert session is not None
        assert session.actor.login == "op07" and session.actor.display_name == "周敏"
        assert session.library is not None or flow.runner.running  # read next, while the operator types
        masked = [f for h in logging.getLogger().handlers for f in h.filters if isinstance(f, PiiLogFilter)]
        assert masked  # the start-up task masked the logs before it opened the database
        assert dialog.result() == QDialog.DialogCode.Accepted and not dialog.isVisible()
    finally:
        _close(flow)


def test_a_wrong_password_is_refused_in_chinese_and_the_dialog_stays(qtbot, seat_url: str) -> None:  # type: ignore[no-untyped-def]
    flow = StartupFlow(seat_url)
    qtbot.addWidget(flow.dialog)
    flow.show()
    dialog = flow.dialog
    try:
        with qtbot.waitSignal(dialog.database_ready, timeout=60000):
            flow.start()
        dialog.login_edit.setText("op07")
        dialog.password_edit.setText("wrong")
        with qtbot.waitSignal(dialog.login_failed, timeout=30000) as refused:
            dialog.try_login()
        assert refused.args == ["用户名或密码错误"]
        assert dialog.error_label.text() == "用户名或密码错误" and dialog.error_label.isVisible()
        assert dialog.isVisible() and dialog.actor is None and dialog.password_edit.text() == ""
        assert dialog.ok_button.isEnabled()
    finally:
        _close(flow)


def test_a_database_that_cannot_be_opened_is_said_in_chinese_and_only_quitting_is_left(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the database directory should be", encoding="utf-8")
    flow = StartupFlow(f"sqlite:///{blocker / 'console.sqlite3'}")
    qtbot.addWidget(flow.dialog)
    flow.show()
    dialog = flow.dialog
    try:
        flow.start()
        qtbot.waitUntil(lambda: dialog.fatal, timeout=60000)
        text = dialog.error_label.text()
        assert dialog.error_label.isVisible() and text.startswith("无法打开数据库：")
        assert _has_cjk(text.split("\n", 1)[1]) and "Traceback" not in text
        assert not dialog.ok_button.isEnabled() and not dialog.login_edit.isEnabled()
        dialog.try_login()  # Enter does nothing more
        assert flow.runner.running == 0 and dialog.isVisible()
    finally:
        _close(flow)


def test_an_empty_database_leads_through_the_first_run_to_the_login(qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISSUADE_DATA_DIR", str(tmp_path / "data"))  # the first run writes the centre's settings
    flow = StartupFlow(f"sqlite:///{tmp_path / 'new.sqlite3'}")
    qtbot.addWidget(flow.dialog)
    flow.dialog.login_edit.setText("nobody")  # typed and confirmed before the database was open
    flow.dialog.password_edit.setText("guess")
    flow.dialog.try_login()
    seen: list[str] = []

    def operator() -> None:  # answers whichever modal dialog is up, as a person at the seat would
        modal = QApplication.activeModalWidget()
        if isinstance(modal, FirstRunDialog) and modal.buttons.isEnabled() and "first" not in seen:
            seen.append("first")
            modal.unit_edit.setText("明湖县反诈中心")
            modal.login_edit.setText("chen")
            modal.name_edit.setText("陈主任")
            modal.password_edit.setText("correct-horse-2")
            modal.repeat_edit.setText("correct-horse-2")
            modal.submit()
        elif isinstance(modal, LoginDialog) and modal.ctx is not None and "login" not in seen:
            seen.append("login")
            seen.append(modal.hint_label.text())
            if not modal.ok_button.isEnabled() or modal.error_label.isVisible():  # something old was checked
                seen.append("stale login checked")
                modal.reject()
                return
            modal.login_edit.setText("chen")
            modal.password_edit.setText("correct-horse-2")
            modal.try_login()
        elif isinstance(modal, LoginDialog) and modal.error_label.isVisible():  # refused: end instead of hanging
            seen.append(modal.error_label.text())
            modal.reject()

    timer = QTimer()
    timer.timeout.connect(operator)
    timer.start(20)
    try:
        session = flow.run()
    finally:
        timer.stop()
        _close(flow)
    assert seen == ["first", "login", FIRST_RUN_DONE_HINT]
    assert session is not None and session.actor.login == "chen" and session.actor.role == "admin"
    assert flow.dialog.result() != FIRST_RUN
