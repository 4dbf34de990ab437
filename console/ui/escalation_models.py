"""Table models over escalation DTOs: the order's tasks, and one task's status timeline."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from console.services.core.clock import CentreClock
from console.services.escalation.views import TaskInfo, TimelineEvent
from console.services.people.privacy import mask_task_details

Index = QModelIndex | QPersistentModelIndex

DETAIL_LABELS = {"bank": "银行", "account": "账号", "amount": "金额", "relative_name": "家属", "phone": "电话",
                 "note": "备注"}


def details_text(details: dict[str, Any]) -> str:
    """Task fields for display, personal numbers masked."""
    shown = mask_task_details({k: v for k, v in details.items() if k in DETAIL_LABELS and v})
    return "；".join(f"{DETAIL_LABELS[k]}：{v}" for k, v in shown.items())


class EscalationTaskModel(QAbstractTableModel):
    """One row per task: kind, status (with result), fields, last update."""

    TaskIdRole = Qt.ItemDataRole.UserRole + 1
    TaskRole = Qt.ItemDataRole.UserRole + 2

    def __init__(self, clock: CentreClock, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.clock = clock
        self._rows: list[TaskInfo] = []
        self._headers = (self.tr("任务"), self.tr("状态"), self.tr("内容"), self.tr("最近更新"))

    def set_tasks(self, tasks: Sequence[TaskInfo]) -> None:
        self.beginResetModel()
        self._rows = list(tasks)
        self.endResetModel()

    def task_at(self, row: int) -> TaskInfo | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, task_id: int) -> int:
        return next((i for i, t in enumerate(self._rows) if t.id == task_id), -1)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        task = self._rows[index.row()]
        if role == self.TaskIdRole:
            return task.id
        if role == self.TaskRole:
            return task
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        column = index.column()
        if column == 0:
            return task.kind_label
        if column == 1:
            return task.status_label + (f"（{task.result_label}）" if task.result_label else "")
        if column == 2:
            return details_text(task.details)
        last = task.events[-1] if task.events else None
        return f"{self.clock.format(last.at, '%m-%d %H:%M')} {last.actor}".strip() if last else ""


class TimelineModel(QAbstractTableModel):
    """The status timeline of one task (or of the order): time, step, result, who, note."""

    def __init__(self, clock: CentreClock, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.clock = clock
        self._rows: list[TimelineEvent] = []
        self._headers = (self.tr("时间"), self.tr("环节"), self.tr("结果"), self.tr("人员"), self.tr("备注"))

    def set_events(self, events: Sequence[TimelineEvent]) -> None:
        self.beginResetModel()
        self._rows = list(events)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        event = self._rows[index.row()]
        return (self.clock.format(event.at, "%m-%d %H:%M:%S"), event.status_label, event.result_label, event.actor,
                event.note)[index.column()]
