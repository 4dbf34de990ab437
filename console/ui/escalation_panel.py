"""One escalation at a glance: its tasks, the selected task's status timeline, and the next steps.

The operator (or the supervisor chasing a station) advances a task one step, closes it with a
result, records the station's acknowledgement or its final answer, and prints the dispatch sheet.
All writes go through :mod:`console.services.escalation.orders` on the task runner; after each one the
panel reloads the order and emits ``escalation_updated``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelectionModel, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from console.services.core.context import ServiceContext, allowed
from console.services.core.vocabulary import RESULT_LABELS, TASK_STATUS_LABELS, TaskStatus
from console.services.escalation import orders as escalations
from console.services.escalation.views import (
    EscalationInfo,
    TaskInfo,
)
from console.services.pdf.dispatch_sheet import render_dispatch_sheet
from console.ui.errors import error_text
from console.ui.escalation_models import EscalationTaskModel, TimelineModel
from console.ui.tasks import Change, TaskRunner


class EscalationPanel(QWidget):
    escalation_updated = Signal(int)
    failed = Signal(str)

    def __init__(self, ctx: ServiceContext, runner: TaskRunner, escalation_id: int | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = runner
        self.info: EscalationInfo | None = None
        self._select_task: int | None = None

        self.header = QLabel(self.tr("未选择上报指令"))
        self.header.setWordWrap(True)
        self.task_model = EscalationTaskModel(ctx.centre_clock, self)
        self.task_view = QTableView()
        self.task_view.setModel(self.task_model)
        self.task_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.task_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.task_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)  # the task's fields need the room
        self.task_view.selectionModel().currentRowChanged.connect(lambda *_: self._show_selected())
        self.timeline_model = TimelineModel(ctx.centre_clock, self)
        self.timeline_view = QTableView()
        self.timeline_view.setModel(self.timeline_model)
        self.timeline_view.horizontalHeader().setStretchLastSection(True)
        self.timeline_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)

        self.actor_edit = QLineEdit()
        self.actor_edit.setPlaceholderText(self.tr("处置人，如：民警张伟"))
        self.note_edit = QLineEdit()
        self.note_edit.setPlaceholderText(self.tr("备注"))
        self.advance_button = QPushButton(self.tr("推进到下一步  (Ctrl+Right)"))
        self.advance_button.setShortcut(QKeySequence("Ctrl+Right"))
        self.advance_button.clicked.connect(self.advance_selected)
        self.result_combo = QComboBox()
        for code, label in RESULT_LABELS.items():
            self.result_combo.addItem(self.tr(label), code)
        self.finish_button = QPushButton(self.tr("完成任务"))
        self.finish_button.clicked.connect(self.finish_selected)
        self.ack_button = QPushButton(self.tr("派出所已签收"))
        self.ack_button.clicked.connect(self.acknowledge)
        self.answer_button = QPushButton(self.tr("登记派出所反馈并办结"))
        self.answer_button.clicked.connect(self.record_answer)
        self.print_button = QPushButton(self.tr("打印指令单…"))
        self.print_button.clicked.connect(self.print_sheet)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.hide()

        row1 = QHBoxLayout()
        row1.addWidget(self.actor_edit)
        row1.addWidget(self.note_edit, 2)
        row2 = QHBoxLayout()
        for widget in (self.advance_button, self.result_combo, self.finish_button, self.ack_button,
                       self.answer_button, self.print_button):
            row2.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.task_view, 2)
        layout.addWidget(QLabel(self.tr("任务进程")))
        layout.addWidget(self.timeline_view, 3)
        layout.addLayout(row1)
        layout.addLayout(row2)
        layout.addWidget(self.error_label)
        self._update_buttons()
        if escalation_id is not None:
            self.load(escalation_id)

    # -- loading -----------------------------------------------------------------------------
    def load(self, escalation_id: int) -> None:
        ctx = self.ctx
        self.runner.run(lambda: escalations.get_escalation(ctx, escalation_id), self._loaded, self._failed)

    def _loaded(self, info: EscalationInfo) -> None:
        keep = self._select_task if self._select_task is not None else self.selected_task_id()
        self.info = info
        self.error_label.hide()
        deadline = self.ctx.centre_clock.format(info.ack_deadline_at, "%H:%M")
        self.header.setText(self.tr("指令 {number}　{station}　{status}　签收时限 {deadline}").format(
            number=info.order_number, station=info.station_name or info.target_detail, status=info.status_label,
            deadline=deadline or "—") + (f"\n{info.station_reason}" if info.station_reason else ""))
        self.task_model.set_tasks(info.tasks)
        row = self.task_model.row_of(keep) if keep is not None else -1
        self.task_view.selectionModel().setCurrentIndex(
            self.task_model.index(max(row, 0), 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
        )
        self._select_task = None
        self._show_selected()

    def selected_task(self) -> TaskInfo | None:
        index = self.task_view.selectionModel().currentIndex()
        return self.task_model.task_at(index.row()) if index.isValid() else None

    def selected_task_id(self) -> int | None:
        task = self.selected_task()
        return task.id if task else None

    def _show_selected(self) -> None:
        task = self.selected_task()
        self.timeline_model.set_events(task.events if task else (self.info.order_events if self.info else ()))
        self._update_buttons()

    def _update_buttons(self) -> None:
        task = self.selected_task()
        info = self.info
        open_order = info is not None and not info.is_closed
        next_steps = [s for s in (task.next_statuses if task else ()) if s != TaskStatus.DONE]
        may_update = allowed(self.ctx.actor, "escalation.update")
        self.advance_button.setEnabled(open_order and may_update and bool(next_steps))
        self.advance_button.setToolTip(self.tr("改为：{status}").format(status=TASK_STATUS_LABELS[next_steps[0]])
                                       if next_steps else "")
        self.finish_button.setEnabled(open_order and may_update and task is not None and task.is_open)
        self.ack_button.setEnabled(open_order and may_update and info is not None and info.acknowledged_at is None)
        self.answer_button.setEnabled(open_order and may_update)
        self.print_button.setEnabled(info is not None)

    # -- actions -----------------------------------------------------------------------------
    def _write(self, work: Callable[[], Any], task_id: int | None = None) -> None:
        assert self.info is not None
        escalation_id = self.info.id
        self._select_task = task_id

        def done(_result: Any) -> None:
            self.note_edit.clear()
            self.escalation_updated.emit(escalation_id)
            self.load(escalation_id)

        self.runner.run(work, done, self._failed, changes=Change.ESCALATIONS)

    def advance_selected(self) -> None:
        task = self.selected_task()
        steps = [s for s in (task.next_statuses if task else ()) if s != TaskStatus.DONE]
        if task is None or not steps:
            return
        ctx, note, who = self.ctx, self.note_edit.text(), self.actor_edit.text()
        self._write(lambda: escalations.update_task(ctx, task.id, steps[0], None, note, who), task.id)

    def finish_selected(self) -> None:
        task = self.selected_task()
        if task is None:
            return
        ctx, note, who, result = self.ctx, self.note_edit.text(), self.actor_edit.text(), self.result_combo.currentData()
        self._write(lambda: escalations.update_task(ctx, task.id, TaskStatus.DONE, result, note, who), task.id)

    def acknowledge(self) -> None:
        if self.info is None:
            return
        ctx, escalation_id, who = self.ctx, self.info.id, self.actor_edit.text() or self.tr("派出所值班")
        self._write(lambda: escalations.acknowledge(ctx, escalation_id, who), self.selected_task_id())

    def record_answer(self) -> None:
        if self.info is None:
            return
        ctx, escalation_id = self.ctx, self.info.id
        result, note = self.result_combo.currentData(), self.note_edit.text()
        self._write(lambda: escalations.record_station_result(ctx, escalation_id, result, note),
                    self.selected_task_id())

    def print_sheet(self) -> None:
        if self.info is None:
            return
        suggested = str(Path.home() / f"{self.info.order_number}.pdf")
        path, _ = QFileDialog.getSaveFileName(self, self.tr("保存指令单"), suggested, self.tr("PDF 文件 (*.pdf)"))
        if not path:
            return
        ctx, escalation_id = self.ctx, self.info.id
        self.runner.run(lambda: render_dispatch_sheet(ctx, escalation_id, path), None, self._failed)

    def _failed(self, exc: BaseException) -> None:
        text = error_text(exc)
        self.error_label.setText(text)
        self.error_label.show()
        self.failed.emit(text)
