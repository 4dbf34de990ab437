"""The escalation orders of the centre: a list (open ones by default) and the selected order's panel.

Operators and supervisors follow up here on what they sent to the police stations: acknowledge,
advance tasks, record the station's answer, print the dispatch sheet (all in
:class:`console.ui.escalation_panel.EscalationPanel`).  The list is read through the task runner and
read again whenever an order changes anywhere in this console (``data_changed``).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QLabel,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from console.services.core.clock import CentreClock
from console.services.core.context import ServiceContext
from console.services.core.vocabulary import RISK_LEVEL_LABELS
from console.services.escalation import orders as escalations
from console.services.escalation.views import EscalationInfo
from console.ui.errors import error_text
from console.ui.escalation_panel import EscalationPanel
from console.ui.rows_model import RowsTableModel
from console.ui.tasks import Change, TaskRunner


def columns(clock: CentreClock) -> list[tuple[str, Any]]:
    return [
    ("编号", lambda e: e.id),
    ("等级", lambda e: RISK_LEVEL_LABELS.get(e.risk_level, e.risk_level)),
    ("派出所", lambda e: e.station_name or e.target_label),
    ("状态", lambda e: e.status_label),
    ("预警", lambda e: e.warning_id),
    ("上报时间", lambda e: clock.format(e.created_at, "%m-%d %H:%M")),
    ("签收时限", lambda e: clock.format(e.ack_deadline_at, "%m-%d %H:%M") if e.acknowledged_at is None else "已签收"),
    ]


class EscalationsWindow(QWidget):
    def __init__(self, ctx: ServiceContext, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = runner
        self.model = RowsTableModel(columns(ctx.centre_clock), self, right_aligned=(0, 4))
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.selectionModel().currentRowChanged.connect(self._selected)
        self.open_only = QCheckBox(self.tr("只看未办结的指令"))
        self.open_only.setChecked(True)
        self.open_only.toggled.connect(self.refresh)
        self.status = QLabel()
        self.panel = EscalationPanel(ctx, runner)
        self.panel.failed.connect(self.status.setText)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.open_only)
        left_layout.addWidget(self.view, 1)
        left_layout.addWidget(self.status)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.panel)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        runner.data_changed.connect(self._data_changed)
        self.refresh()

    def _data_changed(self, kind: str) -> None:
        if kind == Change.ESCALATIONS:
            self.refresh()

    def refresh(self) -> None:
        ctx, open_only = self.ctx, self.open_only.isChecked()
        self.runner.run(lambda: escalations.list_escalations(ctx, open_only=open_only), self._loaded,
                        lambda exc: self.status.setText(error_text(exc)))

    def _loaded(self, rows: list[EscalationInfo]) -> None:
        shown = self.panel.info.id if self.panel.info is not None else None
        self.model.set_rows(rows)
        self.status.setText(self.tr("共 {n} 条").format(n=len(rows)))
        for row, info in enumerate(rows):
            if info.id == shown:
                self.view.selectRow(row)  # keep the order being worked on selected

    def _selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            info: EscalationInfo = self.model.item(current.row())
            if self.panel.info is None or self.panel.info.id != info.id:
                self.panel.load(info.id)

    def show_escalation(self, escalation_id: int) -> None:
        """Open one order in the panel (also when the list does not show it)."""
        self.panel.load(escalation_id)
