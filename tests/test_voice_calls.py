"""Automated voice warnings against real far ends on loopback: a baresip phone that answers, hears the
message (its recording follows the spoken file) and presses 1; SIPp that never answers or is busy;
quiet hours and the per-person limit keep the lines silent; two lines carry calls at once."""

from __future__ import annotations

import dataclasses
import threading
import time
from pathlib import Path

from sqlalchemy import select

from console.app.bootstrap import Database
from console.services.queue import claims
from console.services.telephony.baresip import free_port
from console.services.telephony.settings import load_telephony_settings
from console.services.voice import campaign as lane
from console.services.voice import templates
from console.services.voice.progress import campaign_progress
from db.models import CallAttempt, CallRecording, QueueItem, VoiceCampaignItem
from tests.conftest import actor_for
from tests.sip.phones import SippPhone, VictimPhone
from tests.voice_helpers import best_correlation, centre_time, envelope, voice_context, warning_for

NUMBER = "13800138000"


def _lines(tmp_path: Path, dial_template: str) -> lane.VoiceLines:
    settings = dataclasses.replace(load_telephony_settings(), account=f"sip:voice@127.0.0.1:{free_port(pair=True)}",
                                   dial=dial_template)
    return lane.VoiceLines(settings, tmp_path / "d")


def test_pressing_1_on_a_real_phone_puts_a_callback_at_the_top_of_the_queue(sqlite_db: Database,
                                                                             tmp_path: Path) -> None:
    ctx = voice_context(sqlite_db, actor_for(sqlite_db, "zb1", "supervisor"), at=centre_time(10))
    red_warning = warning_for(ctx, "13900000001", fraud_type="impersonate_authority",
                              signals=("screen_sharing", "on_call_now"), age=70)
    warning_id = warning_for(ctx, NUMBER, fraud_type="task_rebate", age=70)  # elderly: the slower message
    campaign_id = lane.start_campaign(ctx, levels=("blue", "yellow"))
    assert [row.warning_id for row in campaign_progress(ctx, campaign_id).items] == [warning_id]

    with VictimPhone(tmp_path / "v", NUMBER, answer_after=0.5, record=True, keys=((3.5, "2"), (9.0, "1"))) as victim:
        lines = _lines(tmp_path, victim.dial_template())
        report = lane.run_campaign(ctx, campaign_id, lines)
        heard = victim.heard()
    assert (report.calls, report.stopped_by) == (1, "done")

    with sqlite_db.sessions() as session:
        item = session.execute(select(VoiceCampaignItem)).scalar_one()
        attempt = session.get(CallAttempt, item.call_attempt_id)
        assert attempt is not None
        recording = session.execute(select(CallRecording).where(CallRecording.attempt_id == attempt.id)).scalar()
        callback = session.get(QueueItem, item.callback_item_id)
    assert (item.status, item.last_result, item.replays) == ("done", "pressed_1", 1)
    assert "按1转接反诈民警，按2重听" in item.message_text and item.message_key == "task_rebate/elderly"
    assert attempt.connected and attempt.script_id == "voice:task_rebate/elderly" and attempt.duration_s >= 9
    assert "按1转民警" in attempt.notes and f"播放内容：{item.message_text}" in attempt.notes and recording is not None
    assert callback is not None and (callback.kind, callback.status) == ("voice_callback", "open")

    # the far end heard the message: its recording follows the spoken file's loudness over time (50 ms
    # frames), from the start and again from where key 2 (at 3.5 s) started it over; another fraud
    # type's message for another listener does not match
    message_wav = sorted((tmp_path / "d" / "voice").glob("*.wav"), key=lambda p: p.stat().st_size)[-1]
    sent, received = envelope(message_wav), envelope(heard[-1])
    first, _lag = best_correlation(sent, received, window=60, lags=range(0, 20))
    again, lag = best_correlation(sent, received, window=60, lags=range(60, 100))
    other = templates.message_for(ctx.settings, "impersonate_authority", elderly=False, address="李先生")
    other_wav = templates.message_audio(ctx.settings, other.text, other.audience, tmp_path / "other",
                                        trailing_silence_s=0).path
    unrelated, _lag = best_correlation(envelope(other_wav), received, window=60, lags=range(0, 20))
    assert first > 0.6 and again > 0.6 and 70 <= lag < 90, (first, again, lag)
    assert unrelated < first - 0.2, (unrelated, first)

    # the next free operator gets the callback before the red warning that was waiting
    operator = sqlite_db.context(actor_for(sqlite_db, "op1", "operator"))
    claimed = claims.claim_next(operator)
    assert claimed is not None and (claimed.kind, claimed.warning_id) == ("voice_callback", warning_id)
    assert red_warning != warning_id


def test_no_answer_and_busy_go_on_the_retry_ladder(sqlite_db: Database, tmp_path: Path) -> None:
    ctx = voice_context(sqlite_db, actor_for(sqlite_db, "zb1", "supervisor"), at=centre_time(10), ring_timeout_s=2.0)
    warning_for(ctx, NUMBER)
    campaign_id = lane.start_campaign(ctx)
    with SippPhone(tmp_path / "sipp", "ring_forever") as far_end:
        report = lane.run_campaign(ctx, campaign_id, _lines(tmp_path, far_end.dial_template()))
    assert (report.calls, report.stopped_by) == (1, "idle")
    with sqlite_db.sessions() as session:
        item = session.execute(select(VoiceCampaignItem)).scalar_one()
        attempt = session.get(CallAttempt, item.call_attempt_id)
    assert (item.status, item.last_result, item.attempts) == ("pending", "no_answer", 1)
    assert attempt is not None and (attempt.disposition, attempt.connected) == ("no_answer", False)
    assert item.next_at is not None and 29 * 60 < (item.next_at - ctx.now()).total_seconds() <= 30 * 60
    assert report.next_at == item.next_at

    later = voice_context(sqlite_db, ctx.actor, at=item.next_at)  # half an hour on: the next try, busy
    with SippPhone(tmp_path / "busy", "reject", code=486, reason="Busy Here") as far_end:
        lane.run_campaign(later, campaign_id, _lines(tmp_path, far_end.dial_template()))
    with sqlite_db.sessions() as session:
        item = session.execute(select(VoiceCampaignItem)).scalar_one()
    assert (item.last_result, item.attempts) == ("busy", 2)
    assert item.next_at is not None and 9 * 60 < (item.next_at - later.now()).total_seconds() <= 10 * 60


def test_quiet_hours_and_the_daily_limit_keep_the_phone_silent(sqlite_db: Database, tmp_path: Path) -> None:
    supervisor = actor_for(sqlite_db, "zb1", "supervisor")
    night = voice_context(sqlite_db, supervisor, at=centre_time(22))
    warning_id = warning_for(night, NUMBER)
    campaign_id = lane.start_campaign(night)
    with VictimPhone(tmp_path / "v", NUMBER, answer_after=0.2) as victim:
        report = lane.run_campaign(night, campaign_id, _lines(tmp_path, victim.dial_template()))
        assert (report.calls, report.stopped_by) == (0, "quiet_hours")

        day = voice_context(sqlite_db, supervisor, at=centre_time(11))
        with day.session() as session:  # two automated calls reached this person this morning already
            for index in range(2):
                session.add(CallAttempt(client_uuid=f"00000000-0000-4000-8000-00000000000{index}",
                                        warning_id=warning_id, started_at=centre_time(9, index), connected=True,
                                        disposition="hung_up", script_id="voice:task_rebate/general"))
        report = lane.run_campaign(day, campaign_id, _lines(tmp_path, victim.dial_template()))
        assert not victim.incoming.is_set()
    assert (report.calls, report.stopped_by) == (0, "idle")
    assert report.next_at is not None
    assert day.centre_clock.local(report.next_at).strftime("%m-%d %H:%M") == "12-02 08:00"


def test_two_lines_call_at_once(sqlite_db: Database, tmp_path: Path) -> None:
    ctx = voice_context(sqlite_db, actor_for(sqlite_db, "zb1", "supervisor"), at=centre_time(10), channels=2)
    for index in range(4):
        warning_for(ctx, f"1380013810{index}")
    campaign_id = lane.start_campaign(ctx)
    with SippPhone(tmp_path / "sipp", "answer_hangup", calls=4, pause_ms=3000) as far_end:
        started = time.monotonic()
        report = lane.run_campaign(ctx, campaign_id, _lines(tmp_path, far_end.dial_template()))
        elapsed = time.monotonic() - started
    progress = campaign_progress(ctx, campaign_id)
    assert (report.calls, progress.results["listened"], progress.finished) == (4, 4, 4)
    single_line = sum(row.listened_s for row in progress.items)
    assert elapsed < single_line  # two at a time: faster than one after the other
    print(f"voice lane: {4 / elapsed * 60:.1f} calls per minute on 2 lines (3 s calls), {elapsed:.1f} s")


def test_stop_hangs_up_the_call_in_progress(sqlite_db: Database, tmp_path: Path) -> None:
    ctx = voice_context(sqlite_db, actor_for(sqlite_db, "zb1", "supervisor"), at=centre_time(10), channels=1)
    warning_for(ctx, NUMBER)
    warning_for(ctx, "13800138001")  # never dialled: the campaign is stopped before
    campaign_id = lane.start_campaign(ctx)
    reports: list[lane.RunReport] = []
    with VictimPhone(tmp_path / "v", NUMBER, answer_after=0.2) as victim:
        lines = _lines(tmp_path, victim.dial_template())
        made: list[object] = []

        def line(index: int) -> object:
            made.append(lines._baresip_line(index))
            return made[-1]
        lines.factory = line  # type: ignore[assignment]
        worker = threading.Thread(target=lambda: reports.append(lane.run_campaign(ctx, campaign_id, lines)))
        worker.start()
        assert victim.established.wait(20)
        lane.set_campaign_status(ctx, campaign_id, "stopped")
        worker.join(20)
    assert not worker.is_alive() and reports[0].stopped_by == "stopped" and reports[0].calls == 1
    progress = campaign_progress(ctx, campaign_id)
    listened = [row.listened_s for row in progress.items if row.attempts]
    assert len(listened) == 1 and listened[0] < 10  # the message is about 30 s long: the call was cut short
    assert progress.statuses["pending"] == 1 and progress.status == "stopped"
    assert made and all(engine.pid is None for engine in made)  # type: ignore[attr-defined]  # no baresip left
