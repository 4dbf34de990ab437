"""Shared by the main-window tests: the keys' modifiers, a signed-in user, and the main window opened and
focused as an operator's seat opens it (pytest-qt closes it at the end of the test)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from console.app.bootstrap import Database
from console.services.core.context import SYSTEM, Actor
from console.services.demo import generate as demo
from console.services.security import auth
from console.services.security.session_policy import IdleTimer
from console.ui.draft_keeper import DraftKeeper
from console.ui.main_window import MainWindow
from console.ui.tasks import SyncTaskRunner

CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier

DESK_SIZE = (1600, 1000)  # a seat's desktop monitor: every panel of the workstation has its room


def make_user(db: Database, login: str, role: str = "operator", *, seat: str = "seat-3",
              display_name: str | None = None) -> Actor:
    """Add a user (password 'secret-pass', shown as "<login>名" unless named) and sign in at ``seat``."""
    auth.add_user(db.context(SYSTEM), login, "secret-pass", role, display_name=display_name or f"{login}名")
    return auth.authenticate(db.context(), login, "secret-pass", seat)


def demo_actor(db: Database, login: str, seat: str) -> Actor:
    """Sign in as one of the demo county's staff (see ``demo.STAFF``)."""
    return auth.authenticate(db.context(), login, demo.DEMO_PASSWORD, seat)


def open_window(qtbot, db: Database, actor: Actor, drafts_root: Path | None = None, *,  # type: ignore[no-untyped-def]
                size: tuple[int, int] | None = DESK_SIZE, idle_timer: IdleTimer | None = None) -> MainWindow:
    """The main window with a synchronous runner, shown, active and ready for keys.

    ``drafts_root`` keeps the drafts to this test (a draft another test left would be reopened as the item
    in hand); without it the window keeps them where a seat does.  ``size=None`` leaves Qt's own size.
    """
    drafts = DraftKeeper(actor, drafts_root) if drafts_root is not None else None
    window = MainWindow(db, actor, runner=SyncTaskRunner(), drafts=drafts, idle_timer=idle_timer)
    qtbot.addWidget(window)
    if size is not None:
        window.resize(*size)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return window


def press(qtbot, window: MainWindow, *keys: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier) -> None:  # type: ignore[no-untyped-def]
    for key in keys:
        qtbot.keyClick(window, key, modifier)
