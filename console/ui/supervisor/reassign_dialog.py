"""Hand a queue item to another operator, with a reason."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLineEdit, QWidget


class ReassignDialog(QDialog):
    def __init__(self, warning_id: int, operators: Sequence[tuple[str, str]], parent: QWidget | None = None) -> None:
        """``operators``: (login, display name) pairs."""
        super().__init__(parent)
        self.setWindowTitle(self.tr("改派预警 #%1").replace("%1", str(warning_id)))
        self.operator_combo = QComboBox()
        for login, name in operators:
            self.operator_combo.addItem(f"{name}（{login}）", login)
        self.reason_edit = QLineEdit()
        self.reason_edit.setPlaceholderText(self.tr("必填：改派原因"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setEnabled(False)
        self.reason_edit.textChanged.connect(lambda text: self.ok_button.setEnabled(bool(text.strip())))
        form = QFormLayout(self)
        form.addRow(self.tr("改派给"), self.operator_combo)
        form.addRow(self.tr("原因"), self.reason_edit)
        form.addRow(buttons)

    def login(self) -> str:
        return str(self.operator_combo.currentData())

    def reason(self) -> str:
        return self.reason_edit.text().strip()
