"""Taking one named item (the person calls back) and agreed callbacks (约定回拨)."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import replace

import pytest

from console.app.bootstrap import Database
from console.services.calls.callbacks import agree_callback, due_at_from_text, my_callbacks
from console.services.core.context import SYSTEM, ConflictError, ServiceContext, ServiceError
from console.services.core.settings import default_settings
from console.services.queue.claims import claim_item, claim_next, list_open, my_claims
from db.models import QueueItem, Warning
from tests.queue_helpers import T0, FakeClock, add_warning


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0 + dt.timedelta(seconds=30))


def _ctx(database: Database, actor, clock: FakeClock) -> ServiceContext:  # type: ignore[no-untyped-def]
    return ServiceContext(database.sessions, actor, clock)


def test_an_operator_takes_a_free_item_out_of_order(database: Database, make_actor, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    system = _ctx(database, SYSTEM, clock)
    add_warning(system, fraud_type="impersonate_authority", signals=("screen_sharing", "on_call_now"), age=70)
    calls_back, item_id = add_warning(system, fraud_type="fake_shopping")
    operator = _ctx(database, make_actor("op1"), clock)
    taken = claim_item(operator, item_id)  # type: ignore[arg-type]
    assert (taken.item_id, taken.warning_id, taken.claimed_by, taken.status) == (item_id, calls_back, "op1", "claimed")
    assert taken.lease_expires_at == clock() + default_settings().triage.lease
    with database.sessions() as session:
        assert session.get(Warning, calls_back).status == "in_progress"  # type: ignore[union-attr]
    assert [entry.item_id for entry in my_claims(operator)] == [item_id]
    clock.advance(minutes=1)
    again = claim_item(operator, item_id)  # type: ignore[arg-type]
    assert again.lease_expires_at == clock() + default_settings().triage.lease  # already ours: the lease moves on


def test_an_item_another_seat_holds_is_refused_until_its_lease_runs_out(  # type: ignore[no-untyped-def]
        database: Database, make_actor, clock: FakeClock) -> None:
    _, item_id = add_warning(_ctx(database, SYSTEM, clock))
    first = _ctx(database, make_actor("op1"), clock)
    second = _ctx(database, make_actor("op2"), clock)
    assert claim_next(first) is not None
    with pytest.raises(ConflictError, match="刚被 op1 领取"):
        claim_item(second, item_id)  # type: ignore[arg-type]
    clock.advance(minutes=6)  # op1's lease ran out without renewal
    assert claim_item(second, item_id).claimed_by == "op2"  # type: ignore[arg-type]


def test_two_seats_taking_the_same_item_at_once_one_wins(database: Database, make_actor, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    _, item_id = add_warning(_ctx(database, SYSTEM, clock))
    seats = [_ctx(database, make_actor(f"op{n}"), clock) for n in range(1, 5)]
    start = threading.Barrier(len(seats))
    won: list[str] = []
    refused: list[str] = []

    def take(ctx: ServiceContext) -> None:
        start.wait()
        try:
            won.append(claim_item(ctx, item_id).claimed_by or "")  # type: ignore[arg-type]
        except ConflictError as exc:
            refused.append(str(exc))

    threads = [threading.Thread(target=take, args=(ctx,)) for ctx in seats]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1 and len(refused) == len(seats) - 1
    assert all(f"刚被 {won[0]} 领取" in message for message in refused)


def test_a_finished_item_cannot_be_taken(database: Database, make_actor, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    _, item_id = add_warning(_ctx(database, SYSTEM, clock))
    with database.sessions() as session, session.begin():
        session.get(QueueItem, item_id).status = "done"  # type: ignore[union-attr]
    with pytest.raises(ConflictError, match="已处理完毕"):
        claim_item(_ctx(database, make_actor("op1"), clock), item_id)  # type: ignore[arg-type]


def test_an_agreed_callback_is_the_operators_first_claim_when_due(database: Database, make_actor, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    system = _ctx(database, SYSTEM, clock)
    red, _ = add_warning(system, fraud_type="impersonate_authority", signals=("screen_sharing", "on_call_now"), age=70)
    blue, _ = add_warning(system, fraud_type="fake_shopping", queue=False)
    agent = _ctx(database, make_actor("op1"), clock)
    other = _ctx(database, make_actor("op2"), clock)
    callback = agree_callback(agent, blue, clock() + dt.timedelta(minutes=30))
    assert callback.open_to_all_at == callback.due_at + dt.timedelta(minutes=10) and callback.operator == "op1"
    listed = {entry.item_id: entry for entry in list_open(agent)}
    assert listed[callback.item_id].kind == "callback" and listed[callback.item_id].status == "waiting"
    clock.advance(minutes=30)  # due: before the red, for op1 only
    assert claim_next(other).warning_id == red  # type: ignore[union-attr]
    assert claim_next(other) is None
    taken = claim_next(agent)
    assert taken is not None and (taken.item_id, taken.kind, taken.claimed_by) == (callback.item_id, "callback", "op1")


def test_a_due_callback_goes_before_a_red_of_its_operator(database: Database, make_actor, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    system = _ctx(database, SYSTEM, clock)
    add_warning(system, fraud_type="impersonate_authority", signals=("screen_sharing", "on_call_now"), age=70)
    blue, _ = add_warning(system, fraud_type="fake_shopping", queue=False)
    agent = _ctx(database, make_actor("op1"), clock)
    callback = agree_callback(agent, blue, clock() + dt.timedelta(minutes=5))
    clock.advance(minutes=6)
    assert claim_next(agent).item_id == callback.item_id  # type: ignore[union-attr]


def test_others_take_a_callback_only_when_it_is_overdue_by_the_grace(  # type: ignore[no-untyped-def]
        database: Database, make_actor, clock: FakeClock) -> None:
    settings = default_settings()
    settings = replace(settings, workstation=replace(settings.workstation, callback_grace_minutes=15))
    blue, _ = add_warning(_ctx(database, SYSTEM, clock), fraud_type="fake_shopping", queue=False)
    agent = replace(_ctx(database, make_actor("op1"), clock), settings=settings)
    other = replace(_ctx(database, make_actor("op2"), clock), settings=settings)
    callback = agree_callback(agent, blue, clock() + dt.timedelta(minutes=20))
    clock.advance(minutes=30)  # due, overdue by 10 minutes: still op1's
    assert claim_next(other) is None
    with pytest.raises(ConflictError, match="op1约定的回拨"):
        claim_item(other, callback.item_id)
    clock.advance(minutes=5)  # overdue by the grace: anyone's
    taken = claim_next(other)
    assert taken is not None and taken.item_id == callback.item_id and taken.claimed_by == "op2"


def test_agreeing_a_new_time_replaces_the_earlier_callback(database: Database, make_actor, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    blue, _ = add_warning(_ctx(database, SYSTEM, clock), fraud_type="fake_shopping", queue=False)
    agent = _ctx(database, make_actor("op1"), clock)
    first = agree_callback(agent, blue, clock() + dt.timedelta(minutes=20))
    second = agree_callback(agent, blue, clock() + dt.timedelta(hours=2))
    assert second.replaced == 1
    live = [entry.item_id for entry in list_open(agent) if entry.kind == "callback"]
    assert live == [second.item_id] and first.item_id not in live
    mine = my_callbacks(agent)
    assert [(e.item_id, e.kind, e.deadline_at) for e in mine] == [(second.item_id, "callback", second.due_at)]
    with pytest.raises(ServiceError, match="已经过去"):
        agree_callback(agent, blue, clock() - dt.timedelta(hours=1))


def test_callback_times_as_typed_on_the_command_line(database: Database, make_actor, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    ctx = _ctx(database, SYSTEM, clock)  # T0 + 30 s is 17:00:30 in Beijing
    assert due_at_from_text(ctx, "18:00") == T0 + dt.timedelta(hours=1)
    assert due_at_from_text(ctx, "09:00") == T0 + dt.timedelta(hours=16)  # passed today: tomorrow morning
    assert due_at_from_text(ctx, "+30") == clock() + dt.timedelta(minutes=30)
    assert due_at_from_text(ctx, "2026-11-22 15:00") == dt.datetime(2026, 11, 22, 7, 0, tzinfo=dt.UTC)
    with pytest.raises(ServiceError, match="无法识别回拨时间"):
        due_at_from_text(ctx, "下午三点")


def _log(warning_id: int, item_id: int | None, disposition: str, at: dt.datetime, connected: bool = False):  # type: ignore[no-untyped-def]
    import uuid

    from console.services.calls.log import CallLog

    return CallLog(str(uuid.uuid4()), warning_id, item_id, at, at + dt.timedelta(minutes=2), connected, disposition)


def _live_items(database: Database, warning_id: int) -> list[tuple[str, str, int | None]]:
    with database.sessions() as session:
        return [(item.kind, item.status, item.assigned_to) for item in session.query(QueueItem)
                .filter(QueueItem.warning_id == warning_id, QueueItem.status.in_(("open", "claimed")))]


def test_a_callback_agreed_during_the_call_replaces_the_retry_and_a_closed_warning_drops_it(  # type: ignore[no-untyped-def]
        database: Database, make_actor, clock: FakeClock) -> None:
    from console.services.calls.log import log_call

    warning_id, item_id = add_warning(_ctx(database, SYSTEM, clock), fraud_type="impersonate_authority",
                                      signals=("screen_sharing",))
    agent = _ctx(database, make_actor("op1"), clock)
    assert claim_next(agent).item_id == item_id  # type: ignore[union-attr]
    callback = agree_callback(agent, warning_id, clock() + dt.timedelta(hours=2))
    log_call(agent, _log(warning_id, item_id, "hung_up", clock(), connected=True))
    # no retry on the ladder: the person asked for a time, the callback is what stays in the queue
    assert _live_items(database, warning_id) == [("callback", "open", agent.actor.user_id)]
    clock.advance(hours=2)
    assert claim_next(agent).item_id == callback.item_id  # type: ignore[union-attr]
    log_call(agent, _log(warning_id, callback.item_id, "no_answer", clock()))
    # the callback was not reached: it retries on the ladder as anyone's item
    assert _live_items(database, warning_id) == [("retry", "open", None)]
    agree_callback(agent, warning_id, clock() + dt.timedelta(hours=1))
    retry = claim_item(agent, next(e.item_id for e in list_open(agent) if e.kind == "retry"))
    log_call(agent, _log(warning_id, retry.item_id, "dissuaded", clock(), connected=True))
    assert _live_items(database, warning_id) == []  # dissuaded: the warning is closed, its callback too
