"""Typed states: one state machine per entity refuses forbidden moves, with a clear Chinese message."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from sqlalchemy import select

from console.app.bootstrap import Database
from console.services.calls.log import CallLog, log_call
from console.services.core.context import SYSTEM, ServiceContext
from console.services.core.levels import effective_level
from console.services.core.vocabulary import (
    EscalationStatus,
    QueueItemStatus,
    TaskStatus,
    WarningStatus,
)
from console.services.escalation import states as escalation_states
from console.services.queue import states as queue_states
from console.services.queue import store
from console.services.queue.admin import skip
from console.services.queue.claims import claim_next, list_open
from db.models import Escalation, EscalationTask, QueueItem, Warning
from tests.queue_helpers import T0, FakeClock, add_warning


def test_a_finished_queue_item_never_comes_back() -> None:
    item = QueueItem(id=7, status=QueueItemStatus.DONE)
    with pytest.raises(queue_states.TransitionRefused, match="队列条目 7 当前为“已处理”，不能改为“待领取”"):
        queue_states.move_item(item, QueueItemStatus.OPEN)
    assert item.status == QueueItemStatus.DONE
    held = QueueItem(id=8, status="claimed")  # the column holds the plain code
    queue_states.move_item(held, QueueItemStatus.OPEN)
    assert held.status == "open"
    assert not queue_states.item_may_move("no_such_status", QueueItemStatus.OPEN)


def test_a_warning_never_goes_back_to_open() -> None:
    warning = Warning(id=3, status=WarningStatus.CLOSED)
    for status in (WarningStatus.OPEN, WarningStatus.IN_PROGRESS):
        with pytest.raises(queue_states.TransitionRefused, match="预警 3"):
            queue_states.move_warning(Warning(id=3, status=status), WarningStatus.OPEN)
    queue_states.move_warning(warning, WarningStatus.IN_PROGRESS)  # a later call that needs another one
    assert warning.status == "in_progress"


def test_statements_are_checked_against_the_machine_when_built() -> None:
    assert queue_states.item_move(QueueItemStatus.CLAIMED, QueueItemStatus.DONE) == "done"
    with pytest.raises(AssertionError):
        queue_states.item_move(QueueItemStatus.DONE, QueueItemStatus.CLAIMED)
    with pytest.raises(AssertionError):
        queue_states.warning_move(WarningStatus.CLOSED, WarningStatus.OPEN)


def test_a_task_moves_one_step_at_a_time_or_closes() -> None:
    task = EscalationTask(kind="onsite_visit", status=TaskStatus.CREATED)
    with pytest.raises(escalation_states.TransitionRefused, match="“上门劝阻”任务当前为“已创建”，不能改为“出警/处置中”；可改为：已发送、已完成"):
        escalation_states.move_task(task, TaskStatus.IN_PROGRESS)
    for step in (TaskStatus.SENT, TaskStatus.ACKNOWLEDGED, TaskStatus.IN_PROGRESS, TaskStatus.DONE):
        escalation_states.move_task(task, step)
    assert task.status == "done" and escalation_states.task_moves(task.status) == ()
    with pytest.raises(escalation_states.TransitionRefused, match="可改为：无（任务已完成）"):
        escalation_states.move_task(task, TaskStatus.SENT)


def test_a_finished_order_stays_finished() -> None:
    order = Escalation(id=5, status=EscalationStatus.OPEN)
    escalation_states.move_order(order, EscalationStatus.IN_PROGRESS)  # follows its on-site task
    escalation_states.move_order(order, EscalationStatus.DONE)
    assert escalation_states.order_is_closed(order)
    with pytest.raises(escalation_states.TransitionRefused, match="指令 5 当前为“已办结”，不能改为“已签收”"):
        escalation_states.move_order(order, EscalationStatus.ACKNOWLEDGED)


def test_the_effective_level_is_the_override_when_there_is_one() -> None:
    assert effective_level(Warning(risk_level="blue", level_override="red")) == "red"
    assert effective_level(Warning(risk_level="blue", level_override=None)) == "blue"
    assert effective_level(Warning(risk_level="yellow", level_override="")) == "yellow"


def test_no_answer_on_an_item_a_supervisor_skipped_keeps_the_skip_and_queues_a_retry(
        database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock(T0 + dt.timedelta(minutes=1))
    warning_id, item_id = add_warning(ServiceContext(database.sessions, SYSTEM, clock), fraud_type="fake_loan")
    operator = ServiceContext(database.sessions, make_actor("op1"), clock)
    assert claim_next(operator) is not None
    assert item_id is not None
    skip(ServiceContext(database.sessions, make_actor("sup1", "supervisor"), clock), item_id, "重复预警")
    log_call(operator, CallLog(client_uuid=str(uuid.uuid4()), warning_id=warning_id, queue_item_id=item_id,
                               started_at=clock(), ended_at=clock(), connected=False, disposition="no_answer"))
    with database.sessions() as session:
        items = session.execute(select(QueueItem.id, QueueItem.kind, QueueItem.status)
                                .where(QueueItem.warning_id == warning_id).order_by(QueueItem.id)).all()
    assert [tuple(row) for row in items][0] == (item_id, "warning", "skipped")
    assert [(kind, status) for _, kind, status in items[1:]] == [("retry", "open")]
    assert [(e.warning_id, e.kind, e.status) for e in list_open(operator)] == [(warning_id, "retry", "waiting")]


def test_the_hand_written_postgresql_statements_make_only_allowed_moves() -> None:
    machines = {"queue_items": (QueueItemStatus, queue_states.ITEM_TRANSITIONS),
                "warnings": (WarningStatus, queue_states.WARNING_TRANSITIONS)}
    moves = []
    for statement in (store.PG_CLAIM_SQL, store.PG_HOUSEKEEPING.text):
        moves += re.findall(r"UPDATE (\w+) SET status = '(\w+)'.*?status = '(\w+)'", " ".join(statement.split()))
    assert sorted(moves) == [("queue_items", "claimed", "open"), ("queue_items", "open", "claimed"),
                             ("warnings", "in_progress", "open")]
    for table, to, current in moves:
        states, transitions = machines[table]
        assert states(to) in transitions[states(current)]
