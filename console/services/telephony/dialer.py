"""One outbound call from dial to hang-up, with the outcome detected from signalling.

:func:`place_call` dials through a :class:`TelephonyEngine`, keeps its own ring timer (baresip's
timeout applies to incoming calls only), hangs up when asked through :class:`CallControl` (from the
GUI thread, say) or after ``hangup_after`` seconds of talk, and returns a :class:`CallResult`: the
outcome, the SIP code, ring and talk time measured from the engine's events, and the recording.
Progress is reported through ``on_event`` so a panel can show ringing / talking / ended.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import queue
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from console.services.core.context import system_clock
from console.services.telephony.engine import (
    CLOSED,
    ENGINE_DOWN,
    ESTABLISHED,
    RINGING,
    TRANSFER_FAILED,
    EngineError,
    EngineEvent,
    TelephonyEngine,
)
from console.services.telephony.recordings import RecordingFile, merge_recording
from console.services.telephony.settings import TelephonySettings

HANGUP_REQUEST = "hangup_request"
TRANSFER_REQUEST = "transfer_request"


@dataclass(frozen=True)
class CallResult:
    outcome: str  # answered | busy | declined | no_answer | unreachable | invalid_number | failed
    sip_code: int | None
    reason: str
    ring_s: float
    talk_s: float
    started_at: dt.datetime
    answered_at: dt.datetime | None
    ended_at: dt.datetime
    ended_by: str  # far_end | console | ring_timeout | engine_lost | network | transferred
    disposition: str  # what the outcome panel pre-selects ('' when the operator chooses)
    recording: RecordingFile | None = None
    transferred_to: str = ""  # the number a connected call was handed to (blind transfer)

    @property
    def connected(self) -> bool:
        return self.answered_at is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome, "sip_code": self.sip_code, "ring_s": round(self.ring_s, 2),
            "talk_s": round(self.talk_s, 2),
            "recording": str(self.recording.path) if self.recording is not None else None,
        }


class CallControl:
    """Lets another thread hang the call up; the dialler waits on the same queue as the events."""

    def __init__(self) -> None:
        self.events: queue.Queue[EngineEvent] = queue.Queue()

    def hang_up(self) -> None:
        self.events.put(EngineEvent(HANGUP_REQUEST))

    def transfer(self, uri: str, number: str) -> None:
        """Hand the connected call to ``uri`` (``number`` is what the audit shows, masked)."""
        self.events.put(EngineEvent(TRANSFER_REQUEST, peer=uri, reason=number))


def place_call(
    engine: TelephonyEngine, settings: TelephonySettings, uri: str, *, ring_timeout: float,
    hangup_after: float | None = None, play: Path | None = None, control: CallControl | None = None,
    on_event: Callable[[EngineEvent], None] | None = None, recordings_dir: Path | None = None,
    clock: Callable[[], dt.datetime] = system_clock, incoming: bool = False,
) -> CallResult:
    """Dial ``uri`` and follow the call to its end (blocking: run it off the GUI thread).

    With ``incoming`` the call ringing at the seat is answered instead (``uri`` is not used).
    """
    control = control or CallControl()
    unsubscribe = engine.subscribe(control.events.put)
    wall_start, started_at, t0 = time.time(), clock(), time.monotonic()
    answered: float | None = None
    requested: str = ""  # why the console hung up, if it did
    transferred_to = ""
    try:
        try:
            if incoming:
                engine.answer()
            else:
                engine.dial(uri, play=play)
        except EngineError as exc:
            return _result("failed", None, str(exc), t0, None, time.monotonic(), started_at, "network", settings)
        while True:
            if answered is None:
                deadline = t0 + ring_timeout
            else:
                deadline = answered + hangup_after if hangup_after is not None else float("inf")
            wait = max(deadline - time.monotonic(), 0.0) if deadline != float("inf") else 3600.0
            try:
                event = control.events.get(timeout=wait)
            except queue.Empty:
                if deadline == float("inf"):
                    continue
                requested = requested or ("ring_timeout" if answered is None else "console")
                _hang_up_quietly(engine)
                continue
            if event.kind == HANGUP_REQUEST:
                requested = requested or "console"
                _hang_up_quietly(engine)
                continue
            if event.kind == TRANSFER_REQUEST:
                if answered is not None and not requested:
                    try:
                        engine.transfer(event.peer)
                    except EngineError as exc:
                        if on_event is not None:
                            on_event(EngineEvent(TRANSFER_FAILED, reason=str(exc)))
                        continue
                    requested, transferred_to = "transferred", event.reason
                continue
            if event.kind == TRANSFER_FAILED:
                requested, transferred_to = "", ""  # the call goes on with the operator
            if on_event is not None:
                on_event(event)
            if event.kind == RINGING:
                continue
            if event.kind == ESTABLISHED and answered is None:
                answered = event.at
            elif event.kind == CLOSED:
                result = _closed(engine, settings, event, t0, answered, started_at, requested, wall_start,
                                 recordings_dir)
                return replace(result, transferred_to=transferred_to) if transferred_to else result
            elif event.kind == ENGINE_DOWN:
                return _result("answered" if answered is not None else "failed", None, event.reason, t0, answered,
                               event.at, started_at, "engine_lost", settings)
    finally:
        unsubscribe()


def _hang_up_quietly(engine: TelephonyEngine) -> None:
    with contextlib.suppress(EngineError):  # the engine is gone: its ENGINE_DOWN event ends the call
        engine.hang_up()


def _closed(engine: TelephonyEngine, settings: TelephonySettings, event: EngineEvent, t0: float,
            answered: float | None, started_at: dt.datetime, requested: str, wall_start: float,
            recordings_dir: Path | None) -> CallResult:
    if answered is not None:
        recording = None
        if settings.recording and recordings_dir is not None:
            files = engine.collect_recording(wall_start)
            if files is not None:
                recording = merge_recording(files[0], files[1], recordings_dir)
        ended_by = requested or "far_end"
        return _result("answered", None, event.reason, t0, answered, event.at, started_at, ended_by, settings,
                       recording)
    if requested:
        return _result("no_answer", event.sip_code, event.reason, t0, None, event.at, started_at, requested, settings)
    if event.sip_code is None:
        return _result("unreachable", None, event.reason, t0, None, event.at, started_at, "network", settings)
    return _result(settings.outcome_of(event.sip_code), event.sip_code, event.reason, t0, None, event.at, started_at,
                   "far_end", settings)


def _result(outcome: str, sip_code: int | None, reason: str, t0: float, answered: float | None, ended: float,
            started_at: dt.datetime, ended_by: str, settings: TelephonySettings,
            recording: RecordingFile | None = None) -> CallResult:
    ring_end = answered if answered is not None else ended
    talk = ended - answered if answered is not None else 0.0
    answered_at = started_at + dt.timedelta(seconds=answered - t0) if answered is not None else None
    ended_at = started_at + dt.timedelta(seconds=ended - t0)
    disposition = settings.disposition_of(outcome, far_end_hung_up=ended_by == "far_end")
    return CallResult(outcome, sip_code, reason, max(ring_end - t0, 0.0), max(talk, 0.0), started_at, answered_at,
                      ended_at, ended_by, disposition, recording)
