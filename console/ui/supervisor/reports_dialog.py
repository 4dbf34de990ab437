"""ReportsDialog: pick a report and its dates, generate it in the background with a progress bar,
then open the PDF (and the XLSX) or save them elsewhere.  The script report can be restricted to the
calls a 话务质检 review scored at least N % (off by default), as ``dissuade report scripts --min-quality``."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QObject, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from console.app.bootstrap import Database
from console.services.core.context import Actor, ServiceContext
from console.services.reports.common import ReportResult
from console.services.reports.daily import build_daily_report
from console.services.reports.period import build_period_report
from console.services.reports.quality import build_quality_report
from console.services.reports.script_effectiveness import build_scripts_report
from console.services.reports.warning_record import build_warning_record
from console.ui.tasks import TaskRunner

KINDS = (("daily", "值班日报"), ("period", "期间统计（周/月/自定义）"), ("scripts", "话术效果分析"),
         ("quality", "话务质检报告"), ("warning", "劝阻登记表"))
DEFAULT_MIN_QUALITY = 80  # percent: the bound offered when the filter is switched on


class _ProgressRelay(QObject):
    """Carries progress from the worker thread to the dialog (queued signal)."""

    reported = Signal(int, str)


def _to_date(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())


class ReportsDialog(QDialog):
    report_finished = Signal(object)  # ReportResult
    report_failed = Signal(str)

    def __init__(self, source: Database | ServiceContext, actor: Actor | None, runner: TaskRunner,
                 parent: QWidget | None = None, *, output_dir: Path | None = None) -> None:
        super().__init__(parent)
        if isinstance(source, Database):
            assert actor is not None
            self.ctx = source.context(actor)
        else:
            self.ctx = source.as_actor(actor) if actor is not None else source
        self.runner = runner
        self.output_dir = output_dir or Path(tempfile.mkdtemp(prefix="dissuade-reports-"))
        self.report: ReportResult | None = None
        self._generated_min_quality: float | None = None
        self.relay = _ProgressRelay(self)
        self.setWindowTitle(self.tr("报表"))
        self.kind_combo = QComboBox()
        for code, label in KINDS:
            self.kind_combo.addItem(self.tr(label), code)
        today = self.ctx.centre_clock.today(self.ctx.now())
        self.from_edit = QDateEdit(QDate(today.year, today.month, today.day))
        self.to_edit = QDateEdit(QDate(today.year, today.month, today.day))
        for edit in (self.from_edit, self.to_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.warning_spin = QSpinBox()
        self.warning_spin.setRange(1, 2_000_000_000)
        self.quality_check = QCheckBox(self.tr("仅统计话务质检得分率不低于"))
        self.quality_spin = QSpinBox()
        self.quality_spin.setRange(0, 100)
        self.quality_spin.setSingleStep(5)
        self.quality_spin.setValue(DEFAULT_MIN_QUALITY)
        self.quality_spin.setSuffix(" %")
        self.quality_spin.setAccessibleName(self.tr("质检得分率下限"))
        self.xlsx_check = QCheckBox(self.tr("同时导出表格（XLSX）"))
        self.reveal_check = QCheckBox(self.tr("打印个人信息明文（须填写事由，记入审计）"))
        self.reason_edit = QLineEdit()
        self.reason_edit.setPlaceholderText(self.tr("必填：为什么需要明文"))
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 100)
        self.status_label = QLabel("")
        self.generate_button = QPushButton(self.tr("生成"))
        self.open_button = QPushButton(self.tr("打开 PDF"))
        self.open_xlsx_button = QPushButton(self.tr("打开表格"))
        self.save_button = QPushButton(self.tr("另存为…"))
        for button in (self.open_button, self.open_xlsx_button, self.save_button):
            button.setEnabled(False)
        form = QFormLayout()
        form.addRow(self.tr("报表"), self.kind_combo)
        form.addRow(self.tr("开始日期"), self.from_edit)
        form.addRow(self.tr("结束日期"), self.to_edit)
        form.addRow(self.tr("预警编号"), self.warning_spin)
        quality_row = QHBoxLayout()
        quality_row.addWidget(self.quality_check)
        quality_row.addWidget(self.quality_spin)
        quality_row.addStretch(1)
        form.addRow(self.tr("质检筛选"), quality_row)
        form.addRow("", self.xlsx_check)
        form.addRow("", self.reveal_check)
        form.addRow(self.tr("明文事由"), self.reason_edit)
        buttons = QHBoxLayout()
        for button in (self.generate_button, self.open_button, self.open_xlsx_button, self.save_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.status_label)
        layout.addLayout(buttons)
        self.kind_combo.currentIndexChanged.connect(self._kind_changed)
        self.reveal_check.toggled.connect(self._kind_changed)
        self.quality_check.toggled.connect(self._kind_changed)
        self.reason_edit.textChanged.connect(self._kind_changed)
        self.generate_button.clicked.connect(self.generate)
        self.open_button.clicked.connect(lambda: self._open(self.report.path if self.report else None))
        self.open_xlsx_button.clicked.connect(lambda: self._open(self.report.xlsx_path if self.report else None))
        self.save_button.clicked.connect(self._save_as)
        self.relay.reported.connect(self._progress)
        self._kind_changed()

    def kind(self) -> str:
        return str(self.kind_combo.currentData())

    def set_kind(self, kind: str) -> None:
        self.kind_combo.setCurrentIndex(self.kind_combo.findData(kind))

    def _kind_changed(self) -> None:
        kind = self.kind()
        self.to_edit.setEnabled(kind in ("period", "scripts", "quality"))
        self.from_edit.setEnabled(kind != "warning")
        self.warning_spin.setEnabled(kind == "warning")
        self.quality_check.setEnabled(kind == "scripts")
        self.quality_spin.setEnabled(kind == "scripts" and self.quality_check.isChecked())
        self.xlsx_check.setEnabled(kind != "warning")
        self.reveal_check.setEnabled(kind == "warning")
        revealing = kind == "warning" and self.reveal_check.isChecked()
        self.reason_edit.setEnabled(revealing)
        self.generate_button.setEnabled(not revealing or bool(self.reason_edit.text().strip()))

    def min_quality(self) -> float | None:
        """The chosen lower bound of the review score (percent) for the script report, or None (no filter)."""
        if self.kind() != "scripts" or not self.quality_check.isChecked():
            return None
        return float(self.quality_spin.value())

    def _progress(self, percent: int, message: str) -> None:
        self.progress_bar.setValue(percent)
        self.status_label.setText(message)

    def _job(self) -> Any:
        ctx, kind = self.ctx, self.kind()
        first, last = _to_date(self.from_edit.date()), _to_date(self.to_edit.date())
        stamp = first.isoformat() if kind == "daily" else f"{first}_{last}"
        name = f"report-{kind}-{self.warning_spin.value() if kind == 'warning' else stamp}"
        out = self.output_dir / f"{name}.pdf"
        xlsx = self.output_dir / f"{name}.xlsx" if self.xlsx_check.isChecked() and kind != "warning" else None
        emit = self.relay.reported.emit
        warning_id = self.warning_spin.value()
        reveal = kind == "warning" and self.reveal_check.isChecked()
        reason = self.reason_edit.text().strip()
        min_quality = self.min_quality()

        def run() -> ReportResult:
            if kind == "daily":
                return build_daily_report(ctx, first, out, xlsx=xlsx, progress=emit)
            if kind == "period":
                return build_period_report(ctx, first, last, out, xlsx=xlsx, progress=emit)
            if kind == "scripts":
                return build_scripts_report(ctx, first, last, out, xlsx=xlsx, progress=emit,
                                            min_quality=min_quality)
            if kind == "quality":
                return build_quality_report(ctx, first, last, out, xlsx=xlsx, progress=emit)
            return build_warning_record(ctx, warning_id, out, reveal=reveal, reason=reason, progress=emit)

        return run

    def generate(self) -> None:
        self.generate_button.setEnabled(False)
        self.progress_bar.setValue(0)
        self.status_label.setText(self.tr("正在生成…"))
        self._generated_min_quality = self.min_quality()
        self.runner.run(self._job(), on_success=self._finished, on_failure=self._failed)

    def _finished(self, result: ReportResult) -> None:
        self.report = result
        self.generate_button.setEnabled(True)
        self.open_button.setEnabled(True)
        self.save_button.setEnabled(True)
        self.open_xlsx_button.setEnabled(result.xlsx_path is not None)
        masked = self.tr("，个人信息已脱敏") if result.masked else ""
        if self._generated_min_quality is not None:
            masked += self.tr("，仅统计质检得分率不低于 %1% 的通话").replace("%1", f"{self._generated_min_quality:g}")
        self.status_label.setText(self.tr("已生成 %1 页%2").replace("%1", str(result.pages)).replace("%2", masked))
        self.report_finished.emit(result)

    def _failed(self, exc: BaseException) -> None:
        self.generate_button.setEnabled(True)
        self.status_label.setText(self.tr("生成失败：%1").replace("%1", str(exc)))
        self.report_failed.emit(str(exc))

    def _open(self, path: Path | None) -> None:
        if path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def _save_as(self) -> None:
        if self.report is None:
            return
        target, _ = QFileDialog.getSaveFileName(self, self.tr("保存 PDF"), self.report.path.name, "PDF (*.pdf)")
        if target:
            shutil.copyfile(self.report.path, target)
            if self.report.xlsx_path is not None:
                shutil.copyfile(self.report.xlsx_path, Path(target).with_suffix(".xlsx"))
