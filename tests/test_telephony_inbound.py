"""A person calls the seat back: the caller is matched across persons, other numbers and relatives
before answering, and the answered call is followed and recorded like an outbound one."""

from __future__ import annotations

import queue
from pathlib import Path

import pytest
from sqlalchemy import update

from console.app.bootstrap import Database
from console.services.core.context import SYSTEM
from console.services.telephony.baresip import BaresipEngine, free_port
from console.services.telephony.dialer import place_call
from console.services.telephony.engine import INCOMING, EngineEvent
from console.services.telephony.inbound import caller_number, match_caller
from console.services.telephony.settings import TelephonySettings
from db.models import Person
from tests.queue_helpers import add_warning
from tests.sip.phones import VictimPhone


def test_caller_number_from_the_peer_uri() -> None:
    assert caller_number("sip:13800138000@127.0.0.1:5090") == "13800138000"
    assert caller_number("<sip:+8613800138000@pbx.example;user=phone>") == "13800138000"
    assert caller_number("sip:anonymous@anonymous.invalid") == ""


def test_match_by_own_other_and_relative_numbers(database: Database) -> None:
    ctx = database.context(SYSTEM)
    own, _ = add_warning(ctx, name="孙丽")
    other, _ = add_warning(ctx, name="周强")
    with ctx.session() as session:
        session.execute(update(Person).where(Person.name == "孙丽").values(phone="13911112222"))
        session.execute(update(Person).where(Person.name == "周强").values(
            other_phones=["13700001111"], relative_name="周母", relative_phone="13911112222"))
    found = {(m.warning_id, m.relation) for m in match_caller(ctx, "13911112222")}
    assert found == {(own, "本人"), (other, "亲属")}
    [match] = match_caller(ctx, "13700001111")
    assert (match.warning_id, match.relation) == (other, "本人其他号码")
    assert match.name_masked != "周强" and "1111" not in match.phone_masked[3:7]
    assert match_caller(ctx, "13000000000") == []


def test_inbound_call_is_matched_answered_and_recorded(sqlite_db: Database, tmp_path: Path) -> None:
    ctx = sqlite_db.context(SYSTEM)
    warning_id, _ = add_warning(ctx, name="钱芳")
    with ctx.session() as session:
        session.execute(update(Person).where(Person.name == "钱芳").values(phone="13812345678"))
    seat_port = free_port(pair=True)
    settings = TelephonySettings(account=f"sip:console@127.0.0.1:{seat_port}", dial="sip:{number}@127.0.0.1")
    seat = BaresipEngine(settings, tmp_path / "seat")
    events: queue.Queue[EngineEvent] = queue.Queue()
    seat.subscribe(events.put)
    seat.start()
    try:
        with VictimPhone(tmp_path / "caller", "13812345678", answer_after=None, hangup_after=1.5) as caller:
            caller.engine.dial(f"sip:console@127.0.0.1:{seat_port}")
            event = events.get(timeout=10)
            while event.kind != INCOMING:
                event = events.get(timeout=10)
            [match] = match_caller(ctx, caller_number(event.peer))
            assert match.warning_id == warning_id and match.relation == "本人"
            result = place_call(seat, settings, "", incoming=True, ring_timeout=10.0,
                                recordings_dir=tmp_path / "recordings")
    finally:
        seat.stop()
    assert result.outcome == "answered" and result.ended_by == "far_end"
    assert result.talk_s == pytest.approx(1.5, abs=0.5)
    assert result.recording is not None and result.recording.duration_s == pytest.approx(result.talk_s, abs=0.5)
