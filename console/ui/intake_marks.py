"""How the intake's row outcomes and field issues look, shared by the import dialog and manual entry.

One line per issue, ``身份证号：身份证号校验位不符（…）``, built from the intake validator's own field
and message, so an operator typing a report reads exactly what an import of the same value says.
Rows get a mark each: rejected (red ✖, "已拒绝，进入隔离区") and imported with a warning (amber ⚠,
"已导入，有提示") are told apart by icon, colour and text, never by colour alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QApplication, QStyle

from console.services.intake.fields import FIELD_LABELS
from console.ui.rows_model import AnyIndex, RowsTableModel


def issue_line(field: str, message: str) -> str:
    """The field's Chinese label and the validator's message (the label is not repeated)."""
    label = FIELD_LABELS.get(field, field)
    if not label or message.startswith(label):
        return message
    return f"{label}：{message}"


REJECTED = "rejected"
WARNED = "warned"

MARK_TEXT = {REJECTED: "✖ 已拒绝（进入隔离区）", WARNED: "⚠ 已导入，有提示"}
MARK_FOREGROUND = {REJECTED: QColor("#cf222e"), WARNED: QColor("#9a6700")}
MARK_BACKGROUND = {REJECTED: QColor("#ffebe9"), WARNED: QColor("#fff8c5")}


class MarkedRowsModel(RowsTableModel):
    """A rows table whose rows carry a mark (rejected / warned): tinted, with an icon and the mark's text."""

    def __init__(self, columns: Sequence[tuple[str, Callable[[Any], object]]], mark_of: Callable[[Any], str],
                 parent: QObject | None = None) -> None:
        super().__init__(columns, parent)
        self.mark_of = mark_of

    def refresh_marks(self) -> None:
        if self.rowCount():
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1))

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        mark = self.mark_of(self.item(index.row()))
        if role == Qt.ItemDataRole.ForegroundRole and mark in MARK_FOREGROUND:
            return QBrush(MARK_FOREGROUND[mark])
        if role == Qt.ItemDataRole.BackgroundRole and mark in MARK_BACKGROUND:
            return QBrush(MARK_BACKGROUND[mark])
        if role == Qt.ItemDataRole.DecorationRole and index.column() == 0 and mark in MARK_ICONS:
            return QApplication.style().standardIcon(MARK_ICONS[mark])
        return super().data(index, role)


MARK_ICONS = {REJECTED: QStyle.StandardPixmap.SP_MessageBoxCritical,
              WARNED: QStyle.StandardPixmap.SP_MessageBoxWarning}
