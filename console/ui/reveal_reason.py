"""Why a personal field is shown in clear: picked from a short list (其他 needs a few words); the reason
goes to the audit with the reveal.  Used by Ctrl+R on the call panel and by the escalation dialog."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QWidget

OTHER = "其他"
REVEAL_REASONS = ("核实身份", "联系当事人", "上报派出所", OTHER)


class RevealReasonDialog(QDialog):
    def __init__(self, field_label: str, parent: QWidget | None = None, *, default: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("查看{field}明文").format(field=field_label))
        self.combo = QComboBox()
        for reason in REVEAL_REASONS:
            self.combo.addItem(self.tr("其他（须填写）") if reason == OTHER else reason, reason)
        if default in REVEAL_REASONS:
            self.combo.setCurrentIndex(REVEAL_REASONS.index(default))
        self.other_edit = QLineEdit()
        self.other_edit.setPlaceholderText(self.tr("请写明原因"))
        self.hint = QLabel(self.tr("查看记录将写入审计日志。"))
        self.hint.setObjectName("hintLabel")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("显示"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(self.tr("原因："), self.combo)
        form.addRow("", self.other_edit)
        form.addRow(self.hint)
        form.addRow(self.buttons)
        self.combo.currentIndexChanged.connect(self._update)
        self.other_edit.textChanged.connect(self._update)
        self._update()

    def _update(self) -> None:
        other = self.combo.currentData() == OTHER
        self.other_edit.setEnabled(other)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(
            not other or bool(self.other_edit.text().strip()))
        if other:
            self.other_edit.setFocus()

    def reason(self) -> str:
        """The reason as it goes to the audit ("其他：…" for a free one)."""
        code = str(self.combo.currentData())
        return f"{OTHER}：{self.other_edit.text().strip()}" if code == OTHER else code


def ask_reveal_reason(field_label: str, parent: QWidget | None = None, *, default: str = "") -> str | None:
    """The reason chosen, or None when the operator cancelled."""
    dialog = RevealReasonDialog(field_label, parent, default=default)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.reason()
