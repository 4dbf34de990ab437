"""The queue as a table model: risk-coloured rows, a live countdown to each deadline, filters.

Rows are plain DTOs from ``console.services.queue.claims.list_open``.  Updates replace rows in place by
item id so the selection survives a refresh.  Filtering and sorting happen here, in one pass over a
Python list, rather than in a QSortFilterProxyModel: with 100,000 rows the proxy's per-row calls
from C++ into Python cost seconds, the list pass tens of milliseconds.
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
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from console.services.core.clock import CentreClock
from console.services.core.settings import default_settings
from console.services.core.vocabulary import (
    AGE_BAND_LABELS,
    FRAUD_TYPE_LABELS,
    QUEUE_ITEM_KIND_LABELS,
    RISK_LEVEL_LABELS,
    RISK_LEVEL_ORDER,
)
from console.services.queue.wording import agreed_callback_short, agreed_callback_tip, is_agreed_callback
from console.services.triage.scoring import reason_text

LEVEL_COLOURS = {"red": "#cf222e", "orange": "#e16f24", "yellow": "#bf8700", "blue": "#0969da"}
LEVEL_BACKGROUNDS = {"red": "#ffebe9", "orange": "#fff1e5", "yellow": "#fff8c5", "blue": "#ddf4ff"}

Index = QModelIndex | QPersistentModelIndex


def countdown_text(deadline: dt.datetime | None, now: dt.datetime) -> str:
    """“剩 2:35” before the deadline, “超时 4 分” after it (“超时 35 秒” in its first minute, never “超时 0 分”)."""
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
    if late < 60:
        return f"超时 {late} 秒"
    return f"超时 {late // 60} 分"


def retry_text(not_before: dt.datetime | None, now: dt.datetime, clock: CentreClock) -> str:
    """When a waiting retry is dialled next: “重拨 14:35（8 分后）”; empty once it is due."""
    if not_before is None or not_before <= now:
        return ""
    minutes = max(1, -(-int((not_before - now).total_seconds()) // 60))  # rounded up: never "0 分后"
    return f"重拨 {clock.format(not_before, '%H:%M')}（{minutes} 分后）"


class QueueTableModel(QAbstractTableModel):
    ItemIdRole = Qt.ItemDataRole.UserRole + 1
    LevelRole = Qt.ItemDataRole.UserRole + 2
    KindRole = Qt.ItemDataRole.UserRole + 3
    FraudTypeRole = Qt.ItemDataRole.UserRole + 4
    SortRole = Qt.ItemDataRole.UserRole + 5
    EntryRole = Qt.ItemDataRole.UserRole + 6

    COLUMNS = ("level", "countdown", "kind", "fraud_type", "name", "phone", "age", "repeats", "attempts", "holder")

    def __init__(self, clock: Callable[[], dt.datetime], parent: QObject | None = None, *,
                 centre_clock: CentreClock | None = None) -> None:
        super().__init__(parent)
        self.centre_clock = centre_clock or default_settings().centre.clock
        self._all: list[Any] = []
        self._rows: list[Any] = []  # the rows that pass the filters, in service (claim) order
        self.levels: set[str] = set(RISK_LEVEL_ORDER)
        self.kinds: set[str] | None = None
        self.fraud_type: str | None = None
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
    def set_filters(self, *, levels: set[str] | None = None, kinds: set[str] | None = None,
                    fraud_type: str | None = "") -> None:
        """Filter by risk levels, item kinds (empty set = all) and fraud type (None = all)."""
        if levels is not None:
            self.levels = set(levels)
        if kinds is not None:
            self.kinds = set(kinds) or None
        if fraud_type != "":
            self.fraud_type = fraud_type
        self._publish(self._all)

    def set_rows(self, rows: Sequence[Any]) -> None:
        """Replace the rows; keeps rows that stay (by item id) so views keep their selection."""
        self._all = list(rows)
        self._publish(self._all)

    def _publish(self, source: Sequence[Any]) -> None:
        rows = self._filtered(source)
        if len(rows) == len(self._rows) and all(a.item_id == b.item_id for a, b in zip(rows, self._rows, strict=True)):
            self._rows = rows
            if rows:
                self.dataChanged.emit(self.index(0, 0), self.index(len(rows) - 1, len(self.COLUMNS) - 1))
            return
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        held = [(idx, self._rows[idx.row()].item_id) for idx in persistent if 0 <= idx.row() < len(self._rows)]
        self._rows = rows
        if held:
            position = {r.item_id: i for i, r in enumerate(rows)}
            for idx, item_id in held:
                row = position.get(item_id)
                self.changePersistentIndex(idx, self.index(row, idx.column()) if row is not None else QModelIndex())
        self.layoutChanged.emit()

    def _filtered(self, source: Sequence[Any]) -> list[Any]:
        levels, kinds, fraud_type = self.levels, self.kinds, self.fraud_type
        rows = list(source)
        if len(levels) < len(RISK_LEVEL_ORDER):
            rows = [r for r in rows if r.risk_level in levels]
        if kinds is not None:
            rows = [r for r in rows if r.kind in kinds]
        if fraud_type:
            rows = [r for r in rows if r.fraud_type == fraud_type]
        return rows

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Header-click sorting in Python (no proxy: at 100,000 rows a proxy costs more than the view)."""
        if column < 0:
            return
        name = self.COLUMNS[column]
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        held = [(idx, self._rows[idx.row()].item_id) for idx in persistent if 0 <= idx.row() < len(self._rows)]
        self._all.sort(key=lambda e: self._sort_key(e, name), reverse=order == Qt.SortOrder.DescendingOrder)
        self._rows = self._filtered(self._all)
        position = {r.item_id: i for i, r in enumerate(self._rows)}
        for idx, item_id in held:
            row = position.get(item_id)
            self.changePersistentIndex(idx, self.index(row, idx.column()) if row is not None else QModelIndex())
        self.layoutChanged.emit()

    def tick(self) -> None:
        """Refresh the countdown column (called every second by the window)."""
        self._now = self._clock()
        if self._rows:
            first, last = self.COLUMNS.index("countdown"), self.COLUMNS.index("kind")  # deadline and next dial
            self.dataChanged.emit(self.index(0, first), self.index(len(self._rows) - 1, last))

    def entry(self, row: int) -> Any:
        return self._rows[row]

    def entries(self) -> list[Any]:
        """All rows, filtered or not."""
        return list(self._all)

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
        if role == Qt.ItemDataRole.ToolTipRole and column in ("kind", "holder") and is_agreed_callback(entry, self._now):
            return agreed_callback_tip(entry, self._now, self.centre_clock)
        if role == Qt.ItemDataRole.ToolTipRole and column in ("level", "countdown"):
            return "\n".join(reason_text(r) for r in getattr(entry, "reasons", []) or [])
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
            if is_agreed_callback(entry, self._now):  # an appointment with the person, not a retry
                return agreed_callback_short(entry, self._now, self.centre_clock)
            waiting = retry_text(getattr(entry, "not_before", None), self._now, self.centre_clock)
            return waiting or str(QUEUE_ITEM_KIND_LABELS.get(entry.kind, entry.kind))
        if column == "fraud_type":
            return str(FRAUD_TYPE_LABELS.get(entry.fraud_type, entry.fraud_type))
        if column == "name":
            return str(entry.name_masked)
        if column == "phone":
            return str(entry.phone_masked)
        if column == "age":
            return str(AGE_BAND_LABELS.get(entry.age_band, entry.age_band))
        if column == "repeats":
            return str(entry.repeat_count) if entry.repeat_count else ""
        if column == "attempts":
            return str(entry.attempts) if entry.attempts else ""
        if column == "holder":
            if is_agreed_callback(entry, self._now) and entry.agreed_by:
                return f"{entry.agreed_by} 约定"
            return str(entry.claimed_by or "")
        return ""

    def _sort_key(self, entry: Any, column: str) -> Any:
        if column in ("repeats", "attempts"):
            return entry.repeat_count if column == "repeats" else entry.attempts
        if column == "level":
            rank = RISK_LEVEL_ORDER.index(entry.risk_level) if entry.risk_level in RISK_LEVEL_ORDER else 9
            return rank * 1000 - int(entry.score)
        if column == "countdown":
            return entry.deadline_at.timestamp() if entry.deadline_at else float("inf")
        return self._display(entry, column)
