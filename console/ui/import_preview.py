"""The import preview: the first rows of a file with the detected column mapping, correctable.

Row 0 of the table holds one combo per column (which field the column feeds, or 不导入); the rows
below show the first data rows, masked by the field each column is mapped to.  Picking a field that
another column held moves it (a field comes from one column only).  :meth:`PreviewPanel.mapping`
is the mapping to hand to the importer; :meth:`changed_mapping` is None while it is the detected one.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from console.services.intake.fields import FIELD_LABELS, FIELDS
from console.services.intake.preview import FilePreview, masked_cell

NOT_IMPORTED = ""


class PreviewPanel(QWidget):
    mapping_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.preview: FilePreview | None = None
        self.columns: dict[str, str] = {}  # header -> field ("" = not imported)
        self.combos: list[QComboBox] = []
        self.title = QLabel(self.tr("添加文件后在此预览前 20 行，并核对每一列对应的字段"))
        self.title.setWordWrap(True)
        self.table = QTableWidget()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.table, 1)

    def clear(self, message: str = "") -> None:
        self.preview = None
        self.columns = {}
        self.combos = []
        self.table.clear()
        self.table.setRowCount(0)
        self.table.setColumnCount(0)
        self.title.setText(message or self.tr("添加文件后在此预览前 20 行，并核对每一列对应的字段"))

    def show_preview(self, preview: FilePreview, mapping: dict[str, str] | None = None) -> None:
        """Show a file; ``mapping`` (field -> header) is a correction made earlier for this file."""
        self.preview = preview
        chosen = mapping if mapping is not None else preview.field_columns
        self.columns = {header: NOT_IMPORTED for header in preview.headers}
        for field, header in chosen.items():
            if header in self.columns:
                self.columns[header] = field
        self.table.clear()
        self.table.setColumnCount(len(preview.headers))
        self.table.setRowCount(len(preview.rows) + 1)
        self.table.setHorizontalHeaderLabels(preview.headers)
        self.table.setVerticalHeaderLabels([self.tr("字段")] + [str(number) for number, _cells in preview.rows])
        self.combos = []
        for column, header in enumerate(preview.headers):
            combo = QComboBox()
            combo.addItem(self.tr("（不导入）"), NOT_IMPORTED)
            for field in FIELDS:
                combo.addItem(FIELD_LABELS.get(field, field), field)
            combo.setCurrentIndex(max(0, combo.findData(self.columns[header])))
            combo.setToolTip(self.tr("“{header}”列对应的字段").format(header=header))
            combo.currentIndexChanged.connect(lambda _i, c=column: self._picked(c))
            self.table.setCellWidget(0, column, combo)
            self.combos.append(combo)
        self._render()
        self.table.resizeColumnsToContents()
        self._title()

    def _title(self) -> None:
        preview = self.preview
        if preview is None:
            return
        unmapped = [h for h, f in self.columns.items() if not f]
        text = self.tr("{file}：前 {n} 行").format(file=preview.file_name, n=len(preview.rows))
        if preview.rows_estimate:
            text += self.tr("（约 {total} 行）").format(total=preview.rows_estimate)
        text += self.tr("。请核对每列对应的字段，可在第一行修改")
        if unmapped:
            text += self.tr("；未导入的列：") + "、".join(unmapped)
        if "phone" not in self.mapping():
            text += self.tr("。注意：尚未指定“手机号”列")
        self.title.setText(text)

    def _picked(self, column: int) -> None:
        if self.preview is None:
            return
        header = self.preview.headers[column]
        field = str(self.combos[column].currentData() or "")
        if field:
            for other, combo in enumerate(self.combos):  # a field comes from one column only
                if other != column and self.columns[self.preview.headers[other]] == field:
                    self.columns[self.preview.headers[other]] = NOT_IMPORTED
                    combo.blockSignals(True)
                    combo.setCurrentIndex(0)
                    combo.blockSignals(False)
        self.columns[header] = field
        self._render()
        self._title()
        self.mapping_changed.emit()

    def _render(self) -> None:
        preview = self.preview
        if preview is None:
            return
        for row, (_number, cells) in enumerate(preview.rows, start=1):
            for column, header in enumerate(preview.headers):
                text = cells[column] if column < len(cells) else ""
                self.table.setItem(row, column, QTableWidgetItem(masked_cell(self.columns[header] or None, text)))

    def mapping(self) -> dict[str, str]:
        """field -> header as now chosen."""
        return {field: header for header, field in self.columns.items() if field}

    def changed_mapping(self) -> dict[str, str] | None:
        if self.preview is None:
            return None
        chosen = self.mapping()
        return None if chosen == self.preview.field_columns else chosen

    def cell_text(self, row: int, column: int) -> str:
        """What a preview cell shows (row 0 is the first data row)."""
        item = self.table.item(row + 1, column)
        return item.text() if item is not None else ""
