"""Claiming from the shared queue: order, leases, and no double claims across seats."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import re
import threading
from collections import Counter
from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy import select

from console.app.bootstrap import Database, open_database
from console.services.core.context import SYSTEM, ConflictError, PermissionDenied, ServiceContext
from console.services.core.last_run import LastRun
from console.services.core.settings import default_settings
from console.services.core.vocabulary import RISK_LEVEL_ORDER
from console.services.queue import store
from console.services.queue.claims import (
    HOUSEKEEPING_EVERY,
    claim_next,
    enqueue_escalation_answer,
    list_open,
    queue_version,
    release,
    renew_lease,
)
from db.engine import make_engine, make_session_factory
from db.models import QueueItem, Warning
from tests.queue_helpers import T0, FakeClock, add_warning, claim_all_in_process


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0 + dt.timedelta(seconds=30))


def _ctx(database: Database, actor, clock: FakeClock) -> ServiceContext:  # type: ignore[no-untyped-def]
    return ServiceContext(database.sessions, actor, clock)


def _set_item(database: Database, item_id: int | None, **values: object) -> None:
    with database.sessions() as session, session.begin():
        item = session.get(QueueItem, item_id)
        assert item is not None
        for name, value in values.items():
            setattr(item, name, value)
        warning = session.get(Warning, item.warning_id)
        assert warning is not None
        warning.risk_score = item.priority  # the queue item's priority is its warning's score
        warning.risk_level = item.risk_level


def test_by_default_a_score_100_red_goes_before_an_older_overdue_score_65_red(  # type: ignore[no-untyped-def]
        database: Database, make_actor, clock: FakeClock) -> None:
    assert default_settings().triage.claim_order == "score"
    system = _ctx(database, SYSTEM, clock)
    older_65, older_item = add_warning(system, fraud_type="impersonate_authority", signals=("screen_sharing",),
                                       received_at=T0 - dt.timedelta(minutes=40))
    orange_100, orange_item = add_warning(system, fraud_type="impersonate_authority", signals=("screen_sharing",))
    newer_100, newer_item = add_warning(system, fraud_type="impersonate_authority", signals=("screen_sharing",))
    _set_item(database, older_item, risk_level="red", priority=65, deadline_at=T0 - dt.timedelta(minutes=35))
    _set_item(database, newer_item, risk_level="red", priority=100, deadline_at=T0 + dt.timedelta(minutes=5))
    _set_item(database, orange_item, risk_level="orange", priority=100)
    operator = _ctx(database, make_actor("op1"), clock)
    listed = [entry.warning_id for entry in list_open(operator)]
    order = []
    while (item := claim_next(operator)) is not None:
        order.append(item.warning_id)
    # level first, then the score: the older, overdue score-65 red now waits behind the score-100 red
    assert order == [newer_100, older_65, orange_100] and listed == order


def test_a_score_tie_goes_to_the_earlier_deadline_then_the_older_item(  # type: ignore[no-untyped-def]
        database: Database, make_actor, clock: FakeClock) -> None:
    system = _ctx(database, SYSTEM, clock)
    first, first_item = add_warning(system)
    later_deadline, later_item = add_warning(system)
    second, second_item = add_warning(system)
    for item_id in (first_item, later_item, second_item):
        _set_item(database, item_id, risk_level="red", priority=80, deadline_at=T0 + dt.timedelta(minutes=5))
    _set_item(database, later_item, deadline_at=T0 + dt.timedelta(minutes=9))
    operator = _ctx(database, make_actor("op1"), clock)
    order = []
    while (item := claim_next(operator)) is not None:
        order.append(item.warning_id)
    assert order == [first, second, later_deadline]


def test_the_deadline_claim_order_takes_the_most_overdue_first_then_score(  # type: ignore[no-untyped-def]
        database: Database, make_actor, clock: FakeClock) -> None:
    deadline_first = replace(default_settings(), triage=replace(default_settings().triage, claim_order="deadline"))
    system = replace(_ctx(database, SYSTEM, clock), settings=deadline_first)
    blue_old, _ = add_warning(system, fraud_type="fake_shopping", received_at=T0 - dt.timedelta(hours=3))
    yellow_low, _ = add_warning(system, fraud_type="task_rebate", signals=("loan_applied", "visited_fraud_site"))
    yellow_high, _ = add_warning(system, fraud_type="impersonate_authority", signals=("visited_fraud_site",))
    yellow_late, _ = add_warning(system, fraud_type="task_rebate", signals=("loan_applied", "visited_fraud_site"),
                                 received_at=T0 - dt.timedelta(minutes=45))
    red, _ = add_warning(system, fraud_type="impersonate_authority", signals=("screen_sharing", "on_call_now"), age=70)
    operator = replace(_ctx(database, make_actor("op1"), clock), settings=deadline_first)
    order = []
    while (item := claim_next(operator)) is not None:
        order.append(item.warning_id)
    # red first; among yellows the overdue one, then the higher score; blue last though it is the oldest
    assert order == [red, yellow_late, yellow_high, yellow_low, blue_old]


def test_the_score_claim_order_takes_the_highest_score_before_the_most_overdue(  # type: ignore[no-untyped-def]
        database: Database, make_actor, clock: FakeClock) -> None:
    score_first = replace(default_settings(), triage=replace(default_settings().triage, claim_order="score"))
    system = replace(_ctx(database, SYSTEM, clock), settings=score_first)
    blue_old, _ = add_warning(system, fraud_type="fake_shopping", received_at=T0 - dt.timedelta(hours=3))
    yellow_low, _ = add_warning(system, fraud_type="task_rebate", signals=("loan_applied", "visited_fraud_site"))
    yellow_high, _ = add_warning(system, fraud_type="impersonate_authority", signals=("visited_fraud_site",))
    yellow_late, _ = add_warning(system, fraud_type="task_rebate", signals=("loan_applied", "visited_fraud_site"),
                                 received_at=T0 - dt.timedelta(minutes=45))
    operator = replace(_ctx(database, make_actor("op1"), clock), settings=score_first)
    listed = [entry.warning_id for entry in list_open(operator)]
    order = []
    while (item := claim_next(operator)) is not None:
        order.append(item.warning_id)
    # the higher-scored yellow now goes before the overdue one; the listing shows the same order
    assert order.index(yellow_high) < order.index(yellow_late)
    assert order[-1] == blue_old and listed == order


def test_claimed_item_carries_what_the_operator_needs(database: Database, make_actor, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    system = _ctx(database, SYSTEM, clock)
    warning_id, item_id = add_warning(system, fraud_type="impersonate_authority", signals=("screen_sharing",),
                                      name="欧阳娜娜")
    item = claim_next(_ctx(database, make_actor("op1"), clock))
    assert item is not None
    assert (item.warning_id, item.item_id, item.claimed_by, item.status) == (warning_id, item_id, "op1", "claimed")
    assert item.name_masked == "欧阳**" and "****" in item.phone_masked
    assert item.risk_level == "orange" and item.deadline_at == T0 + dt.timedelta(minutes=10)
    assert any("屏幕共享" in str(r["label"]) for r in item.reasons)
    with database.sessions() as session:
        assert session.get(Warning, warning_id).status == "in_progress"  # type: ignore[union-attr]


def test_retry_not_before_is_respected(database: Database, make_actor, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    system = _ctx(database, SYSTEM, clock)
    _, item_id = add_warning(system)
    with database.sessions() as session, session.begin():
        session.get(QueueItem, item_id).not_before = clock() + dt.timedelta(minutes=5)  # type: ignore[union-attr]
    operator = _ctx(database, make_actor("op1"), clock)
    assert claim_next(operator) is None
    assert [e.status for e in list_open(operator)] == ["waiting"]
    clock.advance(minutes=5)
    claimed = claim_next(operator)
    assert claimed is not None and claimed.item_id == item_id


def test_expired_lease_returns_the_item_to_the_queue(database: Database, make_actor, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    system = _ctx(database, SYSTEM, clock)
    _, item_id = add_warning(system)
    first = _ctx(database, make_actor("op1"), clock)
    second = _ctx(database, make_actor("op2"), clock)
    assert claim_next(first) is not None
    assert claim_next(second) is None  # held
    clock.advance(minutes=4)
    renew_lease(first, item_id)  # working on it: the lease moves on
    clock.advance(minutes=4)
    assert claim_next(second) is None
    clock.advance(minutes=2)  # five minutes without renewal
    taken = claim_next(second)
    assert taken is not None and taken.item_id == item_id and taken.claimed_by == "op2"
    with pytest.raises(ConflictError):
        renew_lease(first, item_id)


def test_a_lease_that_just_ran_out_is_claimable_at_once_and_first_in_order(database: Database, make_actor, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    """Seats may skip the lease housekeeping for a moment between claims (PostgreSQL); an expired lease
    is still never missed: an empty-looking queue re-checks, and within seconds it is claimed first."""
    system = _ctx(database, SYSTEM, clock)
    _, urgent = add_warning(system, signals=("screen_sharing", "transfer_pending"), amount=Decimal(200000))
    first = _ctx(database, make_actor("op1"), clock)
    second = _ctx(database, make_actor("op2"), clock)
    assert claim_next(first).item_id == urgent  # type: ignore[union-attr]
    clock.advance(seconds=299)
    assert claim_next(second) is None  # still held; housekeeping ran just now
    clock.advance(seconds=1.5)  # the lease ran out half a second ago
    taken = claim_next(second)
    assert taken is not None and taken.item_id == urgent
    _, calm = add_warning(system, age=30)
    third = _ctx(database, make_actor("op3"), clock)
    clock.advance(seconds=301)  # op2's lease ran out too, while a calmer item waits
    assert claim_next(third).item_id == urgent  # type: ignore[union-attr]
    assert claim_next(second).item_id == calm  # type: ignore[union-attr]


def test_release_gives_the_item_back(database: Database, make_actor, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    system = _ctx(database, SYSTEM, clock)
    _, item_id = add_warning(system)
    first = _ctx(database, make_actor("op1"), clock)
    second = _ctx(database, make_actor("op2"), clock)
    assert claim_next(first) is not None
    with pytest.raises(PermissionDenied):
        release(second, item_id, "不是我的")
    release(first, item_id)
    taken = claim_next(second)
    assert taken is not None and taken.item_id == item_id


def test_trainer_may_not_claim(database: Database, make_actor, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    add_warning(_ctx(database, SYSTEM, clock))
    with pytest.raises(PermissionDenied):
        claim_next(_ctx(database, make_actor("tr1", "trainer"), clock))


def test_every_change_bumps_the_queue_version(database: Database, make_actor, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    system = _ctx(database, SYSTEM, clock)
    warning_id, _ = add_warning(system)
    before = queue_version(system)
    operator = _ctx(database, make_actor("op1"), clock)
    claimed = claim_next(operator)
    assert claimed is not None and queue_version(system) == before + 1
    with database.sessions() as session, session.begin():
        enqueue_escalation_answer(session, _escalation(session, warning_id), warning_id, clock(),
                                  default_settings().triage)
    assert queue_version(system) == before + 2
    kinds = claim_next(operator, kinds=["escalation_answer"])
    assert kinds is not None and kinds.kind == "escalation_answer"


def _escalation(session, warning_id: int) -> int:  # type: ignore[no-untyped-def]
    from db.models import Escalation

    escalation = Escalation(warning_id=warning_id, reason="测试")
    session.add(escalation)
    session.flush()
    return escalation.id


def _claimed_rows(database: Database) -> dict[int, int | None]:
    with database.sessions() as session:
        return {row[0]: row[1] for row in session.execute(select(QueueItem.id, QueueItem.claimed_by))}


def test_processes_claiming_at_once_on_sqlite_never_double_claim(sqlite_db: Database, clock: FakeClock) -> None:
    from tests.conftest import actor_for

    system = _ctx(sqlite_db, SYSTEM, clock)
    expected = {add_warning(system, fraud_type=ft)[1] for ft in ("task_rebate", "fake_loan", "fake_shopping") * 40}
    actors = [actor_for(sqlite_db, f"op{i}", "operator") for i in range(4)]
    url = sqlite_db.engine.url.render_as_string(hide_password=False)
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        results = pool.starmap(claim_all_in_process,
                               [(url, a.user_id, a.login, clock().isoformat()) for a in actors])
    claimed = [item for batch in results for item in batch]
    assert len(claimed) == len(set(claimed)), "an item was claimed twice"
    assert set(claimed) == expected, "a claimable item was skipped"
    rows = _claimed_rows(sqlite_db)
    for actor, batch in zip(actors, results, strict=True):
        assert all(rows[item] == actor.user_id for item in batch)


@pytest.mark.postgres
def test_sixteen_threads_on_postgresql_never_double_claim(pg_db: Database, clock: FakeClock) -> None:
    from tests.conftest import actor_for

    system = _ctx(pg_db, SYSTEM, clock)
    expected = {add_warning(system, fraud_type=ft, signals=sig)[1]
                for ft, sig in [("task_rebate", ()), ("impersonate_authority", ("screen_sharing", "on_call_now"))] * 150}
    actors = [actor_for(pg_db, f"op{i}", "operator") for i in range(16)]
    engine = make_engine(pg_db.engine.url.render_as_string(hide_password=False), pool_size=16, max_overflow=4)
    sessions = make_session_factory(engine)
    barrier = threading.Barrier(16)
    results: dict[int, list[int]] = {}
    errors: list[BaseException] = []

    def work(actor) -> None:  # type: ignore[no-untyped-def]
        ctx = ServiceContext(sessions, actor, clock)
        mine: list[int] = []
        try:
            barrier.wait()
            while (item := claim_next(ctx)) is not None:
                mine.append(item.item_id)
        except BaseException as exc:  # reported below
            errors.append(exc)
        results[actor.user_id] = mine

    threads = [threading.Thread(target=work, args=(a,)) for a in actors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    assert not errors
    claimed = [item for batch in results.values() for item in batch]
    assert Counter(claimed).most_common(1)[0][1] == 1, "an item was claimed twice"
    assert set(claimed) == expected, "a claimable item was skipped"
    rows = _claimed_rows(pg_db)
    for user_id, batch in results.items():
        assert all(rows[item] == user_id for item in batch)


def test_live_watcher_sees_changes_made_by_another_seat(database: Database, make_actor, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    from console.services.queue.live import QueueWatcher

    add_warning(_ctx(database, SYSTEM, clock))
    watcher = QueueWatcher(database)
    try:
        assert watcher.poll(0) is False
        other = open_database(database.engine.url.render_as_string(hide_password=False))
        try:
            assert claim_next(ServiceContext(other.sessions, make_actor("op1"), clock)) is not None
        finally:
            other.dispose()
        assert watcher.poll(5) is True
        assert watcher.poll(0) is False
    finally:
        watcher.stop()


_PG_ARM = re.compile(
    r"SELECT id FROM \(SELECT id FROM queue_items WHERE (?P<where>.*?) ORDER BY (?P<order>[\w, ]+?) LIMIT 1 "
    r"FOR UPDATE SKIP LOCKED\) AS (?P<name>\w+)"
)


def _pg_arms(statement: str) -> list[re.Match[str]]:
    return list(_PG_ARM.finditer(" ".join(statement.split())))


def test_the_postgresql_claim_follows_the_one_claim_order_definition() -> None:
    own_callback, *arms = _pg_arms(store.PG_CLAIM_SQL)
    assert own_callback["name"] == "own_callback" and own_callback["order"] == "deadline_at, id"
    assert "assigned_to = :user_id" in own_callback["where"] and "kind = 'callback'" in own_callback["where"]
    expected = [(rank, level, lookup) for rank, level in enumerate(RISK_LEVEL_ORDER) for lookup in store.CLAIM_LOOKUPS]
    assert len(arms) == len(expected)
    for arm, (rank, _level, lookup) in zip(arms, expected, strict=True):
        where = arm["where"]
        assert arm["name"] == f"{lookup.name}{rank}"
        assert arm["order"] == lookup.order_sql()
        assert f"risk_level = :level{rank} " in where and "status = 'open'" in where
        assert "(not_before IS NULL OR not_before <= :now)" in where and "(:any_kind OR kind = ANY(:kinds))" in where
        assert ("deadline_at <= :now" in where) == lookup.overdue_only
        assert (":overdue_first" in where) == lookup.overdue_only  # the claim order "score" switches them off
    bound = {name: value for name, value in store.PG_CLAIM.compile().params.items() if name.startswith("level")}
    assert bound == {f"level{rank}": level for rank, level in enumerate(RISK_LEVEL_ORDER)}


def test_the_claim_order_check_notices_a_changed_arm() -> None:
    swapped = store.PG_CLAIM_SQL.replace("ORDER BY priority DESC, deadline_at, id", "ORDER BY deadline_at, priority DESC, id", 1)
    arms = _pg_arms(swapped)
    assert arms[2]["order"] != store.CLAIM_LOOKUPS[1].order_sql()
    assert len(_pg_arms(store.PG_CLAIM_SQL.replace("AS by_score3", "AS by_score3x"))) == len(arms)
    assert len(_pg_arms(store.PG_CLAIM_SQL.replace("FOR UPDATE SKIP LOCKED) AS overdue3", ") AS overdue3"))) == len(arms) - 1
def test_lease_housekeeping_time_belongs_to_the_database_not_the_process(database: Database, make_actor,  # type: ignore[no-untyped-def]
                                                                         clock: FakeClock) -> None:
    system = replace(database.context(SYSTEM), clock=clock)
    add_warning(system)
    first = replace(database.context(make_actor("op1")), clock=clock)
    second = replace(database.context(make_actor("op2")), clock=clock)
    assert first.queue_housekeeping is second.queue_housekeeping  # the seats of one database share it
    assert claim_next(first) is not None
    ran = first.queue_housekeeping.at
    if database.is_sqlite:
        assert ran is None  # SQLite does its housekeeping inside every claim
    else:
        assert ran == clock()
        assert not second.queue_housekeeping.due(clock() + dt.timedelta(seconds=1), HOUSEKEEPING_EVERY)
    elsewhere = Database(database.engine, database.sessions, False)  # another Database: its own record
    assert elsewhere.context().queue_housekeeping is not first.queue_housekeeping
    assert elsewhere.context().queue_housekeeping.at is None


def test_last_run_is_due_after_its_interval_or_when_the_clock_went_back() -> None:
    record = LastRun()
    every = dt.timedelta(seconds=2)
    assert record.due(T0, every)
    record.mark(T0)
    assert not record.due(T0 + dt.timedelta(seconds=1.9), every)
    assert record.due(T0 + every, every)
    assert record.due(T0 - dt.timedelta(seconds=1), every)
