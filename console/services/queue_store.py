"""The queue's hot path in prebuilt SQLAlchemy Core statements, and the ``QueueEntry`` read model.

Claims run on every seat all day and must cost about a millisecond, so the statements are built
once (with bound parameters) and executed on the session's connection, bypassing ORM hydration.
The claim order itself is documented in console/services/queue.py.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Executable,
    Select,
    Table,
    bindparam,
    func,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from console.services.masking import mask_name, mask_phone
from console.services.vocabulary import FRAUD_TYPE_LABELS, RISK_LEVEL_ORDER
from db.base import UTCDateTime
from db.models import AppState, FollowUp, Person, QueueItem, User, Warning

QUEUE_VERSION_KEY = "queue_version"
NOTIFY_CHANNEL = "dissuade_queue"

qi = cast(Table, QueueItem.__table__)
wt = cast(Table, Warning.__table__)
pt = cast(Table, Person.__table__)
ut = cast(Table, User.__table__)
st = cast(Table, AppState.__table__)
ft = cast(Table, FollowUp.__table__)


def _now() -> Any:
    return bindparam("now", type_=UTCDateTime())


@dataclass(frozen=True)
class QueueEntry:
    """One queue item as a seat shows it (personal data masked)."""

    item_id: int
    warning_id: int
    kind: str
    status: str  # open | claimed | waiting (open, but its not_before lies ahead)
    risk_level: str
    score: int
    reasons: list[dict[str, object]]
    fraud_type: str
    fraud_type_label: str
    deadline_at: dt.datetime | None
    not_before: dt.datetime | None
    overdue: bool
    claimed_by: str | None
    lease_expires_at: dt.datetime | None
    name_masked: str
    phone_masked: str
    age_band: str
    repeat_count: int
    attempts: int
    received_at: dt.datetime
    follow_up_id: int | None = None
    escalation_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The shape printed by ``dissuade queue next/list --json``."""
        return {
            "warning_id": self.warning_id,
            "item_id": self.item_id,
            "kind": self.kind,
            "status": self.status,
            "risk_level": self.risk_level,
            "score": self.score,
            "reasons": self.reasons,
            "fraud_type": self.fraud_type,
            "deadline": self.deadline_at.isoformat() if self.deadline_at else None,
            "not_before": self.not_before.isoformat() if self.not_before else None,
            "overdue": self.overdue,
            "claimed_by": self.claimed_by,
            "name": self.name_masked,
            "phone": self.phone_masked,
            "age_band": self.age_band,
            "repeat_count": self.repeat_count,
            "attempts": self.attempts,
        }


# ---------------------------------------------------------------------------------------------- claims


def _branches(with_kinds: bool) -> list[Select[Any]]:
    """Two single-row lookups per level, in claim order: most overdue, then highest score."""
    branches: list[Select[Any]] = []
    for rank, level in enumerate(RISK_LEVEL_ORDER):
        conditions = [
            qi.c.status == "open",
            qi.c.risk_level == level,
            or_(qi.c.not_before.is_(None), qi.c.not_before <= _now()),
        ]
        if with_kinds:
            conditions.append(qi.c.kind.in_(bindparam("kinds", expanding=True)))
        overdue = (
            select(literal_column(str(2 * rank)).label("k"), qi.c.id)
            .where(*conditions, qi.c.deadline_at <= _now())
            .order_by(qi.c.deadline_at, qi.c.id)
            .limit(1)
        )
        by_score = (
            select(literal_column(str(2 * rank + 1)).label("k"), qi.c.id)
            .where(*conditions)
            .order_by(qi.c.priority.desc(), qi.c.deadline_at, qi.c.id)
            .limit(1)
        )
        branches += [overdue, by_score]
    return branches


def _claim_values() -> dict[str, Any]:
    return {"status": "claimed", "claimed_by": bindparam("user_id"), "claimed_at": _now(),
            "lease_expires_at": bindparam("lease_until", type_=UTCDateTime())}


@functools.cache
def claim_statements(with_kinds: bool) -> tuple[Executable, ...]:
    """One claiming ``UPDATE ... WHERE id = (next candidate) AND status = 'open' RETURNING`` per
    branch, tried in claim order until one takes a row.  On PostgreSQL the candidate subquery skips
    rows other seats are claiming right now (``FOR UPDATE SKIP LOCKED``), so seats never wait on each
    other nor take the same row; SQLite ignores the clause and relies on BEGIN IMMEDIATE plus the
    ``status = 'open'`` condition."""
    claims: list[Executable] = []
    for branch in _branches(with_kinds):
        candidate = branch.with_only_columns(qi.c.id).with_for_update(skip_locked=True).scalar_subquery()
        claims.append(
            update(qi)
            .where(qi.c.id == candidate, qi.c.status == "open")
            .values(**_claim_values())
            .returning(qi.c.id, qi.c.warning_id)
        )
    return tuple(claims)


WARNING_IN_PROGRESS = (
    update(wt)
    .where(wt.c.id == bindparam("warning_id_"), wt.c.status == "open")
    .values(status="in_progress", version=wt.c.version + 1)
)

EXPIRE_LEASES = (
    update(qi)
    .where(
        qi.c.id.in_(
            select(qi.c.id)
            .where(qi.c.status == "claimed", qi.c.lease_expires_at <= _now())
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        ),
        qi.c.status == "claimed",
    )
    .values(status="open", claimed_by=None, claimed_at=None, lease_expires_at=None)
)

ANY_DUE_FOLLOW_UP = select(ft.c.id).where(ft.c.status == "scheduled", ft.c.due_at <= _now()).limit(1)

READ_VERSION = select(st.c.value).where(st.c.key == QUEUE_VERSION_KEY)


@functools.cache
def _bump(dialect: str) -> Executable:
    values = {"key": QUEUE_VERSION_KEY, "value": 1, "updated_at": bindparam("changed_at", type_=UTCDateTime())}
    if dialect == "postgresql":
        pg_stmt = pg_insert(st).values(values)
        return pg_stmt.on_conflict_do_update(
            index_elements=[st.c.key], set_={"value": st.c.value + 1, "updated_at": pg_stmt.excluded.updated_at}
        )
    lite_stmt = sqlite_insert(st).values(values)
    return lite_stmt.on_conflict_do_update(
        index_elements=[st.c.key], set_={"value": st.c.value + 1, "updated_at": lite_stmt.excluded.updated_at}
    )


NOTIFY = select(func.pg_notify(NOTIFY_CHANNEL, ""))


def bump(connection: Connection) -> None:
    dialect = connection.dialect.name
    connection.execute(_bump(dialect), {"changed_at": dt.datetime.now(dt.UTC)})
    if dialect == "postgresql":
        connection.execute(NOTIFY)


# ---------------------------------------------------------------------------------------------- entries

ENTRY_COLUMNS = select(
    qi.c.id, qi.c.warning_id, qi.c.kind, qi.c.status, qi.c.risk_level, qi.c.deadline_at, qi.c.not_before,
    qi.c.lease_expires_at, qi.c.follow_up_id, qi.c.escalation_id,
    wt.c.risk_score, wt.c.risk_reasons, wt.c.fraud_type, wt.c.repeat_count, wt.c.attempts, wt.c.received_at,
    pt.c.name, pt.c.phone, pt.c.age_band, ut.c.login,
).select_from(
    qi.join(wt, wt.c.id == qi.c.warning_id).join(pt, pt.c.id == wt.c.person_id).outerjoin(ut, ut.c.id == qi.c.claimed_by)
)

ENTRY_BY_ID = ENTRY_COLUMNS.where(qi.c.id == bindparam("item_id"))


def row_to_entry(row: Any, now: dt.datetime) -> QueueEntry:
    (item_id, warning_id, kind, status, level, deadline, not_before, lease, follow_up_id, escalation_id,
     score, reasons, fraud_type, repeat_count, attempts, received_at, name, phone, band, login) = row
    if status == "claimed" and lease is not None and lease > now:
        state = "claimed"
    elif not_before is not None and not_before > now:
        state = "waiting"
    else:
        state = "open"
    return QueueEntry(
        item_id=item_id, warning_id=warning_id, kind=kind, status=state, risk_level=level, score=score,
        reasons=list(reasons or []), fraud_type=fraud_type,
        fraud_type_label=FRAUD_TYPE_LABELS.get(fraud_type, fraud_type), deadline_at=deadline,
        not_before=not_before, overdue=deadline is not None and deadline <= now,
        claimed_by=login if state == "claimed" else None, lease_expires_at=lease if state == "claimed" else None,
        name_masked=mask_name(name or ""), phone_masked=mask_phone(phone or ""), age_band=band,
        repeat_count=repeat_count, attempts=attempts, received_at=received_at, follow_up_id=follow_up_id,
        escalation_id=escalation_id,
    )
