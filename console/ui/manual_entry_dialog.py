"""Manual entry of an inbound report (bank teller, grid worker, relative, 96110 call).

The form is checked as the operator types, with the same rules the importer applies; the report is
saved off the GUI thread (Ctrl+Enter, as everywhere else).  A report without a reachable phone
cannot be submitted.  A field the importer would flag (an ID number whose check digit is wrong …)
shows the importer's own line for it (see console/ui/intake_marks.py), and a saved report is
confirmed in the window's status bar with its warning number and the masked name.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from console.services.core.context import ServiceContext, ServiceError
from console.services.core.vocabulary import FRAUD_TYPES
from console.services.intake.manual import (
    MANUAL_SOURCE_LABELS,
    ManualReport,
    ManualResult,
    submit_manual_report,
    validate_manual_report,
)
from console.ui.intake_marks import issue_line
from console.ui.tasks import Change, TaskRunner

SAVE_KEYS = ("Ctrl+Return", "Ctrl+Enter")


class ManualEntryDialog(QDialog):
    """Form for one inbound report; emits ``report_submitted`` with the ManualResult when saved."""

    report_submitted = Signal(object)

    def __init__(self, ctx: ServiceContext, runner: TaskRunner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = runner or TaskRunner(self)
        self.result_value: ManualResult | None = None
        self.confirmation = ""
        self.setWindowTitle(self.tr("录入预警报告"))
        self.setMinimumWidth(460)

        self.source_combo = QComboBox()
        self.source_combo.addItem(self.tr("请选择来源"), "")
        for code, label in MANUAL_SOURCE_LABELS.items():
            self.source_combo.addItem(label, code)
        self.name_edit = QLineEdit()
        self.phone_edit = QLineEdit()
        self.phone_edit.setPlaceholderText(self.tr("手机号或带区号的固定电话，可填多个，用分号隔开"))
        self.id_edit = QLineEdit()
        self.type_combo = QComboBox()
        self.type_combo.setEditable(True)
        self.type_combo.addItem("", "")
        for fraud in FRAUD_TYPES:
            self.type_combo.addItem(fraud.label, fraud.code)
        self.signals_edit = QLineEdit()
        self.signals_edit.setPlaceholderText(self.tr("如：正在通话；屏幕共享；准备转账"))
        self.amount_edit = QLineEdit()
        self.amount_edit.setPlaceholderText(self.tr("如：5万 或 50000"))
        self.contact_edit = QLineEdit()
        self.address_edit = QLineEdit()
        self.reporter_edit = QLineEdit()
        self.reporter_edit.setPlaceholderText(self.tr("报告人姓名、单位和电话"))
        self.note_edit = QPlainTextEdit()
        self.note_edit.setFixedHeight(60)
        self.errors_label = QLabel()
        self.errors_label.setObjectName("errorLabel")
        self.errors_label.setWordWrap(True)
        self.warnings_label = QLabel()
        self.warnings_label.setWordWrap(True)

        form = QFormLayout()
        form.addRow(self.tr("来源*"), self.source_combo)
        form.addRow(self.tr("手机号*"), self.phone_edit)
        form.addRow(self.tr("姓名"), self.name_edit)
        form.addRow(self.tr("身份证号"), self.id_edit)
        form.addRow(self.tr("预警类型"), self.type_combo)
        form.addRow(self.tr("风险特征"), self.signals_edit)
        form.addRow(self.tr("涉案金额"), self.amount_edit)
        form.addRow(self.tr("涉诈号码/账号"), self.contact_edit)
        form.addRow(self.tr("地址"), self.address_edit)
        form.addRow(self.tr("报告人"), self.reporter_edit)
        form.addRow(self.tr("备注"), self.note_edit)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText(self.tr("保存  (Ctrl+Enter)"))
        for key in SAVE_KEYS:
            QShortcut(QKeySequence(key), self, self.submit)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.errors_label)
        layout.addWidget(self.warnings_label)
        layout.addWidget(self.buttons)

        for edit in (self.name_edit, self.phone_edit, self.id_edit, self.signals_edit, self.amount_edit,
                     self.contact_edit, self.address_edit, self.reporter_edit):
            edit.textChanged.connect(self.validate)
        self.source_combo.currentIndexChanged.connect(self.validate)
        self.type_combo.currentTextChanged.connect(self.validate)
        self.validate()

    def report(self) -> ManualReport:
        type_text = self.type_combo.currentText().strip()
        picked = self.type_combo.itemText(self.type_combo.currentIndex()) == type_text
        fraud_type = (self.type_combo.currentData() if picked else None) or type_text
        return ManualReport(
            source=str(self.source_combo.currentData() or ""),
            phone=self.phone_edit.text(),
            name=self.name_edit.text().strip(),
            id_number=self.id_edit.text().strip(),
            fraud_type=str(fraud_type or ""),
            signals=self.signals_edit.text().strip(),
            amount=self.amount_edit.text().strip(),
            fraud_contact=self.contact_edit.text().strip(),
            address=self.address_edit.text().strip(),
            note=self.note_edit.toPlainText().strip(),
            reporter=self.reporter_edit.text().strip(),
        )

    def validate(self) -> bool:
        """Show blocking errors and hints; returns True when the report may be saved."""
        errors, warnings = validate_manual_report(self.report(), self.ctx.now(), self.ctx.centre_clock.zone)
        messages = [e.message for e in errors]
        if not self.phone_edit.text().strip():
            messages = [e.message for e in errors if e.field != "phone"] + [self.tr("请填写当事人手机号")]
        self.errors_label.setText("\n".join(messages))
        self.warnings_label.setText("\n".join(self.tr("提示：") + issue_line(w.field, w.message) for w in warnings))
        self.save_button.setEnabled(not messages)
        return not messages

    def submit(self) -> None:
        if not self.save_button.isEnabled() or not self.validate():
            return
        report, ctx = self.report(), self.ctx
        self.save_button.setEnabled(False)
        self.runner.run(lambda: submit_manual_report(ctx, report), on_success=self._saved, on_failure=self._failed,
                        changes=Change.WARNINGS)

    def _saved(self, result: ManualResult) -> None:
        self.result_value = result
        self.confirmation = self.confirmation_text(result)
        bar = getattr(self.parent(), "statusBar", None)
        if callable(bar):
            bar().showMessage(self.confirmation, 15000)
        self.report_submitted.emit(result)
        self.accept()

    def confirmation_text(self, result: ManualResult) -> str:
        """“已保存：新预警 123（张*）” — or the open warning the report was merged into."""
        who = result.name_masked or self.tr("姓名未填")
        if result.outcome == "merged":
            text = self.tr("已保存：并入已有预警 {id}（{name}）").format(id=result.warning_id, name=who)
        else:
            text = self.tr("已保存：新预警 {id}（{name}）").format(id=result.warning_id, name=who)
        if result.field_warnings:
            text += self.tr("，{n} 条提示").format(n=len(result.field_warnings))
        return text

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        message = str(exc) if isinstance(exc, ServiceError) else self.tr("保存失败（内部错误）：{0}").format(exc)
        self.errors_label.setText(message)
