"""Recordings: both directions in one private stereo file, playback only for roles that may and
always audited, and removed with the rest of a case when its retention period ends."""

from __future__ import annotations

import datetime as dt
import subprocess
import wave
from pathlib import Path

import pytest
from sqlalchemy import select

from console.app.bootstrap import Database
from console.services.core.context import PermissionDenied, ServiceContext, ServiceError
from console.services.people import retention
from console.services.telephony.recordings import merge_recording, open_recording, save_recording
from db.models import AuditEvent, CallRecording
from tests.security_data import NOW, add_call, add_person_and_warning, fixed_clock


def _tone(path: Path, seconds: float, frequency: int) -> Path:
    subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(path), "synth", str(seconds), "sine",
                    str(frequency)], check=True)
    return path


def test_merge_puts_each_direction_on_its_own_channel(tmp_path: Path) -> None:
    sent, received = _tone(tmp_path / "enc.wav", 2.0, 440), _tone(tmp_path / "dec.wav", 1.5, 880)
    recording = merge_recording(sent, received, tmp_path / "recordings")
    assert recording.duration_s == pytest.approx(2.0, abs=0.01)
    with wave.open(str(recording.path), "rb") as merged:
        assert (merged.getnchannels(), merged.getframerate(), merged.getnframes()) == (2, 8000, 16000)
    stats = subprocess.run(["sox", str(recording.path), "-n", "remix", "2", "stat"], capture_output=True,
                           text=True, check=True).stderr
    assert "Length (seconds):      2.0" in stats  # the shorter side is padded with silence
    assert recording.path.stat().st_mode & 0o777 == 0o600
    assert not sent.exists() and not received.exists()


def _recorded_case(database: Database, tmp_path: Path, **warning: object) -> tuple[int, int, Path]:
    _person, warning_id = add_person_and_warning(database, **warning)  # type: ignore[arg-type]
    add_call(database, warning_id, "6b1f7c9e-1111-4222-8333-444455556666")
    recording = merge_recording(_tone(tmp_path / "enc.wav", 1.0, 440), _tone(tmp_path / "dec.wav", 1.0, 660),
                                tmp_path / "recordings")
    ctx = ServiceContext(database.sessions, clock=fixed_clock())
    recording_id = save_recording(ctx, "6b1f7c9e-1111-4222-8333-444455556666", recording, warning_id=warning_id)
    return warning_id, recording_id, recording.path


def test_playback_is_for_reviewers_and_audited(database: Database, make_actor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    warning_id, recording_id, path = _recorded_case(database, tmp_path)
    with database.sessions() as session:
        row = session.get(CallRecording, recording_id)
        assert row is not None and row.attempt_id is not None  # linked to the attempt saved under that call
    operator = ServiceContext(database.sessions, make_actor("op1"), fixed_clock())
    with pytest.raises(PermissionDenied):
        open_recording(operator, recording_id, "想听听")
    trainer = ServiceContext(database.sessions, make_actor("tr1", "trainer"), fixed_clock())
    with pytest.raises(ServiceError, match="原因"):
        open_recording(trainer, recording_id, " ")
    assert open_recording(trainer, recording_id, "复盘失败案例") == path
    with database.sessions() as session:
        event = session.execute(select(AuditEvent).where(AuditEvent.action == "recording_play")).scalar_one()
    assert (event.login, event.reason, event.details["warning_id"]) == ("tr1", "复盘失败案例", warning_id)


def test_retention_removes_recordings_of_expired_cases(database: Database, make_actor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _warning_id, recording_id, path = _recorded_case(database, tmp_path, status="closed",
                                                     closed_at=NOW - dt.timedelta(days=200))
    admin = ServiceContext(database.sessions, make_actor("root1", "admin"), fixed_clock())
    assert retention.apply_retention(admin, older_than_days=180, dry_run=True).recordings_deleted == 1
    assert path.exists()  # a dry run changes nothing
    report = retention.apply_retention(admin, older_than_days=180)
    assert report.recordings_deleted == 1 and not path.exists()
    trainer = ServiceContext(database.sessions, make_actor("tr1", "trainer"), fixed_clock())
    with pytest.raises(ServiceError, match="清理"):
        open_recording(trainer, recording_id, "复盘")


@pytest.mark.gui
def test_case_review_plays_the_recording_and_audits_it(qtbot, sqlite_db: Database, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtCore import Qt

    from console.services.core.context import SYSTEM
    from console.services.security import auth
    from console.ui.tasks import SyncTaskRunner
    from console.ui.training import TrainingWindow
    from tests.test_training_service import seed_production

    refused, _victimized, _ok = seed_production(sqlite_db)
    recording = merge_recording(_tone(tmp_path / "enc.wav", 1.0, 440), _tone(tmp_path / "dec.wav", 1.0, 660),
                                tmp_path / "recordings")
    with sqlite_db.sessions() as session, session.begin():
        session.add(CallRecording(call_uuid="x", attempt_id=refused, path=str(recording.path), duration_s=1.0))
    opened: list[str] = []
    monkeypatch.setattr("console.ui.training.case_review.QDesktopServices.openUrl",
                        lambda url: opened.append(url.toLocalFile()) or True)
    auth.add_user(sqlite_db.context(SYSTEM), "laozhang", "secret-pass", "trainer")
    actor = auth.authenticate(sqlite_db.context(), "laozhang", "secret-pass", "seat-9")
    window = TrainingWindow(sqlite_db, actor, SyncTaskRunner())
    qtbot.addWidget(window)
    cases = window.case_review
    assert cases is not None
    rows = [r for r in range(cases.model.rowCount()) if cases.model.item(r).call_attempt_id == refused]
    cases.table.setCurrentIndex(cases.model.index(rows[0], 0))
    qtbot.mouseClick(cases.play_button, Qt.MouseButton.LeftButton)
    assert opened == [str(recording.path)] and "审计" in cases.status.text()
    other = next(r for r in range(cases.model.rowCount()) if r != rows[0])
    cases.table.setCurrentIndex(cases.model.index(other, 0))
    qtbot.mouseClick(cases.play_button, Qt.MouseButton.LeftButton)
    assert "没有录音" in cases.status.text() and len(opened) == 1
    with sqlite_db.sessions() as session:
        assert session.execute(select(AuditEvent).where(AuditEvent.action == "recording_play")).scalar_one()
