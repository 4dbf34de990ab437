"""Key-action figures: how many warnings got a promise and how many a confirmed result, per action.

Activity cohort (see figures.py): a call started in the range counts.  Per action, *promised* is the
number of warnings whose calls in the range recorded the person's promise, *confirmed* the number
whose calls in the range recorded a verification (the operator's 核实 or a follow-up that found it
done).  A warning promised and confirmed in the range counts in both; rows written before
confirmations existed only hold promises.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from console.services.core.vocabulary import KEY_ACTION_LABELS
from db.models import CallAttempt


@dataclass
class KeyActionRow:
    code: str
    label: str
    promised: int = 0  # warnings with a promise of this action
    confirmed: int = 0  # warnings where it was verified / found done


def key_action_rows(session: Session, start: dt.datetime, end: dt.datetime) -> list[KeyActionRow]:
    """One row per key action (label order); actions neither promised nor confirmed are left out."""
    promised: dict[str, set[int]] = {code: set() for code in KEY_ACTION_LABELS}
    confirmed: dict[str, set[int]] = {code: set() for code in KEY_ACTION_LABELS}
    rows = session.execute(
        select(CallAttempt.warning_id, CallAttempt.key_actions, CallAttempt.confirmed_actions)
        .where(CallAttempt.started_at >= start, CallAttempt.started_at < end, CallAttempt.connected.is_(True))
    ).all()
    for warning_id, made, verified in rows:
        for code in made or ():
            promised.setdefault(code, set()).add(int(warning_id))
        for code in verified or ():
            confirmed.setdefault(code, set()).add(int(warning_id))
    result = []
    for code in promised.keys() | confirmed.keys():
        row = KeyActionRow(code, KEY_ACTION_LABELS.get(code, code), len(promised.get(code, ())),
                           len(confirmed.get(code, ())))
        if row.promised or row.confirmed:
            result.append(row)
    order = list(KEY_ACTION_LABELS)
    result.sort(key=lambda r: (order.index(r.code) if r.code in order else len(order), r.code))
    return result


__all__ = ["KeyActionRow", "key_action_rows"]
