"""A supervisor action that needs a choice and a reason the audit log keeps (reassign, change level)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLineEdit, QWidget

from console.services.core.vocabulary import RISK_LEVEL_LABELS, RISK_LEVEL_ORDER


class ChoiceWithReasonDialog(QDialog):
    """One combo box of (label, value) choices and a reason; OK stays disabled until a reason is typed."""

    def __init__(self, title: str, choice_label: str, choices: Sequence[tuple[str, str]], current: str | None,
                 reason_hint: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.choice_combo = QComboBox()
        for label, value in choices:
            self.choice_combo.addItem(label, value)
        if current is not None and (index := self.choice_combo.findData(current)) >= 0:
            self.choice_combo.setCurrentIndex(index)
        self.reason_edit = QLineEdit()
        self.reason_edit.setPlaceholderText(reason_hint)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setEnabled(False)
        self.reason_edit.textChanged.connect(lambda text: self.ok_button.setEnabled(bool(text.strip())))
        form = QFormLayout(self)
        form.addRow(choice_label, self.choice_combo)
        form.addRow(self.tr("原因"), self.reason_edit)
        form.addRow(buttons)

    def choice(self) -> str:
        return str(self.choice_combo.currentData())

    def reason(self) -> str:
        return self.reason_edit.text().strip()


class ReassignDialog(ChoiceWithReasonDialog):
    """Hand a queue item to another operator; ``operators`` are (login, display name) pairs."""

    def __init__(self, warning_id: int, operators: Sequence[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(self.tr("改派预警 #%1").replace("%1", str(warning_id)), self.tr("改派给"),
                         [(f"{name}（{login}）", login) for login, name in operators], None,
                         self.tr("必填：改派原因"), parent)

    def login(self) -> str:
        return self.choice()


class ChangeLevelDialog(ChoiceWithReasonDialog):
    """Raise or lower a warning's risk level."""

    def __init__(self, warning_id: int, current: str, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("调整预警 #%1 的等级").replace("%1", str(warning_id)), self.tr("新等级"),
                         [(self.tr("%1色").replace("%1", RISK_LEVEL_LABELS[lv]), lv) for lv in RISK_LEVEL_ORDER],
                         current, self.tr("必填：为什么调整（记入审计日志）"), parent)

    def level(self) -> str:
        return self.choice()
