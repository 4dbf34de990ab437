"""Progress per trainee: every finished rehearsal with its score, oldest first (a table model)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTableView, QVBoxLayout, QWidget

from console.services import training
from console.services.context import ServiceContext
from console.services.training import ProgressEntry
from console.ui.errors import error_text
from console.ui.tasks import TaskRunner

Index = QModelIndex | QPersistentModelIndex


class ProgressTableModel(QAbstractTableModel):
    EntryRole = Qt.ItemDataRole.UserRole + 1
    HEADERS = ("时间", "学员", "场景", "得分", "结果", "首个关键动作（秒）", "跳过步骤")

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[ProgressEntry] = []

    def set_entries(self, entries: list[ProgressEntry]) -> None:
        self.beginResetModel()
        self.entries = list(entries)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        entry = self.entries[index.row()]
        if role == self.EntryRole:
            return entry
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in (3, 5, 6):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        first = entry.time_to_first_key_action_s
        values = (
            entry.started_at.astimezone().strftime("%Y-%m-%d %H:%M"),
            entry.trainee,
            entry.scenario_title,
            str(entry.score),
            entry.outcome_label,
            "—" if first is None else f"{first:.0f}",
            str(entry.steps_skipped),
        )
        return values[index.column()]


class ProgressPanel(QWidget):
    def __init__(self, ctx: ServiceContext, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = runner
        self.model = ProgressTableModel()
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

    def refresh(self) -> None:
        self.runner.run(lambda: training.list_progress(self.ctx), on_success=self._loaded,
                        on_failure=lambda exc: self.summary.setText(error_text(exc)))

    def _loaded(self, entries: list[ProgressEntry]) -> None:
        self.model.set_entries(entries)
        if entries:
            average = sum(e.score for e in entries) / len(entries)
            self.summary.setText(self.tr("共 {n} 次演练，平均 {avg:.0f} 分，最近一次 {last} 分").format(
                n=len(entries), avg=average, last=entries[-1].score))
        else:
            self.summary.setText(self.tr("还没有完成的演练"))
