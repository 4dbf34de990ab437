"""The centre of the operator's window: the person and warning on top, the call and its outcome below.

It owns the call in progress (a :class:`console.services.calls.workstation.CallState`): prepares the
script when a claimed warning's detail arrives, keeps the claim lease alive, saves the call as a
draft on every change, writes the call log, gives an item back, and opens the escalation dialog.
Every database round trip goes through the task runner.
"""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QSplitter, QVBoxLayout, QWidget

from console.services.calls.drafts import SubmitResult, submit_call
from console.services.calls.log import CallLog, call_connected
from console.services.calls.workstation import (
    CallState,
    WarningDetail,
    call_variables,
    choose_script,
)
from console.services.core.amounts import parse_amount
from console.services.core.context import ServiceContext, allowed
from console.services.core.settings import WorkstationSettings
from console.services.queue import claims as queue
from console.services.telephony.calls import record_dial
from console.services.telephony.dialer import CallResult
from console.ui.call_panel import CallPanel
from console.ui.draft_keeper import DraftKeeper
from console.ui.errors import error_text
from console.ui.outcome_panel import OutcomePanel
from console.ui.phone_line import PhoneLine
from console.ui.sms_action import HangUpSmsAction
from console.ui.tasks import Change, TaskRunner
from console.ui.warning_panel import WarningPanel
from scripts_library import ScriptLibrary, ScriptRestoreError, ScriptSession, load_library


class WorkstationView(QWidget):
    call_saved = Signal(object)  # drafts.SubmitResult
    item_closed = Signal()  # the claimed item was saved or given back (the queue follows data_changed)
    escalation_requested = Signal(object)  # WarningDetail

    def __init__(self, ctx: ServiceContext, runner: TaskRunner, settings: WorkstationSettings,
                 drafts: DraftKeeper, library: ScriptLibrary | None = None, parent: QWidget | None = None, *,
                 phone: PhoneLine | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = runner
        self.settings = settings
        self.drafts = drafts
        self._library = library
        self._library_error: str | None = None
        self._waiting_detail: WarningDetail | None = None  # a claimed detail that came before the library
        self.entry: Any = None  # the claimed QueueEntry (None while only browsing)
        self.state: CallState | None = None
        self.session: ScriptSession | None = None
        self.detail: WarningDetail | None = None
        self.holds_claim = False
        self.can_call = allowed(ctx.actor, "call.log")

        self.warning_panel = WarningPanel(ctx, runner)
        self.call_panel = CallPanel(ctx, runner, settings, ctx.now, phone=phone)
        self.outcome_panel = OutcomePanel(ctx.now, ctx.settings)
        self.script_view = self.call_panel.script_view
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(self.call_panel)
        lower.addWidget(self.outcome_panel)
        lower.setStretchFactor(0, 3)
        lower.setStretchFactor(1, 2)
        lower.setSizes([600, 400])
        lower.setChildrenCollapsible(False)
        vertical = QSplitter(Qt.Orientation.Vertical)
        vertical.addWidget(self.warning_panel)
        vertical.addWidget(lower)
        vertical.setStretchFactor(0, 1)
        vertical.setStretchFactor(1, 3)
        vertical.setSizes([230, 690])
        vertical.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(vertical)
        self.call_panel.setVisible(self.can_call)
        self.outcome_panel.setVisible(self.can_call)

        self.warning_panel.detail_loaded.connect(self._detail_loaded)
        self.script_view.changed.connect(self._changed)
        self.script_view.finished_reached.connect(self.outcome_panel.suggest)
        self.call_panel.call_started.connect(self._changed)
        self.call_panel.call_ended.connect(self._changed)
        self.call_panel.number_revealed.connect(self._number_revealed)
        self.call_panel.call_result.connect(self._call_detected)
        self.outcome_panel.changed.connect(self._changed)
        self.outcome_panel.save_requested.connect(self.save)
        self.outcome_panel.escalation_requested.connect(self.request_escalation)

        self.sms_action = HangUpSmsAction(ctx, runner, self, self._sms_target)
        self.sms_action.shortcut.setEnabled(self.can_call)
        self.sms_action.status_changed.connect(self._show_status)

        self.lease_timer = QTimer(self)
        self.lease_timer.setInterval(max(settings.lease_renew_seconds, 5) * 1000)
        self.lease_timer.timeout.connect(self.renew_lease)
        if library is None:  # 0.15-0.6 s of YAML and validation: read it off the GUI thread
            runner.run(load_library, self._library_loaded, self._library_failed)

    @property
    def library(self) -> ScriptLibrary | None:
        """The script library once it is read (None until then, or when it cannot be read)."""
        return self._library

    def _library_loaded(self, library: ScriptLibrary) -> None:
        self._library = library
        waiting, self._waiting_detail = self._waiting_detail, None
        if waiting is not None:
            self._detail_loaded(waiting)

    def _library_failed(self, exc: BaseException) -> None:
        self._library_error = error_text(exc)
        waiting, self._waiting_detail = self._waiting_detail, None
        if waiting is not None:
            self._detail_loaded(waiting)

    @property
    def busy_with_claim(self) -> bool:
        return self.state is not None

    @property
    def in_live_call(self) -> bool:
        """A call is ringing or running (the manual timer, or the seat's SIP line)."""
        phone = self.call_panel.phone
        return self.state is not None and (self.call_panel.in_call or (phone is not None and phone.in_call)
                                           or self.call_panel.phone_state in ("dialling", "ringing", "talking"))

    @property
    def has_unsaved(self) -> bool:
        """Work on the claimed item that only the draft holds: a call, a note, an amount, an outcome, a step."""
        state = self._collect()
        if state is None:
            return False
        moved = self.session is not None and (self.session.can_go_back or bool(self.session.key_actions))
        return bool(state.started_at or state.notes.strip() or state.amount_protected.strip()
                    or state.disposition or moved or (self.session is None and state.script))

    # -- opening -------------------------------------------------------------------------
    def browse(self, entry: Any) -> None:
        """Show a queue entry read-only (nothing claimed)."""
        if self.state is not None:
            return
        self.entry = None
        self.warning_panel.show_entry(entry)
        if entry is None:
            self._clear_call()

    def open_claimed(self, entry: Any, state: CallState | None = None, holds_claim: bool = True) -> None:
        """Open a claimed item (or a recovered draft) for calling; the script follows once the detail loads."""
        self.entry = entry
        self.holds_claim = holds_claim
        self.session = None
        self.state = state or CallState(
            client_uuid=str(uuid.uuid4()), warning_id=entry.warning_id, queue_item_id=entry.item_id,
            follow_up_id=entry.follow_up_id, item_kind=entry.kind)
        if holds_claim:
            self.lease_timer.start()
        bar = getattr(self.window(), "statusBar", None)
        if bar is not None:
            bar().clearMessage()  # the last person's "已保存 …" does not belong to this one
        self.warning_panel.show_entry(entry)

    def _detail_loaded(self, detail: WarningDetail) -> None:
        self.detail = detail
        state = self.state
        if state is None or detail.warning_id != state.warning_id:
            self.call_panel.set_detail(detail, holds_claim=False)
            self.script_view.set_session(None)
            self.outcome_panel.reset(False)
            return
        if self.session is not None:
            return  # a reload of the same warning (e.g. after an escalation): keep the call as it is
        library = self._library
        if library is None:
            if self._library_error is None:
                self._waiting_detail = detail  # the script follows as soon as the library is read
                return
            self.call_panel.set_detail(detail, holds_claim=False)
            self.script_view.set_session(None)
            self.outcome_panel.reset(False)
            QMessageBox.warning(self, self.tr("话术库"), self.tr(
                "话术库无法读取，暂时不能开始通话（本条仍由您领取）：{error}").format(error=self._library_error))
            return
        variables = call_variables(detail, centre_name=self.settings.centre_name or self.ctx.settings.centre.unit_name)
        selection = choose_script(library, detail, state.item_kind)
        session = ScriptSession(selection.script, variables)
        if state.script:
            try:
                session = ScriptSession.restore(library, state.script, variables)
            except ScriptRestoreError:
                self.window().statusBar().showMessage(  # type: ignore[attr-defined]
                    self.tr("话术已更新，无法恢复草稿中的话术位置，已从头开始"), 8000)
        self.session = session
        self.call_panel.set_detail(detail, holds_claim=self.holds_claim)
        self.call_panel.restore_timer(state.started_at, state.ended_at)
        self.script_view.set_session(session, selection.reason)
        attempts = sum(1 for c in detail.calls if c.warning_id == detail.warning_id
                       and c.follow_up_id == state.follow_up_id)
        self.outcome_panel.reset(True, level=detail.risk_level, attempts_so_far=attempts,
                                 is_follow_up=state.follow_up_id is not None, fraud_type=detail.fraud_type,
                                 escalated=detail.escalated, action_states=detail.key_action_states)
        self.outcome_panel.restore(state.disposition, state.amount_protected, state.notes, state.confirmed_actions)
        self.script_view.setFocus()
        self._changed()

    # -- the draft -----------------------------------------------------------------------
    def _collect(self) -> CallState | None:
        state = self.state
        if state is None:
            return None
        state.started_at = self.call_panel.started_at
        state.ended_at = self.call_panel.ended_at
        if self.session is not None:
            state.script = self.session.to_record()
        if self.outcome_panel.active:
            state.disposition = self.outcome_panel.disposition
            state.amount_protected = self.outcome_panel.amount_text
            state.notes = self.outcome_panel.notes
            state.confirmed_actions = self.outcome_panel.confirmed_actions
        return state

    def _changed(self) -> None:
        if self.session is not None:
            self.outcome_panel.set_promised(list(self.session.key_actions))
        state = self._collect()
        if state is not None and self.session is not None and not self.drafts.save(state):
            self.window().statusBar().showMessage(  # type: ignore[attr-defined]
                self.tr("草稿无法保存到本机：") + self.drafts.last_error, 15000)

    def _number_revealed(self, number: str) -> None:
        if self.state is not None:
            self.state.dialled_number = number

    def _call_detected(self, result: CallResult) -> None:
        """The SIP line's outcome: pre-select the disposition, keep the dial and its recording on record."""
        state = self.state
        if state is None:
            return
        state.detected_outcome = result.outcome
        if result.disposition and self.outcome_panel.active:
            self.outcome_panel.choose_disposition(result.disposition)
        self._changed()
        if result.ended_by == "engine_lost":
            self.window().statusBar().showMessage(  # type: ignore[attr-defined]
                self.tr("通话引擎意外退出，通话已中断。草稿已保存，请选择结果后保存或重拨。"), 20000)
        ctx, number, call_uuid, warning_id = self.ctx, state.dialled_number, state.client_uuid, state.warning_id
        self.runner.run(lambda: record_dial(ctx, result, number, call_uuid=call_uuid, warning_id=warning_id), None,
                        lambda exc: self.window().statusBar().showMessage(  # type: ignore[attr-defined]
                            self.tr("拨号记录未能写入：") + error_text(exc), 15000))

    def hang_up_or_focus_script(self) -> None:
        """Esc: hangs up a call on the SIP line, otherwise returns to the script."""
        phone = self.call_panel.phone
        if phone is not None and phone.in_call:
            self.call_panel.end_call()
        else:
            self.focus_script()

    # -- lease ---------------------------------------------------------------------------
    def renew_lease(self) -> None:
        if self.state is None or self.state.queue_item_id is None or not self.holds_claim:
            return
        ctx, item_id = self.ctx, self.state.queue_item_id
        self.runner.run(lambda: queue.renew_lease(ctx, item_id), None, self._lease_lost)

    def _lease_lost(self, exc: BaseException) -> None:
        self.holds_claim = False
        self.lease_timer.stop()
        self.window().statusBar().showMessage(  # type: ignore[attr-defined]
            self.tr("领取已失效：") + error_text(exc) + self.tr("（本次通话仍可保存）"), 15000)

    # -- saving --------------------------------------------------------------------------
    def save(self) -> None:
        state = self._collect()
        if state is None or self.session is None or not state.disposition:
            return
        now = self.ctx.now()
        if self.call_panel.in_call:
            self.call_panel.end_call()
            state = self._collect() or state
        try:
            amount = parse_amount(state.amount_protected)
        except ValueError as exc:
            self.outcome_panel.saving_failed()
            QMessageBox.warning(self, self.tr("无法保存"), str(exc))
            return
        record = self.session.to_record()
        detail = self.detail
        log = CallLog(
            client_uuid=state.client_uuid, warning_id=state.warning_id, queue_item_id=state.queue_item_id,
            started_at=state.started_at or now, ended_at=state.ended_at or now,
            connected=(state.detected_outcome == "answered" if state.detected_outcome
                       else call_connected(state.disposition, dialled=state.started_at is not None)),
            disposition=state.disposition, script_id=record["script_id"], script_version=record["script_version"],
            node_path=list(record["path"]), objections=list(record["objections"]),
            key_actions=list(record["key_actions"]), amount_at_risk=detail.amount if detail else None,
            amount_protected=amount, notes=state.notes.strip(), dialled_number=state.dialled_number,
            follow_up_id=state.follow_up_id, confirmed_actions=list(state.confirmed_actions),
        )
        ctx = self.ctx
        root = self.drafts.root
        self.runner.run(lambda: submit_call(ctx, log, drafts=root), self._saved, self._save_failed,
                        changes=Change.CALLS)

    def _saved(self, result: SubmitResult) -> None:
        self.drafts.discard(self.state.client_uuid if self.state else "")
        bar = self.window().statusBar()  # type: ignore[attr-defined]
        if result.logged is None:  # the server is unreachable: the call waits in the local outbox
            bar.showMessage(self.tr("通话已暂存本机，连接恢复后自动写入：") + result.message, 20000)
        else:
            bar.showMessage(self.tr("已保存。") + result.logged.next_step.summary, 15000)
        self._close_item()
        self.call_saved.emit(result)

    def _save_failed(self, exc: BaseException) -> None:
        self.outcome_panel.saving_failed()
        QMessageBox.warning(self, self.tr("保存失败"), error_text(exc) + self.tr("\n已记录的内容保存在本机草稿中。"))

    def release(self) -> None:
        """Give the claimed item back to the queue without a call log (the draft is discarded)."""
        state = self.state
        if state is None:
            return
        if state.started_at is not None or state.notes.strip():
            answer = QMessageBox.question(self, self.tr("退回队列"),
                                          self.tr("本条已有通话记录或备注，退回将丢弃未保存的内容。确定退回？"))
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.drafts.discard(state.client_uuid)
        if state.queue_item_id is not None and self.holds_claim:
            ctx, item_id = self.ctx, state.queue_item_id
            def failed(exc: BaseException) -> None:
                QMessageBox.warning(self, self.tr("退回失败"), error_text(exc))
                self._close_item()

            self.runner.run(lambda: queue.release(ctx, item_id, "退回队列"), lambda _r: self._close_item(), failed,
                            changes=Change.QUEUE)
        else:
            self._close_item()

    def set_aside(self) -> int | None:
        """Keep the item's draft on disk and its claim, and free the centre; returns the item id."""
        state = self._collect()
        if state is None:
            return None
        if self.session is not None or state.script:
            self.drafts.save(state)
        item_id = state.queue_item_id if self.holds_claim else None
        self._close_item()
        return item_id

    def keep_draft(self) -> None:
        """Write the call in hand to its draft now (before a lock, for instance)."""
        self._changed()

    def discard_current(self, *, release: bool = True) -> None:
        """Drop the draft and close the item; give it back unless ``release`` is False (the caller asked)."""
        state = self.state
        if state is None:
            return
        self.drafts.discard(state.client_uuid)
        item_id = state.queue_item_id if self.holds_claim else None
        self._close_item()
        if item_id is not None and release:
            ctx = self.ctx
            self.runner.run(lambda: queue.release(ctx, item_id, "放弃未保存的通话"), None,
                            lambda exc: self._show_status(self.tr("退回失败：") + error_text(exc)),
                            changes=Change.QUEUE)

    def _close_item(self) -> None:
        self.lease_timer.stop()
        self.state = None
        self.session = None
        self.entry = None
        self.holds_claim = False
        self.warning_panel.show_entry(None)
        self._clear_call()
        self.item_closed.emit()

    def _clear_call(self) -> None:
        self.call_panel.set_detail(None)
        self.script_view.set_session(None)
        self.outcome_panel.reset(False)

    # -- escalation ----------------------------------------------------------------------
    def request_escalation(self) -> None:
        if self.detail is not None and self.state is not None:
            self.escalation_requested.emit(self.detail)

    def escalation_done(self) -> None:
        """Show the new order's status on the warning (the call in progress stays as it is)."""
        self.warning_panel.reload()
        self.outcome_panel.set_escalated(True)
        if self.state is not None and self.outcome_panel.plan is not None:
            self.window().statusBar().showMessage(self.tr("已上报派出所"), 8000)  # type: ignore[attr-defined]

    # -- SMS ---------------------------------------------------------------------------------
    def _sms_target(self) -> tuple[int, str] | None:
        """The claimed warning the "hang up now" SMS goes to (None while only browsing)."""
        if self.state is None or self.detail is None or self.detail.warning_id != self.state.warning_id:
            return None
        return self.detail.warning_id, self.detail.fraud_type

    def _show_status(self, text: str) -> None:
        self.window().statusBar().showMessage(text, 10000)  # type: ignore[attr-defined]

    def focus_script(self) -> None:
        self.script_view.setFocus()
