"""The seat's phone line for the window: the SIP engine started off the GUI thread, one call at a
time followed on its own thread, and Qt signals for what the call panel shows.

The engine and the dialler are plain services; this object only moves their events onto the GUI
thread (a signal emitted from another thread is queued to the receiver's thread).
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from console.services.telephony.baresip import engine_for
from console.services.telephony.dialer import CallControl, CallResult, place_call
from console.services.telephony.engine import (
    ENGINE_DOWN,
    ENGINE_UP,
    INCOMING,
    EngineError,
    EngineEvent,
    TelephonyEngine,
)
from console.services.telephony.settings import TelephonySettings


class PhoneLine(QObject):
    engine_ready = Signal()
    engine_failed = Signal(str)  # why the engine is not available (start failed or it died)
    engine_restarted = Signal()
    call_progress = Signal(str)  # ringing | established | closed (engine event kinds)
    call_finished = Signal(object)  # CallResult
    call_failed = Signal(str)
    incoming_call = Signal(str)  # the caller's SIP URI, while the seat is not on a call
    inbound_progress = Signal(str)
    inbound_finished = Signal(object)  # CallResult of an answered (or missed) inbound call

    def __init__(self, settings: TelephonySettings, data_root: Path, parent: QObject | None = None,
                 engine: TelephonyEngine | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.recordings_dir = data_root / "recordings"
        self.engine: TelephonyEngine = engine or engine_for(settings, data_root)
        self.ready = False
        self.control: CallControl | None = None
        self.ringing_in = False  # an inbound call rings and is not answered yet
        self._unsubscribe = self.engine.subscribe(self._engine_event)

    @property
    def in_call(self) -> bool:
        return self.control is not None

    def start(self) -> None:
        threading.Thread(target=self._start, name="phone-start", daemon=True).start()

    def _start(self) -> None:
        try:
            self.engine.start()
        except EngineError as exc:
            self.engine_failed.emit(str(exc))
            return
        self.ready = True
        self.engine_ready.emit()

    def _engine_event(self, event: EngineEvent) -> None:
        if event.kind == ENGINE_DOWN:
            self.ready = False
            self.engine_failed.emit(event.reason)
        elif event.kind == ENGINE_UP:
            self.ready = True
            self.engine_restarted.emit()
        elif event.kind == INCOMING and self.control is None:
            self.ringing_in = True
            self.incoming_call.emit(event.peer)

    def dial(self, number: str, level: str = "") -> bool:
        """Start a call (False when one is already in progress or the engine is not ready)."""
        if self.control is not None or not self.ready:
            return False
        uri = self.settings.dial_uri(number)
        control = CallControl()
        self.control = control
        threading.Thread(target=self._call, args=(uri, self.settings.ring_timeout(level), control),
                         name="phone-call", daemon=True).start()
        return True

    def _call(self, uri: str, ring_timeout: float, control: CallControl) -> None:
        try:
            result: CallResult = place_call(
                self.engine, self.settings, uri, ring_timeout=ring_timeout, control=control,
                on_event=lambda event: self.call_progress.emit(event.kind), recordings_dir=self.recordings_dir)
        except Exception as exc:  # noqa: BLE001 - reported to the operator, never a traceback
            self.control = None
            self.call_failed.emit(f"通话出错：{exc}")
            return
        self.control = None
        self.call_finished.emit(result)

    def answer_incoming(self) -> bool:
        """Answer the call ringing at the seat and follow it on its own thread."""
        if self.control is not None or not self.ringing_in:
            return False
        self.ringing_in = False
        control = CallControl()
        self.control = control
        threading.Thread(target=self._receive, args=(control,), name="phone-inbound", daemon=True).start()
        return True

    def reject_incoming(self) -> None:
        if self.ringing_in and self.control is None:
            self.ringing_in = False
            try:
                self.engine.hang_up()
            except EngineError as exc:
                self.call_failed.emit(str(exc))

    def _receive(self, control: CallControl) -> None:
        try:
            result: CallResult = place_call(
                self.engine, self.settings, "", incoming=True, ring_timeout=self.settings.ring_timeout(),
                control=control, on_event=lambda event: self.inbound_progress.emit(event.kind),
                recordings_dir=self.recordings_dir)
        except Exception as exc:  # noqa: BLE001 - reported to the operator, never a traceback
            self.control = None
            self.call_failed.emit(f"通话出错：{exc}")
            return
        self.control = None
        self.inbound_finished.emit(result)

    def hang_up(self) -> None:
        if self.control is not None:
            self.control.hang_up()

    def transfer(self, number: str) -> bool:
        """Blind-transfer the connected call to ``number`` through the same dial pattern."""
        if self.control is None:
            return False
        self.control.transfer(self.settings.dial_uri(number), number)
        return True

    def shutdown(self) -> None:
        self.hang_up()
        self._unsubscribe()
        self.engine.stop()
