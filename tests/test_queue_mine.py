"""“我的处理中” as a service: what one operator holds and what is assigned to them, on both backends;
reopening one of them, keeping set-aside claims alive, and nobody else getting them this way."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import update

from console.app.bootstrap import Database
from console.services.core.context import SYSTEM, ConflictError
from console.services.queue import claims, mine
from db.models import QueueItem, Warning
from tests.queue_helpers import add_warning


def test_my_items_lists_held_then_assigned_and_reopens_them(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    system = database.context(SYSTEM)
    _w1, first = add_warning(system, name="李秀英", amount=Decimal("50000"), signals=("screen_sharing",))
    w2, second = add_warning(system, name="王建国")
    assert first is not None and second is not None
    op = database.context(make_actor("op-a"))
    other = database.context(make_actor("op-b"))
    held = claims.claim_next(op)
    assert held is not None and held.item_id == first
    with database.context().session() as s:  # a callback the operator promised: due to them
        s.execute(update(QueueItem).where(QueueItem.id == second).values(assigned_to=op.actor.user_id))

    items = mine.my_items(op)
    assert [(e.item_id, e.status) for e in items] == [(first, "claimed"), (second, "open")]
    assert "*" in items[0].name_masked  # masked as everywhere in the queue
    assert mine.my_items(other) == []

    with pytest.raises(ConflictError):
        mine.take_held_item(other, second)  # not theirs
    with pytest.raises(ConflictError):
        mine.take_held_item(other, first)
    taken = mine.take_held_item(op, second)
    assert taken.item_id == second and taken.status == "claimed" and taken.claimed_by == "op-a"
    with database.context().session() as s:
        assert s.get(Warning, w2).status == "in_progress"

    assert mine.renew_held(op, [first, second]) == []
    claims.release(op, first, "退回队列")
    assert mine.renew_held(op, [first, second]) == [first]  # the lost one is named
    assert [e.item_id for e in mine.my_items(op)] == [second]


def test_reopening_a_lapsed_claim_and_taking_it_by_name_are_one_rule(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    """我的处理中 and a search take an item through the same claim: an own claim whose lease ran out
    (nobody took it meanwhile) is held again, the other seats are told once, and the lease moves on."""
    import datetime as dt
    from dataclasses import replace

    from console.services.core.settings import default_settings
    from tests.queue_helpers import T0, FakeClock

    clock = FakeClock(T0 + dt.timedelta(seconds=30))
    lease = default_settings().triage.lease
    system = replace(database.context(SYSTEM), clock=clock)
    _w1, first = add_warning(system, name="李秀英")
    _w2, second = add_warning(system, name="王建国")
    op = replace(database.context(make_actor("op-a")), clock=clock)
    other = replace(database.context(make_actor("op-b")), clock=clock)
    assert claims.claim_item(op, first).claimed_by == "op-a"
    assert claims.claim_item(op, second).claimed_by == "op-a"
    clock.advance(seconds=lease.total_seconds() + 60)  # both leases ran out, nobody took the items
    assert [e.item_id for e in mine.my_items(op)] == []  # no longer shown as held …
    before = claims.queue_version(system)
    for take, item_id in ((mine.take_held_item, first), (claims.claim_item, second)):
        entry = take(op, item_id)
        assert (entry.claimed_by, entry.status, entry.lease_expires_at) == ("op-a", "claimed", clock() + lease)
    assert claims.queue_version(system) == before + 2  # … and each is held again: the other seats refresh
    clock.advance(minutes=1)
    again = mine.take_held_item(op, first)  # a live claim: the lease moves on, nothing to tell the others
    assert again.lease_expires_at == clock() + lease and claims.queue_version(system) == before + 2
    with pytest.raises(ConflictError, match="刚被 op-a 领取"):
        claims.claim_item(other, first)
    with pytest.raises(ConflictError, match="不在您手中"):
        mine.take_held_item(other, second)
