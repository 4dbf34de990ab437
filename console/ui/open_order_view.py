"""The open escalation order of a warning, read-only, with a 催办 / 补充 note.

Shown by the escalation dialog instead of a new order when the warning already has one that is not
done or cancelled: its number, state, station, deadline to sign and each task's state, plus a short
note the operator can add to the order's timeline (a chase-up, or what the centre learnt since).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtWidgets import QFormLayout, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from console.services.escalation.views import EscalationInfo


class OpenOrderView(QWidget):
    def __init__(self, format_time: Callable[[dt.datetime], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.format_time = format_time
        self.info: EscalationInfo | None = None
        self.title = QLabel()
        self.title.setObjectName("sectionTitle")
        self.title.setWordWrap(True)
        self.state_label = QLabel()
        self.station_label = QLabel()
        self.station_label.setWordWrap(True)
        self.deadline_label = QLabel()
        self.tasks_label = QLabel()
        self.tasks_label.setWordWrap(True)
        self.history_label = QLabel()
        self.history_label.setWordWrap(True)
        self.note_edit = QPlainTextEdit()
        self.note_edit.setPlaceholderText(self.tr("催办或补充情况，如：当事人仍在通话，请尽快上门"))
        self.note_edit.setMaximumHeight(80)
        self.note_edit.setTabChangesFocus(True)
        form = QFormLayout()
        form.addRow(self.tr("状态："), self.state_label)
        form.addRow(self.tr("接收单位："), self.station_label)
        form.addRow(self.tr("签收时限："), self.deadline_label)
        form.addRow(self.tr("任务："), self.tasks_label)
        form.addRow(self.tr("最近进展："), self.history_label)
        form.addRow(self.tr("催办/补充："), self.note_edit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addLayout(form)

    def show_order(self, info: EscalationInfo) -> None:
        self.info = info
        self.title.setText(self.tr("该预警已有未办结的上报指令（指令 {id}），不重复上报。").format(id=info.id))
        self.state_label.setText(info.status_label + (
            self.tr("（{at} 签收）").format(at=self.format_time(info.acknowledged_at)) if info.acknowledged_at else ""))
        self.station_label.setText(info.target_detail or info.station_name)
        self.deadline_label.setText(self.format_time(info.ack_deadline_at) if info.ack_deadline_at else "—")
        self.tasks_label.setText("\n".join(f"{t.kind_label}：{t.status_label}" for t in info.tasks) or "—")
        recent = sorted(info.order_events, key=lambda e: e.at)[-3:]
        self.history_label.setText("\n".join(
            f"{self.format_time(e.at)} {e.status_label}" + (f"：{e.note}" if e.note else "") for e in recent) or "—")

    @property
    def note(self) -> str:
        return self.note_edit.toPlainText().strip()
