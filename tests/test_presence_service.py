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
