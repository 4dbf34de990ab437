"""Progress per trainee: every finished rehearsal with its score, oldest first (a table model)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTableView, QVBoxLayout, QWidget

from console.services.core.clock import CentreClock
from console.services.core.context import ServiceContext
from console.services.training import rehearsal as training
from console.services.training.rehearsal import ProgressEntry
from console.ui.errors import error_text
from console.ui.rows_model import RowsTableModel
from console.ui.tasks import Change, TaskRunner

Index = QModelIndex | QPersistentModelIndex


def progress_columns(clock: CentreClock) -> tuple[tuple[str, Any], ...]:
    """The columns of the progress table; times on the centre's clock."""
    return (
        ("时间", lambda e: clock.format(e.started_at)),
        *_PROGRESS_DATA_COLUMNS,
    )


_PROGRESS_DATA_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("学员", lambda e: e.trainee),
    ("场景", lambda e: e.scenario_title),
    ("得分", lambda e: e.score),
    ("结果", lambda e: e.outcome_label),
    ("首个关键动作（秒）", lambda e: "—" if e.time_to_first_key_action_s is None
     else f"{e.time_to_first_key_action_s:.0f}"),
    ("跳过步骤", lambda e: e.steps_skipped),
)


class ProgressPanel(QWidget):
    def __init__(self, ctx: ServiceContext, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = runner
        self.model = RowsTableModel(progress_columns(ctx.centre_clock), self, right_aligned=(3, 5, 6))
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.summary = QLabel()
        refresh = QPushButton(self.tr("刷新"))
        refresh.clicked.connect(self.refresh)
        head = QHBoxLayout()
        head.addWidget(self.summary, 1)
        head.addWidget(refresh)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(self.table, 1)
        runner.data_changed.connect(self._data_changed)

    def _data_changed(self, kind: str) -> None:
        if kind == Change.TRAINING:  # a rehearsal finished
            self.refresh()

    def refresh(self) -> None:
        self.runner.run(lambda: training.list_progress(self.ctx), on_success=self._loaded,
                        on_failure=lambda exc: self.summary.setText(error_text(exc)))

    def _loaded(self, entries: list[ProgressEntry]) -> None:
        self.model.set_rows(entries)
        if entries:
            average = sum(e.score for e in entries) / len(entries)
            self.summary.setText(self.tr("共 {n} 次演练，平均 {avg:.0f} 分，最近一次 {last} 分").format(
                n=len(entries), avg=average, last=entries[-1].score))
        else:
            self.summary.setText(self.tr("还没有完成的演练"))
