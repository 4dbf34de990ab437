"""Case review (复盘): refused or victimised calls with no personal data, their script path and
objections; the trainer annotates one and can turn it into a rehearsal scenario."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from console.services.core.context import ServiceContext
from console.services.telephony.recordings import open_attempt_recording
from console.services.training import review as training_review
from console.services.training.review import GeneratedScenario, ReviewCase
from console.ui.errors import error_text
from console.ui.rows_model import RowsTableModel
from console.ui.tasks import Change, TaskRunner

Index = QModelIndex | QPersistentModelIndex


CASE_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("日期", lambda c: c.started_on.isoformat()),
    ("结果", lambda c: c.disposition_label),
    ("诈骗类型", lambda c: c.fraud_type_label),
    ("人群", lambda c: c.profile_group_label),
    ("年龄段", lambda c: c.age_band_label),
    ("异议", lambda c: c.objection_labels),
    ("已复盘", lambda c: f"{c.reviews} 次" if c.reviews else "—"),
)


class CaseReviewPanel(QWidget):
    path_requested = Signal(str, object)  # script id, path: show it in the script review
    scenario_created = Signal(object)  # GeneratedScenario

    def __init__(self, ctx: ServiceContext, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = runner
        self.model = RowsTableModel(CASE_COLUMNS, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.selectionModel().currentRowChanged.connect(self._case_selected)
        self.detail = QLabel(self.tr("选择一条通话查看话术路径（个人信息已去除）"))
        self.detail.setWordWrap(True)
        self.annotation = QPlainTextEdit()
        self.annotation.setPlaceholderText(self.tr("复盘意见：哪里没有做到位，下次应该怎么说"))
        self.annotation.setMaximumHeight(110)
        self.save_button = QPushButton(self.tr("保存复盘意见"))
        self.save_button.clicked.connect(self.save_annotation)
        self.path_button = QPushButton(self.tr("在话术中查看路径"))
        self.path_button.clicked.connect(self._show_path)
        self.scenario_button = QPushButton(self.tr("生成演练场景"))
        self.scenario_button.clicked.connect(self.make_scenario)
        self.play_button = QPushButton(self.tr("播放录音"))
        self.play_button.setToolTip(self.tr("用本机播放器播放这次通话的录音（播放会记入审计日志）"))
        self.play_button.clicked.connect(self.play_recording)
        self.status = QLabel()
        self.status.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.path_button)
        buttons.addWidget(self.play_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.scenario_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.detail)
        layout.addWidget(self.annotation)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        self._set_buttons(False)
        runner.data_changed.connect(self._data_changed)

    def _set_buttons(self, enabled: bool) -> None:
        for button in (self.save_button, self.path_button, self.scenario_button, self.play_button):
            button.setEnabled(enabled)

    def refresh(self) -> None:
        self.runner.run(lambda: training_review.list_review_cases(self.ctx), on_success=self.model.set_rows,
                        on_failure=lambda exc: self.status.setText(error_text(exc)))

    def current_case(self) -> ReviewCase | None:
        index = self.table.currentIndex()
        value = index.data(RowsTableModel.ItemRole) if index.isValid() else None
        return value if isinstance(value, ReviewCase) else None

    def _case_selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        case = self.current_case()
        self._set_buttons(case is not None)
        if case is None:
            return
        self.detail.setText(self.tr("话术：{script}\n路径：{path}\n异议：{objections}").format(
            script=case.script_id or "—", path=" → ".join(case.script_path) or "—", objections=case.objection_labels))

    def _show_path(self) -> None:
        case = self.current_case()
        if case is not None:
            self.path_requested.emit(case.script_id, case.script_path)

    def play_recording(self) -> None:
        case = self.current_case()
        if case is None:
            return
        ctx, attempt_id = self.ctx, case.call_attempt_id
        self.runner.run(lambda: open_attempt_recording(ctx, attempt_id, "复盘"), on_success=self._play,
                        on_failure=lambda exc: self.status.setText(error_text(exc)))

    def _play(self, path: Any) -> None:
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            self.status.setText(self.tr("本机没有可用的音频播放器，录音文件：{path}").format(path=path))
        else:
            self.status.setText(self.tr("正在播放录音（已记入审计日志）"))

    def save_annotation(self) -> None:
        case = self.current_case()
        if case is None:
            return
        text = self.annotation.toPlainText()
        self.runner.run(lambda: training_review.annotate_case(self.ctx, case.call_attempt_id, text),
                        on_success=lambda _id: self._done(self.tr("复盘意见已保存")),
                        on_failure=lambda exc: self.status.setText(error_text(exc)), changes=Change.TRAINING)

    def make_scenario(self) -> None:
        case = self.current_case()
        if case is None:
            return
        text = self.annotation.toPlainText()
        self.runner.run(lambda: training_review.case_to_scenario(self.ctx, case.call_attempt_id, text),
                        on_success=self._scenario_made,
                        on_failure=lambda exc: self.status.setText(error_text(exc)), changes=Change.TRAINING)

    def _scenario_made(self, generated: GeneratedScenario) -> None:
        self._done(self.tr("已生成演练场景 {id}，保存在 {path}").format(id=generated.scenario_id, path=generated.path))
        self.scenario_created.emit(generated)

    def _done(self, message: str) -> None:
        self.annotation.clear()
        self.status.setText(message)

    def _data_changed(self, kind: str) -> None:
        if kind in (Change.TRAINING, Change.CALLS):  # a note written, or a new call to review
            self.refresh()
