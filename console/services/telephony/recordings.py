"""Call recordings: one stereo WAV per connected call, private files, audited playback.

baresip's ``sndfile`` module writes what the seat sent (``-enc``) and what it received (``-dec``) as
two mono files; :func:`merge_recording` interleaves them into one file (left: the operator, right:
the person), written 0600 under a 0700 folder, and deletes the two spool files.  The row in
``call_recordings`` is keyed on the call's ``client_uuid`` and linked to the attempt when it is
saved.  :func:`open_recording` is the only way to get a recording's path back: it checks the role
and writes the audit entry first.  :class:`RecordingFiles` is what a retention run clears beyond the
recordings of the warnings it erases: recordings of no warning past the period, files of purged rows
still on disk, files no row refers to and spool files left behind by a merge that never happened.
"""

from __future__ import annotations

import array
import datetime as dt
import os
import sys
import time
import uuid
import wave
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, aliased

from console.services.core import audit
from console.services.core.context import NotFound, ServiceContext, ServiceError, allowed
from db.models import CallAttempt, CallRecording, Warning

PLAY_PERMISSIONS = ("review.cases", "audit.view", "pii.reveal.all")
RECORDINGS_FOLDER = "recordings"  # under the data directory of the seat that placed the call
SPOOL_PATTERNS = ("sip/rec/dump-*.wav", "vl*/rec/dump-*.wav")  # the engines' working folders (baresip sndfile)
IN_USE_S = 3600.0  # a file written this recently may belong to a call or a save still under way


@dataclass(frozen=True)
class RecordingFile:
    path: Path
    duration_s: float
    sample_rate: int


def _read_mono(path: Path) -> tuple[array.array[int], int]:
    with wave.open(str(path), "rb") as source:
        if source.getsampwidth() != 2:
            raise ServiceError("录音格式不受支持（应为 16 位）")
        rate = source.getframerate()
        raw = source.readframes(source.getnframes())
        channels = source.getnchannels()
    samples = array.array("h")
    samples.frombytes(raw)
    if sys.byteorder == "big":
        samples.byteswap()
    return (samples[::channels] if channels > 1 else samples), rate


def wav_duration(path: Path) -> float:
    with wave.open(str(path), "rb") as source:
        return source.getnframes() / float(source.getframerate())


def merge_recording(sent: Path, received: Path, folder: Path, *, keep_sources: bool = False) -> RecordingFile:
    """Both directions of one call as one stereo WAV under ``folder``/YYYY-MM (0600)."""
    left, rate = _read_mono(sent)
    right, other_rate = _read_mono(received)
    if rate != other_rate:
        raise ServiceError("录音两个方向的采样率不一致")
    frames = max(len(left), len(right))
    left.extend([0] * (frames - len(left)))
    right.extend([0] * (frames - len(right)))
    stereo = array.array("h", [0]) * (2 * frames)
    stereo[0::2] = left
    stereo[1::2] = right
    if sys.byteorder == "big":
        stereo.byteswap()
    month = folder / dt.datetime.now(dt.UTC).strftime("%Y-%m")
    for directory in (folder, month):
        directory.mkdir(parents=True, exist_ok=True)
        directory.chmod(0o700)
    target = month / f"{uuid.uuid4().hex}.wav"
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle, wave.open(handle, "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(stereo.tobytes())
    if not keep_sources:
        for source in (sent, received):
            source.unlink(missing_ok=True)
    return RecordingFile(target, frames / float(rate), rate)


def register_recording(session: Session, ctx: ServiceContext, call_uuid: str, recording: RecordingFile, *,
                       warning_id: int | None) -> int:
    """The recording's row, linked to the attempt already saved under ``call_uuid`` if there is one."""
    attempt_id = session.execute(
        select(CallAttempt.id).where(CallAttempt.client_uuid == call_uuid)).scalar_one_or_none()
    row = CallRecording(call_uuid=call_uuid, attempt_id=attempt_id, warning_id=warning_id,
                        operator_id=ctx.actor.user_id, path=str(recording.path),
                        duration_s=round(recording.duration_s, 3), sample_rate=recording.sample_rate)
    session.add(row)
    session.flush()
    return row.id


def save_recording(ctx: ServiceContext, call_uuid: str, recording: RecordingFile, *, warning_id: int | None) -> int:
    with ctx.session() as session:
        return register_recording(session, ctx, call_uuid, recording, warning_id=warning_id)


def link_recordings(session: Session, call_uuid: str, attempt_id: int) -> None:
    """Called by the call log in its transaction: the call's recordings now point at its attempt."""
    session.execute(update(CallRecording).where(CallRecording.call_uuid == call_uuid,
                                                CallRecording.attempt_id.is_(None)).values(attempt_id=attempt_id))


@dataclass(frozen=True)
class RecordingInfo:
    id: int
    attempt_id: int | None
    warning_id: int | None
    duration_s: float
    created_at: dt.datetime
    available: bool


def recordings_of_warning(ctx: ServiceContext, warning_id: int) -> list[RecordingInfo]:
    ctx.require("warning.view")
    with ctx.sessions() as session:
        rows = session.execute(select(CallRecording).where(CallRecording.warning_id == warning_id)
                               .order_by(CallRecording.created_at)).scalars()
        return [RecordingInfo(r.id, r.attempt_id, r.warning_id, r.duration_s, r.created_at,
                              r.purged_at is None and Path(r.path).exists()) for r in rows]


def open_recording(ctx: ServiceContext, recording_id: int, reason: str) -> Path:
    """The file of a recording for playback: only for roles that may, and audited before it is handed out."""
    if not any(allowed(ctx.actor, permission) for permission in PLAY_PERMISSIONS):
        ctx.require(PLAY_PERMISSIONS[0])
    if not reason.strip():
        raise ServiceError("请填写播放录音的原因")
    with ctx.session() as session:
        row = session.get(CallRecording, recording_id)
        if row is None or row.purged_at is not None:
            raise NotFound("该录音不存在或已按保存期限清理")
        path = Path(row.path)
        if not path.exists():
            raise NotFound("录音文件已丢失，请联系管理员")
        audit.record(session, ctx.actor, "recording_play", object_type="call_recording", object_id=row.id,
                     reason=reason.strip(), details={"attempt_id": row.attempt_id, "warning_id": row.warning_id},
                     at=ctx.now())
        return path



def open_attempt_recording(ctx: ServiceContext, attempt_id: int, reason: str) -> Path:
    """The recording of one call attempt for playback (audited like :func:`open_recording`)."""
    with ctx.sessions() as session:
        recording_id = session.execute(
            select(CallRecording.id).where(CallRecording.attempt_id == attempt_id, CallRecording.purged_at.is_(None))
            .order_by(CallRecording.id.desc()).limit(1)).scalar_one_or_none()
    if recording_id is None:
        raise NotFound("这次通话没有录音")
    return open_recording(ctx, recording_id, reason)


def idle_file(path: Path, in_use_s: float = IN_USE_S) -> bool:
    """True when ``path`` has not been written (or, for cached speech, used) for ``in_use_s`` seconds."""
    try:
        return time.time() - path.stat().st_mtime > in_use_s
    except OSError:
        return False


class RecordingFiles:
    """Call audio of this seat's data directory that a retention run deletes (see the module docstring)."""

    kind = "recordings"
    label = "无主或过期的录音文件"

    def __init__(self, data_root: Path) -> None:
        self.data_root = data_root

    def expired_files(self, session: Session, cutoff: dt.datetime, now: dt.datetime) -> list[Path]:
        out: list[Path] = []
        via_attempt = aliased(Warning)
        linked = aliased(Warning)
        expired = (
            select(CallRecording)
            .outerjoin(linked, linked.id == CallRecording.warning_id)
            .outerjoin(CallAttempt, CallAttempt.id == CallRecording.attempt_id)
            .outerjoin(via_attempt, via_attempt.id == CallAttempt.warning_id)
            .where(CallRecording.purged_at.is_(None), or_(
                linked.erased_at.is_not(None),  # saved after its warning was erased
                and_(CallRecording.warning_id.is_(None), via_attempt.erased_at.is_not(None)),
                and_(CallRecording.warning_id.is_(None), CallRecording.attempt_id.is_(None),
                     CallRecording.created_at < cutoff),  # a dial or a call of no warning, past the period
            ))
        )
        for row in session.execute(expired).scalars():
            row.purged_at = now
            out.append(Path(row.path))
        session.flush()
        known: set[Path] = set()
        for path_text, purged_at in session.execute(select(CallRecording.path, CallRecording.purged_at)):
            path = Path(path_text)
            known.add(path.resolve())
            if purged_at is not None and path.exists():
                out.append(path)  # the row was purged, the file survived (a deletion that failed)
        folder = self.data_root / RECORDINGS_FOLDER
        if folder.is_dir():
            out += [path for path in sorted(folder.rglob("*.wav"))
                    if path.resolve() not in known and idle_file(path)]
        for pattern in SPOOL_PATTERNS:
            out += [path for path in sorted(self.data_root.glob(pattern)) if idle_file(path)]
        return out
