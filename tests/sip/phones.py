"""Scripted far ends for telephony tests, all on 127.0.0.1: a second baresip that answers after N
seconds, may hang up after M or press keys
(DTMF) during the call and may record what it hears, and SIPp answering with a fixed status or never answering."""

from __future__ import annotations

import contextlib
import subprocess
import threading
from pathlib import Path

from console.services.telephony.baresip import BaresipEngine, free_port
from console.services.telephony.engine import ESTABLISHED, INCOMING, EngineError, EngineEvent
from console.services.telephony.settings import TelephonySettings

SCENARIOS = Path(__file__).with_name("scenarios")


class VictimPhone:
    """A real SIP phone (baresip) for one number: answers after ``answer_after`` seconds."""

    def __init__(self, workdir: Path, number: str, *, answer_after: float | None = 1.0,
                 hangup_after: float | None = None, source: Path | None = None, record: bool = False,
                 keys: tuple[tuple[float, str], ...] = ()) -> None:
        self.port = free_port(pair=True)
        self.number = number
        settings = TelephonySettings(account=f"sip:{number}@127.0.0.1:{self.port}", dial="sip:{number}@127.0.0.1",
                                     recording=record, audio_source=f"aufile,{source}" if source else "")
        self.keys = keys  # (seconds after answering, key) pairs, pressed on every call
        self.engine = BaresipEngine(settings, workdir)
        self.answer_after = answer_after
        self.hangup_after = hangup_after
        self.incoming = threading.Event()
        self.established = threading.Event()
        self._timers: list[threading.Timer] = []
        self.engine.subscribe(self._on_event)

    def _later(self, seconds: float, action: object) -> None:
        timer = threading.Timer(seconds, action)  # type: ignore[arg-type]
        timer.daemon = True
        self._timers.append(timer)
        timer.start()

    def _on_event(self, event: EngineEvent) -> None:
        if event.kind == INCOMING:
            self.incoming.set()
            if self.answer_after is not None:
                self._later(self.answer_after, self.engine.answer)
        elif event.kind == ESTABLISHED:
            self.established.set()
            if self.hangup_after is not None:
                self._later(self.hangup_after, self.engine.hang_up)
            for seconds, key in self.keys:
                self._later(seconds, lambda key=key: self._press(key))

    def _press(self, key: str) -> None:
        with contextlib.suppress(EngineError):  # the call may have ended first
            self.engine.send_dtmf(key)

    def heard(self) -> list[Path]:
        """What this phone received on each call (the decoded far-end audio), oldest first."""
        return sorted(self.engine.spool.glob("dump-*-dec.wav"))

    def dial_template(self) -> str:
        return f"sip:{{number}}@127.0.0.1:{self.port}"

    def __enter__(self) -> VictimPhone:
        self.engine.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for timer in self._timers:
            timer.cancel()
        self.engine.stop()


class SippPhone:
    """SIPp on a loopback port running one scenario ``calls`` times (``reject`` with a code, ``ring_forever``,
    or ``answer_hangup``: answers any number and hangs up after ``pause_ms``)."""

    def __init__(self, workdir: Path, scenario: str, *, code: int = 486, reason: str = "Busy Here",
                 calls: int = 1, pause_ms: int = 3000) -> None:
        self.port = free_port(pair=True)
        text = (SCENARIOS / f"{scenario}.xml").read_text(encoding="utf-8")
        self.scenario = workdir / f"{scenario}.xml"
        workdir.mkdir(parents=True, exist_ok=True)
        self.scenario.write_text(text.replace("@CODE@", str(code)).replace("@REASON@", reason)
                                 .replace("@PAUSE@", str(pause_ms)), encoding="utf-8")
        self.calls = calls
        self.process: subprocess.Popen[bytes] | None = None

    def dial_template(self) -> str:
        return f"sip:{{number}}@127.0.0.1:{self.port}"

    def __enter__(self) -> SippPhone:
        self.process = subprocess.Popen(  # noqa: S603
            ["sipp", "-sf", str(self.scenario), "-i", "127.0.0.1", "-p", str(self.port), "-m", str(self.calls), "-nostdin",
             "-timeout", "120s"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=self.scenario.parent)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
            self.process.wait(timeout=10)
