"""The call panel: the number (masked until revealed), dialling, start / end with a running timer,
and the script view.

Desk phone or softphone, the timer and the log work the same: the operator presses 开始通话 when
the phone rings out and 结束通话 when it is over.  Revealing the number is a service call (audited,
allowed only to the holder of the claim); copying and click-to-dial use the revealed number.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QPushButton, QVBoxLayout, QWidget

from console.services.calls.workstation import WarningDetail, dial_target
from console.services.core.context import ServiceContext, allowed
from console.services.core.settings import WorkstationSettings
from console.services.people import privacy
from console.ui.errors import error_text
from console.ui.script_view import ScriptView
from console.ui.tasks import TaskRunner

START_KEY = "F6"
END_KEY = "F7"
REVEAL_KEY = "Ctrl+R"
COPY_KEY = "Ctrl+C"
DIAL_KEY = "Ctrl+D"


def format_duration(seconds: int) -> str:
    seconds = max(seconds, 0)
    return f"{seconds // 60:02d}:{seconds % 60:02d}" if seconds < 3600 else \
        f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class CallPanel(QWidget):
    call_started = Signal()
    call_ended = Signal()
    number_revealed = Signal(str)

    def __init__(self, ctx: ServiceContext, runner: TaskRunner, settings: WorkstationSettings,
                 clock: Callable[[], dt.datetime], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = runner
        self.settings = settings
        self.clock = clock
        self.detail: WarningDetail | None = None
        self.clear_number = ""
        self.holds_claim = False
        self.started_at: dt.datetime | None = None
        self.ended_at: dt.datetime | None = None

        self.number_label = QLabel("—")
        self.number_label.setObjectName("bigNumber")
        self.reveal_button = QPushButton(self.tr("显示号码  (Ctrl+R)"))
        self.reveal_button.setToolTip(self.tr("显示完整号码（记录查看日志，仅限已领取本条的接线员）（Ctrl+R）"))
        self.reveal_button.clicked.connect(self.reveal_number)
        self.copy_button = QPushButton(self.tr("复制  (Ctrl+C)"))
        self.copy_button.setToolTip(self.tr("复制号码到剪贴板，用座机或软电话拨打（Ctrl+C）"))
        self.copy_button.clicked.connect(self.copy_number)
        self.dial_button = QPushButton(self.tr("拨号  (Ctrl+D)"))
        self.dial_button.setToolTip(self.tr("用本中心配置的软电话拨打（Ctrl+D）"))
        self.dial_button.clicked.connect(self.dial)
        self.dial_button.setVisible(bool(settings.dial_command))
        self.start_button = QPushButton(self.tr("开始通话  (F6)"))
        self.start_button.setObjectName("primaryButton")
        self.start_button.setToolTip(self.tr("电话拨出时按下，开始计时（F6）"))
        self.start_button.clicked.connect(self.start_call)
        self.end_button = QPushButton(self.tr("结束通话  (F7)"))
        self.end_button.setObjectName("dangerButton")
        self.end_button.setToolTip(self.tr("挂断后按下，停止计时（F7）"))
        self.end_button.clicked.connect(self.end_call)
        self.timer_label = QLabel("00:00")
        self.timer_label.setObjectName("timerLabel")
        self.timer_label.setToolTip(self.tr("通话计时"))
        # QShortcut, not QPushButton.setShortcut: a button's shortcut clicks only after a 100 ms animation
        for key, slot in ((START_KEY, self.start_call), (END_KEY, self.end_call), (REVEAL_KEY, self.reveal_number),
                          (COPY_KEY, self.copy_number), (DIAL_KEY, self.dial)):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(slot)

        self.script_view = ScriptView()
        number_row = QHBoxLayout()
        number_row.addWidget(self.number_label)
        number_row.addWidget(self.reveal_button)
        number_row.addWidget(self.copy_button)
        number_row.addWidget(self.dial_button)
        number_row.addStretch(1)
        number_row.addWidget(self.timer_label)
        number_row.addWidget(self.start_button)
        number_row.addWidget(self.end_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(number_row)
        layout.addWidget(self.script_view, 1)

        self.ticker = QTimer(self)
        self.ticker.setInterval(1000)
        self.ticker.timeout.connect(self._tick)
        self.set_detail(None)

    # -- state ---------------------------------------------------------------------------
    def set_detail(self, detail: WarningDetail | None, *, holds_claim: bool = False) -> None:
        """Show a warning's number; the call controls work only for the holder of its claim."""
        self.detail = detail
        self.clear_number = ""
        self.holds_claim = holds_claim and detail is not None
        self.started_at = self.ended_at = None
        self.ticker.stop()
        self.timer_label.setText("00:00")
        self.number_label.setText(detail.phone if detail is not None and detail.phone else "—")
        self._update_buttons()

    def restore_timer(self, started_at: dt.datetime | None, ended_at: dt.datetime | None) -> None:
        self.started_at, self.ended_at = started_at, ended_at
        if started_at is not None and ended_at is None:
            self.ticker.start()
        self._tick()
        self._update_buttons()

    @property
    def in_call(self) -> bool:
        return self.started_at is not None and self.ended_at is None

    def _update_buttons(self) -> None:
        can_reveal = self.holds_claim and allowed(self.ctx.actor, "pii.reveal.phone")
        self.reveal_button.setEnabled(can_reveal and not self.clear_number)
        self.reveal_button.setVisible(allowed(self.ctx.actor, "pii.reveal.phone")
                                      or allowed(self.ctx.actor, "pii.reveal.all"))
        self.copy_button.setEnabled(bool(self.clear_number))
        self.dial_button.setEnabled(bool(self.clear_number) and bool(self.settings.dial_command))
        self.start_button.setEnabled(self.holds_claim and self.started_at is None)
        self.end_button.setEnabled(self.in_call)

    def _tick(self) -> None:
        if self.started_at is None:
            self.timer_label.setText("00:00")
            return
        end = self.ended_at or self.clock()
        self.timer_label.setText(format_duration(int((end - self.started_at).total_seconds())))

    # -- actions -------------------------------------------------------------------------
    def start_call(self) -> None:
        if not self.holds_claim or self.started_at is not None:
            return
        self.started_at = self.clock()
        self.ended_at = None
        self.ticker.start()
        self._tick()
        self._update_buttons()
        self.call_started.emit()

    def end_call(self) -> None:
        if not self.in_call:
            return
        self.ended_at = self.clock()
        self.ticker.stop()
        self._tick()
        self._update_buttons()
        self.call_ended.emit()

    def reveal_number(self) -> None:
        detail = self.detail
        if detail is None or not self.holds_claim or self.clear_number:
            return
        ctx = self.ctx
        self.runner.run(
            lambda: privacy.reveal(ctx, detail.person_id, "phone", "拨打劝阻电话", warning_id=detail.warning_id),
            self._revealed, self._reveal_failed)

    def _revealed(self, number: str) -> None:
        self.clear_number = number
        self.number_label.setText(number)
        self._update_buttons()
        self.number_revealed.emit(number)

    def _reveal_failed(self, exc: BaseException) -> None:
        QMessageBox.warning(self, self.tr("无法显示号码"), error_text(exc))

    def copy_number(self) -> None:
        if self.clear_number:
            QGuiApplication.clipboard().setText(self.clear_number)
            self.window().statusBar().showMessage(self.tr("号码已复制"), 3000)  # type: ignore[attr-defined]

    def dial(self) -> None:
        if not self.clear_number:
            return
        target = dial_target(self.settings, self.clear_number)
        if target is None:
            return
        if target.kind == "uri":
            QDesktopServices.openUrl(QUrl(target.uri))
        else:
            try:
                subprocess.Popen(list(target.argv), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
            except OSError as exc:
                QMessageBox.warning(self, self.tr("拨号失败"), self.tr("无法启动拨号程序：{error}").format(error=exc))
                return
        if self.started_at is None:
            self.start_call()
