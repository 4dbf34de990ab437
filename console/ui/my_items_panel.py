"""“我的处理中”: the items this operator holds (claimed, set aside with a draft) and those due to them
(callbacks, follow-ups assigned to them), always visible under the queue.  A click reopens one.

Rows are :class:`console.services.queue.store.QueueEntry` from :func:`console.services.queue.mine.my_items`,
read by the window's queue refresh on the task runner; this panel only shows them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from console.services.core.clock import CentreClock
from console.services.core.vocabulary import QUEUE_ITEM_KIND_LABELS, RISK_LEVEL_LABELS
from console.services.queue.wording import agreed_time_text, is_agreed_callback
from console.ui.queue_model import countdown_text
from console.ui.rows_model import RowsTableModel


class MyItemsPanel(QWidget):
    item_chosen = Signal(object)  # QueueEntry

    def __init__(self, clock: Callable[[], dt.datetime], centre_clock: CentreClock,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.clock = clock
        self.centre_clock = centre_clock
        self.draft_items: set[int] = set()
        self.current_item: int | None = None
        self.model = RowsTableModel([
            (self.tr("等级"), lambda e: f"{RISK_LEVEL_LABELS.get(e.risk_level, '')}{e.score}" if e.score else ""),
            (self.tr("姓名"), lambda e: e.name_masked or self.tr("预警 {id}").format(id=e.warning_id)),
            (self.tr("类别"), lambda e: QUEUE_ITEM_KIND_LABELS.get(e.kind, e.kind)),
            (self.tr("状态"), self._state_text),
            (self.tr("时限"), lambda e: countdown_text(e.deadline_at, self.clock())),
        ], self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((56, 70, 62, 110)):
            self.table.setColumnWidth(column, width)
        self.table.clicked.connect(self._chosen)
        self.table.activated.connect(self._chosen)
        self.title = QLabel(self.tr("我的处理中"))
        self.title.setObjectName("sectionTitle")
        self.empty_label = QLabel(self.tr("没有您领取或约定给您的条目。"))
        self.empty_label.setObjectName("hintLabel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty_label)
        self.set_items([])

    def _state_text(self, entry: Any) -> str:
        status = getattr(entry, "status", None)  # a DraftEntry (claim lapsed) has none
        if entry.item_id == self.current_item:
            return self.tr("正在处理")
        if status is None:
            return self.tr("仅有草稿（领取已过期）")
        if status == "claimed":
            return self.tr("已领取·有草稿") if entry.item_id in self.draft_items else self.tr("已领取")
        if is_agreed_callback(entry, self.clock()):  # the operator's own appointment: its time, not a retry
            return self.tr("约定 {at} 回拨").format(at=agreed_time_text(entry, self.clock(), self.centre_clock))
        if status == "waiting" and entry.not_before is not None:
            return self.tr("{at} 到期").format(at=self.centre_clock.format(entry.not_before, "%m-%d %H:%M"))
        return self.tr("待处理")

    def set_items(self, entries: list[Any], *, drafts: set[int] | None = None, current: int | None = None) -> None:
        if drafts is not None:
            self.draft_items = drafts
        self.current_item = current
        self.model.set_rows(entries)
        self.empty_label.setVisible(not entries)
        self.title.setText(self.tr("我的处理中（{n}）").format(n=len(entries)) if entries else self.tr("我的处理中"))

    def set_current(self, item_id: int | None) -> None:
        self.set_items(self.entries(), current=item_id)

    def entries(self) -> list[Any]:
        return [self.model.item(row) for row in range(self.model.rowCount())]

    def held_ids(self) -> list[int]:
        return [e.item_id for e in self.entries() if getattr(e, "status", None) == "claimed"]

    def tick(self) -> None:
        rows = self.model.rowCount()
        if rows:
            self.model.dataChanged.emit(self.model.index(0, 0), self.model.index(rows - 1, self.model.columnCount() - 1))

    def _chosen(self, index: QModelIndex) -> None:
        if index.isValid():
            self.item_chosen.emit(self.model.item(index.row()))
