"""A police laptop's screen: at 1366×768 (and 1536×864, a 1920×1080 screen at 125 %) a claimed warning
shows every action on screen, the window does not grow, and the windows and dialogs it opens fit."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QWidget

from console.app.bootstrap import Database
from console.ui.draft_keeper import DraftKeeper
from console.ui.main_window import MainWindow
from console.ui.tasks import SyncTaskRunner
from tests.gui_helpers import demo_actor, open_window

pytestmark = pytest.mark.gui

TASKBAR = 40  # what a desktop's taskbar leaves of the screen's height


def fully_inside(widget: QWidget, window: QWidget) -> bool:
    """Shown, not clipped by a parent, and inside the window's rectangle."""
    top_left = widget.mapTo(window, QPoint(0, 0))
    rect = QRect(top_left, widget.size())
    return (widget.isVisible() and window.rect().contains(rect)
            and widget.visibleRegion().boundingRect().size() == widget.size())


def describe(widget: QWidget) -> str:
    text = getattr(widget, "text", None)
    return str(text()) if callable(text) else widget.objectName() or type(widget).__name__


@pytest.mark.parametrize("size", [(1366, 768), (1536, 864)])
def test_a_claimed_warning_fits_a_laptop_screen(qtbot, demo_db: Database, tmp_path, size) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot, demo_db, demo_actor(demo_db, "op01", "seat-7"), tmp_path, size=size)
    qtbot.keyClick(window, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: window.script_view.session is not None)
    assert window.workstation.detail is not None and window.workstation.detail.risk_level == "red"
    assert (window.width(), window.height()) == size  # claiming did not grow the window
    hint = window.minimumSizeHint()
    assert hint.width() <= 1366 and hint.height() <= 768 - TASKBAR

    outcome, call = window.outcome_panel, window.call_panel
    controls: list[QWidget] = [*outcome.disposition_buttons.values(), outcome.save_button, outcome.escalate_button,
                               outcome.notes_edit, outcome.amount_edit, call.start_button, call.end_button,
                               call.reveal_button, call.number_label, call.timer_label,
                               window.warning_panel.deadline_label, window.warning_panel.level_label,
                               window.queue_panel.next_button, window.my_items.table, window.statusBar(),
                               window.user_label, window.depth_label]
    hidden = [describe(c) for c in controls if not fully_inside(c, window)]
    assert not hidden
    assert window.warning_panel.deadline_label.text()  # the deadline is on screen, not only in the queue


def test_tool_windows_and_dialogs_fit_the_screen(qtbot, demo_db: Database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from console.ui.escalation_dialog import EscalationDialog
    from console.ui.help_panel import HelpPanel

    actor = demo_actor(demo_db, "zhiban", "seat-7")
    window = MainWindow(demo_db, actor, runner=SyncTaskRunner(), drafts=DraftKeeper(actor, tmp_path))
    qtbot.addWidget(window)
    window.show()
    available = window.screen().availableGeometry()
    opened: list[QWidget] = []
    for key, action in window.tool_actions.items():
        action.trigger()
        opened.append(window._tool_windows[key])
    entry = window.queue_panel.model.entries()[0]
    opened += [EscalationDialog(window.ctx, window.runner, entry.warning_id, parent=window), HelpPanel(window)]
    for widget in opened:
        qtbot.addWidget(widget)
        widget.show()
        name = type(widget).__name__
        hint = widget.minimumSizeHint().expandedTo(widget.minimumSize())
        assert hint.width() <= 1366 and hint.height() <= 768 - TASKBAR, name  # fits a laptop at all
        # opened no larger than the screen (this test's screen is 800×800), unless its minimum is larger
        assert widget.width() <= max(available.width(), hint.width()), name
        assert widget.height() <= max(available.height(), hint.height()), name
