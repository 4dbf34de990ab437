"""SupervisorBoard: the duty supervisor's live view of the queue, the stations and the team.

Every few seconds (``REFRESH_MS``) the board fetches a :class:`BoardSnapshot` through the task runner
(off the GUI thread) and redraws: level tiles, overdue items (red), orders awaiting acknowledgement
with a countdown, operators with their current item, today's line and three charts.  Actions —
reassign, release, change level, chase a station — run through the runner as well and are audited
by the services; the board refreshes when each finishes.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from console.app.bootstrap import Database
from console.services.core.context import Actor, ServiceContext
from console.services.core.vocabulary import RISK_LEVEL_LABELS
from console.services.escalation import orders as escalations
from console.services.queue import admin as queue_admin
from console.services.queue import claims as queue
from console.services.queue.claims import QueueEntry
from console.services.reports.common import fraud_label, short_label, with_tail
from console.services.reports.tables import histogram_labels
from console.services.stats.board import AckWaiting, BoardSnapshot, board_snapshot, summary_text
from console.ui.supervisor.charts import BarChart
from console.ui.supervisor.models import ROW_ROLE, AckTableModel, OperatorTableModel, OverdueTableModel
from console.ui.supervisor.reason_dialog import ChangeLevelDialog, ReassignDialog
from console.ui.supervisor.reports_dialog import ReportsDialog
from console.ui.tasks import Change, TaskRunner

REFRESH_MS = 5000
TILE_STYLE = {"red": "#b71c1c", "orange": "#e65100", "yellow": "#9e7c00", "blue": "#0d47a1"}


class SupervisorBoard(QWidget):
    snapshot_applied = Signal(object)  # BoardSnapshot
    action_finished = Signal(str)  # what was done, in Chinese
    action_failed = Signal(str)

    def __init__(self, source: Database | ServiceContext, actor: Actor | None, runner: TaskRunner,
                 parent: QWidget | None = None, *, auto_refresh: bool = True) -> None:
        super().__init__(parent)
        if isinstance(source, Database):
            assert actor is not None
            self.ctx = source.context(actor)
        else:
            self.ctx = source.as_actor(actor) if actor is not None else source
        self.runner = runner
        self.snapshot: BoardSnapshot | None = None
        self._loading = False
        self._stale = False
        self._build()
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.runner.data_changed.connect(self._data_changed)  # a save anywhere in this console
        if auto_refresh:
            self.timer.start()
            QTimer.singleShot(0, self.refresh)

    # ------------------------------------------------------------------------------------ layout
    def _build(self) -> None:
        self.summary_label = QLabel(self.tr("今日：正在加载…"))
        self.summary_label.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.message_label = QLabel("")
        self.reports_button = QPushButton(self.tr("报表…"))
        self.reports_button.clicked.connect(self.open_reports)
        top = QHBoxLayout()
        top.addWidget(self.summary_label, 1)
        top.addWidget(self.message_label)
        top.addWidget(self.reports_button)

        tiles = QHBoxLayout()
        self.tile_labels: dict[str, QLabel] = {}
        for level, colour in TILE_STYLE.items():
            label = QLabel()
            label.setFrameShape(QFrame.Shape.Box)
            label.setStyleSheet(f"border: 2px solid {colour}; padding: 6px; font-size: 13px;")
            self.tile_labels[level] = label
            tiles.addWidget(label)

        self.overdue_model, self.ack_model, self.operator_model = (
            OverdueTableModel(self.ctx.centre_clock), AckTableModel(self.ctx.centre_clock),
            OperatorTableModel(self.ctx.centre_clock))
        self.overdue_view = self._table(self.overdue_model)
        self.ack_view = self._table(self.ack_model)
        self.operator_view = self._table(self.operator_model)
        self.reassign_button = QPushButton(self.tr("改派…"))
        self.release_button = QPushButton(self.tr("释放"))
        self.level_button = QPushButton(self.tr("调整等级…"))
        self.chase_button = QPushButton(self.tr("催办派出所…"))
        self.reassign_button.clicked.connect(self._reassign_clicked)
        self.release_button.clicked.connect(self._release_clicked)
        self.level_button.clicked.connect(self._level_clicked)
        self.chase_button.clicked.connect(self._chase_clicked)
        overdue_actions = QHBoxLayout()
        for button in (self.reassign_button, self.release_button, self.level_button):
            overdue_actions.addWidget(button)
        overdue_actions.addStretch(1)

        self.outcome_chart = BarChart(self.tr("今日各类型处置结果"))
        self.response_chart = BarChart(self.tr("首次联系用时分布"))
        self.hour_chart = BarChart(self.tr("分时段话务量"))

        grid = QGridLayout()
        grid.addWidget(QLabel(self.tr("已超时条目")), 0, 0)
        grid.addWidget(self.overdue_view, 1, 0)
        grid.addLayout(overdue_actions, 2, 0)
        grid.addWidget(QLabel(self.tr("待派出所签收")), 0, 1)
        grid.addWidget(self.ack_view, 1, 1)
        grid.addWidget(self.chase_button, 2, 1)
        grid.addWidget(QLabel(self.tr("值班接线员")), 3, 0)
        grid.addWidget(self.operator_view, 4, 0)
        charts = QHBoxLayout()
        for chart in (self.outcome_chart, self.response_chart, self.hour_chart):
            charts.addWidget(chart)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(tiles)
        layout.addLayout(grid, 1)
        layout.addLayout(charts)

    def _table(self, model: Any) -> QTableView:
        view = QTableView()
        view.setModel(model)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.verticalHeader().setVisible(False)
        view.horizontalHeader().setStretchLastSection(True)
        return view

    # ------------------------------------------------------------------------------------ refresh
    def _data_changed(self, _kind: str) -> None:
        self.refresh()

    def refresh(self) -> None:
        if self._loading:
            self._stale = True  # read again once this read is in
            return
        self._loading = True
        self._stale = False
        ctx = self.ctx
        self.runner.run(lambda: board_snapshot(ctx), on_success=self._apply, on_failure=self._failed_refresh)

    def _failed_refresh(self, exc: BaseException) -> None:
        self._loading = False
        self.message_label.setText(self.tr("刷新失败：%1").replace("%1", str(exc)))

    def _apply(self, snapshot: BoardSnapshot) -> None:
        self._loading = False
        self.snapshot = snapshot
        self.summary_label.setText(summary_text(snapshot.today))
        for tile in snapshot.tiles:
            oldest = (self.tr("最久等待 %1 分钟").replace("%1", str(int(tile.oldest_waiting_s // 60)))
                      if tile.oldest_waiting_s is not None else self.tr("无等待"))
            self.tile_labels[tile.level].setText(
                self.tr("%1色  队列 %2\n处理中 %3  超时 %4\n%5").replace("%1", RISK_LEVEL_LABELS[tile.level])
                .replace("%2", str(tile.depth)).replace("%3", str(tile.claimed)).replace("%4", str(tile.overdue))
                .replace("%5", oldest))
        self.overdue_model.set_rows(snapshot.overdue, snapshot.at)
        self.ack_model.set_rows(snapshot.acks, snapshot.at)
        self.operator_model.set_rows(snapshot.operators, snapshot.at)
        stats = snapshot.today
        types = with_tail([(fraud_label(r.key), (r.dissuaded, r.refused, r.victimized, r.other))
                           for r in stats.by_fraud_type], 8)  # every case shown: the tail as 其他
        self.outcome_chart.set_data([short_label(label, 5) for label, _ in types],
                                    [[values[i] for _, values in types] for i in range(4)],
                                    [self.tr("成功"), self.tr("拒绝"), self.tr("被骗"), self.tr("其他")])
        self.response_chart.set_data(histogram_labels(), [stats.response_times.histogram], [self.tr("预警")])
        self.hour_chart.set_data([str(h) for h in range(24)], [stats.load_by_hour], [self.tr("拨打")])
        self.snapshot_applied.emit(snapshot)
        if self._stale:
            self.refresh()

    # ------------------------------------------------------------------------------------ actions
    def selected_overdue(self) -> QueueEntry | None:
        rows = self.overdue_view.selectionModel().selectedRows()
        return self.overdue_model.data(rows[0], ROW_ROLE) if rows else None

    def selected_ack(self) -> AckWaiting | None:
        rows = self.ack_view.selectionModel().selectedRows()
        return self.ack_model.data(rows[0], ROW_ROLE) if rows else None

    def _run_action(self, done: str, fn: Any, changes: Change = Change.QUEUE) -> None:
        def succeeded(_result: object) -> None:
            self.message_label.setText(done)
            self.action_finished.emit(done)

        def failed(exc: BaseException) -> None:
            self.message_label.setText(str(exc))
            self.action_failed.emit(str(exc))

        self.runner.run(fn, on_success=succeeded, on_failure=failed, changes=changes)

    def reassign(self, item_id: int, to_login: str, reason: str) -> None:
        ctx = self.ctx
        self._run_action(self.tr("已改派给 %1").replace("%1", to_login),
                         lambda: queue_admin.reassign(ctx, item_id, to_login, reason))

    def release(self, item_id: int, reason: str) -> None:
        ctx = self.ctx
        self._run_action(self.tr("已释放回队列"), lambda: queue.release(ctx, item_id, reason))

    def change_level(self, warning_id: int, level: str, reason: str) -> None:
        ctx = self.ctx
        self._run_action(self.tr("已调整为%1色").replace("%1", RISK_LEVEL_LABELS.get(level, level)),
                         lambda: queue_admin.change_level(ctx, warning_id, level, reason))

    def chase(self, escalation_id: int, reason: str) -> None:
        """Chase the station: a child order to its duty phone, carrying the open tasks."""
        ctx = self.ctx
        self._run_action(self.tr("已催办（转派出所值班电话）"),
                         lambda: escalations.re_escalate(ctx, escalation_id, "duty_phone", "", reason),
                         Change.ESCALATIONS)

    def _reassign_clicked(self) -> None:
        entry = self.selected_overdue()
        if entry is None or self.snapshot is None:
            return
        dialog = ReassignDialog(entry.warning_id, [(o.login, o.name) for o in self.snapshot.operators], self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.reassign(entry.item_id, dialog.login(), dialog.reason())

    def _release_clicked(self) -> None:
        entry = self.selected_overdue()
        if entry is None:
            return
        reason, ok = QInputDialog.getText(self, self.tr("释放条目"), self.tr("释放原因（必填）："))
        if ok and reason.strip():
            self.release(entry.item_id, reason)

    def _level_clicked(self) -> None:
        entry = self.selected_overdue()
        if entry is None:
            return
        dialog = ChangeLevelDialog(entry.warning_id, entry.risk_level, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.change_level(entry.warning_id, dialog.level(), dialog.reason())

    def _chase_clicked(self) -> None:
        ack = self.selected_ack()
        if ack is None:
            return
        reason, ok = QInputDialog.getText(self, self.tr("催办派出所"), self.tr("催办说明（必填）："))
        if ok and reason.strip():
            self.chase(ack.escalation_id, reason)

    def open_reports(self) -> ReportsDialog:
        dialog = ReportsDialog(self.ctx, None, self.runner, self)
        dialog.show()
        return dialog
