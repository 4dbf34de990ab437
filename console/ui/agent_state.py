"""Keeps this seat's agent state in the database: ready at start, on a call while talking, wrap-up
until the call is saved, paused with a reason (F12), offline on close (signed off at once), and a
heartbeat meanwhile (state and the item in hand, every ``supervision.heartbeat_seconds``, through the
task runner); each beat also gives back the claims of seats that went silent."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QInputDialog, QWidget

from console.services.core.context import ServiceContext
from console.services.queue import presence
from console.services.telephony import agents
from console.ui.errors import error_text
from console.ui.tasks import TaskRunner

PAUSE_KEY = "F12"


class AgentStateKeeper(QObject):
    state_changed = Signal(str)  # the label shown in the status bar

    def __init__(self, ctx: ServiceContext, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = runner
        self.state = "offline"
        self.reason = ""
        self.timer = QTimer(self)
        self.item_in_hand: Callable[[], int | None] = lambda: None  # the workstation's claimed item
        self.timer.setInterval(ctx.settings.supervision.heartbeat_seconds * 1000)
        self.timer.timeout.connect(self._beat)

    def start(self) -> None:
        self.set_state("ready")
        self.timer.start()

    def stop(self) -> None:
        """Logout or quit: signed off at once (离线), not after the heartbeat goes stale."""
        self.timer.stop()
        self.state, self.reason = "offline", ""
        ctx = self.ctx
        self.runner.run(lambda: presence.sign_off(ctx), None, self._failed)
        self.state_changed.emit(self.tr("座席：") + agents.AGENT_STATE_LABELS["offline"])

    @property
    def paused(self) -> bool:
        return self.state == "paused"

    def set_state(self, state: str, reason: str = "") -> None:
        if state == self.state and reason == self.reason:
            return
        self.state, self.reason = state, reason
        ctx, item_id = self.ctx, self.item_in_hand()
        # one write: the state, the reason and the item in hand together (it is also a heartbeat)
        self.runner.run(lambda: agents.set_agent_state(ctx, state, reason, item_id=item_id), None, self._failed)
        label = agents.AGENT_STATE_LABELS[state] + (f"（{reason}）" if reason else "")
        self.state_changed.emit(self.tr("座席：") + label)

    def call_started(self) -> None:
        self.set_state("on_call")

    def call_ended(self) -> None:
        if self.state == "on_call":
            self.set_state("wrap_up")

    def item_closed(self) -> None:
        if self.state in ("on_call", "wrap_up"):
            self.set_state("ready")

    def toggle_pause(self, parent: QWidget | None = None, reason: str | None = None) -> None:
        if self.paused:
            self.set_state("ready")
            return
        if reason is None:
            reasons = [self.tr("休息"), self.tr("用餐"), self.tr("培训"), self.tr("会议"), self.tr("其他")]
            reason, ok = QInputDialog.getItem(parent, self.tr("小休"), self.tr("小休原因（小休期间不分配新预警）："),
                                              reasons, 0, True)
            if not ok or not reason.strip():
                return
        self.set_state("paused", reason.strip())

    def _beat(self) -> None:
        if self.state == "offline":
            return
        ctx, state, reason, item_id = self.ctx, self.state, self.reason, self.item_in_hand()

        def work() -> None:
            presence.beat(ctx, state, item_id, reason)
            presence.release_stale_claims(ctx)

        self.runner.run(work, None, self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.state_changed.emit(self.tr("座席状态未能保存：") + error_text(exc))
