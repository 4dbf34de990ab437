"""The screen-pop of a call to the seat: who is calling (masked), the persons the number belongs to,
answer / reject, and a live state line.  Not modal: the operator keeps the queue in view."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from console.services.core.masking import mask_phone
from console.services.core.vocabulary import RISK_LEVEL_LABELS
from console.services.telephony.dialer import CallResult
from console.services.telephony.inbound import CallerMatch

ANSWER_KEY = "Ctrl+Shift+A"
REJECT_KEY = "Ctrl+Shift+H"


class InboundPopup(QDialog):
    answer_requested = Signal()
    reject_requested = Signal()
    open_requested = Signal(object)  # CallerMatch

    def __init__(self, number: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("来电"))
        self.setModal(False)
        self.number = number
        self.matches: list[CallerMatch] = []
        self.caller_label = QLabel(self.tr("来电：{number}").format(number=mask_phone(number) or self.tr("未显示号码")))
        self.caller_label.setObjectName("bigNumber")
        self.match_label = QLabel(self.tr("正在查找来电人…"))
        self.match_label.setWordWrap(True)
        self.state_label = QLabel(self.tr("振铃中"))
        self.answer_button = QPushButton(self.tr("接听  ({key})").format(key=ANSWER_KEY))
        self.answer_button.setObjectName("primaryButton")
        self.answer_button.clicked.connect(self.answer_requested)
        self.reject_button = QPushButton(self.tr("拒接 / 挂断  ({key})").format(key=REJECT_KEY))
        self.reject_button.setObjectName("dangerButton")
        self.reject_button.clicked.connect(self.reject_requested)
        self.open_button = QPushButton(self.tr("打开预警"))
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(self._open_first)
        for key, signal in ((ANSWER_KEY, self.answer_requested), (REJECT_KEY, self.reject_requested)):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.ApplicationShortcut)
            shortcut.activated.connect(signal)
        buttons = QHBoxLayout()
        for button in (self.answer_button, self.reject_button, self.open_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.caller_label)
        layout.addWidget(self.match_label)
        layout.addWidget(self.state_label)
        layout.addLayout(buttons)

    def _open_first(self) -> None:
        if self.matches:
            self.open_requested.emit(self.matches[0])

    def show_matches(self, matches: list[CallerMatch]) -> None:
        self.matches = matches
        if not matches:
            self.match_label.setText(self.tr("未找到与该号码相关的人员"))
            return
        lines = [self.tr("{relation}：{name} {phone} {fraud} {level}色 {score}分（预警#{id}）").format(
            relation=m.relation, name=m.name_masked, phone=m.phone_masked, fraud=m.fraud_type_label,
            level=RISK_LEVEL_LABELS.get(m.risk_level, m.risk_level), score=m.score, id=m.warning_id)
            for m in matches]
        self.match_label.setText("\n".join(lines))
        self.open_button.setEnabled(True)

    def set_talking(self) -> None:
        self.state_label.setText(self.tr("通话中"))
        self.answer_button.setEnabled(False)

    def set_finished(self, result: CallResult) -> None:
        self.answer_button.setEnabled(False)
        self.reject_button.setEnabled(False)
        if result.connected:
            self.state_label.setText(self.tr("通话结束：通话 {talk} 秒").format(talk=f"{result.talk_s:.0f}"))
        else:
            self.state_label.setText(self.tr("未接通：来电已挂断"))
