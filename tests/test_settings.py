"""The settings object: shipped files overridden key by key by the centre's, read once at start-up."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest

from console.app.bootstrap import open_database
from console.cli import main
from console.services.core.context import ServiceError
from console.services.core.paths import RESOURCES
from console.services.core.settings import (
    AudienceSpeech,
    CentreSettings,
    SecurityPolicy,
    TtsSettings,
    load_settings,
    read_settings_file,
)
from console.services.core.triage_settings import parse_triage_settings


def test_the_shipped_files_are_the_defaults(tmp_path: Path) -> None:
    settings = load_settings(tmp_path)  # an empty user data directory
    assert settings.triage == parse_triage_settings(read_settings_file(RESOURCES / "triage.yaml"))
    assert settings.security == SecurityPolicy(idle_lock_minutes=10, max_failed_logins=5, lockout_minutes=15,
                                               min_password_length=8)
    assert settings.tts == TtsSettings(voice="cmn-latn-pinyin", engine="espeak-ng", command="",
                                       general=AudienceSpeech(220, 150), elderly=AudienceSpeech(175, 400),
                                       centre_name="公安局反诈中心", timeout_s=60.0)
    assert settings.retention.older_than_days == 180
    assert settings.centre == CentreSettings(unit_name="", time_zone="Asia/Shanghai", seat_name="")
    assert settings.escalation.ack_window("red") == dt.timedelta(minutes=10)


def test_a_centre_file_overrides_single_keys(tmp_path: Path) -> None:
    (tmp_path / "escalation.yaml").write_text("refused_days: [2, 5]\n", encoding="utf-8")
    (tmp_path / "workstation.yaml").write_text("dial_command: 'tel:{number}'\n", encoding="utf-8")
    (tmp_path / "centre.yaml").write_text("unit_name: 某县公安局反诈中心\nseat_name: 1号席\n", encoding="utf-8")
    settings = load_settings(tmp_path)
    assert settings.escalation.refused_days == (2, 5)
    assert settings.escalation.follow_up_days("red", "fake_investment") == (1, 3, 7, 30, 90)  # still shipped
    assert settings.workstation.dial_command == "tel:{number}" and settings.workstation.lease_renew_seconds == 60
    assert (settings.centre.unit_name, settings.centre.seat_name, settings.centre.time_zone) == (
        "某县公安局反诈中心", "1号席", "Asia/Shanghai")


def test_a_broken_security_override_never_locks_anyone_out(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "security.yaml").write_text("max_failed_logins: none\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        settings = load_settings(tmp_path)
    assert settings.security == SecurityPolicy()
    assert "max_failed_logins" in caplog.text


def test_a_broken_centre_file_stops_the_start_with_a_clear_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "triage.yaml").write_text("signal_cap: [many]\n", encoding="utf-8")
    with pytest.raises(ServiceError, match="分级参数"):
        load_settings(tmp_path)
    monkeypatch.setenv("DISSUADE_DATA_DIR", str(tmp_path))
    assert main(["queue", "list", "--db", f"sqlite:///{tmp_path / 'x.sqlite3'}"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("错误：分级参数") and "Traceback" not in err


def test_settings_are_read_once_when_the_database_opens(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISSUADE_DATA_DIR", str(tmp_path))
    (tmp_path / "retention.yaml").write_text("older_than_days: 30\n", encoding="utf-8")
    database = open_database(f"sqlite:///{tmp_path / 'console.sqlite3'}")
    try:
        (tmp_path / "retention.yaml").write_text("older_than_days: 90\n", encoding="utf-8")
        ctx = database.context()
        assert ctx.settings is database.settings  # one object for every context of this start
        assert ctx.settings.retention.older_than_days == 30  # a change applies after a restart
    finally:
        database.dispose()
