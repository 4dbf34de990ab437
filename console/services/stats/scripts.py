"""Script effectiveness (the basis for 复盘): per script and profile group, how calls went.

For each script id × profile group of the person called: attempts (calls made with the script,
answered or not), connected calls, decided calls (ending dissuaded, refused or victimized), dissuaded
calls, the success rate (dissuaded / decided: the same definition as the warnings' success rate,
see :mod:`console.services.stats.definitions`), how often each objection came up, and per objection
handler the success rate of the decided calls in which it ran.  An objection
raised during a call always runs that script's handler for it (``@code`` in the node path), so
"handler followed" and "objection met" are the same calls.

One grouped query: calls are grouped by script, profile group, disposition, connected and the
objection list as stored text, so the number of rows fetched depends on the variety, not the volume.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Text, cast, func, select
from sqlalchemy.orm import Session

from console.services.core.context import ServiceContext
from console.services.core.errors import ServiceError
from console.services.stats.sql import rate
from db.models import CallAttempt, CallReview, Person, Warning

DECIDED = ("dissuaded", "refused", "victimized")  # as in stats.figures: the calls a success rate divides by


@dataclass
class HandlerRow:
    objection: str
    calls: int
    dissuaded: int
    success_rate: float | None
    decided: int = 0


@dataclass
class ScriptRow:
    script_id: str
    profile_group: str
    attempts: int = 0
    connected: int = 0
    dissuaded: int = 0
    success_rate: float | None = None
    decided: int = 0
    objections: dict[str, int] = field(default_factory=dict)
    handlers: list[HandlerRow] = field(default_factory=list)


def decode_list(value: Any) -> list[str]:
    """A JSON list column fetched as text (SQLite) or already decoded (some drivers)."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    try:
        decoded = json.loads(value)
    except (TypeError, ValueError):
        return []
    return [str(v) for v in decoded] if isinstance(decoded, list) else []


def script_rows(session: Session, start: dt.datetime, end: dt.datetime, *,
                min_quality: float | None = None) -> list[ScriptRow]:
    """The rows of the range; with ``min_quality`` (a percentage) only the calls a 话务质检 review scored at
    least that share of its maximum (every review of the call must reach it)."""
    objections_text = cast(CallAttempt.objections, Text)
    query = (
        select(CallAttempt.script_id, Person.profile_group, CallAttempt.disposition, CallAttempt.connected,
               objections_text, func.count())
        .join(Warning, Warning.id == CallAttempt.warning_id)
        .join(Person, Person.id == Warning.person_id)
        .where(CallAttempt.started_at >= start, CallAttempt.started_at < end, CallAttempt.script_id != "")
        .group_by(CallAttempt.script_id, Person.profile_group, CallAttempt.disposition, CallAttempt.connected,
                  objections_text)
    )
    if min_quality is not None:
        reviewed = select(CallReview.attempt_id).where(CallReview.max_total > 0)
        below = select(CallReview.attempt_id).where(CallReview.total * 100 < min_quality * CallReview.max_total)
        query = query.where(CallAttempt.id.in_(reviewed), CallAttempt.id.not_in(below))
    rows = session.execute(query).all()
    table: dict[tuple[str, str], ScriptRow] = {}
    handler_counts: dict[tuple[str, str], dict[str, list[int]]] = {}
    for script_id, group, disposition, connected, objections, count in rows:
        key = (str(script_id), str(group))
        row = table.setdefault(key, ScriptRow(*key))
        n = int(count)
        won = disposition == "dissuaded"
        decided = disposition in DECIDED
        row.attempts += n
        row.connected += n if connected else 0
        row.decided += n if decided else 0
        row.dissuaded += n if won else 0
        handlers = handler_counts.setdefault(key, {})
        for code in dict.fromkeys(decode_list(objections)):  # once per call, even if raised twice
            row.objections[code] = row.objections.get(code, 0) + n
            pair = handlers.setdefault(code, [0, 0, 0])
            pair[0] += n
            pair[1] += n if won else 0
            pair[2] += n if decided else 0
    result = []
    for key, row in table.items():
        row.success_rate = rate(row.dissuaded, row.decided)
        row.objections = dict(sorted(row.objections.items(), key=lambda kv: (-kv[1], kv[0])))
        row.handlers = [HandlerRow(code, calls, won, rate(won, decided), decided)
                        for code, (calls, won, decided) in sorted(handler_counts[key].items(),
                                                                  key=lambda kv: (-kv[1][0], kv[0]))]
        result.append(row)
    result.sort(key=lambda r: (r.script_id, -r.attempts, r.profile_group))
    return result


def reviewed_script_rows(ctx: ServiceContext, date_from: dt.date, date_to: dt.date,
                         min_quality: float) -> list[ScriptRow]:
    """Script effectiveness over the calls of ``date_from`` .. ``date_to`` (centre dates) whose 话务质检
    score reached ``min_quality`` percent: how the scripts do when they are delivered well."""
    if not 0 <= min_quality <= 100:
        raise ServiceError("质检得分率下限应在 0 到 100 之间")
    start, end = ctx.centre_clock.utc_bounds(date_from, date_to)
    with ctx.sessions() as session:
        return script_rows(session, start, end, min_quality=min_quality)
