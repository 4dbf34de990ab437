"""SupervisorBoard: the duty supervisor's live view of the queue, the stations and the team.

Every few seconds (``REFRESH_MS``) the board fetches a :class:`BoardSnapshot` through the task runner
(off the GUI thread) and redraws, keeping each table's selected row and scroll position: level
tiles (click one for its items; 全部超时 lists every overdue item), neglect alerts, orders awaiting
acknowledgement with a countdown, operators with their seat's presence (state, how long, the item in
hand), today's line and three charts.  Actions on the listed items — view, reassign (to a present
operator, or after a confirmation), release, change level — and 催办 on an order run through the
runner as well and are audited by the services; the board refreshes when each finishes.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from console.app.bootstrap import Database
from console.services.core.context import Actor, ServiceContext
from console.services.core.vocabulary import RISK_LEVEL_LABELS
from console.services.escalation.chase import ChaseResult
from console.services.escalation.chase import chase as chase_order
from console.services.queue import admin as queue_admin
from console.services.queue import claims as queue
from console.services.queue.claims import QueueEntry
from console.services.queue.presence import reassign_checked
from console.services.queue.wording import state_text
from console.services.reports.common import fraud_label, short_label, with_tail
from console.services.reports.tables import histogram_labels
from console.services.stats.board import AckWaiting, BoardSnapshot, board_snapshot, summary_text
from console.ui.supervisor.charts import BarChart
from console.ui.supervisor.models import ROW_ROLE, AckTableModel, OperatorTableModel, QueueItemsTableModel
from console.ui.supervisor.reason_dialog import ChangeLevelDialog, ReassignDialog
from console.ui.supervisor.reports_dialog import ReportsDialog
from console.ui.supervisor.view_state import kept_view, select_where, selected_row
from console.ui.supervisor.voice_campaign import VoiceCampaignWindow
from console.ui.tasks import Change, TaskRunner

REFRESH_MS = 5000
TILE_STYLE = {"red": "#b71c1c", "orange": "#e65100", "yellow": "#9e7c00", "blue": "#0d47a1"}
OVERDUE = "overdue"  # the items table's default filter: every item past its deadline


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
        self.filter = OVERDUE  # OVERDUE or a risk level
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
        self.voice_button = QPushButton(self.tr("语音提示预警…"))
        self.voice_button.clicked.connect(self.open_voice_campaign)
        top = QHBoxLayout()
        top.addWidget(self.summary_label, 1)
        top.addWidget(self.message_label)
        top.addWidget(self.reports_button)
        top.addWidget(self.voice_button)

        tiles = QHBoxLayout()
        self.tile_buttons: dict[str, QPushButton] = {}
        for level, colour in TILE_STYLE.items():
            button = QPushButton()
            button.setCheckable(True)
            button.setStyleSheet(f"QPushButton {{ border: 2px solid {colour}; padding: 6px; font-size: 13px; "
                                 f"text-align: left; }} QPushButton:checked {{ background: #eeeeee; }}")
            button.setToolTip(self.tr("点击查看该等级的全部条目"))
            button.clicked.connect(lambda _checked=False, lv=level: self.drill_down(lv))
            self.tile_buttons[level] = button
            tiles.addWidget(button)
        self.tile_labels = self.tile_buttons  # the tiles' text, as before
        self.overdue_tile = QPushButton(self.tr("全部超时"))
        self.overdue_tile.setCheckable(True)
        self.overdue_tile.clicked.connect(lambda: self.drill_down(OVERDUE))
        tiles.addWidget(self.overdue_tile)

        self.alert_list = QListWidget()
        self.alert_list.setMaximumHeight(80)
        self.alert_list.setStyleSheet("color: #b71c1c;")
        self.alert_list.itemActivated.connect(self._alert_activated)
        self.alert_list.itemClicked.connect(self._alert_activated)

        self.overdue_model, self.ack_model, self.operator_model = (
            QueueItemsTableModel(self.ctx.centre_clock), AckTableModel(self.ctx.centre_clock),
            OperatorTableModel(self.ctx.centre_clock))
        self.overdue_view = self._table(self.overdue_model)
        self.ack_view = self._table(self.ack_model)
        self.operator_view = self._table(self.operator_model)
        self.items_title = QLabel(self.tr("已超时条目"))
        self.open_button = QPushButton(self.tr("查看"))
        self.reassign_button = QPushButton(self.tr("改派…"))
        self.release_button = QPushButton(self.tr("释放"))
        self.level_button = QPushButton(self.tr("调整等级…"))
        self.chase_button = QPushButton(self.tr("催办派出所…"))
        self.open_button.clicked.connect(self.open_selected)
        self.reassign_button.clicked.connect(self._reassign_clicked)
        self.release_button.clicked.connect(self._release_clicked)
        self.level_button.clicked.connect(self._level_clicked)
        self.chase_button.clicked.connect(self._chase_clicked)
        self.overdue_view.doubleClicked.connect(lambda _index: self.open_selected())
        item_actions = QHBoxLayout()
        for button in (self.open_button, self.reassign_button, self.release_button, self.level_button):
            item_actions.addWidget(button)
        item_actions.addStretch(1)
        self.detail_box = QMessageBox(QMessageBox.Icon.Information, self.tr("预警条目"), "",
                                      QMessageBox.StandardButton.Close, self)

        self.outcome_chart = BarChart(self.tr("今日各类型处置结果"))
        self.response_chart = BarChart(self.tr("首次联系用时分布"))
        self.hour_chart = BarChart(self.tr("分时段话务量"))

        grid = QGridLayout()
        grid.addWidget(self.items_title, 0, 0)
        grid.addWidget(self.overdue_view, 1, 0)
        grid.addLayout(item_actions, 2, 0)
        grid.addWidget(QLabel(self.tr("待派出所签收")), 0, 1)
        grid.addWidget(self.ack_view, 1, 1)
        grid.addWidget(self.chase_button, 2, 1)
        grid.addWidget(QLabel(self.tr("值班接线员")), 3, 0)
        grid.addWidget(self.operator_view, 4, 0, 1, 2)
        charts = QHBoxLayout()
        for chart in (self.outcome_chart, self.response_chart, self.hour_chart):
            charts.addWidget(chart)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(tiles)
        layout.addWidget(QLabel(self.tr("提醒（点击定位条目）")))
        layout.addWidget(self.alert_list)
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
            self.tile_buttons[tile.level].setText(
                self.tr("%1色  队列 %2\n处理中 %3  超时 %4\n%5").replace("%1", RISK_LEVEL_LABELS[tile.level])
                .replace("%2", str(tile.depth)).replace("%3", str(tile.claimed)).replace("%4", str(tile.overdue))
                .replace("%5", oldest))
        self.overdue_tile.setText(self.tr("全部超时 %1").replace("%1", str(len(snapshot.overdue))))
        self._fill_items()
        with kept_view(self.ack_view, lambda row: row.escalation_id):
            self.ack_model.set_rows(snapshot.acks, snapshot.at)
        with kept_view(self.operator_view, lambda row: row.login):
            self.operator_model.set_rows(snapshot.operators, snapshot.at)
        self.alert_list.clear()
        for alert in snapshot.alerts:
            item = QListWidgetItem(alert.text)
            item.setData(ROW_ROLE, alert)
            self.alert_list.addItem(item)
        if snapshot.released:
            self.message_label.setText(self.tr("已自动释放离线座席的 %1 条领取").replace("%1", str(len(snapshot.released))))
        self._draw_charts(snapshot)
        self.snapshot_applied.emit(snapshot)
        if self._stale:
            self.refresh()

    def _fill_items(self) -> None:
        snapshot = self.snapshot
        if snapshot is None:
            return
        if self.filter == OVERDUE:
            rows, title = snapshot.overdue, self.tr("已超时条目")
        else:
            rows = [e for e in snapshot.entries if e.risk_level == self.filter]
            title = self.tr("%1色条目（超时在前）").replace("%1", RISK_LEVEL_LABELS.get(self.filter, self.filter))
        self.items_title.setText(title + self.tr("：%1 条").replace("%1", str(len(rows))))
        for level, button in self.tile_buttons.items():
            button.setChecked(level == self.filter)
        self.overdue_tile.setChecked(self.filter == OVERDUE)
        with kept_view(self.overdue_view, lambda row: row.item_id):
            self.overdue_model.since = snapshot.waiting_since
            self.overdue_model.set_rows(rows, snapshot.at)

    def _draw_charts(self, snapshot: BoardSnapshot) -> None:
        stats = snapshot.today
        types = with_tail([(fraud_label(r.key), (r.dissuaded, r.refused, r.victimized, r.other))
                           for r in stats.by_fraud_type], 8)  # every case shown: the tail as 其他
        self.outcome_chart.set_data([short_label(label, 5) for label, _ in types],
                                    [[values[i] for _, values in types] for i in range(4)],
                                    [self.tr("成功"), self.tr("拒绝"), self.tr("被骗"), self.tr("其他")])
        self.response_chart.set_data(histogram_labels(), [stats.response_times.histogram], [self.tr("预警")])
        self.hour_chart.set_data([str(h) for h in range(24)], [stats.load_by_hour], [self.tr("拨打")])

    # ------------------------------------------------------------------------------------ drill-down
    def drill_down(self, which: str) -> None:
        """Show a tile's items (a level, or OVERDUE) in the items table, ready to act on."""
        self.filter = which
        self._fill_items()

    def _alert_activated(self, item: QListWidgetItem) -> None:
        alert = item.data(ROW_ROLE)
        entry = next((e for e in (self.snapshot.entries if self.snapshot else []) if e.item_id == alert.item_id), None)
        if entry is None:
            return
        self.drill_down(entry.risk_level)
        select_where(self.overdue_view, lambda row: row is not None and row.item_id == alert.item_id)

    # ------------------------------------------------------------------------------------ actions
    def selected_overdue(self) -> QueueEntry | None:
        entry: QueueEntry | None = selected_row(self.overdue_view)
        return entry

    def selected_ack(self) -> AckWaiting | None:
        ack: AckWaiting | None = selected_row(self.ack_view)
        return ack

    def _run_action(self, done: str | Any, fn: Any, changes: Change = Change.QUEUE) -> None:
        def succeeded(result: object) -> None:
            text = done(result) if callable(done) else done
            self.message_label.setText(text)
            self.action_finished.emit(text)

        def failed(exc: BaseException) -> None:
            self.message_label.setText(str(exc))
            self.action_failed.emit(str(exc))

        self.runner.run(fn, on_success=succeeded, on_failure=failed, changes=changes)

    def open_selected(self) -> None:
        entry = self.selected_overdue()
        if entry is None:
            return
        since = self.overdue_model.since.get(entry.item_id, entry.received_at)
        reasons = "；".join(str(r.get("label") or "") for r in entry.reasons[:5])
        self.detail_box.setText(self.tr(
            "预警 #%1（%2色，%3）\n当事人：%4  电话：%5\n状态：%6  领取人：%7\n时限：%8  已等待：%9 分钟\n依据：%10")
            .replace("%10", reasons or "—").replace("%1", str(entry.warning_id))
            .replace("%2", RISK_LEVEL_LABELS.get(entry.risk_level, entry.risk_level))
            .replace("%3", entry.fraud_type_label).replace("%4", entry.name_masked).replace("%5", entry.phone_masked)
            .replace("%6", state_text(entry, self.overdue_model.now, self.ctx.centre_clock))
            .replace("%7", entry.claimed_by or "—").replace("%8", self.ctx.centre_clock.format(entry.deadline_at))
            .replace("%9", str(max(0, int((self.overdue_model.now - since).total_seconds() // 60)))))
        self.detail_box.open()

    def reassign(self, item_id: int, to_login: str, reason: str, *, absent_ok: bool = False) -> None:
        ctx = self.ctx
        self._run_action(self.tr("已改派给 %1").replace("%1", to_login),
                         lambda: reassign_checked(ctx, item_id, to_login, reason, absent_ok=absent_ok))

    def release(self, item_id: int, reason: str) -> None:
        ctx = self.ctx
        self._run_action(self.tr("已释放回队列"), lambda: queue.release(ctx, item_id, reason))

    def change_level(self, warning_id: int, level: str, reason: str) -> None:
        ctx = self.ctx
        self._run_action(self.tr("已调整为%1色").replace("%1", RISK_LEVEL_LABELS.get(level, level)),
                         lambda: queue_admin.change_level(ctx, warning_id, level, reason))

    def chase(self, escalation_id: int, reason: str) -> None:
        """Chase the station: an event on the same order (never a second order with copied tasks)."""
        ctx = self.ctx

        def done(result: ChaseResult) -> str:
            phone = self.tr("，请致电值班电话 %1").replace("%1", result.duty_phone) if result.duty_phone else ""
            return (self.tr("已催办%1（第 %2 次）").replace("%1", result.station).replace("%2", str(result.chases))
                    + phone)

        self._run_action(done, lambda: chase_order(ctx, escalation_id, reason), Change.ESCALATIONS)

    def _reassign_clicked(self) -> None:
        entry = self.selected_overdue()
        if entry is None or self.snapshot is None:
            return
        operators = sorted(self.snapshot.operators, key=lambda o: (not o.present, o.login))
        dialog = ReassignDialog(entry.warning_id, [(o.login, o.name if o.present else o.name + self.tr("（离线）"))
                                                   for o in operators], self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        login = dialog.login()
        target = next((o for o in operators if o.login == login), None)
        absent_ok = False
        if target is not None and not target.present:
            answer = QMessageBox.question(self, self.tr("改派给离线接线员"), self.tr(
                "%1 当前离线（无座席心跳），条目会一直等他回来。确定改派？").replace("%1", target.name))
            if answer != QMessageBox.StandardButton.Yes:
                return
            absent_ok = True
        self.reassign(entry.item_id, login, dialog.reason(), absent_ok=absent_ok)

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

    def open_voice_campaign(self) -> VoiceCampaignWindow:
        window = VoiceCampaignWindow(self.ctx, None, self.runner, self)
        window.setWindowFlag(Qt.WindowType.Window)
        window.show()
        return window
