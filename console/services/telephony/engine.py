"""The seam between the console and whatever places its calls.

:class:`TelephonyEngine` is what the dialler needs from a SIP engine: start and stop, dial a URI,
hang up, answer, report its state, and deliver :class:`EngineEvent` objects to subscribers.  The
baresip engine (:mod:`console.services.telephony.baresip`) is the one shipped; an Asterisk AMI or
FreeSWITCH ESL engine would implement the same protocol and translate its events into these kinds.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

# Event kinds, whatever the engine calls them.
RINGING = "ringing"
ESTABLISHED = "established"
CLOSED = "closed"
INCOMING = "incoming"
DTMF = "dtmf"
TRANSFER_FAILED = "transfer_failed"
REGISTERED = "registered"
REGISTER_FAILED = "register_failed"
ENGINE_DOWN = "engine_down"
ENGINE_UP = "engine_up"

_SIP_STATUS = re.compile(r"^\s*([1-6]\d\d)\b\s*(.*)$")


class EngineError(Exception):
    """The engine cannot be started or does not answer; the message is fit for the operator."""


@dataclass(frozen=True)
class EngineEvent:
    kind: str
    at: float = field(default_factory=time.monotonic)  # monotonic seconds when the console received it
    call_id: str = ""
    peer: str = ""
    direction: str = ""
    sip_code: int | None = None
    reason: str = ""


@dataclass(frozen=True)
class EngineStatus:
    engine: str
    found: bool
    version: str
    running: bool
    registered: bool | None  # None: no registrar configured (direct calls)
    account: str
    audio_source: str
    audio_player: str
    message: str = ""


def parse_status(param: str) -> tuple[int | None, str]:
    """'486 Busy Here' -> (486, 'Busy Here'); 'Connection reset by peer' -> (None, that text)."""
    match = _SIP_STATUS.match(param or "")
    if match is None:
        return None, (param or "").strip()
    return int(match.group(1)), match.group(2).strip()


Listener = Callable[[EngineEvent], None]


class TelephonyEngine(Protocol):
    """What the dialler and the workstation need from a SIP engine."""

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def status(self) -> EngineStatus: ...

    def subscribe(self, listener: Listener) -> Callable[[], None]: ...

    def dial(self, uri: str, *, play: Path | None = None) -> None: ...

    def hang_up(self) -> None: ...

    def play(self, path: Path) -> None:
        """Play ``path`` into the connected call from its start, instead of what was playing."""
        ...

    def answer(self) -> None: ...

    def transfer(self, uri: str) -> None:
        """Blind transfer of the connected call (SIP REFER); the call closes once the far end moved."""
        ...

    def collect_recording(self, since: float) -> tuple[Path, Path] | None:
        """The (console side, far side) audio files of the call that ended, or None."""
        ...
