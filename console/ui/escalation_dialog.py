"""The one-click escalation: a pre-filled order for a warning, confirmed once.

The dialog loads :func:`console.services.escalation.drafts.prepare_escalation` off the GUI thread,
shows the matched station with the reason (a combo overrides it), the three parallel tasks with
their fields, the reason and what the centre already said, and sends with one confirmation
(Ctrl+Enter).  Personal data appears masked; an empty family phone uses the registered relative.

A warning that already has an open order gets no second one: the dialog shows that order read-only
(its state, station and tasks) with a 催办 / 补充 note instead, and the service refuses a duplicate
too (two seats pressing Ctrl+E at once end up on the same order).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.services.core.context import ServiceContext, allowed
from console.services.escalation import open_orders
from console.services.escalation import orders as escalations
from console.services.escalation.drafts import EscalationDraft, prepare_escalation
from console.services.escalation.views import EscalationInfo
from console.services.people import privacy
from console.ui.errors import error_text
from console.ui.open_order_view import OpenOrderView
from console.ui.reveal_reason import ask_reveal_reason
from console.ui.tasks import Change, TaskRunner

CONFIRM_KEYS = ("Ctrl+Return", "Ctrl+Enter")


class EscalationDialog(QDialog):
    """Pre-filled escalation order for one warning; ``escalation_created`` carries the new order id."""

    escalation_created = Signal(int)
    draft_loaded = Signal()
    open_order_shown = Signal(int)  # the warning already has this open order: shown instead of a new one
    reminded = Signal(int)
    failed = Signal(str)

    def __init__(self, ctx: ServiceContext, runner: TaskRunner, warning_id: int, parent: QWidget | None = None, *,
                 person_id: int | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = runner
        self.warning_id = warning_id
        self.person_id = person_id
        self.clear_address = ""  # set once revealed (audited, with a reason)
        self.draft: EscalationDraft | None = None
        self.created: EscalationInfo | None = None
        self.open_order: EscalationInfo | None = None
        self.setWindowTitle(self.tr("上报派出所"))
        self.setMinimumWidth(560)

        self.header = QLabel(self.tr("正在准备指令…"))
        self.header.setWordWrap(True)
        self.reveal_button = QPushButton(self.tr("显示住址"))
        self.reveal_button.setToolTip(self.tr("显示完整住址（须选择原因，记入审计）"))
        self.reveal_button.setVisible(person_id is not None and allowed(ctx.actor, "pii.reveal.all"))
        self.reveal_button.clicked.connect(self.reveal_address)
        self.station_combo = QComboBox()
        self.station_combo.currentIndexChanged.connect(self._station_changed)
        self.station_reason = QLabel()
        self.station_reason.setWordWrap(True)
        station_box = QGroupBox(self.tr("接收派出所"))
        station_form = QFormLayout(station_box)
        station_form.addRow(self.tr("派出所："), self.station_combo)
        station_form.addRow(self.tr("依据："), self.station_reason)

        tasks_box = QGroupBox(self.tr("同时进行的任务"))
        tasks = QFormLayout(tasks_box)
        self.onsite_check = QCheckBox(self.tr("上门见面劝阻"))
        self.onsite_check.setChecked(True)
        self.onsite_note = QLineEdit()
        self.onsite_note.setPlaceholderText(self.tr("给民警的提示，如：老人独居、需家属陪同"))
        tasks.addRow(self.onsite_check, self.onsite_note)
        self.stop_check = QCheckBox(self.tr("保护性止付"))
        self.bank_edit = QLineEdit()
        self.bank_edit.setPlaceholderText(self.tr("开户银行"))
        self.account_edit = QLineEdit()
        self.account_edit.setPlaceholderText(self.tr("账号"))
        self.amount_edit = QLineEdit()
        self.amount_edit.setPlaceholderText(self.tr("金额（元）"))
        tasks.addRow(self.stop_check, self.bank_edit)
        tasks.addRow(self.tr("　账号："), self.account_edit)
        tasks.addRow(self.tr("　金额："), self.amount_edit)
        self.family_check = QCheckBox(self.tr("通知家属"))
        self.relative_edit = QLineEdit()
        self.relative_phone_edit = QLineEdit()
        tasks.addRow(self.family_check, self.relative_edit)
        tasks.addRow(self.tr("　家属电话："), self.relative_phone_edit)
        for box, fields in ((self.stop_check, (self.bank_edit, self.account_edit, self.amount_edit)),
                            (self.family_check, (self.relative_edit, self.relative_phone_edit))):
            for field in fields:
                field.textEdited.connect(lambda _text, b=box: b.setChecked(True))

        self.reason_edit = QLineEdit()
        self.summary_edit = QPlainTextEdit()
        self.summary_edit.setMaximumHeight(110)
        self.text_box = QWidget()
        text_form = QFormLayout(self.text_box)
        text_form.setContentsMargins(0, 0, 0, 0)
        text_form.addRow(self.tr("上报原因："), self.reason_edit)
        text_form.addRow(self.tr("已掌握情况："), self.summary_edit)

        self.error_label = QLabel()
        self.error_label.setObjectName("errorLabel")
        self.error_label.setWordWrap(True)
        self.error_label.hide()

        self.buttons = QDialogButtonBox()
        self.confirm_button = self.buttons.addButton(self.tr("确认上报  (Ctrl+Enter)"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.confirm_button.setObjectName("dangerButton")
        self.confirm_button.setEnabled(False)
        self.remind_button = self.buttons.addButton(self.tr("催办/补充  (Ctrl+Enter)"),
                                                    QDialogButtonBox.ButtonRole.ActionRole)
        self.remind_button.clicked.connect(self.send_reminder)
        self.remind_button.hide()
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setText(self.tr("取消"))
        self.order_view = OpenOrderView(lambda at: ctx.centre_clock.format(at, "%m-%d %H:%M"))
        self.order_view.hide()
        self.station_box, self.tasks_box = station_box, tasks_box
        self.buttons.accepted.connect(self.confirm)
        self.buttons.rejected.connect(self.reject)
        for key in CONFIRM_KEYS:
            QShortcut(QKeySequence(key), self, self._confirm_key)

        layout = QVBoxLayout(self)
        head = QHBoxLayout()
        head.addWidget(self.header, 1)
        head.addWidget(self.reveal_button)
        layout.addLayout(head)
        for widget in (self.order_view, station_box, tasks_box, self.text_box):
            layout.addWidget(widget)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

        ctx_, wid = self.ctx, warning_id
        self.runner.run(lambda: open_orders.open_escalation(ctx_, wid) or prepare_escalation(ctx_, wid),
                        self._loaded_either, self._failed)

    def _loaded_either(self, loaded: EscalationDraft | EscalationInfo) -> None:
        if isinstance(loaded, EscalationInfo):
            self.show_open_order(loaded)
        else:
            self._loaded(loaded)

    # -- an order is already open --------------------------------------------------------------
    def show_open_order(self, info: EscalationInfo) -> None:
        """Read-only view of the open order instead of the form for a new one."""
        self.open_order = info
        self.setWindowTitle(self.tr("上报派出所：已有未办结指令"))
        self.header.hide()
        for widget in (self.station_box, self.tasks_box, self.text_box):
            widget.hide()
        self.confirm_button.hide()
        self.confirm_button.setEnabled(False)
        self.order_view.show_order(info)
        self.order_view.show()
        may_remind = allowed(self.ctx.actor, "escalation.update")
        self.order_view.note_edit.setEnabled(may_remind)
        self.remind_button.setVisible(may_remind)
        self.cancel_button.setText(self.tr("关闭"))
        self.error_label.hide()
        if may_remind:
            self.order_view.note_edit.setFocus()
        self.open_order_shown.emit(info.id)

    def send_reminder(self) -> None:
        info = self.open_order
        if info is None or not self.remind_button.isVisible() or not self.remind_button.isEnabled():
            return
        note = self.order_view.note
        if not note:
            self._failed_text(self.tr("请填写催办或补充的内容"))
            self.order_view.note_edit.setFocus()
            return
        self.remind_button.setEnabled(False)
        ctx, order_id = self.ctx, info.id
        self.runner.run(lambda: open_orders.remind(ctx, order_id, note), self._reminded, self._remind_failed,
                        changes=Change.ESCALATIONS)

    def _reminded(self, info: EscalationInfo) -> None:
        self.reminded.emit(info.id)
        self.accept()

    def _remind_failed(self, exc: BaseException) -> None:
        self.remind_button.setEnabled(True)
        self._failed(exc)

    # -- loading -----------------------------------------------------------------------------
    def _loaded(self, draft: EscalationDraft) -> None:
        self.draft = draft
        self._show_header()
        self.station_combo.blockSignals(True)
        self.station_combo.clear()
        self.station_combo.addItem(self.tr("（请选择派出所）"), None)
        for station in draft.stations:
            label = station.name + (f"（{station.duty_phone}）" if station.duty_phone else "")
            self.station_combo.addItem(label, station.id)
        if draft.match is not None:
            self.station_combo.setCurrentIndex(max(0, self.station_combo.findData(draft.match.station_id)))
        self.station_combo.blockSignals(False)
        self._station_changed()
        if draft.amount:
            self.amount_edit.setText(f"{draft.amount:.2f}")
        self.relative_edit.setPlaceholderText(draft.relative_name or self.tr("家属姓名"))
        self.relative_phone_edit.setPlaceholderText(
            self.tr("留空则使用登记的 {phone}").format(phone=draft.relative_phone) if draft.relative_phone
            else self.tr("家属电话"))
        self.family_check.setChecked(bool(draft.relative_phone))
        self.reason_edit.setText(draft.reason)
        self.summary_edit.setPlainText(draft.summary)
        self.confirm_button.setEnabled(True)
        self.draft_loaded.emit()

    def _station_changed(self) -> None:
        if self.draft is None:
            return
        chosen = self.station_combo.currentData()
        match = self.draft.match
        if chosen is None:
            self.station_reason.setText(self.tr("未能自动匹配，请手动选择"))
        elif match is not None and chosen == match.station_id:
            # the rule's keyword is part of the person's address: masked like the address until revealed
            shown = match.pattern if self.clear_address or len(match.pattern) <= 2 else \
                match.pattern[:2] + "*" * (len(match.pattern) - 2)
            self.station_reason.setText(match.reason.replace(f"“{match.pattern}”", f"“{shown}”"))
        else:
            self.station_reason.setText(self.tr("人工指定") + (
                self.tr("（系统匹配为{name}）").format(name=match.station_name) if match else ""))

    def _show_header(self) -> None:
        draft = self.draft
        if draft is None:
            return
        text = self.tr("{level}色预警　{name}　{fraud}　住址：{address}").format(
            level=draft.level_label, name=draft.person_name, fraud=draft.fraud_type_label,
            address=self.clear_address or draft.address or self.tr("未登记"))
        if draft.open_escalations:
            text += "\n" + self.tr("注意：该预警已有 {n} 个未办结的上报指令").format(n=draft.open_escalations)
        self.header.setText(text)

    def reveal_address(self) -> None:
        """The clear address, through the same reason dialog as Ctrl+R (audited)."""
        if self.person_id is None:
            return
        reason = ask_reveal_reason(self.tr("住址"), self, default="上报派出所")
        if reason is None:
            return
        ctx, person_id, warning_id = self.ctx, self.person_id, self.warning_id

        def shown(address: str) -> None:
            self.clear_address = address or self.tr("未登记")
            self.reveal_button.setEnabled(False)
            self._show_header()
            self._station_changed()

        self.runner.run(lambda: privacy.reveal(ctx, person_id, "address", reason, warning_id=warning_id), shown,
                        self._failed)

    # -- sending -----------------------------------------------------------------------------
    def selected_station(self) -> int | None:
        """The operator's choice, or None when it is the automatic match (the service re-matches)."""
        chosen = self.station_combo.currentData()
        match = self.draft.match if self.draft else None
        if chosen is not None and match is not None and chosen == match.station_id:
            return None
        return int(chosen) if chosen is not None else None

    def task_requests(self) -> list[escalations.TaskRequest]:
        requests = []
        if self.onsite_check.isChecked():
            requests.append(escalations.TaskRequest.onsite_visit(self.onsite_note.text()))
        if self.stop_check.isChecked():
            requests.append(escalations.TaskRequest.stop_payment(
                self.bank_edit.text(), self.account_edit.text(), self.amount_edit.text() or None))
        if self.family_check.isChecked():
            requests.append(escalations.TaskRequest.family_notice(self.relative_edit.text(),
                                                                  self.relative_phone_edit.text()))
        return requests

    def _confirm_key(self) -> None:
        if self.open_order is not None:
            self.send_reminder()
        else:
            self.confirm()

    def confirm(self) -> None:
        if self.draft is None or not self.confirm_button.isEnabled():
            return
        if self.station_combo.currentData() is None:
            self._failed_text(self.tr("请先选择接收指令的派出所"))
            return
        self.confirm_button.setEnabled(False)  # one confirmation: no double order on a double click
        ctx, warning_id = self.ctx, self.warning_id
        station_id, tasks = self.selected_station(), self.task_requests()
        reason, summary = self.reason_edit.text(), self.summary_edit.toPlainText()
        self.runner.run(
            lambda: escalations.create_escalation(ctx, warning_id, tasks=tasks, station_id=station_id,
                                                  reason=reason, summary=summary),
            self._created, self._send_failed, changes=Change.ESCALATIONS,
        )

    def _created(self, info: EscalationInfo) -> None:
        self.created = info
        self.escalation_created.emit(info.id)
        self.accept()

    def _send_failed(self, exc: BaseException) -> None:
        if isinstance(exc, open_orders.DuplicateEscalation):  # another seat escalated meanwhile
            ctx, wid = self.ctx, self.warning_id
            self.runner.run(lambda: open_orders.open_escalation(ctx, wid), self._duplicate_loaded, self._failed)
            self._failed(exc)
            return
        self.confirm_button.setEnabled(True)
        self._failed(exc)

    def _duplicate_loaded(self, info: EscalationInfo | None) -> None:
        if info is not None:
            text = self.error_label.text()
            self.show_open_order(info)
            self._failed_text(text)

    def _failed(self, exc: BaseException) -> None:
        self._failed_text(error_text(exc))

    def _failed_text(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()
        self.failed.emit(text)
