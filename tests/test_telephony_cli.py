"""``dissuade phone check|dial``: the documented JSON, the attempt logged like a GUI call, clear errors."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from console.app.bootstrap import Database
from console.cli import main
from console.services.core.context import SYSTEM
from console.services.security import auth
from console.services.telephony.baresip import free_port
from console.services.telephony.recordings import wav_duration
from db.models import AuditEvent, CallAttempt, CallRecording
from tests.queue_helpers import add_warning
from tests.sip.phones import SippPhone, VictimPhone

KEYS = {"outcome", "sip_code", "ring_s", "talk_s", "recording", "attempt_id"}


def _url(database: Database) -> str:
    return database.engine.url.render_as_string(hide_password=False)


@pytest.fixture
def seat_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    monkeypatch.setenv("DISSUADE_DATA_DIR", str(data))
    monkeypatch.setenv("DISSUADE_SIP_ACCOUNT", f"sip:console@127.0.0.1:{free_port(pair=True)}")
    return data


def test_dial_logs_the_attempt_and_prints_the_contract(seat_env: Path, sqlite_db: Database, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    ctx = sqlite_db.context(SYSTEM)
    auth.add_user(ctx, "op1", "secret-pass", "operator")
    warning_id, _item = add_warning(ctx)
    speech = tmp_path / "hello.wav"
    subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(speech), "synth", "30", "sine", "440"],
                   check=True)
    with VictimPhone(tmp_path / "victim", "13800138000", answer_after=0.5) as victim:
        monkeypatch.setenv("DISSUADE_SIP_DIAL", victim.dial_template())
        monkeypatch.setattr("sys.stdin", io.StringIO("secret-pass\n"))  # op1 logs in for the logged call
        code = main(["phone", "dial", "13800138000", "--warning", str(warning_id), "--operator", "op1",
                     "--password-stdin", "--hangup-after", "2", "--play", str(speech), "--json",
                     "--db", _url(sqlite_db)])
    out = capsys.readouterr().out
    assert code == 0
    document = json.loads(out)
    assert set(document) == KEYS
    assert document["outcome"] == "answered" and document["sip_code"] is None
    assert document["talk_s"] == pytest.approx(2.0, abs=0.5)
    assert wav_duration(Path(document["recording"])) == pytest.approx(document["talk_s"], abs=0.5)
    with ctx.sessions() as session:
        attempt = session.get(CallAttempt, document["attempt_id"])
        assert attempt is not None and attempt.warning_id == warning_id and attempt.connected
        recording = session.execute(select(CallRecording)).scalar_one()
        assert recording.attempt_id == attempt.id
        dial = session.execute(select(AuditEvent).where(AuditEvent.action == "dial")).scalar_one()
        assert dial.login == "op1" and dial.details["number"] == "138****8000"
    assert "13800138000" not in out


def test_dial_busy_without_a_warning(seat_env: Path, sqlite_db: Database, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    with SippPhone(tmp_path / "sipp", "reject", code=486, reason="Busy Here") as far_end:
        monkeypatch.setenv("DISSUADE_SIP_DIAL", far_end.dial_template())
        code = main(["phone", "dial", "13800138000", "--json", "--db", _url(sqlite_db)])
    document = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (document["outcome"], document["sip_code"], document["attempt_id"], document["recording"]) == \
        ("busy", 486, None, None)


def test_check_reports_engine_and_account(seat_env: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DISSUADE_SIP_DIAL", "sip:{number}@127.0.0.1:5090")
    assert main(["phone", "check", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["found"] and document["version"].startswith("1.")
    assert document["running"] and document["registered"] is None  # no registrar: direct calls
    assert document["configured"] and document["account"].startswith("sip:console@127.0.0.1:")


def test_unconfigured_seat_is_told_plainly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DISSUADE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DISSUADE_SIP_ACCOUNT", raising=False)
    monkeypatch.delenv("DISSUADE_SIP_DIAL", raising=False)
    assert main(["phone", "dial", "13800138000", "--json"]) == 2
    captured = capsys.readouterr()
    assert "未配置软电话" in captured.err and "Traceback" not in captured.err
    assert main(["phone", "check", "--json"]) == 0
    assert not json.loads(capsys.readouterr().out)["configured"]


def test_bad_settings_are_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DISSUADE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DISSUADE_SIP_ACCOUNT", "sip:console@127.0.0.1:5080")
    monkeypatch.setenv("DISSUADE_SIP_DIAL", "sip:pbx.example")  # no {number}
    assert main(["phone", "dial", "13800138000"]) == 2
    assert "{number}" in capsys.readouterr().err


def test_a_seat_at_a_pbx_listens_locally_not_on_the_pbx_address() -> None:
    from console.services.telephony.baresip import listen_address
    from console.services.telephony.settings import parse_settings

    pbx = parse_settings({"account": "sip:7001@pbx.centre.example", "registrar": "sip:pbx.centre.example",
                          "dial": "sip:{number}@pbx.centre.example", "password": "s3cret"}, env={})
    assert listen_address(pbx) == ("0.0.0.0", 5060)
    assert "s3cret" not in repr(pbx)  # the password stays out of logs
    assert pbx.dial_uri("138-0013-8000") == "sip:13800138000@pbx.centre.example"
    direct = parse_settings({"account": "sip:console@127.0.0.1:5080", "dial": "sip:{number}@127.0.0.1:5090"}, env={})
    assert listen_address(direct) == ("127.0.0.1", 5080)
    explicit = parse_settings({**pbx.__dict__, "ring_timeout_s": {}, "sip_codes": {}, "dispositions": {},
                               "listen": "10.0.0.5:5062"}, env={})
    assert listen_address(explicit) == ("10.0.0.5", 5062)
