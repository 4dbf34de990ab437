"""The operator's main window: queue on the left, the warning and the call in the centre.

The window only arranges panels and routes signals; every database round trip goes through the
task runner so a slow server shows a busy indicator instead of freezing the window.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QSplitter, QStatusBar, QWidget

from console.bootstrap import Database
from console.services import queue
from console.services.context import ROLE_LABELS, Actor, ServiceContext
from console.services.storage import describe_storage_error
from console.services.vocabulary import RISK_LEVEL_LABELS, RISK_LEVEL_ORDER
from console.ui.queue_panel import QueuePanel
from console.ui.tasks import TaskRunner
from console.ui.warning_panel import WarningPanel

POLL_MS = 2000


class MainWindow(QMainWindow):
    def __init__(self, database: Database, actor: Actor, runner: TaskRunner | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.database = database
        self.actor = actor
        self.ctx: ServiceContext = database.context(actor)
        self.runner = runner or TaskRunner(self)
        self._seen_version: int | None = None
        self._refreshing = False
        self.setWindowTitle(self.tr("预警劝阻工作台 — {name}（{role}）").format(
            name=actor.display_name or actor.login, role=ROLE_LABELS.get(actor.role, actor.role)))
        self.resize(1500, 920)

        self.queue_panel = QueuePanel(self.ctx.now)
        self.warning_panel = WarningPanel(self.ctx, self.runner)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.queue_panel)
        splitter.addWidget(self.warning_panel)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([620, 880])
        self.setCentralWidget(splitter)

        self.queue_panel.next_requested.connect(self.claim_next)
        self.queue_panel.entry_selected.connect(self.warning_panel.show_entry)

        self._build_actions()
        self._build_status_bar()

        self.poll_timer = QTimer(self)
        self.poll_timer.setInterval(POLL_MS)
        self.poll_timer.timeout.connect(self.check_for_changes)
        self.poll_timer.start()
        self.tick_timer = QTimer(self)
        self.tick_timer.setInterval(1000)
        self.tick_timer.timeout.connect(self.queue_panel.model.tick)
        self.tick_timer.start()
        self.refresh_queue()

    # -- actions -------------------------------------------------------------------------
    def _build_actions(self) -> None:
        self.next_action = QAction(self.tr("下一条"), self)
        self.next_action.setShortcut(QKeySequence(Qt.Key.Key_F2))
        self.next_action.triggered.connect(self.claim_next)
        self.refresh_action = QAction(self.tr("刷新队列"), self)
        self.refresh_action.setShortcut(QKeySequence(Qt.Key.Key_F5))
        self.refresh_action.triggered.connect(self.refresh_queue)
        self.addAction(self.next_action)
        self.addAction(self.refresh_action)
        work = self.menuBar().addMenu(self.tr("工作(&W)"))
        work.addAction(self.next_action)
        work.addAction(self.refresh_action)
        self.work_menu = work
        self.can_work = queue_allowed(self.actor)
        self.next_action.setEnabled(self.can_work)
        self.queue_panel.next_button.setEnabled(self.can_work)

    def _build_status_bar(self) -> None:
        bar = QStatusBar()
        self.setStatusBar(bar)
        self.user_label = QLabel(self.tr("{name}（{role}） 席位 {seat}").format(
            name=self.actor.display_name or self.actor.login, role=ROLE_LABELS.get(self.actor.role, self.actor.role),
            seat=self.actor.seat or "-"))
        self.connection_label = QLabel(self.database.description)
        self.depth_label = QLabel()
        self.busy_label = QLabel()
        for widget in (self.user_label, self.connection_label, self.depth_label):
            bar.addPermanentWidget(widget)
        bar.addWidget(self.busy_label)
        self.runner.busy_changed.connect(lambda busy: self.busy_label.setText(self.tr("正在处理…") if busy else ""))

    # -- live queue ----------------------------------------------------------------------
    def check_for_changes(self) -> None:
        if self._refreshing:
            return
        ctx = self.ctx
        self.runner.run(lambda: queue.queue_version(ctx), self._version_checked, self._connection_failed)

    def _version_checked(self, version: int) -> None:
        self.connection_label.setText(self.database.description)
        self.connection_label.setStyleSheet("")
        if version != self._seen_version:
            self.refresh_queue()

    def refresh_queue(self) -> None:
        if self._refreshing:
            return
        self._refreshing = True
        ctx = self.ctx

        def load() -> tuple[int, list[Any]]:
            version = queue.queue_version(ctx)
            return version, queue.list_open(ctx)

        self.runner.run(load, self._queue_loaded, self._queue_failed)

    def _queue_loaded(self, result: tuple[int, list[Any]]) -> None:
        self._refreshing = False
        self._seen_version, entries = result
        self.queue_panel.set_entries(entries)
        counts = {level: 0 for level in RISK_LEVEL_ORDER}
        for entry in entries:
            if entry.status == "open":
                counts[entry.risk_level] = counts.get(entry.risk_level, 0) + 1
        self.depth_label.setText(self.tr("待领取：") + " ".join(
            f"{RISK_LEVEL_LABELS[level]}{counts[level]}" for level in RISK_LEVEL_ORDER))

    def _queue_failed(self, exc: BaseException) -> None:
        self._refreshing = False
        self._connection_failed(exc)

    def _connection_failed(self, exc: BaseException) -> None:
        self.connection_label.setText(self.tr("连接异常：") + describe_storage_error(exc))
        self.connection_label.setStyleSheet("color: #cf222e; font-weight: bold;")

    def claim_next(self) -> None:
        if not self.can_work:
            return
        ctx = self.ctx
        self.next_action.setEnabled(False)
        self.runner.run(lambda: queue.claim_next(ctx), self._claimed, self._claim_failed)

    def _claimed(self, entry: Any) -> None:
        self.next_action.setEnabled(True)
        if entry is None:
            self.statusBar().showMessage(self.tr("队列中暂无可领取的条目"), 5000)
            return
        self.warning_panel.show_entry(entry)
        self.refresh_queue()
        self.queue_panel.select_item(entry.item_id)

    def _claim_failed(self, exc: BaseException) -> None:
        self.next_action.setEnabled(True)
        QMessageBox.warning(self, self.tr("领取失败"), describe_storage_error(exc))


def queue_allowed(actor: Actor) -> bool:
    from console.services.context import allowed

    return allowed(actor, "queue.work")
