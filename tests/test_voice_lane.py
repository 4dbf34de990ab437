"""The automated lane without calls: settings, messages per fraud type and audience, the line-ready
audio, and which warnings a campaign takes (both database backends)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import wave
from pathlib import Path

import pytest
from sqlalchemy import select, update

from console.app.bootstrap import Database
from console.services.core.context import SYSTEM, PermissionDenied, ServiceError
from console.services.core.settings import default_settings, parse_voice_settings
from console.services.messaging.speech_text import hanzi_count
from console.services.telephony.settings import TelephonySettings
from console.services.voice import campaign as lane
from console.services.voice import templates
from console.services.voice.progress import campaign_progress
from db.models import AuditEvent, VoiceCampaignItem
from tests.conftest import actor_for
from tests.queue_helpers import add_warning

RED_SIGNALS = ("screen_sharing", "on_call_now")


def test_voice_settings_defaults_and_bad_values() -> None:
    voice = parse_voice_settings({})
    assert voice.levels == ("blue", "yellow") and voice.channels == 2 and voice.max_calls_per_person_per_day == 2
    assert voice.retry_minutes["busy"] == 10 and voice.retry_minutes["no_answer"] == 30 and voice.max_attempts == 3
    assert voice.quiet_at(dt.time(22, 0)) and voice.quiet_at(dt.time(7, 59)) and not voice.quiet_at(dt.time(8, 0))
    assert not voice.quiet_at(dt.time(20, 59))
    assert default_settings().voice.quiet_start == dt.time(21, 0)  # the shipped voice.yaml
    with pytest.raises(ServiceError, match="红色、橙色预警必须由民警人工劝阻"):
        parse_voice_settings({"levels": ["blue", "red"]})
    with pytest.raises(ServiceError, match="quiet_start"):
        parse_voice_settings({"quiet_start": "25:00"})
    assert parse_voice_settings({"quiet_start": 1260}).quiet_start == dt.time(21, 0)  # YAML's unquoted 21:00


def test_the_message_depends_on_fraud_type_and_audience() -> None:
    settings = dataclasses.replace(default_settings(), centre=dataclasses.replace(default_settings().centre,
                                                                                   unit_name="青山县公安局反诈中心"))
    general = templates.message_for(settings, "fake_loan", elderly=False, address="李先生")
    elderly = templates.message_for(settings, "fake_loan", elderly=True, address="王阿姨")
    assert general.key == "fake_loan/general" and elderly.key == "fake_loan/elderly"
    assert general.text.startswith("李先生，您好，这里是青山县公安局反诈中心") and "虚假网络贷款" in general.text
    assert elderly.text.startswith("王阿姨，您好。我是青山县公安局反诈中心的民警")
    for message in (general, elderly):
        assert message.text.endswith("按1转接反诈民警，按2重听。") and "http" not in message.text
    assert templates.message_for(settings, "no_such_type", elderly=False).key == "other/general"
    assert templates.address_form("王秀英", "F", True, "general") == "王阿姨"
    assert templates.address_form("", "F", True, "general") == "您"


def test_templates_refuse_links_and_unknown_placeholders() -> None:
    base = {"frames": {a: {"opening": "您好", "closing": "再见"} for a in ("general", "elderly")},
            "tips": {"other": {"general": "注意", "elderly": "注意"}}, "prompt": "按1", "confirm": "好"}
    assert templates.parse_templates(base).prompt == "按1"
    with pytest.raises(ServiceError, match="链接"):
        templates.parse_templates({**base, "confirm": "详见 www.example.cn"})
    with pytest.raises(ServiceError, match="占位符"):
        templates.parse_templates({**base, "prompt": "{amount}"})


def test_the_elderly_message_is_slower_and_line_ready(tmp_path: Path) -> None:
    settings = default_settings()
    spoken = {}
    for elderly in (False, True):
        message = templates.message_for(settings, "impersonate_authority", elderly=elderly, address="王阿姨")
        audio = templates.message_audio(settings, message.text, message.audience, tmp_path, trailing_silence_s=2.0)
        with wave.open(str(audio.path), "rb") as wav:
            assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (8000, 1, 2)
            assert wav.getnframes() / 8000 == pytest.approx(audio.speech_s + 2.0, abs=0.01)
        spoken[elderly] = audio.speech_s / hanzi_count(message.text) * 100  # seconds per 100 hanzi
    assert spoken[True] > spoken[False] * 1.15
    again = templates.message_audio(settings, message.text, message.audience, tmp_path, trailing_silence_s=2.0)
    assert again.path == audio.path and len(list(tmp_path.glob("*.wav"))) == 2  # cached, no leftovers


def test_a_campaign_takes_blue_and_yellow_only(database: Database) -> None:
    system = database.context(SYSTEM)
    blue, _ = add_warning(system, fraud_type="fake_shopping")
    yellow, _ = add_warning(system, fraud_type="task_rebate", signals=("loan_applied", "visited_fraud_site"))
    red, _ = add_warning(system, fraud_type="impersonate_authority", signals=RED_SIGNALS, age=70)
    ctx = database.context(actor_for(database, "zb1", "supervisor"))
    with pytest.raises(ServiceError, match="红色预警不能只由自动语音提示处理"):
        lane.start_campaign(ctx, levels=("red",))
    with pytest.raises(ServiceError, match="橙色预警"):
        lane.start_campaign(ctx, levels=("orange", "blue"))
    first = lane.start_campaign(ctx, limit=1)
    second = lane.start_campaign(ctx)
    taken = {row.warning_id: row.level for row in campaign_progress(ctx, first).items}
    rest = {row.warning_id: row.level for row in campaign_progress(ctx, second).items}
    assert len(taken) == 1 and not taken.keys() & rest.keys()  # a warning is in one live campaign only
    assert taken.keys() | rest.keys() == {blue, yellow} and red not in rest
    assert set(taken.values()) | set(rest.values()) == {"blue", "yellow"}
    only_loans = lane.start_campaign(ctx, fraud_types=("fake_loan",))
    assert campaign_progress(ctx, only_loans).total == 0
    operator = database.context(actor_for(database, "op1", "operator"))
    with pytest.raises(PermissionDenied):
        lane.start_campaign(operator)


def test_pause_resume_stop_are_audited_and_a_stale_call_is_recovered(sqlite_db: Database) -> None:
    ctx = sqlite_db.context(actor_for(sqlite_db, "zb1", "supervisor"))
    add_warning(sqlite_db.context(SYSTEM))
    campaign_id = lane.start_campaign(ctx)
    with ctx.session() as session:  # a loop died an hour ago in the middle of a call
        session.execute(update(VoiceCampaignItem).values(status="calling", updated_at=ctx.now() - dt.timedelta(hours=1)))
    lane.set_campaign_status(ctx, campaign_id, "paused")
    report = lane.run_campaign(ctx, campaign_id, lane.VoiceLines(TelephonySettings(
        account="sip:voice@127.0.0.1:5999", dial="sip:{number}@127.0.0.1:9"), Path("/nonexistent")))
    assert (report.stopped_by, report.calls) == ("paused", 0)  # a paused campaign starts no engine
    lane.set_campaign_status(ctx, campaign_id, "running")
    lane._recover_stale(ctx, campaign_id)
    assert campaign_progress(ctx, campaign_id).statuses["pending"] == 1
    lane.set_campaign_status(ctx, campaign_id, "paused")
    assert campaign_progress(ctx, campaign_id).status_label == "已暂停"
    lane.set_campaign_status(ctx, campaign_id, "running")
    lane.set_campaign_status(ctx, campaign_id, "stopped")
    with pytest.raises(ServiceError, match="已结束"):
        lane.set_campaign_status(ctx, campaign_id, "running")
    assert not campaign_progress(ctx, campaign_id).live
    with sqlite_db.sessions() as session:
        actions = list(session.execute(select(AuditEvent.action).where(AuditEvent.object_type == "voice_campaign")
                                       .order_by(AuditEvent.id)).scalars())
    assert actions == ["voice_campaign_start", *["voice_campaign_paused", "voice_campaign_running"] * 2,
                       "voice_campaign_stopped"]


def test_retention_blanks_the_played_text(sqlite_db: Database) -> None:
    from console.services.core.context import ServiceContext
    from console.services.people import retention
    from db.models import VoiceCampaign
    from tests.security_data import NOW, add_person_and_warning, fixed_clock

    person_id, warning_id = add_person_and_warning(sqlite_db, status="closed", closed_at=NOW - dt.timedelta(days=200),
                                                   outcome="dissuaded")
    with sqlite_db.context(SYSTEM).session() as session:
        campaign = VoiceCampaign(status="finished", levels=["blue"], fraud_types=[], channels=1)
        session.add(campaign)
        session.flush()
        session.add(VoiceCampaignItem(campaign_id=campaign.id, warning_id=warning_id, person_id=person_id,
                                      status="done", last_result="listened", message_text="王阿姨，您好。"))
    admin = actor_for(sqlite_db, "root1", "admin")
    retention.apply_retention(ServiceContext(sqlite_db.sessions, admin, fixed_clock()), older_than_days=180)
    with sqlite_db.sessions() as session:
        item = session.execute(select(VoiceCampaignItem)).scalar_one()
    assert (item.message_text, item.last_result) == ("", "listened")


def test_a_person_with_two_warnings_gets_one_call_at_a_time(sqlite_db: Database) -> None:
    from console.services.voice.campaign import _Due, _take_due
    from db.models import Person, Warning

    ctx = sqlite_db.context(actor_for(sqlite_db, "zb1", "supervisor"))
    first, _ = add_warning(sqlite_db.context(SYSTEM))
    second, _ = add_warning(sqlite_db.context(SYSTEM))
    with ctx.session() as session:  # the second warning is about the same person
        one, two = session.get(Warning, first), session.get(Warning, second)
        assert one is not None and two is not None
        orphan = two.person_id
        two.person_id = one.person_id
        session.flush()
        session.delete(session.get(Person, orphan))
    campaign_id = lane.start_campaign(ctx)
    taken = _take_due(ctx, campaign_id)
    assert isinstance(taken, _Due) and taken.warning_id == first
    blocked = _take_due(ctx, campaign_id)
    assert isinstance(blocked, dt.datetime)  # not now: try again in a minute, the campaign is not finished
