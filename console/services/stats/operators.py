"""Who is credited with a dissuaded warning: the operator of its last dissuading call.

The 值班人员 table counts 劝阻成功 per warning, like every other table (definitions:
``operator_dissuaded``), so the operators' column sums to the day's or period's 劝阻成功.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from db.models import CallAttempt, Warning


def operator_dissuaded(session: Session, start: dt.datetime, end: dt.datetime) -> Counter[int | None]:
    """Warnings received in the range and closed dissuaded, each credited once to the operator of its last
    dissuading call (definitions: operator_dissuaded), so the operators' column sums to the total."""
    rows = session.execute(
        select(Warning.id, CallAttempt.operator_id)
        .outerjoin(CallAttempt, and_(CallAttempt.warning_id == Warning.id, CallAttempt.disposition == "dissuaded"))
        .where(Warning.received_at >= start, Warning.received_at < end, Warning.outcome == "dissuaded")
        .order_by(Warning.id, CallAttempt.started_at, CallAttempt.id)
    ).all()
    last: dict[int, int | None] = {}
    for warning_id, operator_id in rows:
        last[int(warning_id)] = operator_id
    return Counter(last.values())
