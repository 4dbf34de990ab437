"""One key (Ctrl+Shift+M) on the workstation: text the claimed person the "hang up now, an officer will call
you" message.  The preview and the send go through the task runner; the operator confirms the
exact text (number masked) first, and a rule that forbids sending (quiet hours, a limit, opt-out)
is shown instead of the question."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QMessageBox, QWidget

from console.services.core.context import ServiceContext, ServiceError
from console.services.messaging.sms import service
from console.services.messaging.sms.settings import SmsSettings, load_sms_settings
from console.services.messaging.sms.templates import choose_template
from console.ui.errors import error_text
from console.ui.tasks import TaskRunner

SMS_KEY = "Ctrl+Shift+M"
SITUATION = "hang_up_now"


def ask_to_send(parent: QWidget, title: str, question: str) -> bool:
    answer = QMessageBox.question(parent, title, question)
    return answer == QMessageBox.StandardButton.Yes


class HangUpSmsAction(QObject):
    """Owns the shortcut; ``warning`` returns the claimed warning's (id, fraud type) or None."""

    sms_sent = Signal(object)  # service.SmsSendResult
    status_changed = Signal(str)  # a line for the status bar

    def __init__(self, ctx: ServiceContext, runner: TaskRunner, parent: QWidget,
                 warning: Callable[[], tuple[int, str] | None]) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = runner
        self.widget = parent
        self.warning = warning
        self.load_settings: Callable[[], SmsSettings] = load_sms_settings
        self.confirm: Callable[[QWidget, str, str], bool] = ask_to_send
        self.shortcut = QShortcut(QKeySequence(SMS_KEY), parent)
        self.shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        self.shortcut.activated.connect(self.trigger)

    def trigger(self) -> None:
        target = self.warning()
        if target is None:
            self.status_changed.emit(self.tr("请先领取一条预警，再发送短信"))
            return
        warning_id, fraud_type = target
        ctx, load = self.ctx, self.load_settings

        def prepare() -> tuple[SmsSettings, service.SmsPreview]:
            settings = load()
            template = choose_template(settings.templates or {}, fraud_type, SITUATION)
            if template is None:
                raise ServiceError("sms.yaml 中没有“请立即挂断”场景（hang_up_now）的短信模板")
            return settings, service.preview_warning_sms(ctx, warning_id, template.name, settings)

        self.runner.run(prepare, self._previewed, self._failed)

    def _previewed(self, result: tuple[SmsSettings, service.SmsPreview]) -> None:
        settings, preview = result
        if preview.refusal:
            QMessageBox.warning(self.widget, self.tr("现在不能发送短信"), preview.refusal)
            return
        question = self.tr("发送以下短信到 {phone}（{parts} 条）？\n\n{text}").format(
            phone=preview.phone_masked, parts=preview.parts, text=preview.text)
        if not self.confirm(self.widget, self.tr("发送预警短信"), question):
            self.status_changed.emit(self.tr("未发送短信"))
            return
        ctx = self.ctx
        self.status_changed.emit(self.tr("正在发送短信……"))
        self.runner.run(lambda: service.send_warning_sms(ctx, preview.warning_id, preview.template, settings=settings),
                        self._sent, self._failed)

    def _sent(self, result: service.SmsSendResult) -> None:
        self.status_changed.emit(self.tr("短信已发往 {phone}（{parts} 条，{status}）").format(
            phone=result.phone_masked, parts=result.parts, status=self._status_label(result.status)))
        self.sms_sent.emit(result)

    def _status_label(self, status: str) -> str:
        labels = {"submitted": self.tr("已提交"), "delivered": self.tr("已送达"), "undelivered": self.tr("未送达")}
        return labels.get(status, status)

    def _failed(self, exc: BaseException) -> None:
        QMessageBox.warning(self.widget, self.tr("短信发送失败"), error_text(exc))
