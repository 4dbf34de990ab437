"""One automated voice-warning call: dial, play the message, listen for keys, and write the outcome.

:func:`play_warning` runs the call through the telephony dialler with the message as the call's
audio source.  The message WAV ends in a few seconds of silence; when it ends, the engine ends the
call (baresip's ``aufile`` source closes the call at the end of the file).  Key 2 plays the message
again from its start (up to ``max_replays`` times), key 1 plays the confirmation, after which the
call ends.  :func:`record_outcome` writes the call as every call is written: the audited dial with
its recording (:func:`console.services.telephony.calls.record_dial`), a ``call_attempts`` row with
disposition, duration and the recording linked, and, for key 1, a ``voice_callback`` queue item put
at the top of the operator queue.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from console.services.core.context import ServiceContext, system_clock
from console.services.core.vocabulary import (
    LIVE_ITEM_STATUSES,
    VOICE_RESULT_LABELS,
    QueueItemKind,
    QueueItemStatus,
    VoiceResult,
)
from console.services.queue.claims import bump_queue_version
from console.services.telephony.calls import record_dial
from console.services.telephony.dialer import CallControl, CallResult, place_call
from console.services.telephony.engine import DTMF, EngineError, EngineEvent, TelephonyEngine
from console.services.telephony.recordings import link_recordings
from console.services.telephony.settings import TelephonySettings
from db.models import CallAttempt, QueueItem, Warning

SCRIPT_PREFIX = "voice:"  # call_attempts.script_id of an automated call: "voice:<fraud type>/<audience>"
CALLBACK_LEVEL = "red"  # a callback is claimed with the reds: the person is waiting for the promised call
CALLBACK_PRIORITY = 100
OUTCOME_RESULTS = {
    "busy": VoiceResult.BUSY, "declined": VoiceResult.BUSY, "no_answer": VoiceResult.NO_ANSWER,
    "unreachable": VoiceResult.UNREACHABLE, "invalid_number": VoiceResult.UNREACHABLE, "failed": VoiceResult.FAILED,
}


@dataclass
class AutomatedCall:
    result: CallResult
    pressed: str = ""  # "1" when the person asked for an officer
    replays: int = 0
    keys: list[str] = field(default_factory=list)

    @property
    def voice_result(self) -> VoiceResult:
        if self.result.connected:
            return VoiceResult.PRESSED_1 if self.pressed == "1" else VoiceResult.LISTENED
        return OUTCOME_RESULTS.get(self.result.outcome, VoiceResult.FAILED)

    @property
    def listened_s(self) -> float:
        return round(self.result.talk_s, 1) if self.result.connected else 0.0


def play_warning(engine: TelephonyEngine, settings: TelephonySettings, uri: str, message: Path, confirm: Path, *,
                 ring_timeout: float, max_talk_s: float, max_replays: int, recordings_dir: Path | None,
                 control: CallControl | None = None, clock: Callable[[], dt.datetime] = system_clock
                 ) -> AutomatedCall:
    """Place one automated call and follow it to its end (blocking: run it off the GUI thread)."""
    lock = threading.Lock()
    call = AutomatedCall(result=None)  # type: ignore[arg-type]  # filled in below

    def on_event(event: EngineEvent) -> None:  # the dialler's thread: engine commands are safe here
        if event.kind != DTMF:
            return
        key = event.reason.strip()[:1]
        with lock:
            call.keys.append(key)
            if call.pressed:
                return
            if key == "1":
                call.pressed = "1"
                source = confirm
            elif key == "2" and call.replays < max_replays:
                call.replays += 1
                source = message
            else:
                return
        try:
            engine.play(source)
        except EngineError:
            return  # the call is ending anyway; its outcome comes with the close event

    call.result = place_call(engine, settings, uri, ring_timeout=ring_timeout, hangup_after=max_talk_s,
                             play=message, control=control, on_event=on_event, recordings_dir=recordings_dir,
                             clock=clock)
    return call


def automated_calls_today(session: Session, ctx: ServiceContext, person_id: int) -> int:
    """Automated calls to this person since the start of today, centre time."""
    clock = ctx.centre_clock
    start = clock.at(clock.today(ctx.now()))
    query = (select(func.count()).select_from(CallAttempt).join(Warning, Warning.id == CallAttempt.warning_id)
             .where(Warning.person_id == person_id, CallAttempt.script_id.startswith(SCRIPT_PREFIX),
                    CallAttempt.started_at >= start))
    return int(session.execute(query).scalar_one())


def _callback_item(session: Session, warning: Warning, now: dt.datetime) -> QueueItem:
    """A voice_callback item ahead of every live item: the highest priority, the earliest deadline."""
    top_priority, first_deadline = session.execute(
        select(func.max(QueueItem.priority), func.min(QueueItem.deadline_at))
        .where(QueueItem.status.in_(LIVE_ITEM_STATUSES), QueueItem.risk_level == CALLBACK_LEVEL)).one()
    deadline = now if first_deadline is None else min(now, first_deadline - dt.timedelta(seconds=1))
    item = QueueItem(kind=QueueItemKind.VOICE_CALLBACK, warning_id=warning.id, status=QueueItemStatus.OPEN,
                     priority=max(CALLBACK_PRIORITY, int(top_priority or 0) + 1), risk_level=CALLBACK_LEVEL,
                     deadline_at=deadline, created_at=now)
    session.add(item)
    session.flush()
    return item


@dataclass(frozen=True)
class RecordedCall:
    attempt_id: int
    callback_item_id: int | None
    recording_id: int | None


def record_outcome(ctx: ServiceContext, warning_id: int, number: str, call: AutomatedCall, *, call_uuid: str,
                   message_key: str, played: str) -> RecordedCall:
    """The audited dial, the call attempt (and recording) and, after key 1, the callback item."""
    result = call.result
    recording_id = record_dial(ctx, result, number, call_uuid=call_uuid, warning_id=warning_id)
    label = VOICE_RESULT_LABELS[call.voice_result]
    notes = f"自动语音提示（{message_key}）：{label}"
    if result.connected:
        notes += f"，收听 {call.listened_s:.0f} 秒" + (f"，重听 {call.replays} 次" if call.replays else "")
        notes += f"。播放内容：{played}"
    disposition = result.disposition or ("hung_up" if result.connected else "no_answer")
    now = ctx.now()
    with ctx.session() as session:
        warning = session.get(Warning, warning_id, with_for_update=True)
        if warning is None:
            raise LookupError(warning_id)
        duration = int(result.talk_s) if result.connected else 0
        attempt = CallAttempt(
            client_uuid=call_uuid, warning_id=warning.id, operator_id=ctx.actor.user_id, dialled_number=number,
            started_at=result.answered_at or result.started_at, ended_at=result.ended_at, connected=result.connected,
            duration_s=duration, disposition=disposition, script_id=f"{SCRIPT_PREFIX}{message_key}",
            key_actions=[], notes=notes,
        )
        session.add(attempt)
        session.flush()
        link_recordings(session, call_uuid, attempt.id)
        warning.attempts = (warning.attempts or 0) + 1
        if result.connected and warning.first_contact_at is None:
            warning.first_contact_at = attempt.started_at
        callback_id = None
        if call.voice_result == VoiceResult.PRESSED_1:
            callback_id = _callback_item(session, warning, now).id
            bump_queue_version(session)
        return RecordedCall(attempt.id, callback_id, recording_id)
