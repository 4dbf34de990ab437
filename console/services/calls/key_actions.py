"""Key actions as promised and as confirmed: a promise made on the phone is not yet a result.

During a call the script ticks what the person *agrees* to (stop the transfer, tell the family,
install the app …): those land in ``CallAttempt.key_actions`` and count as **promised**.  An action
is **confirmed** only by an explicit 核实 control (the operator verified it, e.g. the bank confirms
the stop, the relative called back) or by a follow-up call that finds it done: those land in
``CallAttempt.confirmed_actions``.  A warning's state per action is the furthest any of its calls got.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from console.services.core.context import ServiceError
from console.services.core.vocabulary import KEY_ACTION_LABELS, KEY_ACTION_STATE_LABELS, KeyActionState
from db.models import CallAttempt


def clean_actions(codes: Iterable[str]) -> list[str]:
    """Known key-action codes in their canonical order, each once; an unknown code is refused."""
    wanted = {str(code) for code in codes}
    unknown = sorted(wanted - set(KEY_ACTION_LABELS))
    if unknown:
        raise ServiceError(f"未知的关键动作：{'、'.join(unknown)}")
    return [code for code in KEY_ACTION_LABELS if code in wanted]


def merge_states(calls: Iterable[tuple[Sequence[str] | None, Sequence[str] | None]]) -> dict[str, str]:
    """Per key action the furthest state reached over ``(promised, confirmed)`` pairs, in label order."""
    promised: set[str] = set()
    confirmed: set[str] = set()
    for made, verified in calls:
        promised.update(made or ())
        confirmed.update(verified or ())
    states: dict[str, str] = {}
    for code in KEY_ACTION_LABELS:
        if code in confirmed:
            states[code] = KeyActionState.CONFIRMED.value
        elif code in promised:
            states[code] = KeyActionState.PROMISED.value
    return states


def warning_action_states(session: Session, warning_id: int) -> dict[str, str]:
    """The state of each key action of one warning over all its calls (first call and follow-ups)."""
    rows = session.execute(
        select(CallAttempt.key_actions, CallAttempt.confirmed_actions).where(CallAttempt.warning_id == warning_id)
    ).all()
    return merge_states((row[0], row[1]) for row in rows)


def states_text(states: dict[str, str]) -> str:
    """``停止转账（已核实）、告知家人（已承诺）`` — empty when nothing was promised or confirmed."""
    return "、".join(f"{KEY_ACTION_LABELS.get(code, code)}（{KEY_ACTION_STATE_LABELS.get(state, state)}）"
                     for code, state in states.items())


__all__ = ["clean_actions", "merge_states", "states_text", "warning_action_states"]
