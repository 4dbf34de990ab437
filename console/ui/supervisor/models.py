"""Table models of the supervisor board: a tile's items, unacknowledged escalations, operators.

Each model holds plain DTOs from :mod:`console.services.stats.board`; ``ROW_ROLE`` returns the DTO
of a row.  Overdue rows and orders past their acknowledgement deadline are painted red; the
countdown is recomputed from the model's ``now`` on each refresh tick.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from console.services.core.clock import CentreClock
from console.services.core.vocabulary import RISK_LEVEL_LABELS
from console.services.queue.claims import QueueEntry
from console.services.queue.wording import state_text
from console.services.stats.board import AckWaiting, OperatorNow
from console.services.telephony.agents import AGENT_STATE_LABELS

ROW_ROLE = int(Qt.ItemDataRole.UserRole) + 1
LATE_BRUSH = QBrush(QColor(255, 205, 205))
ABSENT_BRUSH = QBrush(QColor(140, 140, 140))
Index = QModelIndex | QPersistentModelIndex


def countdown(seconds: float | None) -> str:
    """“剩 4:05” before the deadline, “超 12:30” after it."""
    if seconds is None:
        return ""
    whole = int(abs(seconds))
    text = f"{whole // 60}:{whole % 60:02d}"
    return ("剩 " if seconds >= 0 else "超 ") + text


class _RowsModel(QAbstractTableModel):
    HEADERS: tuple[str, ...] = ()

    def __init__(self, clock: CentreClock) -> None:
        super().__init__()
        self.clock = clock  # times shown on the centre's clock, whatever the PC's zone
        self.rows: list[Any] = []
        self.now = dt.datetime.now(dt.UTC)

    def set_rows(self, rows: list[Any], now: dt.datetime) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.now = now
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def row_at(self, row: int) -> Any:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def cell(self, row: Any, column: int) -> str:
        raise NotImplementedError

    def late(self, row: Any) -> bool:
        return False

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cell(row, index.column())
        if role == Qt.ItemDataRole.BackgroundRole and self.late(row):
            return LATE_BRUSH
        if role == ROW_ROLE:
            return row
        return None


class AckTableModel(_RowsModel):
    """Orders the station has not acknowledged, with the time left (or overdue)."""

    HEADERS = ("指令", "预警", "派出所", "等级", "上报", "签收倒计时")

    def seconds_left(self, row: AckWaiting) -> float | None:
        return (row.ack_deadline_at - self.now).total_seconds() if row.ack_deadline_at else None

    def cell(self, row: AckWaiting, column: int) -> str:
        values = (f"#{row.escalation_id}", f"#{row.warning_id}", row.station,
                  RISK_LEVEL_LABELS.get(row.level, row.level), self.clock.format(row.created_at, "%H:%M"),
                  countdown(self.seconds_left(row)))
        return values[column]

    def late(self, row: AckWaiting) -> bool:
        left = self.seconds_left(row)
        return left is not None and left < 0


def duration_text(seconds: float) -> str:
    """“3 分钟”, “1 小时 05 分”: how long a seat has been in its state."""
    minutes = max(0, int(seconds // 60))
    return f"{minutes // 60} 小时 {minutes % 60:02d} 分" if minutes >= 60 else f"{minutes} 分钟"


class OperatorTableModel(_RowsModel):
    """Operators with their seat's presence (state, how long, the item in hand) and today's calls."""

    HEADERS = ("接线员", "账号", "座席状态", "持续", "当前条目", "今日拨打", "今日劝阻成功")

    def cell(self, row: OperatorNow, column: int) -> str:
        current = (f"预警 #{row.warning_id}（{RISK_LEVEL_LABELS.get(row.level or '', '')}）"
                   if row.warning_id else ("空闲" if row.present else "—"))
        state = AGENT_STATE_LABELS.get(row.agent_state, row.agent_state) + (f"（{row.agent_reason}）"
                                                                            if row.agent_reason else "")
        since = duration_text((self.now - row.state_since).total_seconds()) if row.state_since else ""
        values = (row.name, row.login, state, since, current, str(row.calls_today), str(row.dissuaded_today))
        return values[column]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if index.isValid() and role == Qt.ItemDataRole.ForegroundRole and not self.rows[index.row()].present:
            return ABSENT_BRUSH
        return super().data(index, role)


class QueueItemsTableModel(_RowsModel):
    """A tile's drill-down: the live items of one level (or every overdue item), with their wait."""

    HEADERS = ("等级", "预警", "类型", "当事人", "状态", "已等待", "时限", "领取人")

    def __init__(self, clock: CentreClock) -> None:
        super().__init__(clock)
        self.since: dict[int, dt.datetime] = {}

    def cell(self, row: QueueEntry, column: int) -> str:
        start = self.since.get(row.item_id, row.received_at)
        waited = (self.now - start).total_seconds()
        values = (RISK_LEVEL_LABELS.get(row.risk_level, row.risk_level), f"#{row.warning_id}",
                  row.fraud_type_label, row.name_masked, state_text(row, self.now, self.clock),
                  f"{max(0, int(waited // 60))} 分钟", self.clock.format(row.deadline_at, "%H:%M"),
                  row.claimed_by or "—")
        return values[column]

    def late(self, row: QueueEntry) -> bool:
        return row.overdue
