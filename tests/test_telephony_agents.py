"""Agent state with a heartbeat: the supervisor sees who is ready, paused (and why), on a call or
gone; a paused operator is offered no work."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from console.app.bootstrap import Database
from console.services.core.context import SYSTEM, ServiceError
from console.services.telephony.agents import (
    STALE_AFTER,
    agent_states,
    claim_next_for_agent,
    heartbeat,
    set_agent_state,
)
from tests.queue_helpers import T0, FakeClock, add_warning


def test_states_pause_and_stale_heartbeat(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock(T0)
    op1, op_a, board = (replace(database.context(make_actor(login, role)), clock=clock)
                        for login, role in (("op2", "operator"), ("op3", "operator"), ("boss", "supervisor")))

    set_agent_state(op1, "ready")
    set_agent_state(op_a, "paused", "用餐")
    with pytest.raises(ServiceError, match="原因"):
        set_agent_state(op1, "paused", " ")
    with pytest.raises(ServiceError):
        set_agent_state(op1, "napping")
    states = {v.login: (v.state, v.state_label, v.reason) for v in agent_states(board)}
    assert states == {"op2": ("ready", "就绪", ""), "op3": ("paused", "小休", "用餐")}

    set_agent_state(op1, "on_call")
    clock.advance(seconds=STALE_AFTER.total_seconds() - 5)
    heartbeat(op1)
    clock.advance(seconds=10)  # op3's seat stopped beating: the console closed or crashed
    states = {v.login: v.state for v in agent_states(board)}
    assert states == {"op2": "on_call", "op3": "offline"}
    with pytest.raises(ServiceError):
        agent_states(op1)  # only who manages the queue watches the team


def test_paused_operator_is_offered_no_work(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    add_warning(database.context(SYSTEM), received_at=dt.datetime.now(dt.UTC))
    ctx = database.context(make_actor("op1"))
    set_agent_state(ctx, "paused", "培训")
    with pytest.raises(ServiceError, match="小休"):
        claim_next_for_agent(ctx)
    set_agent_state(ctx, "ready")
    assert claim_next_for_agent(ctx) is not None


def test_supervisor_board_shows_each_seat_state(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    from console.services.stats.board import board_snapshot

    set_agent_state(database.context(make_actor("op1")), "paused", "会议")
    make_actor("op2")  # never opened the console
    board = board_snapshot(database.context(make_actor("boss", "supervisor")))
    seats = {o.login: (o.agent_state, o.agent_reason) for o in board.operators}
    assert seats == {"op1": ("paused", "会议"), "op2": ("offline", "")}
