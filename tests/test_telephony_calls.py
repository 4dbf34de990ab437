"""Calls through the seat's own baresip against real far ends on loopback (a second baresip, SIPp):
the outcome is detected from signalling, talk time and recording match, the attempt and the audit
entry are written, and an engine that dies mid-call is noticed and restarted."""

from __future__ import annotations

import os
import queue
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from console.app.bootstrap import Database
from console.services.calls.log import plan_next_step
from console.services.core.context import SYSTEM, ServiceContext
from console.services.core.settings import default_settings
from console.services.telephony.baresip import BaresipEngine, free_port
from console.services.telephony.calls import log_dialled_call, record_dial
from console.services.telephony.dialer import CallResult, place_call
from console.services.telephony.engine import ENGINE_DOWN, ENGINE_UP, ESTABLISHED, EngineEvent
from console.services.telephony.recordings import wav_duration
from console.services.telephony.settings import TelephonySettings, load_telephony_settings
from db.models import AuditEvent, CallAttempt, CallRecording
from tests.queue_helpers import add_warning
from tests.sip.phones import SippPhone, VictimPhone

NUMBER = "13800138000"


class Seat:
    """The console side: settings from the environment overrides, its own engine in ``root``."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root = root
        self.monkeypatch = monkeypatch
        self.engine: BaresipEngine | None = None
        monkeypatch.setenv("DISSUADE_SIP_ACCOUNT", f"sip:console@127.0.0.1:{free_port(pair=True)}")

    def connect(self, dial_template: str) -> tuple[BaresipEngine, TelephonySettings]:
        self.monkeypatch.setenv("DISSUADE_SIP_DIAL", dial_template)
        settings = load_telephony_settings()
        self.engine = BaresipEngine(settings, self.root / "sip")
        self.engine.start()
        return self.engine, settings

    def call(self, dial_template: str, number: str = NUMBER, **options: object) -> CallResult:
        engine, settings = self.connect(dial_template)
        options.setdefault("ring_timeout", 10.0)
        return place_call(engine, settings, settings.dial_uri(number), recordings_dir=self.root / "recordings",
                          **options)  # type: ignore[arg-type]

    def close(self) -> None:
        if self.engine is not None:
            self.engine.stop()


@pytest.fixture
def seat(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Seat]:
    phone_seat = Seat(tmp_path, monkeypatch)
    yield phone_seat
    phone_seat.close()


def _log(db: Database, result: CallResult, operator: str = "op1") -> tuple[int, int, int | None]:
    """Log the call on a fresh warning as the CLI does; returns (warning id, attempt id, recording id)."""
    from console.services.security import auth

    ctx = db.context(SYSTEM)
    user = auth.add_user(ctx, operator, "secret-pass", "operator")
    op_ctx = db.context(user.actor("seat-1"))
    warning_id, _item = add_warning(ctx)
    call_uuid = "0f2d6a1e-0000-4000-8000-00000000000" + str(len(operator))
    recording_id = record_dial(op_ctx, result, NUMBER, call_uuid=call_uuid, warning_id=warning_id)
    logged = log_dialled_call(op_ctx, warning_id, NUMBER, result, call_uuid=call_uuid)
    return warning_id, logged.call_id, recording_id


def _audit_dial(ctx: ServiceContext, warning_id: int) -> AuditEvent:
    with ctx.sessions() as session:
        return session.execute(select(AuditEvent).where(AuditEvent.action == "dial",
                                                        AuditEvent.object_id == str(warning_id))).scalar_one()


def test_answered_then_far_end_hangs_up(seat: Seat, sqlite_db: Database, tmp_path: Path) -> None:
    with VictimPhone(tmp_path / "victim", NUMBER, answer_after=1.0, hangup_after=2.0) as victim:
        result = seat.call(victim.dial_template())
    assert result.outcome == "answered" and result.ended_by == "far_end"
    assert 1.0 <= result.ring_s < 2.5  # the phone answers one second after it starts ringing, plus call set-up
    assert result.talk_s == pytest.approx(2.0, abs=0.5)
    assert result.disposition == "hung_up"  # pre-selected: the person hung up
    assert result.recording is not None
    path = result.recording.path
    assert wav_duration(path) == pytest.approx(result.talk_s, abs=0.5)
    assert path.stat().st_mode & 0o777 == 0o600 and path.parent.stat().st_mode & 0o777 == 0o700
    assert not list((tmp_path / "sip" / "rec").glob("*.wav"))  # the two spool files were merged away

    warning_id, attempt_id, recording_id = _log(sqlite_db, result)
    ctx = sqlite_db.context(SYSTEM)
    with ctx.sessions() as session:
        attempt = session.get(CallAttempt, attempt_id)
        assert attempt is not None and attempt.connected and attempt.disposition == "hung_up"
        assert abs(attempt.duration_s - result.talk_s) <= 1
        recording = session.get(CallRecording, recording_id)
        assert recording is not None and recording.attempt_id == attempt_id and recording.warning_id == warning_id
    event = _audit_dial(ctx, warning_id)
    assert event.details["outcome"] == "answered" and event.details["number"] == "138****8000"
    assert NUMBER not in str(event.details)


def test_answered_and_the_console_hangs_up(seat: Seat, tmp_path: Path) -> None:
    with VictimPhone(tmp_path / "victim", NUMBER, answer_after=0.5) as victim:
        result = seat.call(victim.dial_template(), hangup_after=1.5)
    assert result.outcome == "answered" and result.ended_by == "console"
    assert result.talk_s == pytest.approx(1.5, abs=0.5)
    assert result.disposition == ""  # the operator chooses how the conversation went
    assert result.recording is not None
    assert result.recording.duration_s == pytest.approx(result.talk_s, abs=0.5)


def test_hang_up_from_another_thread(seat: Seat, tmp_path: Path) -> None:
    from console.services.telephony.dialer import CallControl

    control = CallControl()
    answered = threading.Event()

    def on_event(event: EngineEvent) -> None:
        if event.kind == ESTABLISHED:
            answered.set()
            threading.Timer(1.0, control.hang_up).start()

    with VictimPhone(tmp_path / "victim", NUMBER, answer_after=0.5) as victim:
        result = seat.call(victim.dial_template(), control=control, on_event=on_event)
    assert answered.is_set() and result.ended_by == "console"
    assert result.talk_s == pytest.approx(1.0, abs=0.5)


@pytest.mark.parametrize(("code", "reason", "outcome", "disposition"), [
    (486, "Busy Here", "busy", "busy"),
    (603, "Decline", "declined", "hung_up"),
])
def test_rejected_calls(seat: Seat, sqlite_db: Database, tmp_path: Path, code: int, reason: str, outcome: str,
                        disposition: str) -> None:
    with SippPhone(tmp_path / "sipp", "reject", code=code, reason=reason) as far_end:
        result = seat.call(far_end.dial_template())
    assert (result.outcome, result.sip_code, result.disposition) == (outcome, code, disposition)
    assert result.talk_s == 0 and result.recording is None
    assert 1.0 <= result.ring_s < 2.5  # the scenario rings for one second
    warning_id, attempt_id, _rec = _log(sqlite_db, result)
    with sqlite_db.context(SYSTEM).sessions() as session:
        attempt = session.get(CallAttempt, attempt_id)
        assert attempt is not None and not attempt.connected and attempt.disposition == disposition
    assert _audit_dial(sqlite_db.context(SYSTEM), warning_id).details["sip_code"] == code


def test_busy_on_red_suggests_escalation_from_the_real_signal(seat: Seat, tmp_path: Path) -> None:
    with SippPhone(tmp_path / "sipp", "reject", code=486, reason="Busy Here") as far_end:
        result = seat.call(far_end.dial_template())
    step = plan_next_step(default_settings(), None, result.disposition, 0, "red")
    assert step.suggest_escalation and "正在与骗子通话" in step.escalation_reason


def test_invalid_number(seat: Seat, tmp_path: Path) -> None:
    with VictimPhone(tmp_path / "victim", NUMBER) as victim:  # the far end knows only 13800138000
        result = seat.call(victim.dial_template(), number="13900000000")
    assert (result.outcome, result.sip_code, result.disposition) == ("invalid_number", 404, "invalid_number")
    assert not victim.incoming.is_set()


def test_never_answered_rings_out(seat: Seat, tmp_path: Path) -> None:
    with SippPhone(tmp_path / "sipp", "ring_forever") as far_end:
        result = seat.call(far_end.dial_template(), ring_timeout=2.0)
    assert (result.outcome, result.ended_by, result.disposition) == ("no_answer", "ring_timeout", "no_answer")
    assert 2.0 <= result.ring_s < 3.0 and result.talk_s == 0


def test_engine_crash_mid_call_is_noticed_and_the_engine_restarts(seat: Seat, tmp_path: Path) -> None:
    events: queue.Queue[str] = queue.Queue()
    with VictimPhone(tmp_path / "victim", NUMBER, answer_after=0.5) as victim:
        engine, settings = seat.connect(victim.dial_template())
        engine.subscribe(lambda event: events.put(event.kind))
        first_pid = engine.pid
        assert first_pid is not None

        def on_event(event: EngineEvent) -> None:
            if event.kind == ESTABLISHED:
                os.kill(first_pid, signal.SIGKILL)

        result = place_call(engine, settings, settings.dial_uri(NUMBER), ring_timeout=10.0, on_event=on_event)
        assert result.ended_by == "engine_lost" and result.outcome == "answered"
        assert "意外退出" in result.reason
        kinds = []
        while ENGINE_UP not in kinds:
            kinds.append(events.get(timeout=15))
        assert ENGINE_DOWN in kinds
        assert engine.pid is not None and engine.pid != first_pid
        victim.hangup_after = 0.5
        again = place_call(engine, settings, settings.dial_uri(NUMBER), ring_timeout=10.0)
    assert again.outcome == "answered"  # the restarted engine places calls again


def test_no_telephony_configured_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISSUADE_SIP_ACCOUNT", raising=False)
    monkeypatch.delenv("DISSUADE_SIP_DIAL", raising=False)
    settings = load_telephony_settings()
    assert not settings.configured and "座机" in settings.status_text


def test_blind_transfer_to_the_station_duty_phone(seat: Seat, tmp_path: Path) -> None:
    from console.services.telephony.dialer import CallControl

    control = CallControl()
    with VictimPhone(tmp_path / "station", "110", answer_after=0.5) as station, \
            VictimPhone(tmp_path / "victim", NUMBER, answer_after=0.5) as victim:
        station_uri = f"sip:110@127.0.0.1:{station.port}"

        def on_event(event: EngineEvent) -> None:
            if event.kind == ESTABLISHED:
                control.transfer(station_uri, "110")

        result = seat.call(victim.dial_template(), control=control, on_event=on_event)
        assert station.established.wait(10)  # the person now talks to the station's duty phone
    assert (result.outcome, result.ended_by, result.transferred_to) == ("answered", "transferred", "110")
    assert result.disposition == ""
