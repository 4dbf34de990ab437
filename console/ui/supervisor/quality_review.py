"""话务质检 windows: the reviewer's desk (pick calls, look, listen, score) and an operator's own reviews.

``QualityReviewWindow``: choose a week and how to pick (每人每周随机抽取 / 拒绝劝阻 / 已被骗 / 长通话),
then select a call: its script path (the nodes' Chinese titles), notes and outcome are shown, the
recording plays when there is one (the service audits the playback), and the rubric from the settings
is scored item by item with a comment.  ``MyReviewsWindow`` lists the acting operator's reviews
with each item's score.  Every read and write goes through the task runner.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from console.services.core.context import ServiceContext
from console.services.review import calls as review
from console.ui.errors import error_text
from console.ui.rows_model import RowsTableModel
from console.ui.tasks import TaskRunner


def _desktop_player(path: Path) -> bool:
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def _table(model: RowsTableModel) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setStretchLastSection(True)
    return view


class QualityReviewWindow(QWidget):
    candidates_loaded = Signal(int)
    call_loaded = Signal(object)  # CallForReview
    review_saved = Signal(object)  # Review
    failed = Signal(str)

    def __init__(self, ctx: ServiceContext, runner: TaskRunner, parent: QWidget | None = None,
                 *, player: Callable[[Path], bool] = _desktop_player) -> None:
        super().__init__(parent)
        self.ctx, self.runner, self.player = ctx, runner, player
        self.current: review.CallForReview | None = None
        self.setWindowTitle(self.tr("话务质检"))
        clock = ctx.centre_clock
        today = clock.today(ctx.now())
        self.week_edit = QDateEdit(QDate(today.year, today.month, today.day))
        self.week_edit.setCalendarPopup(True)
        self.how_combo = QComboBox()
        for code, label in review.FILTERS.items():
            self.how_combo.addItem(self.tr(label), code)
        self.pick_button = QPushButton(self.tr("抽取通话"))
        self.pick_button.clicked.connect(self.pick)
        top = QHBoxLayout()
        for widget in (QLabel(self.tr("所在周")), self.week_edit, QLabel(self.tr("抽检方式")), self.how_combo,
                       self.pick_button):
            top.addWidget(widget)
        top.addStretch(1)
        self.model = RowsTableModel([
            (self.tr("通话"), lambda c: c.attempt_id), (self.tr("预警"), lambda c: f"#{c.warning_id}"),
            (self.tr("接线员"), lambda c: c.operator),
            (self.tr("时间"), lambda c: clock.format(c.started_at, "%m-%d %H:%M")),
            (self.tr("时长"), lambda c: f"{c.duration_s // 60}:{c.duration_s % 60:02d}"),
            (self.tr("结果"), lambda c: c.disposition_label), (self.tr("已质检"), lambda c: "是" if c.reviewed else "")])
        self.view = _table(self.model)
        self.view.selectionModel().currentRowChanged.connect(lambda current, _prev: self._selected(current.row()))
        self.detail = QLabel(self.tr("请选择一通电话"))
        self.detail.setWordWrap(True)
        self.play_button = QPushButton(self.tr("播放录音"))
        self.play_button.setEnabled(False)
        self.play_button.clicked.connect(self.play)
        self.score_spins: dict[str, QSpinBox] = {}
        form = QFormLayout()
        for item in ctx.settings.supervision.rubric:
            spin = QSpinBox()
            spin.setRange(0, item.points)
            spin.setValue(item.points)
            spin.setSuffix(self.tr(" / %1 分").replace("%1", str(item.points)))
            spin.valueChanged.connect(self._update_total)
            self.score_spins[item.key] = spin
            form.addRow(item.label, spin)
        self.total_label = QLabel()
        form.addRow(self.tr("合计"), self.total_label)
        self.comment_edit = QPlainTextEdit()
        self.comment_edit.setPlaceholderText(self.tr("质检评语（必填）：做得好的地方、需要改进的地方"))
        self.comment_edit.setMaximumHeight(90)
        form.addRow(self.tr("评语"), self.comment_edit)
        self.save_button = QPushButton(self.tr("保存质检"))
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self.save)
        self.status = QLabel("")
        right = QVBoxLayout()
        right.addWidget(self.detail)
        right.addWidget(self.play_button)
        right.addLayout(form)
        right.addWidget(self.save_button)
        right.addWidget(self.status)
        right.addStretch(1)
        body = QHBoxLayout()
        body.addWidget(self.view, 3)
        body.addLayout(right, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(body, 1)
        self._update_total()

    def _update_total(self) -> None:
        total = sum(spin.value() for spin in self.score_spins.values())
        self.total_label.setText(self.tr("%1 / %2 分").replace("%1", str(total))
                                 .replace("%2", str(self.ctx.settings.supervision.max_score)))

    def _fail(self, exc: BaseException) -> None:
        self.status.setText(error_text(exc))
        self.failed.emit(error_text(exc))

    def pick(self) -> None:
        ctx, how = self.ctx, str(self.how_combo.currentData())
        day = self.week_edit.date().toPython()
        assert isinstance(day, dt.date)
        self.runner.run(lambda: review.pick_calls(ctx, day, how), self._picked, self._fail)

    def _picked(self, rows: list[review.Candidate]) -> None:
        self.model.set_rows(rows)
        self.status.setText(self.tr("抽取到 %1 通电话").replace("%1", str(len(rows))))
        self.candidates_loaded.emit(len(rows))

    def _selected(self, row: int) -> None:
        if row < 0 or row >= self.model.rowCount():
            return
        ctx, attempt_id = self.ctx, self.model.item(row).attempt_id
        self.runner.run(lambda: review.call_for_review(ctx, attempt_id), self._call_loaded, self._fail)

    def _call_loaded(self, call: review.CallForReview) -> None:
        self.current = call
        self.detail.setText(self.tr("预警 #%1 · %2 · %3 · 接线员 %4\n话术路径：%5\n异议：%6\n备注：%7").replace(
            "%1", str(call.warning_id)).replace("%2", call.fraud_type_label).replace("%3", call.disposition_label)
            .replace("%4", call.operator).replace("%5", " → ".join(call.script_path) or "—")
            .replace("%6", "、".join(call.objections) or "—").replace("%7", call.notes or "—"))
        self.play_button.setEnabled(call.has_recording)
        self.play_button.setToolTip("" if call.has_recording else self.tr("这通电话没有录音"))
        self.save_button.setEnabled(True)
        self.call_loaded.emit(call)

    def play(self) -> None:
        if self.current is None:
            return
        ctx, attempt_id = self.ctx, self.current.attempt_id
        self.runner.run(lambda: review.play_recording(ctx, attempt_id), self._play, self._fail)

    def _play(self, path: Any) -> None:
        if self.player(Path(path)):
            self.status.setText(self.tr("正在播放录音（已记入审计日志）"))
        else:
            self.status.setText(self.tr("本机没有可用的音频播放器，录音文件：%1").replace("%1", str(path)))

    def save(self) -> None:
        if self.current is None:
            return
        ctx, attempt_id = self.ctx, self.current.attempt_id
        scores = {key: spin.value() for key, spin in self.score_spins.items()}
        comment = self.comment_edit.toPlainText()
        self.runner.run(lambda: review.submit_review(ctx, attempt_id, scores, comment), self._saved, self._fail)

    def _saved(self, saved: review.Review) -> None:
        self.status.setText(self.tr("已保存：%1 / %2 分").replace("%1", str(saved.total)).replace("%2", str(saved.max_total)))
        self.comment_edit.clear()
        self.review_saved.emit(saved)


class MyReviewsWindow(QWidget):
    """The acting operator's reviews: date, call, score, comment, and each item's points."""

    loaded = Signal(int)

    def __init__(self, ctx: ServiceContext, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.runner = ctx, runner
        self.setWindowTitle(self.tr("我的质检结果"))
        clock = ctx.centre_clock
        self.model = RowsTableModel([
            (self.tr("质检时间"), lambda r: clock.format(r.created_at, "%m-%d %H:%M")),
            (self.tr("预警"), lambda r: f"#{r.warning_id}"), (self.tr("得分"), lambda r: f"{r.total}/{r.max_total}"),
            (self.tr("各项"), lambda r: "，".join(f"{label} {p}/{m}" for label, p, m in r.scores.values())),
            (self.tr("评语"), lambda r: r.comment)])
        self.view = _table(self.model)
        self.summary = QLabel("")
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.view, 1)
        ctx_ = ctx
        runner.run(lambda: review.my_reviews(ctx_), self._loaded, lambda exc: self.summary.setText(error_text(exc)))

    def _loaded(self, rows: list[review.Review]) -> None:
        self.model.set_rows(rows)
        average = sum(r.percent for r in rows) / len(rows) if rows else None
        self.summary.setText(self.tr("共 %1 次质检，平均得分率 %2").replace("%1", str(len(rows))).replace(
            "%2", f"{average:.1f}%" if average is not None else "—"))
        self.loaded.emit(len(rows))
