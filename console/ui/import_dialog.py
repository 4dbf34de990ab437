"""Import dialog: choose export files, preview them, import them off the GUI thread with a progress bar,
read the summary and field warnings, and correct and re-import quarantined rows.

Before importing, the selected file's first rows are read off the GUI thread and shown with the
detected column mapping, which the operator may correct (console/ui/import_preview.py); a corrected
mapping goes to the importer as a header rename.  After the import, rejected rows (✖, red, now in
the quarantine) and rows imported with a warning (⚠, amber) are marked apart.  In the quarantine,
selecting a row puts the field that failed, with its current value, in the correction line.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QStringListModel,
    Signal,
)
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QProgressBar,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from console.services.core.context import ServiceContext, ServiceError
from console.services.intake.fields import FIELD_LABELS, FIELDS, map_headers
from console.services.intake.importer import ImportProgress, ImportSummary, RowIssue, import_files
from console.services.intake.preview import FilePreview, preview_file
from console.services.intake.quarantine import (
    QuarantineEntry,
    RetryResult,
    list_quarantine,
    retry_quarantined,
)
from console.services.intake.readers import UnreadableInput
from console.ui.import_preview import PreviewPanel
from console.ui.intake_marks import MARK_TEXT, REJECTED, WARNED, MarkedRowsModel
from console.ui.rows_model import RowsTableModel
from console.ui.tasks import Change, TaskRunner

AnyIndex = QModelIndex | QPersistentModelIndex


class _ProgressRelay(QObject):
    """Created on the GUI thread; the worker emits, Qt queues the call back to the GUI thread."""

    progressed = Signal(object)


class ImportDialog(QDialog):
    """Import warning files and work the quarantine.  Takes a ServiceContext and a task runner."""

    import_finished = Signal(object)  # ImportSummary
    import_failed = Signal(str)
    quarantine_retried = Signal(object)  # RetryResult
    preview_loaded = Signal(object)  # FilePreview
    preview_failed = Signal(str)

    def __init__(self, ctx: ServiceContext, runner: TaskRunner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = runner or TaskRunner(self)
        self.setWindowTitle(self.tr("导入预警"))
        self.resize(900, 600)
        self._relay = _ProgressRelay(self)
        self._relay.progressed.connect(self._show_progress)

        self.files_model = QStringListModel(self)
        self.files_view = QListView()
        self.files_view.setModel(self.files_model)
        self.files_view.selectionModel().currentChanged.connect(lambda current, _old: self._preview_row(current.row()))
        self.previews: dict[str, FilePreview] = {}
        self.mappings: dict[str, dict[str, str]] = {}  # path -> corrected mapping (field -> header)
        self.preview_panel = PreviewPanel()
        self.preview_panel.mapping_changed.connect(self._mapping_changed)
        self._batch_ids: set[int] = set()
        self._rejected_rows: set[tuple[str, int]] = set()
        self.add_button = QPushButton(self.tr("添加文件…"))
        self.add_button.clicked.connect(self._choose_files)
        self.remove_button = QPushButton(self.tr("移除"))
        self.remove_button.clicked.connect(self._remove_selected)
        self.source_edit = QLineEdit()
        self.source_edit.setPlaceholderText(self.tr("预警来源（文件中无“预警来源”列时使用，可不填）"))
        self.import_button = QPushButton(self.tr("开始导入"))
        self.import_button.setShortcut("Ctrl+Return")
        self.import_button.clicked.connect(self.start_import)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.summary_label = QLabel(self.tr("选择 CSV、XLSX 或 JSON 文件后开始导入"))
        self.summary_label.setWordWrap(True)

        self.issues_model = MarkedRowsModel([
            (self.tr("结果"), lambda i: MARK_TEXT[self.mark_of(i)]),
            (self.tr("文件"), lambda i: i.file), (self.tr("行号"), lambda i: i.row),
            (self.tr("字段"), lambda i: FIELD_LABELS.get(i.field, i.field)), (self.tr("说明"), lambda i: i.message),
        ], self.mark_of, self)
        self.issues_view = QTableView()
        self.issues_view.setModel(self.issues_model)
        self.issues_view.horizontalHeader().setStretchLastSection(True)

        self.quarantine_model = RowsTableModel([
            (self.tr("编号"), lambda q: q.id), (self.tr("文件"), lambda q: q.file_name),
            (self.tr("行号"), lambda q: q.row_number), (self.tr("原因"), lambda q: q.reason),
            (self.tr("原始内容"), lambda q: "，".join(f"{k}={v}" for k, v in q.raw.items() if v not in (None, ""))),
        ], self)
        self.quarantine_view = QTableView()
        self.quarantine_view.setModel(self.quarantine_model)
        self.quarantine_view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.quarantine_view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.quarantine_view.horizontalHeader().setStretchLastSection(True)
        self.field_combo = QComboBox()
        for name in FIELDS:
            self.field_combo.addItem(FIELD_LABELS.get(name, name), name)
        self.value_edit = QLineEdit()
        self.value_edit.setPlaceholderText(self.tr("修正后的值"))
        self.retry_button = QPushButton(self.tr("修正并重新导入"))
        self.retry_button.clicked.connect(self.retry_selected)
        self.refresh_button = QPushButton(self.tr("刷新"))
        self.refresh_button.clicked.connect(self.refresh_quarantine)
        self.retry_label = QLabel()
        self.retry_label.setWordWrap(True)
        self.failing_label = QLabel()
        self.failing_label.setObjectName("errorLabel")
        self.failing_label.setWordWrap(True)
        self.quarantine_view.selectionModel().currentRowChanged.connect(
            lambda current, _old: self._quarantine_row_chosen(current.row()))

        self._build_layout()
        self.runner.data_changed.connect(self._data_changed)
        self.refresh_quarantine()

    def _data_changed(self, kind: str) -> None:
        if kind == Change.WARNINGS:  # an import or a retry, here or in another window
            self.refresh_quarantine()

    def _build_layout(self) -> None:
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        files_box = QGroupBox(self.tr("文件"))
        files_layout = QVBoxLayout(files_box)
        files_layout.addWidget(self.files_view)
        files_layout.addLayout(buttons)
        files_layout.addWidget(self.source_edit)
        run_row = QHBoxLayout()
        run_row.addWidget(self.progress, 1)
        run_row.addWidget(self.import_button)

        import_tab = QWidget()
        import_layout = QVBoxLayout(import_tab)
        files_row = QHBoxLayout()
        files_row.addWidget(files_box, 1)
        preview_box = QGroupBox(self.tr("预览与列对应"))
        preview_layout = QVBoxLayout(preview_box)
        preview_layout.addWidget(self.preview_panel)
        files_row.addWidget(preview_box, 3)
        import_layout.addLayout(files_row, 2)
        import_layout.addLayout(run_row)
        import_layout.addWidget(self.summary_label)
        import_layout.addWidget(self.issues_view, 1)

        correction = QHBoxLayout()
        correction.addWidget(QLabel(self.tr("字段")))
        correction.addWidget(self.field_combo)
        correction.addWidget(self.value_edit, 1)
        correction.addWidget(self.retry_button)
        correction.addWidget(self.refresh_button)
        quarantine_tab = QWidget()
        quarantine_layout = QVBoxLayout(quarantine_tab)
        quarantine_layout.addWidget(self.quarantine_view, 1)
        quarantine_layout.addWidget(self.failing_label)
        quarantine_layout.addLayout(correction)
        quarantine_layout.addWidget(self.retry_label)

        self.tabs = QTabWidget()
        self.tabs.addTab(import_tab, self.tr("导入"))
        self.tabs.addTab(quarantine_tab, self.tr("隔离区"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)

    # ------------------------------------------------------------ files

    def files(self) -> list[str]:
        return list(self.files_model.stringList())

    def add_files(self, paths: Sequence[str]) -> None:
        current = self.files()
        added = [p for p in paths if p not in current]
        self.files_model.setStringList(current + added)
        if added:  # preview the first file just added
            self.files_view.setCurrentIndex(self.files_model.index(len(current)))

    # ------------------------------------------------------------ preview

    def _preview_row(self, row: int) -> None:
        files = self.files()
        if not 0 <= row < len(files):
            self.preview_panel.clear()
            return
        self.preview(files[row])

    def preview(self, path: str) -> None:
        """Show the file's first rows and mapping (read off the GUI thread the first time)."""
        if path in self.previews:
            self._show_preview(self.previews[path])
            return
        self.preview_panel.clear(self.tr("正在读取 {file}…").format(file=Path(path).name))
        ctx = self.ctx
        self.runner.run(lambda: preview_file(ctx, Path(path)), on_success=self._preview_loaded,
                        on_failure=lambda exc: self._preview_error(path, exc))

    def _preview_loaded(self, preview: FilePreview) -> None:
        self.previews[preview.path] = preview
        current = self.files_view.currentIndex().row()
        if 0 <= current < len(self.files()) and self.files()[current] == preview.path:
            self._show_preview(preview)
        self.preview_loaded.emit(preview)

    def _show_preview(self, preview: FilePreview) -> None:
        self.preview_panel.show_preview(preview, self.mappings.get(preview.path))

    def _preview_error(self, path: str, exc: BaseException) -> None:
        message = str(exc) if isinstance(exc, UnreadableInput | ServiceError) else self.tr(
            "无法预览（内部错误）：{0}").format(exc)
        self.preview_panel.clear(message)
        self.preview_failed.emit(message)

    def _mapping_changed(self) -> None:
        preview = self.preview_panel.preview
        if preview is None:
            return
        changed = self.preview_panel.changed_mapping()
        if changed is None:
            self.mappings.pop(preview.path, None)
        else:
            self.mappings[preview.path] = changed

    def _choose_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self, self.tr("选择预警文件"), "", self.tr("预警文件 (*.csv *.xlsx *.xls *.ods *.json *.txt);;所有文件 (*)"))
        self.add_files(paths)

    def _remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.files_view.selectedIndexes()}, reverse=True)
        for row in rows:
            path = self.files()[row]
            self.previews.pop(path, None)
            self.mappings.pop(path, None)
            self.files_model.removeRows(row, 1)

    # ------------------------------------------------------------ import

    def start_import(self) -> None:
        paths = [Path(p) for p in self.files()]
        if not paths:
            self.summary_label.setText(self.tr("请先添加要导入的文件"))
            return
        self.import_button.setEnabled(False)
        self.progress.setValue(0)
        self.summary_label.setText(self.tr("正在导入…"))
        ctx, source, relay = self.ctx, self.source_edit.text().strip(), self._relay
        mappings = {str(Path(p)): dict(m) for p, m in self.mappings.items() if p in self.files()}

        def work() -> ImportSummary:
            return import_files(ctx, paths, source=source, progress=relay.progressed.emit, mappings=mappings or None)

        self.runner.run(work, on_success=self._imported, on_failure=self._import_error, changes=Change.WARNINGS)

    def _show_progress(self, event: ImportProgress) -> None:
        per_file = 100 / max(event.file_count, 1)
        fraction = min(event.rows_done / event.rows_estimate, 1.0) if event.rows_estimate else 0.0
        self.progress.setValue(int(per_file * (event.file_index + fraction)))
        self.summary_label.setText(self.tr("正在导入 {0}：已处理 {1} 行").format(event.file_name, event.rows_done))

    def _imported(self, summary: ImportSummary) -> None:
        self.import_button.setEnabled(True)
        self.progress.setValue(100)
        text = self.tr("共 {0} 行：新增 {1}，合并 {2}，拒绝 {3}").format(
            summary.rows, summary.imported, summary.merged, summary.rejected)
        if summary.rejected:
            text += self.tr("。被拒绝的行已放入隔离区，可在“隔离区”页修正后重新导入")
        self.summary_label.setText(text)
        self._batch_ids = {b.batch_id for b in summary.batches}
        self._rejected_rows = set()
        self.issues_model.set_rows(summary.errors)
        self.files_model.setStringList([])
        self.previews.clear()
        self.mappings.clear()
        self.preview_panel.clear()
        self.import_finished.emit(summary)

    def _import_error(self, exc: BaseException) -> None:
        self.import_button.setEnabled(True)
        self.progress.setValue(0)
        if isinstance(exc, UnreadableInput | ServiceError):
            message = str(exc)
        else:
            message = self.tr("导入失败（内部错误）：{0}").format(exc)
        self.summary_label.setText(message)
        self.import_failed.emit(message)

    def issues(self) -> list[RowIssue]:
        return [self.issues_model.item(r) for r in range(self.issues_model.rowCount())]

    def mark_of(self, issue: RowIssue) -> str:
        """Rejected (the row went to the quarantine) or imported with a warning."""
        return REJECTED if (issue.file, issue.row) in self._rejected_rows else WARNED

    # ------------------------------------------------------------ quarantine

    def refresh_quarantine(self) -> None:
        ctx = self.ctx
        self.runner.run(lambda: list_quarantine(ctx), on_success=self._quarantine_loaded,
                        on_failure=lambda exc: self.retry_label.setText(str(exc)))

    def _quarantine_loaded(self, entries: list[QuarantineEntry]) -> None:
        self.quarantine_model.set_rows(entries)
        self.failing_label.clear()
        if self._batch_ids:  # which of the last import's rows were rejected
            self._rejected_rows |= {(e.file_name, e.row_number) for e in entries if e.batch_id in self._batch_ids}
            self.issues_model.refresh_marks()

    def _quarantine_row_chosen(self, row: int) -> None:
        """The field that failed goes into the correction line, with the value it had, ready to edit."""
        if not 0 <= row < self.quarantine_model.rowCount():
            return
        entry: QuarantineEntry = self.quarantine_model.item(row)
        index = self.field_combo.findData(entry.field)
        if index < 0:  # a whole-row problem: nothing to pick, the phone is what makes a row importable
            index = self.field_combo.findData("phone")
        self.field_combo.setCurrentIndex(index)
        field = str(self.field_combo.currentData())
        headers = list(entry.raw)
        column = map_headers(headers).get(field)
        value = entry.raw.get(headers[column]) if column is not None else None
        self.value_edit.setText("" if value is None else str(value))
        self.failing_label.setText(self.tr("需修正：{field}（{reason}）").format(
            field=FIELD_LABELS.get(field, field), reason=entry.reason))
        self.value_edit.setFocus()
        self.value_edit.selectAll()

    def selected_entry(self) -> QuarantineEntry | None:
        rows = self.quarantine_view.selectionModel().selectedRows()
        return self.quarantine_model.item(rows[0].row()) if rows else None

    def retry_selected(self) -> None:
        entry = self.selected_entry()
        if entry is None:
            self.retry_label.setText(self.tr("请先在列表中选择一条隔离记录"))
            return
        field = str(self.field_combo.currentData())
        corrections = {field: self.value_edit.text().strip()}
        ctx = self.ctx
        self.retry_button.setEnabled(False)
        self.runner.run(lambda: retry_quarantined(ctx, entry.id, corrections),
                        on_success=self._retried, on_failure=self._retry_error, changes=Change.WARNINGS)

    def _retried(self, result: RetryResult) -> None:
        self.retry_button.setEnabled(True)
        if result.outcome == "rejected":
            self.retry_label.setText(self.tr("仍无法导入：{0}").format(result.reason))
        else:
            verb = self.tr("已导入") if result.outcome == "imported" else self.tr("已合并到已有预警")
            self.retry_label.setText(self.tr("{0}，预警编号 {1}").format(verb, result.warning_id))
            self.value_edit.clear()
        self.quarantine_retried.emit(result)

    def _retry_error(self, exc: BaseException) -> None:
        self.retry_button.setEnabled(True)
        self.retry_label.setText(str(exc))
