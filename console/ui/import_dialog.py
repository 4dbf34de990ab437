"""Import dialog: choose export files, import them off the GUI thread with a progress bar, read the
summary and field warnings, and correct and re-import quarantined rows."""

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
from console.services.intake.fields import FIELD_LABELS, FIELDS
from console.services.intake.importer import ImportProgress, ImportSummary, RowIssue, import_files
from console.services.intake.quarantine import (
    QuarantineEntry,
    RetryResult,
    list_quarantine,
    retry_quarantined,
)
from console.services.intake.readers import UnreadableInput
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

        self.issues_model = RowsTableModel([
            (self.tr("文件"), lambda i: i.file), (self.tr("行号"), lambda i: i.row),
            (self.tr("字段"), lambda i: FIELD_LABELS.get(i.field, i.field)), (self.tr("说明"), lambda i: i.message),
        ], self)
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
        import_layout.addWidget(files_box)
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
        self.files_model.setStringList(current + [p for p in paths if p not in current])

    def _choose_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self, self.tr("选择预警文件"), "", self.tr("预警文件 (*.csv *.xlsx *.json *.txt);;所有文件 (*)"))
        self.add_files(paths)

    def _remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.files_view.selectedIndexes()}, reverse=True)
        for row in rows:
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

        def work() -> ImportSummary:
            return import_files(ctx, paths, source=source, progress=relay.progressed.emit)

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
        self.issues_model.set_rows(summary.errors)
        self.files_model.setStringList([])
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

    # ------------------------------------------------------------ quarantine

    def refresh_quarantine(self) -> None:
        ctx = self.ctx
        self.runner.run(lambda: list_quarantine(ctx), on_success=self.quarantine_model.set_rows,
                        on_failure=lambda exc: self.retry_label.setText(str(exc)))

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
