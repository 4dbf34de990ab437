"""The queue panel (left of the main window): filters, the risk-ranked table and the “下一条” action."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from console.services.core.clock import CentreClock
from console.services.core.vocabulary import (
    FRAUD_TYPES,
    QUEUE_ITEM_KIND_LABELS,
    RISK_LEVEL_LABELS,
    RISK_LEVEL_ORDER,
)
from console.ui.queue_model import QueueTableModel


class QueuePanel(QWidget):
    next_requested = Signal()
    entry_selected = Signal(object)  # QueueEntry or None

    def __init__(self, clock: Callable[[], dt.datetime], parent: QWidget | None = None, *,
                 centre_clock: CentreClock | None = None) -> None:
        super().__init__(parent)
        self.model = QueueTableModel(clock, self, centre_clock=centre_clock)
        self._updating = False

        self.next_button = QPushButton(self.tr("下一条  (F2)"))
        self.next_button.setObjectName("nextButton")
        self.next_button.setToolTip(self.tr("领取并打开最紧急的一条（F2）"))
        self.next_button.clicked.connect(self.next_requested)

        self.level_boxes: dict[str, QCheckBox] = {}
        filters = QHBoxLayout()
        for level in RISK_LEVEL_ORDER:
            box = QCheckBox(RISK_LEVEL_LABELS[level])
            box.setChecked(True)
            box.toggled.connect(self._apply_filters)
            self.level_boxes[level] = box
            filters.addWidget(box)
        self.kind_combo = QComboBox()
        self.kind_combo.addItem(self.tr("全部类别"), None)
        for code, label in QUEUE_ITEM_KIND_LABELS.items():
            self.kind_combo.addItem(label, code)
        self.kind_combo.currentIndexChanged.connect(self._apply_filters)
        self.type_combo = QComboBox()
        self.type_combo.addItem(self.tr("全部类型"), None)
        for fraud_type in FRAUD_TYPES:
            self.type_combo.addItem(fraud_type.label, fraud_type.code)
        self.type_combo.currentIndexChanged.connect(self._apply_filters)
        filters.addStretch(1)
        combos = QHBoxLayout()  # a second row: the panel stays narrow enough for a 1366-pixel screen
        combos.addWidget(self.kind_combo, 1)
        combos.addWidget(self.type_combo, 2)
        for combo in (self.kind_combo, self.type_combo):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(6)

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        # Rows arrive in claim order from the service; clicking a header sorts them.
        self.table.horizontalHeader().setSectionsClickable(True)
        self.table.horizontalHeader().sortIndicatorChanged.connect(self.model.sort)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(False)
        # Fixed widths: ResizeToContents would measure every row on each refresh (seconds at 100k rows).
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in zip(QueueTableModel.COLUMNS, (62, 104, 90, 128, 60, 104, 72, 40, 40, 60), strict=True):
            self.table.setColumnWidth(QueueTableModel.COLUMNS.index(column), width)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(28)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)

        self.summary = QLabel()
        self.summary.setObjectName("hintLabel")

        layout = QVBoxLayout(self)
        title = QLabel(self.tr("待处理队列"))
        title.setObjectName("sectionTitle")
        layout.addWidget(title)
        layout.addWidget(self.next_button)
        layout.addLayout(filters)
        layout.addLayout(combos)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)

    def set_entries(self, entries: list[Any]) -> None:
        self._quietly(lambda: self.model.set_rows(entries))
        counts = {level: 0 for level in RISK_LEVEL_ORDER}
        overdue = 0
        for entry in entries:
            counts[entry.risk_level] = counts.get(entry.risk_level, 0) + 1
            overdue += 1 if entry.overdue else 0
        parts = [f"{RISK_LEVEL_LABELS[lv]} {counts[lv]}" for lv in RISK_LEVEL_ORDER]
        self.summary.setText(self.tr("共 {n} 条：").format(n=len(entries)) + "  ".join(parts)
                             + (self.tr("，超时 {n} 条").format(n=overdue) if overdue else ""))

    def select_item(self, item_id: int) -> None:
        row = self.model.row_of_item(item_id)
        if row is None:
            return
        self._quietly(lambda: self.table.selectRow(row))

    def _quietly(self, change: Callable[[], object]) -> None:
        """A change made by the program (refresh, filter, selecting the claimed row) is not the user
        choosing another row: it must not ask the call guard anything."""
        self._updating = True
        try:
            change()
        finally:
            self._updating = False

    def selected_entry(self) -> Any:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.data(index, QueueTableModel.EntryRole)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._updating:
            return
        self.entry_selected.emit(self.model.data(current, QueueTableModel.EntryRole) if current.isValid() else None)

    def _apply_filters(self) -> None:
        levels = {lv for lv, box in self.level_boxes.items() if box.isChecked()}
        kind = self.kind_combo.currentData()
        self._quietly(lambda: self.model.set_filters(levels=levels, kinds={kind} if kind else set(),
                                                     fraud_type=self.type_combo.currentData()))
