"""Seat presence and the release of a silent seat's claims, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from sqlalchemy import select

from console.app.bootstrap import Database
from console.services.calls.drafts import load_drafts, new_draft, save_draft
from console.services.core.errors import ServiceError
from console.services.core.settings import default_settings
from console.services.core.supervision_settings import parse_supervision_settings
from console.services.queue import claims as queue
from console.services.queue import presence
from db.models import AuditEvent, QueueItem
from tests.board_helpers import NOW, add_item, centre


def test_a_silent_seat_gives_its_claims_back_after_the_setting(database: Database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    clock, boss, ops = centre(database, "op1", "op2")
    after = boss.settings.supervision.release_claims_after_seconds
    (w1, i1), (_w2, i2) = add_item(boss), add_item(boss, level="orange")
    assert queue.claim_next(ops["op1"]) is not None and queue.claim_next(ops["op2"]) is not None
    presence.beat(ops["op1"], "on_call", i1)
    presence.beat(ops["op2"], "ready", i2)
    draft = new_draft("op1", w1, i1, NOW)
    save_draft(draft, root=tmp_path)
    clock.advance(seconds=after - 1)
    presence.beat(ops["op2"], "ready", i2)  # op2's console keeps beating, op1's went quiet
    queue.renew_lease(ops["op1"], i1)
    queue.renew_lease(ops["op2"], i2)
    assert presence.release_stale_claims(boss) == []
    seats = presence.presence(boss)
    assert seats["op1"].state == "offline" and seats["op2"].item_id == i2  # 离线 already, claims kept
    clock.advance(seconds=2)
    assert presence.release_stale_claims(ops["op2"]) == [i1]  # any seat's heartbeat does the housekeeping
    assert presence.release_stale_claims(boss) == []  # once
    with database.sessions() as session:
        first, second = session.get(QueueItem, i1), session.get(QueueItem, i2)
        audit = session.execute(select(AuditEvent).where(AuditEvent.action == "release")).scalars().all()
    assert first is not None and first.status == "open" and first.claimed_by is None
    assert second is not None and second.status == "claimed"
    assert [(a.details["from"], a.object_id) for a in audit] == [("op1", str(i1))]
    assert load_drafts("op1", root=tmp_path)[0].client_uuid == draft.client_uuid
    presence.beat(ops["op1"], "ready", None)  # op1 is back: present again, his item is in the queue for anyone
    assert presence.presence(boss)["op1"].present


def test_sign_off_is_offline_at_once_and_releases_after_the_setting(database: Database) -> None:
    clock, boss, ops = centre(database, "op1")
    _w, item = add_item(boss)
    assert queue.claim_next(ops["op1"]) is not None
    presence.beat(ops["op1"], "ready", item)
    presence.sign_off(ops["op1"])
    assert presence.presence(boss)["op1"].state == "offline" and not presence.is_present(boss, "op1")
    with pytest.raises(presence.AbsentOperator):
        presence.reassign_checked(boss, item, "op1", "交接")
    presence.reassign_checked(boss, item, "op1", "交接", absent_ok=True)
    clock.advance(seconds=boss.settings.supervision.release_claims_after_seconds + 1)
    assert presence.release_stale_claims(boss) == [item]


def test_supervision_settings_are_checked() -> None:
    settings = default_settings().supervision
    assert (settings.heartbeat_seconds, settings.offline_after_seconds, settings.release_claims_after_seconds) == (15, 60, 180)
    assert [item.label for item in settings.rubric] == ["开场表明身份", "核实本人", "识别诈骗类型", "回应异议",
                                                        "关键动作落实", "语气态度", "记录完整"]
    with pytest.raises(ServiceError, match="offline_after_seconds"):
        parse_supervision_settings({"heartbeat_seconds": 40, "offline_after_seconds": 60})
    with pytest.raises(ServiceError, match="points"):
        parse_supervision_settings({"rubric": [{"key": "a", "label": "开场", "points": 0}]})
    custom = parse_supervision_settings({"rubric": [{"key": "a", "label": "开场", "points": 5}]})
    assert custom.max_score == 5 and replace(custom, rubric=()).max_score == 0
    assert dt.timedelta(seconds=60) == settings.offline_after


def test_every_writer_of_the_seat_row_follows_the_same_rules(database: Database) -> None:
    """A state change from the workstation, the periodic heartbeat, a bare heartbeat and a sign-off all
    write one row by the same rules: what the board shows, since when, and when the claims go back."""
    from console.services.telephony import agents

    clock, boss, ops = centre(database, "op1")
    op1 = ops["op1"]
    _w, item = add_item(boss)
    assert queue.claim_next(op1) is not None
    agents.set_agent_state(op1, "on_call", item_id=item)  # the workstation: state and item in one write
    seat = presence.presence(boss)["op1"]
    assert (seat.state, seat.item_id, seat.since) == ("on_call", item, NOW)
    clock.advance(minutes=2)
    agents.heartbeat(op1)  # a bare heartbeat keeps the state, the item and the time it started
    presence.beat(op1, "on_call", item)
    seat = presence.presence(boss)["op1"]
    assert (seat.state, seat.item_id, seat.since) == ("on_call", item, NOW)
    agents.set_agent_state(op1, "wrap_up")  # a writer that does not know the item leaves it
    assert presence.presence(boss)["op1"].item_id == item
    with pytest.raises(ServiceError, match="原因"):
        presence.beat(op1, "paused", None, " ")  # a pause needs a reason whoever writes it
    presence.beat(op1, "paused", None, "用餐")
    assert presence.presence(boss)["op1"].reason == "用餐"

    signed_off = clock.current
    presence.sign_off(op1)
    clock.advance(seconds=30)
    agents.set_agent_state(op1, "offline")  # a second sign-off does not restart the release clock
    agents.heartbeat(op1)  # nor does a bare heartbeat bring a signed-off seat back
    seat = presence.presence(boss)["op1"]
    assert (seat.state, seat.since, seat.item_id, seat.reason) == ("offline", signed_off, None, "")
    clock.advance(seconds=boss.settings.supervision.release_claims_after_seconds - 30 + 1)
    assert presence.release_stale_claims(boss) == [item]

    presence.beat(op1, "ready", None)  # back at the seat: present again, 就绪 from now
    seat = presence.presence(boss)["op1"]
    assert (seat.state, seat.since) == ("ready", clock.current)
