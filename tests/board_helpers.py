"""Shared by the board tests: a small centre (a supervisor, operators) on a fake clock, and a board."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from console.app.bootstrap import Database
from console.services.core.context import ServiceContext
from console.ui.supervisor import SupervisorBoard
from console.ui.tasks import SyncTaskRunner
from tests.conftest import actor_for
from tests.queue_helpers import FakeClock

NOW = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)  # 10:00 at the centre


def centre(database: Database, *operators: str) -> tuple[FakeClock, ServiceContext, dict[str, ServiceContext]]:
    """A clock at NOW, the supervisor's context and one context per operator login."""
    clock = FakeClock(NOW)
    boss = replace(database.context(actor_for(database, "boss", "supervisor")), clock=clock)
    ops = {login: replace(database.context(actor_for(database, login, "operator")), clock=clock) for login in operators}
    return clock, boss, ops


def make_board(qtbot, ctx: ServiceContext) -> SupervisorBoard:  # type: ignore[no-untyped-def]
    board = SupervisorBoard(ctx, None, SyncTaskRunner(), auto_refresh=False)
    qtbot.addWidget(board)
    refresh(qtbot, board)
    return board


def refresh(qtbot, board: SupervisorBoard) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(board.snapshot_applied):
        board.refresh()


def operator_row(board: SupervisorBoard, login: str) -> list[str]:
    model = board.operator_model
    for row in range(model.rowCount()):
        if model.data(model.index(row, 1)) == login:
            return [str(model.data(model.index(row, c))) for c in range(model.columnCount())]
    raise AssertionError(f"{login} not on the board")


def add_item(ctx: ServiceContext, *, level: str = "red", received: dt.datetime = NOW, deadline_min: int = 10,
             name: str = "李四", kind: str = "warning", follow_up_due: dt.datetime | None = None) -> tuple[int, int]:
    """A warning and its live queue item (or a due follow-up's item); returns (warning id, item id)."""
    from db.models import FollowUp, Person, QueueItem, Warning

    with ctx.session() as session:
        person = Person(name=name, phone="13900001111", age_band="26-40")
        session.add(person)
        session.flush()
        warning = Warning(person_id=person.id, received_at=received, fraud_type="task_rebate", risk_level=level,
                          risk_score=80, deadline_at=received + dt.timedelta(minutes=deadline_min))
        session.add(warning)
        session.flush()
        follow_up_id = None
        deadline = warning.deadline_at
        if kind == "follow_up":
            assert follow_up_due is not None
            follow_up = FollowUp(warning_id=warning.id, person_id=person.id, due_at=follow_up_due, status="queued",
                                 day_offset=30)
            session.add(follow_up)
            session.flush()
            follow_up_id = follow_up.id
            deadline = follow_up_due + dt.timedelta(minutes=deadline_min)
        item = QueueItem(kind=kind, warning_id=warning.id, follow_up_id=follow_up_id, status="open", priority=80,
                         risk_level=level, deadline_at=deadline)
        session.add(item)
        session.flush()
        return warning.id, item.id
