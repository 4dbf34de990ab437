"""ShiftPlannerWindow (排班测算): how tonight's shift would go with N seats, run in the background.

The supervisor enters seat counts to compare ("4,5,6"), the shift length, where the arrivals come
from (the last weeks' mean, the busiest day, or a rate file) and an optional provincial push; the
scenarios run one after another on the task runner (each on its own throw-away copy of the
database), then the table compares them and the chart shows each scenario's backlog over the shift.
The duty plan prints to PDF.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from console.services.core.context import ServiceContext, ServiceError
from console.services.reports.common import ReportResult, fmt_rate
from console.services.reports.shift_plan import build_shift_plan_pdf, fmt_wait
from console.services.simulation.runner import ShiftResult, ShiftScenario, compare_scenarios
from console.ui.rows_model import RowsTableModel
from console.ui.supervisor.charts import LineChart
from console.ui.tasks import TaskRunner


def _within(result: ShiftResult, level: str) -> str:
    fig = result.levels.get(level)
    return fmt_rate(fig.within_deadline) if fig and fig.warnings else "—"


def _red(result: ShiftResult, attr: str) -> str:
    fig = result.levels.get("red")
    return fmt_wait(getattr(fig, attr)) if fig and fig.warnings else "—"


class _Relay(QObject):
    """Carries 'scenario i done' from the worker thread to the window (queued signal)."""

    scenario_done = Signal(int, int)


class ShiftPlannerWindow(QWidget):
    simulation_finished = Signal(list)  # list[ShiftResult]
    simulation_failed = Signal(str)

    def __init__(self, ctx: ServiceContext, runner: TaskRunner, parent: QWidget | None = None,
                 *, output_dir: Path | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = runner
        self.output_dir = output_dir or Path(tempfile.mkdtemp(prefix="dissuade-shift-"))
        self.results: list[ShiftResult] = []
        self.report: ReportResult | None = None
        self.relay = _Relay(self)
        self.setWindowTitle(self.tr("排班测算"))

        self.seats_edit = QLineEdit("4,5,6")
        self.seats_edit.setPlaceholderText(self.tr("如 4,5,6（逗号分隔，多方案对比）"))
        self.hours_spin = QDoubleSpinBox()
        self.hours_spin.setRange(0.5, 24)
        self.hours_spin.setValue(8)
        self.hours_spin.setSuffix(self.tr(" 小时"))
        self.arrivals_combo = QComboBox()
        self.arrivals_combo.addItem(self.tr("近4周平均"), "history")
        self.arrivals_combo.addItem(self.tr("历史最忙的一天"), "busiest")
        self.arrivals_combo.addItem(self.tr("到达率文件…"), "file")
        self.rate_file = ""
        self.warnings_spin = QSpinBox()
        self.warnings_spin.setRange(0, 100_000)
        self.warnings_spin.setSpecialValueText(self.tr("按到达曲线"))
        self.burst_edit = QLineEdit()
        self.burst_edit.setPlaceholderText(self.tr("集中推送，如 20:00:300；多个用逗号分隔"))
        self.policy_combo = QComboBox()
        self.policy_combo.addItem(self.tr("按本中心设置"), None)
        self.policy_combo.addItem(self.tr("超时优先"), ["deadline"])
        self.policy_combo.addItem(self.tr("分数优先"), ["score"])
        self.policy_combo.addItem(self.tr("两种顺序对比"), ["deadline", "score"])
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(1, 1_000_000)
        self.run_button = QPushButton(self.tr("开始测算"))
        self.pdf_button = QPushButton(self.tr("打印值班计划（PDF）"))
        self.open_button = QPushButton(self.tr("打开 PDF"))
        self.save_button = QPushButton(self.tr("另存为…"))
        for button in (self.pdf_button, self.open_button, self.save_button):
            button.setEnabled(False)
        self.status_label = QLabel(self.tr("按中心历史数据模拟整个班次，在数据库副本上运行，不改变真实数据。"))
        self.status_label.setWordWrap(True)

        self.model = RowsTableModel([
            (self.tr("方案"), lambda r: r.scenario.name()),
            (self.tr("预警"), lambda r: r.warnings),
            (self.tr("红色时限内"), lambda r: _within(r, "red")),
            (self.tr("红色首拨中位"), lambda r: _red(r, "first_dial_p50_s")),
            (self.tr("红色首拨90%"), lambda r: _red(r, "first_dial_p90_s")),
            (self.tr("橙色时限内"), lambda r: _within(r, "orange")),
            (self.tr("黄色时限内"), lambda r: _within(r, "yellow")),
            (self.tr("利用率"), lambda r: f"{r.utilisation:.0%}"),
            (self.tr("最大积压"), lambda r: r.max_backlog),
        ], self, right_aligned=range(1, 9))
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.backlog_chart = LineChart(self.tr("待拨打积压（条）"))
        self.late_chart = LineChart(self.tr("超时未拨打（条）"))

        form = QFormLayout()
        form.addRow(self.tr("席位数"), self.seats_edit)
        form.addRow(self.tr("班次时长"), self.hours_spin)
        form.addRow(self.tr("到达量"), self.arrivals_combo)
        form.addRow(self.tr("预警总数"), self.warnings_spin)
        form.addRow(self.tr("集中推送"), self.burst_edit)
        form.addRow(self.tr("领取顺序"), self.policy_combo)
        form.addRow(self.tr("随机种子"), self.seed_spin)
        buttons = QHBoxLayout()
        for button in (self.run_button, self.pdf_button, self.open_button, self.save_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        charts = QHBoxLayout()
        charts.addWidget(self.backlog_chart)
        charts.addWidget(self.late_chart)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.status_label)
        layout.addWidget(self.table, 1)
        layout.addLayout(charts, 2)

        self.arrivals_combo.activated.connect(self._arrivals_chosen)
        self.run_button.clicked.connect(self.run_simulation)
        self.pdf_button.clicked.connect(self.print_plan)
        self.open_button.clicked.connect(self._open)
        self.save_button.clicked.connect(self._save_as)
        self.relay.scenario_done.connect(self._scenario_done)

    # ------------------------------------------------------------------ input
    def _arrivals_chosen(self) -> None:
        if self.arrivals_combo.currentData() != "file":
            return
        path, _ = QFileDialog.getOpenFileName(self, self.tr("选择到达率文件"), "",
                                              self.tr("到达率文件 (*.yaml *.yml *.csv)"))
        if path:
            self.rate_file = path
            self.status_label.setText(self.tr("到达率文件：%1").replace("%1", Path(path).name))
        else:
            self.arrivals_combo.setCurrentIndex(0)

    def scenarios(self) -> list[ShiftScenario]:
        """The scenarios the form describes; ServiceError with a Chinese message when it cannot."""
        try:
            seats = [int(x) for x in self.seats_edit.text().replace("，", ",").split(",") if x.strip()]
        except ValueError:
            raise ServiceError(self.tr("席位数应为整数，多个方案用逗号分隔，如 4,5,6")) from None
        if not seats or any(n < 0 for n in seats):
            raise ServiceError(self.tr("请填写至少一个非负的席位数"))
        mode = str(self.arrivals_combo.currentData())
        arrivals = self.rate_file if mode == "file" else mode
        if mode == "file" and not arrivals:
            raise ServiceError(self.tr("请先选择到达率文件"))
        bursts = tuple(b.strip() for b in self.burst_edit.text().replace("，", ",").split(",") if b.strip())
        policies: list[str | None] = list(self.policy_combo.currentData() or [None])
        return [ShiftScenario(seats=n, hours=self.hours_spin.value(), arrivals=arrivals,
                              warnings=self.warnings_spin.value() or None, bursts=bursts,
                              seed=self.seed_spin.value(), policy=policy) for n in seats for policy in policies]

    # ------------------------------------------------------------------ running
    def run_simulation(self) -> None:
        try:
            scenarios = self.scenarios()
        except ServiceError as exc:
            self.status_label.setText(str(exc))
            return
        self.run_button.setEnabled(False)
        self.pdf_button.setEnabled(False)
        self.status_label.setText(self.tr("正在测算方案 1/%1…").replace("%1", str(len(scenarios))))
        ctx, emit, total = self.ctx, self.relay.scenario_done.emit, len(scenarios)

        def job() -> list[ShiftResult]:
            return compare_scenarios(ctx, scenarios, on_done=lambda i, _r: emit(i + 1, total))

        self.runner.run(job, on_success=self._finished, on_failure=self._failed)

    def _scenario_done(self, done: int, total: int) -> None:
        if done < total:
            self.status_label.setText(self.tr("正在测算方案 %1/%2…").replace("%1", str(done + 1))
                                      .replace("%2", str(total)))

    def _finished(self, results: list[ShiftResult]) -> None:
        self.results = results
        self.model.set_rows(results)
        first = results[0]
        start = self.ctx.centre_clock.local(first.start)
        labels = [(start + dt.timedelta(minutes=m)).strftime("%H:%M") for m, _n, _l in first.backlog]
        names = [r.scenario.name() for r in results]
        self.backlog_chart.set_data(labels, [[n for _m, n, _l in r.backlog] for r in results], names)
        self.late_chart.set_data(labels, [[late for _m, _n, late in r.backlog] for r in results], names)
        self.run_button.setEnabled(True)
        self.pdf_button.setEnabled(True)
        self.status_label.setText(self.tr("测算完成：%1 个方案，预警 %2 条，用时 %3 秒").replace("%1", str(len(results)))
                                  .replace("%2", str(first.warnings))
                                  .replace("%3", f"{sum(r.wall_seconds for r in results):.1f}"))
        self.simulation_finished.emit(results)

    def _failed(self, exc: BaseException) -> None:
        self.run_button.setEnabled(True)
        message = str(exc) if isinstance(exc, ServiceError) else self.tr("测算失败，请查看日志")
        self.status_label.setText(self.tr("测算失败：%1").replace("%1", message))
        self.simulation_failed.emit(message)

    # ------------------------------------------------------------------ printing
    def print_plan(self) -> None:
        if not self.results:
            return
        out = self.output_dir / f"shift-plan-{self.results[0].scenario.seed}.pdf"
        ctx, results = self.ctx, self.results

        def job() -> ReportResult:
            return build_shift_plan_pdf(ctx, results, out)

        self.pdf_button.setEnabled(False)
        self.runner.run(job, on_success=self._printed, on_failure=self._failed)

    def _printed(self, report: ReportResult) -> None:
        self.report = report
        self.pdf_button.setEnabled(True)
        self.open_button.setEnabled(True)
        self.save_button.setEnabled(True)
        self.status_label.setText(self.tr("值班计划已生成（%1 页）").replace("%1", str(report.pages)))

    def _open(self) -> None:
        if self.report is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.report.path)))

    def _save_as(self) -> None:
        if self.report is None:
            return
        target, _ = QFileDialog.getSaveFileName(self, self.tr("保存 PDF"), self.report.path.name, "PDF (*.pdf)")
        if target:
            shutil.copyfile(self.report.path, target)

    def table_texts(self) -> list[list[Any]]:
        """What the table shows, row by row (for tests and for copying into a message)."""
        return [[self.model.index(r, c).data() for c in range(self.model.columnCount())]
                for r in range(self.model.rowCount())]
