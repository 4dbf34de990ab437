"""The state machines of queue items and warnings: which status may follow which, checked on every write.

Every writer of ``QueueItem.status`` or ``Warning.status`` goes through :func:`move_item` /
:func:`move_warning` (ORM rows) or builds its statement with :func:`item_move` / :func:`warning_move`
(Core statements whose ``WHERE status = ...`` names the state they leave), so a forbidden move is
refused in one place.  The columns stay strings: the enums' values are the stored codes.

Queue item: ``open`` → ``claimed`` (claim, reassign) → ``open`` again (released, lease ran out, no
answer: back for a retry) or ``done`` (call logged, item finished); ``open``/``claimed`` → ``skipped``
(a supervisor takes it out).  ``done``, ``skipped`` and ``cancelled`` are final.

Warning: ``open`` → ``in_progress`` (claimed, called, escalated) → ``closed``; a later call on a
closed warning that needs another one (no answer, escalation) takes it back to ``in_progress``.
Nothing goes back to ``open``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from console.services.core.context import ConflictError
from console.services.core.vocabulary import (
    QUEUE_ITEM_STATUS_LABELS,
    WARNING_STATUS_LABELS,
    QueueItemStatus,
    WarningStatus,
)
from db.models import QueueItem, Warning

Item = QueueItemStatus
W = WarningStatus

ITEM_TRANSITIONS: Final[Mapping[QueueItemStatus, frozenset[QueueItemStatus]]] = {
    # open -> open: a retry re-queued with a new not_before
    Item.OPEN: frozenset({Item.CLAIMED, Item.OPEN, Item.DONE, Item.SKIPPED, Item.CANCELLED}),
    # claimed -> claimed: reassigned to another operator on a fresh lease
    Item.CLAIMED: frozenset({Item.OPEN, Item.CLAIMED, Item.DONE, Item.SKIPPED, Item.CANCELLED}),
    Item.DONE: frozenset(),
    Item.SKIPPED: frozenset(),
    Item.CANCELLED: frozenset(),
}

WARNING_TRANSITIONS: Final[Mapping[WarningStatus, frozenset[WarningStatus]]] = {
    W.OPEN: frozenset({W.IN_PROGRESS, W.CLOSED}),
    W.IN_PROGRESS: frozenset({W.IN_PROGRESS, W.CLOSED}),
    W.CLOSED: frozenset({W.IN_PROGRESS, W.CLOSED}),
}



class TransitionRefused(ConflictError):
    """A status change the state machine does not allow (the row moved on meanwhile, or a bug)."""


def item_may_move(current: str, to: QueueItemStatus) -> bool:
    try:
        return to in ITEM_TRANSITIONS[QueueItemStatus(current)]
    except ValueError:
        return False


def warning_may_move(current: str, to: WarningStatus) -> bool:
    try:
        return to in WARNING_TRANSITIONS[WarningStatus(current)]
    except ValueError:
        return False


def move_item(item: QueueItem, to: QueueItemStatus) -> None:
    """Set the item's status, refusing a move the state machine forbids."""
    if not item_may_move(item.status, to):
        was = QUEUE_ITEM_STATUS_LABELS.get(item.status, item.status)
        raise TransitionRefused(f"队列条目 {item.id} 当前为“{was}”，不能改为“{QUEUE_ITEM_STATUS_LABELS[to]}”")
    item.status = to


def move_warning(warning: Warning, to: WarningStatus) -> None:
    """Set the warning's status, refusing a move the state machine forbids."""
    if not warning_may_move(warning.status, to):
        was = WARNING_STATUS_LABELS.get(warning.status, warning.status)
        raise TransitionRefused(f"预警 {warning.id} 当前为“{was}”，不能改为“{WARNING_STATUS_LABELS[to]}”")
    warning.status = to


def item_move(current: QueueItemStatus, to: QueueItemStatus) -> QueueItemStatus:
    """``to``, for a statement that moves items out of ``current`` (checked when the statement is built)."""
    if to not in ITEM_TRANSITIONS[current]:
        raise AssertionError(f"queue item status {current} may not become {to}")
    return to


def warning_move(current: WarningStatus, to: WarningStatus) -> WarningStatus:
    """``to``, for a statement that moves warnings out of ``current`` (checked when the statement is built)."""
    if to not in WARNING_TRANSITIONS[current]:
        raise AssertionError(f"warning status {current} may not become {to}")
    return to


__all__ = [
    "ITEM_TRANSITIONS",
    "WARNING_TRANSITIONS",
    "TransitionRefused",
    "item_may_move",
    "item_move",
    "move_item",
    "move_warning",
    "warning_may_move",
    "warning_move",
]
