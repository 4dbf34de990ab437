"""Calls to the seat: a screen-pop with the matching persons, the latest warning opened read-only
in the workstation when it is free, answer / reject, and the call audited with its recording."""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from console.services.core.context import ServiceContext
from console.services.telephony.calls import record_dial
from console.services.telephony.dialer import CallResult
from console.services.telephony.inbound import CallerMatch, caller_number, match_caller
from console.ui.errors import error_text
from console.ui.inbound_popup import InboundPopup
from console.ui.phone_line import PhoneLine
from console.ui.tasks import TaskRunner


class InboundCalls(QObject):
    def __init__(self, ctx: ServiceContext, runner: TaskRunner, phone: PhoneLine, workstation: Any,
                 parent: Any = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = runner
        self.phone = phone
        self.workstation = workstation
        self.popup: InboundPopup | None = None
        self.number = ""
        phone.incoming_call.connect(self._ringing)
        phone.inbound_progress.connect(self._progress)
        phone.inbound_finished.connect(self._finished)

    def _ringing(self, peer: str) -> None:
        self.number = caller_number(peer)
        if self.popup is not None:
            self.popup.close()
        parent = self.parent()
        popup = InboundPopup(self.number, parent if isinstance(parent, QWidget) else None)
        popup.answer_requested.connect(self.answer)
        popup.reject_requested.connect(self.reject)
        popup.open_requested.connect(self._open)
        popup.show()
        self.popup = popup
        ctx, number = self.ctx, self.number
        self.runner.run(lambda: match_caller(ctx, number), self._matched,
                        lambda exc: popup.match_label.setText(error_text(exc)))

    def _matched(self, matches: list[CallerMatch]) -> None:
        if self.popup is None:
            return
        self.popup.show_matches(matches)
        if matches and not self.workstation.busy_with_claim:
            self._open(matches[0])

    def _open(self, match: CallerMatch) -> None:
        if not self.workstation.busy_with_claim:
            self.workstation.browse(match)  # the match carries what a queue entry shows

    def answer(self) -> None:
        if self.phone.answer_incoming() and self.popup is not None:
            self.popup.state_label.setText(self.tr("正在接听…"))

    def reject(self) -> None:
        if self.phone.in_call:
            self.phone.hang_up()
        else:
            self.phone.reject_incoming()
            if self.popup is not None:
                self.popup.close()
                self.popup = None

    def _progress(self, kind: str) -> None:
        if kind == "established" and self.popup is not None:
            self.popup.set_talking()

    def _finished(self, result: CallResult) -> None:
        popup = self.popup
        if popup is not None:
            popup.set_finished(result)
        matches = popup.matches if popup is not None else []
        warning_id = matches[0].warning_id if len(matches) == 1 else None
        ctx, number = self.ctx, self.number
        self.runner.run(lambda: record_dial(ctx, result, number, call_uuid=str(uuid.uuid4()), warning_id=warning_id,
                                            inbound=True), None, None)
