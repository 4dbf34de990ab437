"""Find anyone (Ctrl+F): one box for a phone in any format, a name, an ID number or a 预警编号.

The results are masked, one row per warning, newest first.  Enter (or a double-click) on a row
opens the person view; F2 takes the row's queue item when it is free (the main window decides
whether the operator may leave the item in hand).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from console.services.core.context import ServiceContext
from console.services.core.vocabulary import QUEUE_ITEM_STATUS_LABELS
from console.services.lookup.search import MAX_HITS, SearchHit, SearchResult, search
from console.ui.errors import error_text
from console.ui.rows_model import RowsTableModel
from console.ui.tasks import TaskRunner

TAKE_KEY = "F2"  # as F2 takes the next item in the main window


def queue_state_text(hit: SearchHit) -> str:
    if not hit.item_state:
        return "不在队列"
    if hit.item_state == "claimed":
        return f"{hit.claimed_by or ''} 处理中"
    label = "待回拨" if hit.item_kind_label == "约定回拨" and hit.item_state == "waiting" else \
        QUEUE_ITEM_STATUS_LABELS.get(hit.item_state, hit.item_state)
    return f"{hit.item_kind_label}·{label}"


class SearchDialog(QDialog):
    person_requested = Signal(int)  # person id
    take_requested = Signal(int)  # queue item id

    def __init__(self, ctx: ServiceContext, runner: TaskRunner, parent: QWidget | None = None, *,
                 can_take: bool = True) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = runner
        self.can_take = can_take
        self.last_result: SearchResult | None = None
        self.setWindowTitle(self.tr("查找人员与预警"))
        self.resize(1000, 560)
        clock = ctx.centre_clock

        self.query_edit = QLineEdit()
        self.query_edit.setPlaceholderText(self.tr("电话（+86、空格、短横均可）、姓名、身份证号或预警编号，回车查找"))
        self.query_edit.returnPressed.connect(self.run_search)
        self.search_button = QPushButton(self.tr("查找"))
        self.search_button.clicked.connect(self.run_search)
        self.model = RowsTableModel([
            (self.tr("姓名"), lambda h: h.name_masked),
            (self.tr("电话"), lambda h: h.phone_masked),
            (self.tr("身份证号"), lambda h: h.id_number_masked),
            (self.tr("预警编号"), lambda h: h.external_id or f"#{h.warning_id}"),
            (self.tr("接警时间"), lambda h: clock.format(h.received_at, "%Y-%m-%d %H:%M")),
            (self.tr("等级"), lambda h: f"{h.risk_level_label}{h.score}"),
            (self.tr("诈骗类型"), lambda h: h.fraud_type_label),
            (self.tr("预警状态"), lambda h: h.status_label),
            (self.tr("队列"), queue_state_text),
        ], self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda _index: self.open_person())
        self.table.activated.connect(lambda _index: self.open_person())
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())
        self.status_label = QLabel(self.tr("个人信息均已脱敏；按电话、姓名或身份证号查找会记入审计。"))
        self.status_label.setObjectName("hintLabel")
        self.status_label.setWordWrap(True)
        self.person_button = QPushButton(self.tr("查看人员  (Enter)"))
        self.person_button.clicked.connect(self.open_person)
        self.take_button = QPushButton(self.tr("领取此条  ({key})").format(key=TAKE_KEY))
        self.take_button.setToolTip(self.tr("领取该预警在队列中的条目（需未被他人领取）"))
        self.take_button.clicked.connect(self.take_selected)
        self.take_button.setVisible(can_take)
        self.take_shortcut = QShortcut(QKeySequence(TAKE_KEY), self)
        self.take_shortcut.activated.connect(self.take_selected)
        close_button = QPushButton(self.tr("关闭"))
        close_button.clicked.connect(self.reject)
        for button in (self.search_button, self.person_button, self.take_button, close_button):
            button.setAutoDefault(False)  # Enter searches in the box and opens the person in the table

        row = QHBoxLayout()
        row.addWidget(self.query_edit, 1)
        row.addWidget(self.search_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.person_button)
        buttons.addWidget(self.take_button)
        buttons.addStretch(1)
        buttons.addWidget(close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status_label)
        layout.addLayout(buttons)
        self._update_buttons()

    def run_search(self) -> None:
        text = self.query_edit.text()
        ctx = self.ctx
        self.search_button.setEnabled(False)
        self.runner.run(lambda: search(ctx, text), self._found, self._failed)

    def _found(self, result: SearchResult) -> None:
        self.search_button.setEnabled(True)
        self.last_result = result
        self.model.set_rows(result.hits)
        if not result.hits:
            self.status_label.setText(self.tr("按{key}未找到任何人员或预警").format(key=result.key_label))
        else:
            more = self.tr("（只显示最近 {n} 条）").format(n=MAX_HITS) if result.truncated else ""
            self.status_label.setText(self.tr("按{key}找到 {n} 条预警{more}；回车查看人员").format(
                key=result.key_label, n=len(result.hits), more=more))
            self.table.selectRow(0)
            self.table.setFocus()
        self._update_buttons()

    def _failed(self, exc: BaseException) -> None:
        self.search_button.setEnabled(True)
        self.status_label.setText(error_text(exc))

    def selected_hit(self) -> SearchHit | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        hit: Any = self.model.item(index.row())
        return hit if isinstance(hit, SearchHit) else None

    def _update_buttons(self) -> None:
        hit = self.selected_hit()
        self.person_button.setEnabled(hit is not None)
        free = hit is not None and hit.item_id is not None and hit.item_state != "claimed"
        self.take_button.setEnabled(self.can_take and free)

    def open_person(self) -> None:
        hit = self.selected_hit()
        if hit is None:
            return
        self.person_requested.emit(hit.person_id)
        from console.ui.person_view import PersonViewDialog

        self.person_dialog = PersonViewDialog(self.ctx, self.runner, hit.person_id, self)
        self.person_dialog.open()

    def take_selected(self) -> None:
        hit = self.selected_hit()
        if hit is None or not self.can_take:
            return
        if hit.item_id is None:
            self.status_label.setText(self.tr("该预警当前不在队列中，无法领取"))
            return
        if hit.item_state == "claimed":
            self.status_label.setText(self.tr("该条目正由 {login} 处理，无法领取").format(login=hit.claimed_by or ""))
            return
        self.take_requested.emit(hit.item_id)
