"""Quitting the main window ends the session: the board and the other tool windows close, the seat
signs off at once, and the application is told to quit (pytest-qt on a demo database)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from console.app.bootstrap import Database
from console.services.core.context import SYSTEM
from console.services.demo import generate as demo
from console.ui.app import SessionCloser
from console.ui.main_window import MainWindow
from console.ui.tasks import SyncTaskRunner
from db.models import AgentState, User
from tests.gui_helpers import demo_actor

pytestmark = pytest.mark.gui


def test_closing_the_main_window_closes_every_window_of_the_session(qtbot, demo_sqlite: Database) -> None:  # type: ignore[no-untyped-def]
    demo.generate(demo_sqlite.context(SYSTEM), warnings=40, seed=3, open_count=10)
    window = MainWindow(demo_sqlite, demo_actor(demo_sqlite, "zhiban", "seat-9"), runner=SyncTaskRunner())
    qtbot.addWidget(window)
    quits: list[bool] = []
    closer = SessionCloser(window, lambda: quits.append(True))
    window.show()
    qtbot.waitExposed(window)
    window.tool_actions["board"].trigger()  # 值班长看板 (F9)
    window.open_reports()
    window.open_escalations()
    tools = list(window._tool_windows.values())
    assert len(tools) == 3 and all(tool.isVisible() for tool in tools)
    with qtbot.waitSignal(closer.ended_session):
        window.close()
    assert not any(tool.isVisible() for tool in tools)
    assert quits == [True]
    with demo_sqlite.sessions() as session:
        user_id = session.execute(select(User.id).where(User.login == "zhiban")).scalar_one()
        seat = session.get(AgentState, user_id)
    assert seat is not None and seat.state == "offline" and seat.offline_since is not None


def test_a_refused_close_keeps_the_session(qtbot, sqlite_db: Database) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QCloseEvent
    from PySide6.QtWidgets import QMainWindow, QWidget

    class Stubborn(QMainWindow):
        def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
            event.ignore()  # e.g. an unsaved call the operator chose to keep

    main = Stubborn()
    other = QWidget()
    qtbot.addWidget(main)
    qtbot.addWidget(other)
    quits: list[bool] = []
    closer = SessionCloser(main, lambda: quits.append(True))
    main.show()
    other.show()
    assert not main.close()
    closer._after_close()  # what the close event scheduled
    assert main.isVisible() and other.isVisible() and quits == [] and not closer.ended
