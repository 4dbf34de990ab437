"""约定回拨 (Ctrl+B): "call me back at 15:00" becomes a queue item due then, for this operator.

Quick choices (+30分, +1小时, 明天 09:00) or any date and time on the centre clock; others may take
the callback once it is overdue by the workstation's ``callback_grace_minutes``.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDateTime, QTimeZone, Signal
from PySide6.QtWidgets import (
    QDateTimeEdit,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.services.calls.callbacks import AgreedCallback, agree_callback
from console.services.core.context import ServiceContext
from console.ui.errors import error_text
from console.ui.tasks import Change, TaskRunner

CALLBACK_KEY = "Ctrl+B"


class CallbackDialog(QDialog):
    agreed = Signal(object)  # AgreedCallback

    def __init__(self, ctx: ServiceContext, runner: TaskRunner, warning_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = runner
        self.warning_id = warning_id
        self.callback: AgreedCallback | None = None
        self.setWindowTitle(self.tr("约定回拨"))
        clock = ctx.centre_clock
        self.zone = QTimeZone(clock.name.encode())
        grace = ctx.settings.workstation.callback_grace_minutes

        self.when_edit = QDateTimeEdit()
        self.when_edit.setTimeZone(self.zone)
        self.when_edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.when_edit.setCalendarPopup(True)
        self.set_due(ctx.now() + dt.timedelta(minutes=30))
        quick = QHBoxLayout()
        self.quick_buttons: dict[str, QPushButton] = {}
        for key, text in (("30m", self.tr("+30分")), ("1h", self.tr("+1小时")), ("15", self.tr("今天 15:00")),
                          ("tomorrow", self.tr("明天 09:00"))):
            button = QPushButton(text)
            button.setAutoDefault(False)
            button.clicked.connect(lambda _checked=False, k=key: self.quick(k))
            quick.addWidget(button)
            self.quick_buttons[key] = button
        hint = QLabel(self.tr("到时该回拨排在您的队列最前；超时 {n} 分钟后其他接线员也可领取。时间为{zone}。").format(
            n=grace, zone=clock.label))
        hint.setObjectName("hintLabel")
        hint.setWordWrap(True)
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.ok_button = QPushButton(self.tr("确定约定"))
        self.ok_button.setDefault(True)
        self.ok_button.clicked.connect(self.confirm)
        cancel = QPushButton(self.tr("取消"))
        cancel.setAutoDefault(False)
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.ok_button)
        buttons.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("对方要求回拨的时间：")))
        layout.addWidget(self.when_edit)
        layout.addLayout(quick)
        layout.addWidget(hint)
        layout.addWidget(self.message_label)
        layout.addLayout(buttons)

    def set_due(self, at: dt.datetime) -> None:
        self.when_edit.setDateTime(QDateTime.fromSecsSinceEpoch(int(at.timestamp()), self.zone))

    def due_at(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.when_edit.dateTime().toSecsSinceEpoch(), dt.UTC)

    def quick(self, key: str) -> None:
        now = self.ctx.now()
        clock = self.ctx.centre_clock
        if key == "30m":
            self.set_due(now + dt.timedelta(minutes=30))
        elif key == "1h":
            self.set_due(now + dt.timedelta(hours=1))
        elif key == "15":
            self.set_due(clock.at(clock.today(now), dt.time(15, 0)))
        else:
            self.set_due(clock.at(clock.today(now) + dt.timedelta(days=1), dt.time(9, 0)))

    def confirm(self) -> None:
        ctx, warning_id, due = self.ctx, self.warning_id, self.due_at()
        self.ok_button.setEnabled(False)
        self.runner.run(lambda: agree_callback(ctx, warning_id, due), self._agreed, self._failed,
                        changes=Change.QUEUE)

    def _agreed(self, callback: AgreedCallback) -> None:
        self.callback = callback
        self.agreed.emit(callback)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.ok_button.setEnabled(True)
        self.message_label.setText(error_text(exc))


__all__ = ["CALLBACK_KEY", "CallbackDialog"]
