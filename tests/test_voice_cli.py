"""``dissuade voice campaign``: the documented JSON after real calls on loopback, red refused with a
clear message, and pause / resume / stop from the command line shared through the database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from console.app.bootstrap import Database
from console.cli import main
from console.services.core.context import SYSTEM
from console.services.telephony.baresip import free_port
from db.models import CallAttempt, VoiceCampaign
from tests.cli_helpers import login_as
from tests.conftest import actor_for
from tests.queue_helpers import add_warning
from tests.sip.phones import SippPhone

KEYS = {"campaign_id", "status", "levels", "channels", "total", "finished", "statuses", "results", "stopped_by",
        "calls", "next_at"}


@pytest.fixture
def lane_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    # no quiet hours and short waits, whatever the time of day the test runs at
    (data / "voice.yaml").write_text('quiet_start: "00:00"\nquiet_end: "00:00"\nwait_for_key_s: 1\n', encoding="utf-8")
    monkeypatch.setenv("DISSUADE_DATA_DIR", str(data))
    monkeypatch.setenv("DISSUADE_SIP_ACCOUNT", f"sip:voice@127.0.0.1:{free_port(pair=True)}")
    return data


def _url(database: Database) -> str:
    return database.engine.url.render_as_string(hide_password=False)


def test_campaign_run_prints_the_contract(lane_env: Path, sqlite_db: Database, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    actor_for(sqlite_db, "zb1", "supervisor")
    for _ in range(3):
        add_warning(sqlite_db.context(SYSTEM))
    with SippPhone(tmp_path / "sipp", "answer_hangup", calls=2, pause_ms=2000) as far_end:
        monkeypatch.setenv("DISSUADE_SIP_DIAL", far_end.dial_template())
        code = main(["voice", "campaign", "run", "--levels", "blue,yellow", "--limit", "2", "--json",
                     *login_as(monkeypatch, "zb1"), "--db", _url(sqlite_db)])
    out = capsys.readouterr().out
    assert code == 0, out
    document = json.loads(out)
    assert set(document) == KEYS
    assert (document["total"], document["finished"], document["calls"]) == (2, 2, 2)
    assert document["results"]["listened"] == 2 and document["stopped_by"] == "done"
    assert document["status"] == "finished" and document["levels"] == ["blue", "yellow"]
    with sqlite_db.sessions() as session:
        attempts = session.execute(select(CallAttempt).where(CallAttempt.script_id.startswith("voice:"))).scalars()
        assert sorted(a.connected for a in attempts) == [True, True]

    assert main(["voice", "campaign", "status", "--json", *login_as(monkeypatch, "zb1"),
                 "--db", _url(sqlite_db)]) == 0
    assert json.loads(capsys.readouterr().out)["results"]["listened"] == 2


def test_red_is_refused_and_pause_is_shared(lane_env: Path, sqlite_db: Database, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    actor_for(sqlite_db, "zb1", "supervisor")
    add_warning(sqlite_db.context(SYSTEM))
    monkeypatch.setenv("DISSUADE_SIP_DIAL", "sip:{number}@127.0.0.1:9")
    code = main(["voice", "campaign", "run", "--levels", "red,blue", *login_as(monkeypatch, "zb1"),
                 "--db", _url(sqlite_db)])
    err = capsys.readouterr().err
    assert code == 1 and "红色预警不能只由自动语音提示处理" in err and "Traceback" not in err
    with sqlite_db.sessions() as session:
        assert session.execute(select(func.count()).select_from(VoiceCampaign)).scalar_one() == 0

    from console.services.voice import campaign as lane

    campaign_id = lane.start_campaign(sqlite_db.context(SYSTEM))
    assert main(["voice", "campaign", "pause", *login_as(monkeypatch, "zb1"), "--db", _url(sqlite_db)]) == 0
    assert "已暂停" in capsys.readouterr().out
    # a paused campaign is not dialled: the run returns at once, nothing is called
    code = main(["voice", "campaign", "run", "--campaign", str(campaign_id), "--json",
                 *login_as(monkeypatch, "zb1"), "--db", _url(sqlite_db)])
    document = json.loads(capsys.readouterr().out)
    assert code == 0 and (document["stopped_by"], document["calls"], document["status"]) == ("paused", 0, "paused")
    assert main(["voice", "campaign", "stop", *login_as(monkeypatch, "zb1"), "--db", _url(sqlite_db)]) == 0
    with sqlite_db.sessions() as session:
        assert session.get(VoiceCampaign, campaign_id).status == "stopped"  # type: ignore[union-attr]


def test_an_operator_may_not_run_the_lane(lane_env: Path, sqlite_db: Database, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    actor_for(sqlite_db, "op1", "operator")
    monkeypatch.setenv("DISSUADE_SIP_DIAL", "sip:{number}@127.0.0.1:9")
    code = main(["voice", "campaign", "run", *login_as(monkeypatch, "op1"), "--db", _url(sqlite_db)])
    assert code == 1 and "无权" in capsys.readouterr().err


def test_without_a_soft_phone_nothing_is_started(lane_env: Path, sqlite_db: Database, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    actor_for(sqlite_db, "zb1", "supervisor")
    add_warning(sqlite_db.context(SYSTEM))
    monkeypatch.delenv("DISSUADE_SIP_DIAL", raising=False)
    monkeypatch.delenv("DISSUADE_SIP_ACCOUNT", raising=False)
    code = main(["voice", "campaign", "run", *login_as(monkeypatch, "zb1"), "--db", _url(sqlite_db)])
    err = capsys.readouterr().err
    assert code == 1 and "未配置软电话" in err and "Traceback" not in err
    with sqlite_db.sessions() as session:
        assert session.execute(select(func.count()).select_from(VoiceCampaign)).scalar_one() == 0
