"""The queue as a table model: risk-coloured rows, a live countdown to each deadline, filters.

Rows are plain DTOs from ``console.services.queue.list_open``.  Updates replace rows in place by
item id so the selection survives a refresh.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from console.services.vocabulary import (
    AGE_BAND_LABELS,
    FRAUD_TYPE_LABELS,
    RISK_LEVEL_LABELS,
    RISK_LEVEL_ORDER,
)

LEVEL_COLOURS = {"red": "#cf222e", "orange": "#e16f24", "yellow": "#bf8700", "blue": "#0969da"}
LEVEL_BACKGROUNDS = {"red": "#ffebe9", "orange": "#fff1e5", "yellow": "#fff8c5", "blue": "#ddf4ff"}
KIND_LABELS = {"warning": "预警", "retry": "重拨", "follow_up": "回访", "escalation_answer": "上门反馈"}

Index = QModelIndex | QPersistentModelIndex


def countdown_text(deadline: dt.datetime | None, now: dt.datetime) -> str:
    """“剩 2:35” before the deadline, “超时 4 分” after it."""
    if deadline is None:
        return ""
    seconds = int((deadline - now).total_seconds())
    if seconds >= 0:
        if seconds >= 3600:
            return f"剩 {seconds // 3600}小时{seconds % 3600 // 60:02d}分"
        return f"剩 {seconds // 60}:{seconds % 60:02d}"
    late = -seconds
    if late >= 3600:
        return f"超时 {late // 3600}小时{late % 3600 // 60}分"
    return f"超时 {late // 60} 分"


class QueueTableModel(QAbstractTableModel):
    ItemIdRole = Qt.ItemDataRole.UserRole + 1
    LevelRole = Qt.ItemDataRole.UserRole + 2
    KindRole = Qt.ItemDataRole.UserRole + 3
    FraudTypeRole = Qt.ItemDataRole.UserRole + 4
    SortRole = Qt.ItemDataRole.UserRole + 5
    EntryRole = Qt.ItemDataRole.UserRole + 6

    COLUMNS = ("level", "countdown", "kind", "fraud_type", "name", "phone", "age", "repeats", "attempts", "holder")

    def __init__(self, clock: Callable[[], dt.datetime], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Any] = []
        self._clock = clock
        self._now = clock()
        self._headers = {
            "level": self.tr("等级"),
            "countdown": self.tr("时限"),
            "kind": self.tr("类别"),
            "fraud_type": self.tr("诈骗类型"),
            "name": self.tr("姓名"),
            "phone": self.tr("电话"),
            "age": self.tr("年龄段"),
            "repeats": self.tr("重复"),
            "attempts": self.tr("已拨"),
            "holder": self.tr("处理人"),
        }

    # -- data in ---------------------------------------------------------------------------
    def set_rows(self, rows: Sequence[Any]) -> None:
        """Replace the rows; keeps rows that stay (by item id) so views keep their selection."""
        new_ids = [r.item_id for r in rows]
        old_ids = [r.item_id for r in self._rows]
        if new_ids == old_ids:
            self._rows = list(rows)
            if self._rows:
                self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(self.COLUMNS) - 1))
            return
        self.layoutAboutToBeChanged.emit()
        old_persistent = self.persistentIndexList()
        old_positions = [(idx, old_ids[idx.row()] if idx.row() < len(old_ids) else None) for idx in old_persistent]
        self._rows = list(rows)
        position = {item_id: i for i, item_id in enumerate(new_ids)}
        for idx, item_id in old_positions:
            row = position.get(item_id) if item_id is not None else None
            self.changePersistentIndex(idx, self.index(row, idx.column()) if row is not None else QModelIndex())
        self.layoutChanged.emit()

    def tick(self) -> None:
        """Refresh the countdown column (called every second by the window)."""
        self._now = self._clock()
        if self._rows:
            col = self.COLUMNS.index("countdown")
            self.dataChanged.emit(self.index(0, col), self.index(len(self._rows) - 1, col))

    def entry(self, row: int) -> Any:
        return self._rows[row]

    def entries(self) -> list[Any]:
        return list(self._rows)

    def row_of_item(self, item_id: int) -> int | None:
        return next((i for i, r in enumerate(self._rows) if r.item_id == item_id), None)

    # -- Qt model API ----------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[self.COLUMNS[section]]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        entry = self._rows[index.row()]
        column = self.COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(entry, column)
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(QColor(LEVEL_BACKGROUNDS.get(entry.risk_level, "#ffffff")))
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == "level":
                return QBrush(QColor(LEVEL_COLOURS.get(entry.risk_level, "#1f2328")))
            if column == "countdown" and entry.deadline_at is not None and entry.deadline_at < self._now:
                return QBrush(QColor("#cf222e"))
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and column in ("level", "countdown", "repeats", "attempts"):
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.ToolTipRole and column in ("level", "countdown"):
            return "\n".join(f"{r.get('label')}：+{r.get('points')}" for r in getattr(entry, "reasons", []) or [])
        if role == self.ItemIdRole:
            return entry.item_id
        if role == self.LevelRole:
            return entry.risk_level
        if role == self.KindRole:
            return entry.kind
        if role == self.FraudTypeRole:
            return entry.fraud_type
        if role == self.EntryRole:
            return entry
        if role == self.SortRole:
            return self._sort_key(entry, column)
        return None

    def _display(self, entry: Any, column: str) -> str:
        if column == "level":
            return f"{RISK_LEVEL_LABELS.get(entry.risk_level, entry.risk_level)} {entry.score}"
        if column == "countdown":
            return countdown_text(entry.deadline_at, self._now)
        if column == "kind":
            return KIND_LABELS.get(entry.kind, entry.kind)
        if column == "fraud_type":
            return FRAUD_TYPE_LABELS.get(entry.fraud_type, entry.fraud_type)
        if column == "name":
            return str(entry.name_masked)
        if column == "phone":
            return str(entry.phone_masked)
        if column == "age":
            return AGE_BAND_LABELS.get(entry.age_band, entry.age_band)
        if column == "repeats":
            return str(entry.repeat_count) if entry.repeat_count else ""
        if column == "attempts":
            return str(entry.attempts) if entry.attempts else ""
        if column == "holder":
            return str(entry.claimed_by or "")
        return ""

    def _sort_key(self, entry: Any, column: str) -> Any:
        if column == "level":
            rank = RISK_LEVEL_ORDER.index(entry.risk_level) if entry.risk_level in RISK_LEVEL_ORDER else 9
            return rank * 1000 - int(entry.score)
        if column == "countdown":
            return entry.deadline_at.timestamp() if entry.deadline_at else float("inf")
        return self._display(entry, column)


class QueueFilterProxy(QSortFilterProxyModel):
    """Filters by risk levels, item kinds and fraud type (set by the filter bar)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.levels: set[str] = set(RISK_LEVEL_ORDER)
        self.kinds: set[str] | None = None
        self.fraud_type: str | None = None
        self.setSortRole(QueueTableModel.SortRole)

    def set_filters(self, *, levels: set[str] | None = None, kinds: set[str] | None = None,
                    fraud_type: str | None = "") -> None:
        self.beginFilterChange()
        if levels is not None:
            self.levels = levels
        if kinds is not None:
            self.kinds = kinds or None
        if fraud_type != "":
            self.fraud_type = fraud_type
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        index = model.index(source_row, 0, source_parent)
        if model.data(index, QueueTableModel.LevelRole) not in self.levels:
            return False
        if self.kinds is not None and model.data(index, QueueTableModel.KindRole) not in self.kinds:
            return False
        return not (self.fraud_type and model.data(index, QueueTableModel.FraudTypeRole) != self.fraud_type)
