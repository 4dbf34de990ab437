"""The call panel: the number (masked until revealed), dialling, start / end with a running timer,
and the script view.

Desk phone or softphone, the timer and the log work the same: the operator presses 开始通话 when
the phone rings out and 结束通话 when it is over.  With the seat's own SIP line (telephony.yaml)
Ctrl+D dials through it instead: the panel shows ringing and talking with live timers from the
call's signalling, F7 (or Esc) hangs up, and the detected outcome is handed on (``call_result``).  Revealing the number is a service call (audited,
allowed only to the holder of the claim); copying and click-to-dial use the revealed number.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from console.services.calls.workstation import WarningDetail, dial_target
from console.services.core.context import ServiceContext, allowed
from console.services.core.settings import WorkstationSettings
from console.services.people import privacy
from console.services.telephony.dialer import CallResult
from console.services.telephony.settings import OUTCOME_LABELS
from console.ui.errors import error_text
from console.ui.phone_line import PhoneLine
from console.ui.reveal_reason import ask_reveal_reason
from console.ui.script_view import ScriptView
from console.ui.tasks import TaskRunner

START_KEY = "F6"
END_KEY = "F7"
REVEAL_KEY = "Ctrl+R"
COPY_KEY = "Ctrl+C"
DIAL_KEY = "Ctrl+D"
TRANSFER_KEY = "Ctrl+T"


def format_duration(seconds: int) -> str:
    seconds = max(seconds, 0)
    return f"{seconds // 60:02d}:{seconds % 60:02d}" if seconds < 3600 else \
        f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class CallPanel(QWidget):
    call_started = Signal()
    call_ended = Signal()
    number_revealed = Signal(str)
    call_result = Signal(object)  # CallResult of a call placed through the seat's SIP line

    def __init__(self, ctx: ServiceContext, runner: TaskRunner, settings: WorkstationSettings,
                 clock: Callable[[], dt.datetime], parent: QWidget | None = None, *,
                 phone: PhoneLine | None = None) -> None:
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
        self.phone = phone
        self.phone_state = ""  # "" | dialling | ringing | talking | ended
        self.ring_started_at: dt.datetime | None = None
        self.pending_dial = False
        self.engine_lost = False  # the last call ended because the engine died

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
        self.dial_button.setVisible(bool(settings.dial_command) or phone is not None)
        if phone is not None:
            idle_text = self.tr("软电话启动中…")
        elif settings.dial_command:
            idle_text = self.tr("用本中心配置的拨号程序拨打（Ctrl+D），接通后按 F6 开始、F7 结束")
        else:
            idle_text = self.tr("未配置软电话：请用座机拨号，接通后按 F6 开始、F7 结束")
        self.phone_label = QLabel(idle_text)
        self.phone_label.setObjectName("phoneState")
        if phone is not None:
            self.dial_button.setToolTip(self.tr("用本席位软电话拨打当事人（Ctrl+D），F7 或 Esc 挂断"))
            phone.engine_ready.connect(self._engine_ready)
            phone.engine_restarted.connect(self._engine_restarted)
            phone.engine_failed.connect(self._engine_failed)
            phone.call_progress.connect(self._call_progress)
            phone.call_finished.connect(self._call_finished)
            phone.call_failed.connect(self._engine_failed)
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
                          (COPY_KEY, self.copy_number), (DIAL_KEY, self.dial), (TRANSFER_KEY, self.transfer_call)):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(slot)

        self.script_view = ScriptView()
        # Two short rows rather than one long one, and the script in a scroll area: the call's controls
        # stay on screen on a 1366×768 laptop, whatever the length of the step's text.
        number_row = QHBoxLayout()
        number_row.addWidget(self.number_label)
        number_row.addStretch(1)
        number_row.addWidget(self.timer_label)
        number_row.addWidget(self.start_button)
        number_row.addWidget(self.end_button)
        tools_row = QHBoxLayout()
        tools_row.addWidget(self.reveal_button)
        tools_row.addWidget(self.copy_button)
        tools_row.addWidget(self.dial_button)
        tools_row.addWidget(self.phone_label, 1)
        self.phone_label.setWordWrap(True)
        self.phone_label.setMinimumWidth(80)
        self.script_area = QScrollArea()
        self.script_area.setWidgetResizable(True)
        self.script_area.setFrameShape(QFrame.Shape.NoFrame)
        self.script_area.setWidget(self.script_view)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(number_row)
        layout.addLayout(tools_row)
        layout.addWidget(self.script_area, 1)

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
        self.phone_state, self.pending_dial = "", False
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
        if self.phone is not None:
            self.dial_button.setEnabled(self.holds_claim and self.phone.ready and not self.phone.in_call)
        else:
            self.dial_button.setEnabled(bool(self.clear_number) and bool(self.settings.dial_command))
        self.start_button.setEnabled(self.holds_claim and self.started_at is None)
        self.end_button.setEnabled(self.in_call)

    def _tick(self) -> None:
        if self.phone_state in ("dialling", "ringing") and self.ring_started_at is not None:
            seconds = int((self.clock() - self.ring_started_at).total_seconds())
            self.phone_label.setText(self.tr("振铃中 {time}（F7 或 Esc 挂断）").format(time=format_duration(seconds)))
        elif self.phone_state == "talking":
            self.phone_label.setText(self.tr("通话中（F7 或 Esc 挂断）"))
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
        if self.phone is not None and self.phone.in_call:
            self.phone.hang_up()  # the call's end comes back from the signalling
            return
        if not self.in_call:
            return
        self.ended_at = self.clock()
        self.ticker.stop()
        self._tick()
        self._update_buttons()
        self.call_ended.emit()

    def reveal_number(self) -> None:
        detail = self.detail
        if detail is not None and self.clear_number and not self.pending_dial:
            self.number_label.setText(self.clear_number)  # already revealed (audited) to dial it
            self.reveal_button.setEnabled(False)
            return
        if detail is None or not self.holds_claim or self.clear_number:
            return
        why = "拨打劝阻电话"  # dialled through the seat's line: the dial is the reason
        if not self.pending_dial:
            reason = ask_reveal_reason(self.tr("电话"), self, default="联系当事人")
            if reason is None:
                return
            why = reason
        ctx = self.ctx
        self.runner.run(
            lambda: privacy.reveal(ctx, detail.person_id, "phone", why, warning_id=detail.warning_id),
            self._revealed, self._reveal_failed)

    def _revealed(self, number: str) -> None:
        self.clear_number = number
        if not self.pending_dial:  # revealed only to dial it: the number stays masked on screen
            self.number_label.setText(number)
        self._update_buttons()
        self.number_revealed.emit(number)
        if self.pending_dial:
            self.pending_dial = False
            self._dial_phone()
            self.reveal_button.setEnabled(self.holds_claim and allowed(self.ctx.actor, "pii.reveal.phone"))

    def _reveal_failed(self, exc: BaseException) -> None:
        self.pending_dial = False
        QMessageBox.warning(self, self.tr("无法显示号码"), error_text(exc))

    def copy_number(self) -> None:
        if self.clear_number:
            QGuiApplication.clipboard().setText(self.clear_number)
            self.window().statusBar().showMessage(self.tr("号码已复制"), 3000)  # type: ignore[attr-defined]

    def dial(self) -> None:
        if self.phone is not None:
            self._dial_phone()
            return
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

    # -- the seat's SIP line ---------------------------------------------------------------
    def _dial_phone(self) -> None:
        phone, detail = self.phone, self.detail
        if phone is None or detail is None or not self.holds_claim or phone.in_call or self.in_call:
            return
        if not self.clear_number:
            self.pending_dial = True  # the number is revealed (audited) first, then dialled
            self.reveal_number()
            return
        if not phone.ready:
            self.phone_label.setText(self.tr("软电话未就绪，请稍候或用座机拨号"))
            return
        if phone.dial(self.clear_number, detail.risk_level):
            self.phone_state, self.engine_lost = "dialling", False
            self.ring_started_at = self.clock()
            self.started_at = self.ended_at = None
            self.ticker.start()
            self._tick()
            self._update_buttons()

    def transfer_targets(self) -> list[str]:
        """Where a connected call can be handed: 110 and the stations' duty phones ("name  number")."""
        from console.services.escalation.stations import list_stations

        targets = [self.tr("110 报警台  110")]
        try:
            stations = list_stations(self.ctx)
        except Exception:  # noqa: BLE001 - a role that may not list stations still gets 110
            stations = []
        targets += [f"{s.name}  {s.duty_phone}" for s in stations if s.duty_phone]
        return targets

    def transfer_call(self) -> None:
        """Ctrl+T: blind transfer of the talking call to 110 or a station's duty phone."""
        if self.phone is None or self.phone_state != "talking":
            return
        choice, ok = QInputDialog.getItem(self, self.tr("转接"), self.tr("转接到（对方将直接与其通话）："),
                                          self.transfer_targets(), 0, False)
        number = "".join(ch for ch in choice.rsplit(" ", 1)[-1] if ch.isdigit())
        if ok and number and self.phone.transfer(number):
            self.phone_label.setText(self.tr("正在转接至 {number}…").format(number=number))

    def _engine_ready(self) -> None:
        self.phone_label.setText(self.tr("软电话就绪：按 Ctrl+D 拨打"))
        self._update_buttons()

    def _lost_text(self) -> str:
        return self.tr("通话引擎意外退出，通话已中断；已记录的内容保存在草稿中。")

    def _engine_restarted(self) -> None:
        restarted = self.tr("软电话已重新启动，可以重拨（Ctrl+D）")
        self.phone_label.setText(self._lost_text() + restarted if self.engine_lost else restarted)
        self._update_buttons()

    def _engine_failed(self, message: str) -> None:
        self.phone_label.setText(self.tr("软电话不可用：{message}").format(message=message))
        self._update_buttons()

    def _call_progress(self, kind: str) -> None:
        if kind == "ringing" and self.phone_state == "dialling":
            self.phone_state = "ringing"
        elif kind == "established" and self.phone_state in ("dialling", "ringing"):
            self.phone_state = "talking"
            self.started_at, self.ended_at = self.clock(), None
            self.call_started.emit()
        self._tick()
        self._update_buttons()

    def _call_finished(self, result: CallResult) -> None:
        self.phone_state = "ended"
        self.ticker.stop()
        self.started_at = result.answered_at or result.started_at
        self.ended_at = result.ended_at
        label = OUTCOME_LABELS.get(result.outcome, result.outcome)
        code = f"（{result.sip_code}）" if result.sip_code else ""
        self.engine_lost = result.ended_by == "engine_lost"
        if self.engine_lost:
            self.phone_label.setText(self._lost_text() + (self.tr("软电话已重新启动，可以重拨（Ctrl+D）")
                                                          if self.phone is not None and self.phone.ready
                                                          else self.tr("引擎正在重启…")))
        elif result.transferred_to:
            self.phone_label.setText(self.tr("已转接至 {number}，通话 {talk} 秒").format(
                number=result.transferred_to, talk=f"{result.talk_s:.0f}"))
        elif result.connected:
            self.phone_label.setText(self.tr("通话结束：通话 {talk} 秒").format(talk=f"{result.talk_s:.0f}"))
        else:
            self.phone_label.setText(self.tr("未接通：{label}{code}，振铃 {ring} 秒").format(
                label=label, code=code, ring=f"{result.ring_s:.0f}"))
        self._tick()
        self._update_buttons()
        self.call_ended.emit()
        self.call_result.emit(result)
