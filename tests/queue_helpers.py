"""Helpers for the queue, triage and call-log tests: put scored warnings into a database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import count

from console.services.core.context import ServiceContext
from console.services.triage.scoring import TriageInput, score_warning
from db.models import Person, QueueItem, Warning

T0 = dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC)
_phones = count(13800000000)


class FakeClock:
    """An injectable clock the test moves by hand."""

    def __init__(self, start: dt.datetime = T0) -> None:
        self.current = start

    def __call__(self) -> dt.datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += dt.timedelta(**delta)


def add_warning(
    ctx: ServiceContext,
    *,
    fraud_type: str = "task_rebate",
    signals: tuple[str, ...] = (),
    amount: Decimal | None = None,
    age: int | None = 30,
    received_at: dt.datetime = T0,
    name: str = "张三",
    queue: bool = True,
) -> tuple[int, int | None]:
    """Insert a person, a scored warning and its queue item, as the importer does; returns the ids."""
    settings = ctx.settings.triage
    result = score_warning(
        TriageInput(fraud_type, signals, amount, None, age, False, False, 0, received_at), settings, received_at
    )
    band = "unknown" if age is None else ("65+" if age > 65 else "26-40")
    with ctx.session() as session:
        person = Person(name=name, phone=str(next(_phones)), age_band=band)
        session.add(person)
        session.flush()
        warning = Warning(person_id=person.id, received_at=received_at, fraud_type=fraud_type, signals=list(signals),
                          amount=amount, risk_score=result.score, risk_level=result.level,
                          risk_reasons=result.reasons, deadline_at=result.deadline_at)
        session.add(warning)
        session.flush()
        item_id = None
        if queue:
            item = QueueItem(kind="warning", warning_id=warning.id, status="open", priority=result.score,
                             risk_level=result.level, deadline_at=result.deadline_at)
            session.add(item)
            session.flush()
            item_id = item.id
        return warning.id, item_id


def claim_all_in_process(url: str, user_id: int, login: str, now_iso: str) -> list[int]:
    """Run in a child process: open an own engine on ``url`` and claim until the queue is empty."""
    from console.app.bootstrap import open_database
    from console.services.core.context import Actor
    from console.services.queue.claims import claim_next

    database = open_database(url)
    now = dt.datetime.fromisoformat(now_iso)
    ctx = ServiceContext(database.sessions, Actor(user_id, login, "operator"), lambda: now)
    claimed: list[int] = []
    while (item := claim_next(ctx)) is not None:
        claimed.append(item.item_id)
    database.dispose()
    return claimed
