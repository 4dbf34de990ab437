"""Change a warning's risk level, with the reason the audit log keeps."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLineEdit, QWidget

from console.services.vocabulary import RISK_LEVEL_LABELS, RISK_LEVEL_ORDER


class ChangeLevelDialog(QDialog):
    def __init__(self, warning_id: int, current: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("调整预警 #%1 的等级").replace("%1", str(warning_id)))
        self.level_combo = QComboBox()
        for level in RISK_LEVEL_ORDER:
            self.level_combo.addItem(self.tr("%1色").replace("%1", RISK_LEVEL_LABELS[level]), level)
        self.level_combo.setCurrentIndex(max(0, RISK_LEVEL_ORDER.index(current) if current in RISK_LEVEL_ORDER else 0))
        self.reason_edit = QLineEdit()
        self.reason_edit.setPlaceholderText(self.tr("必填：为什么调整（记入审计日志）"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setEnabled(False)
        self.reason_edit.textChanged.connect(lambda text: self.ok_button.setEnabled(bool(text.strip())))
        form = QFormLayout(self)
        form.addRow(self.tr("新等级"), self.level_combo)
        form.addRow(self.tr("原因"), self.reason_edit)
        form.addRow(buttons)

    def level(self) -> str:
        return str(self.level_combo.currentData())

    def reason(self) -> str:
        return self.reason_edit.text().strip()
