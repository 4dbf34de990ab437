"""The state machines of an escalation order and of its tasks, checked on every write.

Order: ``open`` (waiting for the station to sign) → ``acknowledged`` → ``in_progress`` → ``done`` (the
station's result recorded); the order may also be closed or cancelled from any open step, and it
follows its on-site task, so an order still ``open`` may jump to ``in_progress``.  ``done`` and
``cancelled`` are final.

Task: ``created`` → ``sent`` → ``acknowledged`` → ``in_progress`` → ``done``.  A task may be closed
(``done`` with a result) from any open step, because a phone notice or a bank refusal can end it
before the station touches it.

Writers call :func:`move_order` / :func:`move_task`; the UI and the CLI offer the moves of
:data:`TASK_TRANSITIONS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from console.services.core.context import ServiceError
from console.services.core.vocabulary import (
    CLOSED_ESCALATION_STATUSES,
    ORDER_STATUS_LABELS,
    TASK_KIND_LABELS,
    TASK_STATUS_LABELS,
    EscalationStatus,
    TaskStatus,
)
from db.models import Escalation, EscalationTask

Order = EscalationStatus
Task = TaskStatus

ORDER_TRANSITIONS: Final[Mapping[EscalationStatus, frozenset[EscalationStatus]]] = {
    Order.OPEN: frozenset({Order.ACKNOWLEDGED, Order.IN_PROGRESS, Order.DONE, Order.CANCELLED}),
    Order.ACKNOWLEDGED: frozenset({Order.IN_PROGRESS, Order.DONE, Order.CANCELLED}),
    Order.IN_PROGRESS: frozenset({Order.DONE, Order.CANCELLED}),
    Order.DONE: frozenset(),
    Order.CANCELLED: frozenset(),
}

# The next statuses a task may move to, in the order the UI offers them.
TASK_TRANSITIONS: Final[Mapping[str, tuple[TaskStatus, ...]]] = {
    Task.CREATED: (Task.SENT, Task.DONE),
    Task.SENT: (Task.ACKNOWLEDGED, Task.DONE),
    Task.ACKNOWLEDGED: (Task.IN_PROGRESS, Task.DONE),
    Task.IN_PROGRESS: (Task.DONE,),
    Task.DONE: (),
}


class TransitionRefused(ServiceError):
    """A status change the order's or the task's state machine does not allow."""


def order_is_closed(escalation: Escalation) -> bool:
    """Finished orders (done or cancelled): nothing about them may change any more."""
    return escalation.status in CLOSED_ESCALATION_STATUSES


def move_order(escalation: Escalation, to: EscalationStatus) -> None:
    """Set the order's status, refusing a move its state machine forbids."""
    try:
        allowed = ORDER_TRANSITIONS[EscalationStatus(escalation.status)]
    except ValueError:
        allowed = frozenset()
    if to not in allowed:
        was = ORDER_STATUS_LABELS.get(escalation.status, escalation.status)
        raise TransitionRefused(f"指令 {escalation.id} 当前为“{was}”，不能改为“{ORDER_STATUS_LABELS[to]}”")
    escalation.status = to


def task_moves(current: str) -> tuple[TaskStatus, ...]:
    """The statuses a task in ``current`` may move to (none for an unknown or final one)."""
    return TASK_TRANSITIONS.get(current, ())


def move_task(task: EscalationTask, to: TaskStatus) -> None:
    """Set the task's status, refusing (with the moves that are possible) a move its state machine forbids."""
    check_task_move(task, to)
    task.status = to


def check_task_move(task: EscalationTask, to: TaskStatus) -> None:
    """Refuse, naming the moves that are possible, a move the task's state machine forbids."""
    allowed = task_moves(task.status)
    if to not in allowed:
        label = TASK_KIND_LABELS.get(task.kind, task.kind)
        now_label = TASK_STATUS_LABELS.get(task.status, task.status)
        options = "、".join(TASK_STATUS_LABELS[s] for s in allowed) or "无（任务已完成）"
        raise TransitionRefused(
            f"“{label}”任务当前为“{now_label}”，不能改为“{TASK_STATUS_LABELS[to]}”；可改为：{options}"
        )


__all__ = [
    "ORDER_TRANSITIONS",
    "TASK_TRANSITIONS",
    "TransitionRefused",
    "check_task_move",
    "move_order",
    "move_task",
    "order_is_closed",
    "task_moves",
]
