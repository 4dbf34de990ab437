"""The main window's tool windows (import, manual entry, escalations, supervisor board, reports, shift
planner, training), the help and about boxes and the queue export: one instance each, shown only to
the roles allowed, never larger than the screen; the key of a tool a role may not open says so in the
status bar instead of doing nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QWidget

from console.app.bootstrap import Database
from console.services.core.context import ROLE_LABELS, Actor, ServiceContext, allowed
from console.ui.errors import error_text
from console.ui.tasks import TaskRunner

ToolWindow = TypeVar("ToolWindow", bound=QWidget)


class ToolWindowHost(QMainWindow):
    """Base of the main window: builds the 窗口 menu and opens each tool window once."""

    database: Database
    actor: Actor
    ctx: ServiceContext
    runner: TaskRunner
    sees_people: bool
    _tool_windows: dict[str, QWidget]

    def _action(self, text: str, key: str, slot: Any, tip: str = "") -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(key))
        action.setToolTip(f"{tip or text}（{key}）")
        action.setStatusTip(f"{tip or text}（{key}）")
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_tool_window_actions(self) -> None:
        """Import, manual entry, supervisor board, reports, training and call review, each shown only to roles allowed."""
        entries = [
            ("import", self.tr("导入预警文件"), "Ctrl+I", "import.run", self.open_import),
            ("manual", self.tr("人工录入来电预警"), "Ctrl+Shift+N", "warning.create", self.open_manual_entry),
            ("escalations", self.tr("上报指令跟进"), "Ctrl+Shift+E", "escalation.update", self.open_escalations),
            ("board", self.tr("值班长看板"), "F9", "queue.manage", self.open_supervisor_board),
            ("reports", self.tr("报表与统计"), "F10", "stats.view", self.open_reports),
            ("shift", self.tr("排班测算"), "Ctrl+Shift+P", "report.print", self.open_shift_planner),
            ("training", self.tr("话术演练与复盘"), "F11", "training.run", self.open_training),
            ("quality", self.tr("话务质检"), "Ctrl+Shift+J", "review.calls", self.open_quality_review),
            ("my_reviews", self.tr("我的质检结果"), "Ctrl+Shift+G", "review.own", self.open_my_reviews),
        ]
        menu = self.menuBar().addMenu(self.tr("窗口(&V)"))
        self.tool_actions: dict[str, QAction] = {}
        self.denied_actions: dict[str, QAction] = {}
        for key, text, shortcut, permission, slot in entries:
            if not allowed(self.actor, permission) or (key == "training" and not self.sees_people):
                # the key still answers: a role without the right is told so instead of nothing happening
                self.denied_actions[key] = self._action(text, shortcut, lambda _c=False, t=text: self._denied(t))
                continue
            action = self._action(text, shortcut, slot)
            menu.addAction(action)
            self.tool_actions[key] = action
        self.tools_menu = menu

    def _denied(self, what: str) -> None:
        if not self.sees_people and what == self.tr("话术演练与复盘"):
            text = self.tr("话术演练与复盘就在本窗口中。")
        else:
            text = self.tr("您的角色（{role}）没有“{what}”的权限，请联系值班长或管理员。").format(
                role=ROLE_LABELS.get(self.actor.role, self.actor.role), what=what)
        self.statusBar().showMessage(text, 8000)

    def _show_tool(self, key: str, factory: Callable[[], ToolWindow]) -> ToolWindow:
        """One instance per tool window; raise it when it is already open."""
        widget = cast("ToolWindow | None", self._tool_windows.get(key))
        if widget is None or not widget.isVisible():
            widget = factory()
            fit_to_screen(widget, widget.width(), widget.height())  # never larger than a laptop's screen
            self._tool_windows[key] = widget
        widget.show()
        widget.raise_()
        widget.activateWindow()
        return widget

    def open_import(self) -> None:
        from console.ui.import_dialog import ImportDialog

        self._show_tool("import", lambda: ImportDialog(self.ctx, self.runner, self))

    def open_manual_entry(self) -> None:
        from console.ui.manual_entry_dialog import ManualEntryDialog

        self._show_tool("manual", lambda: ManualEntryDialog(self.ctx, self.runner, self))

    def open_escalations(self) -> None:
        from console.ui.escalations_window import EscalationsWindow

        def build() -> QWidget:
            window = EscalationsWindow(self.ctx, self.runner)
            window.setWindowFlag(Qt.WindowType.Window)
            window.setWindowTitle(self.tr("上报指令跟进"))
            fit_to_screen(window, 1300, 800)
            return window

        self._show_tool("escalations", build)

    def open_supervisor_board(self) -> None:
        from console.ui.supervisor import SupervisorBoard

        def build() -> QWidget:
            board = SupervisorBoard(self.database, self.actor, self.runner)
            board.setWindowFlag(Qt.WindowType.Window)
            board.setWindowTitle(self.tr("值班长看板"))
            fit_to_screen(board, 1400, 900)
            return board

        self._show_tool("board", build)

    def open_reports(self) -> None:
        from console.ui.supervisor import ReportsDialog

        self._show_tool("reports", lambda: ReportsDialog(self.database, self.actor, self.runner, self))

    def open_shift_planner(self) -> None:
        from console.ui.supervisor.shift_planner import ShiftPlannerWindow

        def build() -> QWidget:
            window = ShiftPlannerWindow(self.ctx, self.runner)
            window.setWindowFlag(Qt.WindowType.Window)
            fit_to_screen(window, 1100, 760)
            return window

        self._show_tool("shift", build)

    def open_training(self) -> None:
        from console.ui.training import TrainingWindow

        self._show_tool("training", lambda: TrainingWindow(self.database, self.actor, self.runner))

    def open_quality_review(self) -> None:
        from console.ui.supervisor.quality_review import QualityReviewWindow

        def build() -> QWidget:
            window = QualityReviewWindow(self.ctx, self.runner)
            fit_to_screen(window, 1300, 800)
            return window

        self._show_tool("quality", build)

    def open_my_reviews(self) -> None:
        from console.ui.supervisor.quality_review import MyReviewsWindow

        def build() -> QWidget:
            window = MyReviewsWindow(self.ctx, self.runner)
            fit_to_screen(window, 1000, 600)
            return window

        self._show_tool("my_reviews", build)

    def show_help(self) -> None:
        from console.ui.help_panel import HelpPanel  # it sizes itself with fit_to_screen below

        HelpPanel(self).exec()

    def show_about(self) -> None:
        from console.ui.about_dialog import AboutDialog

        AboutDialog(self.database.description, self).exec()

    def export_queue(self, path: str | None = None) -> None:
        """Write the queue to a spreadsheet; asks where unless ``path`` is given."""
        from PySide6.QtWidgets import QFileDialog

        from console.services.reports.queue_list import export_queue

        if not isinstance(path, str):  # a QAction passes its "checked" flag: ask where
            path, _filter = QFileDialog.getSaveFileName(self, self.tr("导出队列"), "待办队列.xlsx",
                                                        self.tr("Excel 表格 (*.xlsx);;CSV 文件 (*.csv)"))
            if not path:
                return
        ctx, target = self.ctx, path

        def done(result: Any) -> None:
            self.statusBar().showMessage(self.tr("已导出 {n} 条到 {file}（已脱敏）").format(
                n=result.rows, file=result.path), 10000)

        def failed(exc: BaseException) -> None:
            self.statusBar().showMessage(self.tr("导出失败：") + error_text(exc), 20000)

        self.runner.run(lambda: export_queue(ctx, target), done, failed)


def fit_to_screen(widget: QWidget, width: int, height: int) -> None:
    """Resize to the wanted size, but never beyond the screen's available area (taskbar excluded)."""
    screen = widget.screen()
    if screen is not None:
        available = screen.availableGeometry()
        width, height = min(width, available.width()), min(height, available.height())
    widget.resize(width, height)
