"""The queue's hot path in prebuilt SQLAlchemy Core statements, and the ``QueueEntry`` read model.

Claims run on every seat all day and must cost about a millisecond, so the statements are built
once (with bound parameters) and executed on the session's connection, bypassing ORM hydration.
The claim order is defined once, in ``CLAIM_LOOKUPS`` (documented in console/services/queue/claims.py).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Engine,
    Executable,
    Select,
    Table,
    bindparam,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.elements import ClauseElement

from console.services.core.masking import mask_name, mask_phone
from console.services.core.vocabulary import (
    FRAUD_TYPE_LABELS,
    RISK_LEVEL_ORDER,
    FollowUpStatus,
    QueueItemKind,
    QueueItemStatus,
    WarningStatus,
)
from console.services.queue.states import item_move, warning_move
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
    agreed_by: str | None = None  # an agreed callback (约定回拨): the login of the operator who agreed it

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


@dataclass(frozen=True)
class ClaimLookup:
    """One single-row lookup of the claim order, tried for each risk level in turn."""

    name: str
    overdue_only: bool  # only items past their first-contact deadline (deadline_at <= now)
    order: tuple[tuple[str, str], ...]  # (queue_items column, "asc" | "desc"), the first row taken

    def order_by(self) -> list[Any]:
        return [qi.c[column].desc() if direction == "desc" else qi.c[column] for column, direction in self.order]

    def order_sql(self) -> str:
        """The ORDER BY list as PG_CLAIM_SQL spells it."""
        return ", ".join(column + (" DESC" if direction == "desc" else "") for column, direction in self.order)


# The claim order, defined here once (claims.py documents it).  The lookups, for each level of
# RISK_LEVEL_ORDER: "overdue" (only with the claim order "deadline"), the most overdue item; "by_score", the
# highest score (which already counts the minutes past the deadline), the earlier deadline breaking ties, then
# the older item.  The SQLite statements and the listing order are built from it; tests/test_queue_claims.py
# checks PG_CLAIM_SQL against it.
CLAIM_LOOKUPS: tuple[ClaimLookup, ...] = (
    ClaimLookup("overdue", True, (("deadline_at", "asc"), ("id", "asc"))),
    ClaimLookup("by_score", False, (("priority", "desc"), ("deadline_at", "asc"), ("id", "asc"))),
)
# The claim-order setting (triage ``claim_order``) picks which lookups run: "score", the default, runs only
# the by-score lookup, so within a level a score-100 red goes before every older score-65 red; "deadline"
# first takes every overdue item, the most overdue first.  On PostgreSQL the one statement has every arm;
# ``:overdue_first`` (true only for "deadline") switches the overdue arms on.
CLAIM_POLICIES: dict[str, tuple[ClaimLookup, ...]] = {"score": (CLAIM_LOOKUPS[1],), "deadline": CLAIM_LOOKUPS}
DEFAULT_CLAIM_ORDER = "score"


def own_callback_branch(with_kinds: bool) -> Select[Any]:
    """The acting operator's due callback (约定回拨), the longest due first: taken before any level.

    A callback's ``deadline_at`` is the agreed time and its ``not_before`` that time plus the grace
    (workstation ``callback_grace_minutes``), so until then only this lookup offers it, to its operator."""
    conditions = [qi.c.assigned_to == bindparam("user_id"), qi.c.status == QueueItemStatus.OPEN,
                  qi.c.kind == QueueItemKind.CALLBACK, qi.c.deadline_at <= _now()]
    if with_kinds:
        conditions.append(qi.c.kind.in_(bindparam("kinds", expanding=True)))
    return select(qi.c.id).where(*conditions).order_by(qi.c.deadline_at, qi.c.id).limit(1)


def _branches(with_kinds: bool, policy: str) -> list[Select[Any]]:
    """The acting operator's due callback, then the lookups of the claim-order ``policy`` for every
    level, in claim order."""
    branches: list[Select[Any]] = [own_callback_branch(with_kinds)]
    for level in RISK_LEVEL_ORDER:
        conditions = [
            qi.c.status == QueueItemStatus.OPEN,
            qi.c.risk_level == level,
            or_(qi.c.not_before.is_(None), qi.c.not_before <= _now()),
        ]
        if with_kinds:
            conditions.append(qi.c.kind.in_(bindparam("kinds", expanding=True)))
        for lookup in CLAIM_POLICIES[policy]:
            where = [*conditions, qi.c.deadline_at <= _now()] if lookup.overdue_only else conditions
            branches.append(select(qi.c.id).where(*where).order_by(*lookup.order_by()).limit(1))
    return branches


def _claim_values() -> dict[str, Any]:
    return {"status": item_move(QueueItemStatus.OPEN, QueueItemStatus.CLAIMED), "claimed_by": bindparam("user_id"),
            "claimed_at": _now(),
            "lease_expires_at": bindparam("lease_until", type_=UTCDateTime())}


@functools.cache
def claim_statements(with_kinds: bool, policy: str = DEFAULT_CLAIM_ORDER) -> tuple[Executable, ...]:
    """One claiming ``UPDATE ... WHERE id = (next candidate) AND status = 'open' RETURNING`` per
    branch, tried in claim order until one takes a row.  On PostgreSQL the candidate subquery skips
    rows other seats are claiming right now (``FOR UPDATE SKIP LOCKED``), so seats never wait on each
    other nor take the same row; SQLite ignores the clause and relies on BEGIN IMMEDIATE plus the
    ``status = 'open'`` condition."""
    claims: list[Executable] = []
    for branch in _branches(with_kinds, policy):
        candidate = branch.with_only_columns(qi.c.id).with_for_update(skip_locked=True).scalar_subquery()
        claims.append(
            update(qi)
            .where(qi.c.id == candidate, qi.c.status == QueueItemStatus.OPEN)
            .values(**_claim_values())
            .returning(qi.c.id, qi.c.warning_id)
        )
    return tuple(claims)


# Take one named item (search, a double-click on a queue row): only while nobody holds it on a live lease.
# The conditions are re-checked under the row lock, so of two seats taking the same item one wins.
TAKE_ITEM = (
    update(qi)
    .where(qi.c.id == bindparam("item_id"),
           or_(qi.c.status == QueueItemStatus.OPEN,
               (qi.c.status == QueueItemStatus.CLAIMED) & (qi.c.lease_expires_at <= _now())))
    .values(**_claim_values())
    .returning(qi.c.id, qi.c.warning_id)
)

# The caller's own claim: the lease moves on (the claim stays as it was, claimed_at included).
RENEW_OWN = (
    update(qi)
    .where(qi.c.id == bindparam("item_id"), qi.c.status == QueueItemStatus.CLAIMED,
           qi.c.claimed_by == bindparam("user_id"))
    .values(lease_expires_at=bindparam("lease_until", type_=UTCDateTime()))
    .returning(qi.c.id)
)

ITEM_HOLDER = select(qi.c.status, qi.c.lease_expires_at, qi.c.claimed_by, ut.c.login).select_from(
    qi.outerjoin(ut, ut.c.id == qi.c.claimed_by)).where(qi.c.id == bindparam("item_id"))

WARNING_IN_PROGRESS = (
    update(wt)
    .where(wt.c.id == bindparam("warning_id_"), wt.c.status == WarningStatus.OPEN)
    .values(status=warning_move(WarningStatus.OPEN, WarningStatus.IN_PROGRESS), version=wt.c.version + 1)
)

FINISH_HELD = (
    update(qi)
    .where(qi.c.id == bindparam("item_id"), qi.c.status == QueueItemStatus.CLAIMED,
           qi.c.claimed_by == bindparam("user_id"))
    .values(status=item_move(QueueItemStatus.CLAIMED, QueueItemStatus.DONE), closed_at=_now(), lease_expires_at=None)
    .returning(qi.c.id)
)

EXPIRE_LEASES = (
    update(qi)
    .where(
        qi.c.id.in_(
            select(qi.c.id)
            .where(qi.c.status == QueueItemStatus.CLAIMED, qi.c.lease_expires_at <= _now())
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        ),
        qi.c.status == QueueItemStatus.CLAIMED,
    )
    .values(status=item_move(QueueItemStatus.CLAIMED, QueueItemStatus.OPEN), claimed_by=None, claimed_at=None,
            lease_expires_at=None)
)

ANY_DUE_FOLLOW_UP = select(ft.c.id).where(ft.c.status == FollowUpStatus.SCHEDULED, ft.c.due_at <= _now()).limit(1)

# The change counter.  SQLite has one writer at a time and keeps one row.  On PostgreSQL every seat's
# transaction would otherwise lock that one row until its commit, so concurrent claims would queue
# behind each other; there each server connection counts in its own slot row instead
# ("queue_version.<backend pid mod 64>") and the version is the sum of the slots.  Every committed
# change still raises the sum, and a reader sees only committed changes.
VERSION_SLOTS = 1024
READ_VERSION = select(func.coalesce(func.sum(st.c.value), 0)).where(
    or_(st.c.key == QUEUE_VERSION_KEY, st.c.key.like(QUEUE_VERSION_KEY + ".%"))
)

_LITE_BUMP = sqlite_insert(st).values(
    key=QUEUE_VERSION_KEY, value=1, updated_at=bindparam("changed_at", type_=UTCDateTime())
)
LITE_BUMP = _LITE_BUMP.on_conflict_do_update(
    index_elements=[st.c.key], set_={"value": st.c.value + 1, "updated_at": _LITE_BUMP.excluded.updated_at}
)

# This connection's slot upserted and the NOTIFY sent, in one round trip (also part of PG_CLAIM_SQL).
PG_BUMP = text("""
    WITH bumped AS (
        INSERT INTO app_state (key, value, updated_at)
        SELECT :version_key || '.' || (pg_backend_pid() % :slots), 1, :changed_at
        ON CONFLICT (key) DO UPDATE SET value = app_state.value + 1, updated_at = excluded.updated_at
        RETURNING 1
    )
    SELECT pg_notify(:channel, '') FROM bumped
""").bindparams(
    bindparam("changed_at", type_=UTCDateTime()), bindparam("version_key", QUEUE_VERSION_KEY),
    bindparam("slots", VERSION_SLOTS), bindparam("channel", NOTIFY_CHANNEL),
)


def bump(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(PG_BUMP, {"changed_at": dt.datetime.now(dt.UTC)})
    else:
        connection.execute(LITE_BUMP, {"changed_at": dt.datetime.now(dt.UTC)})


# ---------------------------------------------------------------------------------------------- entries

agreed_by = ut.alias("agreed_by")  # the operator an item is assigned to: who agreed a callback

ENTRY_COLUMNS = select(
    qi.c.id, qi.c.warning_id, qi.c.kind, qi.c.status, qi.c.risk_level, qi.c.deadline_at, qi.c.not_before,
    qi.c.lease_expires_at, qi.c.follow_up_id, qi.c.escalation_id,
    wt.c.risk_score, wt.c.risk_reasons, wt.c.fraud_type, wt.c.repeat_count, wt.c.attempts, wt.c.received_at,
    pt.c.name, pt.c.phone, pt.c.age_band, ut.c.login, agreed_by.c.login,
).select_from(
    qi.join(wt, wt.c.id == qi.c.warning_id).join(pt, pt.c.id == wt.c.person_id).outerjoin(ut, ut.c.id == qi.c.claimed_by)
    .outerjoin(agreed_by, agreed_by.c.id == qi.c.assigned_to)
)

ENTRY_BY_ID = ENTRY_COLUMNS.where(qi.c.id == bindparam("item_id"))


def row_to_entry(row: Any, now: dt.datetime) -> QueueEntry:
    (item_id, warning_id, kind, status, level, deadline, not_before, lease, follow_up_id, escalation_id,
     score, reasons, fraud_type, repeat_count, attempts, received_at, name, phone, band, login, assignee) = row
    if status == QueueItemStatus.CLAIMED and lease is not None and lease > now:
        state = QueueItemStatus.CLAIMED.value
    elif not_before is not None and not_before > now:
        state = "waiting"
    else:
        state = QueueItemStatus.OPEN.value
    return QueueEntry(
        item_id=item_id, warning_id=warning_id, kind=kind, status=state, risk_level=level, score=score,
        reasons=list(reasons or []), fraud_type=fraud_type,
        fraud_type_label=FRAUD_TYPE_LABELS.get(fraud_type, fraud_type), deadline_at=deadline,
        not_before=not_before, overdue=deadline is not None and deadline <= now,
        claimed_by=login if state == QueueItemStatus.CLAIMED else None,
        lease_expires_at=lease if state == QueueItemStatus.CLAIMED else None,
        name_masked=mask_name(name or ""), phone_masked=mask_phone(phone or ""), age_band=band,
        repeat_count=repeat_count, attempts=attempts, received_at=received_at, follow_up_id=follow_up_id,
        escalation_id=escalation_id, agreed_by=assignee if kind == QueueItemKind.CALLBACK else None,
    )


# ---------------------------------------------------------------------------------------------- PostgreSQL claim


# The whole PostgreSQL claim in one statement and one round trip: take the first item in claim order
# (the acting operator's due callback first, see own_callback_branch; then the CLAIM_LOOKUPS arms, level by level: the most overdue when the claim order is "deadline", then the
# highest score, the earlier deadline, the older item), mark its warning in
# progress, count the change, NOTIFY, and return the entry with the columns of ENTRY_COLUMNS (the
# warning's as they were before this statement, which only changes its status).
#
# PostgreSQL runs the arms of a UNION ALL one after another and the LIMIT 1 above them stops at the
# first row, so only the arms up to the first hit run and only that hit is locked (SKIP LOCKED: rows
# other seats are claiming right now are passed over, never waited for).  ``:any_kind`` true means
# every item kind, otherwise only the kinds in ``:kinds``; ``:overdue_first`` false (claim order "score",
# the default) leaves the overdue arms empty, so each level is one index seek by score.  The statement stays a literal (no SQL is
# assembled from strings); a test checks its arms, one per level and lookup, against CLAIM_LOOKUPS.
PG_CLAIM_SQL = """
    WITH picked AS (
        UPDATE queue_items SET status = 'claimed', claimed_by = :user_id, claimed_at = :now,
               lease_expires_at = :lease_until
        WHERE id = (SELECT id FROM (
            SELECT id FROM (SELECT id FROM queue_items WHERE assigned_to = :user_id AND status = 'open'
                            AND kind = 'callback' AND deadline_at <= :now AND (:any_kind OR kind = ANY(:kinds))
                            ORDER BY deadline_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) AS own_callback
            UNION ALL
            SELECT id FROM (SELECT id FROM queue_items WHERE status = 'open' AND risk_level = :level0
                            AND (not_before IS NULL OR not_before <= :now) AND (:any_kind OR kind = ANY(:kinds))
                            AND :overdue_first AND deadline_at <= :now
                            ORDER BY deadline_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) AS overdue0
            UNION ALL
            SELECT id FROM (SELECT id FROM queue_items WHERE status = 'open' AND risk_level = :level0
                            AND (not_before IS NULL OR not_before <= :now) AND (:any_kind OR kind = ANY(:kinds))
                            ORDER BY priority DESC, deadline_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) AS by_score0
            UNION ALL
            SELECT id FROM (SELECT id FROM queue_items WHERE status = 'open' AND risk_level = :level1
                            AND (not_before IS NULL OR not_before <= :now) AND (:any_kind OR kind = ANY(:kinds))
                            AND :overdue_first AND deadline_at <= :now
                            ORDER BY deadline_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) AS overdue1
            UNION ALL
            SELECT id FROM (SELECT id FROM queue_items WHERE status = 'open' AND risk_level = :level1
                            AND (not_before IS NULL OR not_before <= :now) AND (:any_kind OR kind = ANY(:kinds))
                            ORDER BY priority DESC, deadline_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) AS by_score1
            UNION ALL
            SELECT id FROM (SELECT id FROM queue_items WHERE status = 'open' AND risk_level = :level2
                            AND (not_before IS NULL OR not_before <= :now) AND (:any_kind OR kind = ANY(:kinds))
                            AND :overdue_first AND deadline_at <= :now
                            ORDER BY deadline_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) AS overdue2
            UNION ALL
            SELECT id FROM (SELECT id FROM queue_items WHERE status = 'open' AND risk_level = :level2
                            AND (not_before IS NULL OR not_before <= :now) AND (:any_kind OR kind = ANY(:kinds))
                            ORDER BY priority DESC, deadline_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) AS by_score2
            UNION ALL
            SELECT id FROM (SELECT id FROM queue_items WHERE status = 'open' AND risk_level = :level3
                            AND (not_before IS NULL OR not_before <= :now) AND (:any_kind OR kind = ANY(:kinds))
                            AND :overdue_first AND deadline_at <= :now
                            ORDER BY deadline_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) AS overdue3
            UNION ALL
            SELECT id FROM (SELECT id FROM queue_items WHERE status = 'open' AND risk_level = :level3
                            AND (not_before IS NULL OR not_before <= :now) AND (:any_kind OR kind = ANY(:kinds))
                            ORDER BY priority DESC, deadline_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) AS by_score3
        ) AS candidates LIMIT 1) AND status = 'open'
        RETURNING id, warning_id, kind, status, risk_level, deadline_at, not_before, lease_expires_at,
                  follow_up_id, escalation_id, claimed_by, assigned_to
    ),
    started AS (
        UPDATE warnings SET status = 'in_progress', version = warnings.version + 1, updated_at = :changed_at
        FROM picked WHERE warnings.id = picked.warning_id AND warnings.status = 'open'
        RETURNING warnings.id
    ),
    bumped AS (
        INSERT INTO app_state (key, value, updated_at)
        SELECT :version_key || '.' || (pg_backend_pid() % :slots), 1, :changed_at FROM picked
        ON CONFLICT (key) DO UPDATE SET value = app_state.value + 1, updated_at = excluded.updated_at
        RETURNING 1
    )
    SELECT picked.id, picked.warning_id, picked.kind, picked.status, picked.risk_level, picked.deadline_at,
           picked.not_before, picked.lease_expires_at, picked.follow_up_id, picked.escalation_id,
           w.risk_score, w.risk_reasons, w.fraud_type, w.repeat_count, w.attempts, w.received_at,
           p.name, p.phone, p.age_band, u.login, a.login
    FROM picked
    CROSS JOIN (SELECT pg_notify(:channel, '') FROM bumped) AS notified
    JOIN warnings AS w ON w.id = picked.warning_id
    JOIN persons AS p ON p.id = w.person_id
    LEFT JOIN users AS u ON u.id = picked.claimed_by
    LEFT JOIN users AS a ON a.id = picked.assigned_to
"""

PG_CLAIM = text(PG_CLAIM_SQL).bindparams(
    bindparam("now", type_=UTCDateTime()), bindparam("lease_until", type_=UTCDateTime()),
    bindparam("changed_at", type_=UTCDateTime()), bindparam("version_key", QUEUE_VERSION_KEY),
    bindparam("slots", VERSION_SLOTS), bindparam("channel", NOTIFY_CHANNEL),
    *(bindparam(f"level{rank}", level) for rank, level in enumerate(RISK_LEVEL_ORDER)),
).columns(
    qi.c.id, qi.c.warning_id, qi.c.kind, qi.c.status, qi.c.risk_level, qi.c.deadline_at, qi.c.not_before,
    qi.c.lease_expires_at, qi.c.follow_up_id, qi.c.escalation_id,
    wt.c.risk_score, wt.c.risk_reasons, wt.c.fraud_type, wt.c.repeat_count, wt.c.attempts, wt.c.received_at,
    pt.c.name, pt.c.phone, pt.c.age_band, ut.c.login,
)


# ---------------------------------------------------------------------------------------------- driver level


@dataclass(frozen=True)
class DriverStatement:
    """A statement compiled once for a dialect: its SQL text for the DBAPI, with whitespace runs
    folded (psycopg caches the conversion of statements up to 4 KiB only), and the values of its
    constant parameters."""

    sql: str
    constants: dict[str, Any]


_DRIVER_STATEMENTS: dict[tuple[ClauseElement, str], DriverStatement] = {}


def driver_statement(statement: ClauseElement, dialect: Dialect) -> DriverStatement:
    key = (statement, dialect.name)
    found = _DRIVER_STATEMENTS.get(key)
    if found is None:
        compiled = statement.compile(dialect=dialect)
        found = _DRIVER_STATEMENTS[key] = DriverStatement(" ".join(str(compiled).split()), dict(compiled.params))
    return found


def fetch_one_autocommit(engine: Engine, statement: ClauseElement, params: dict[str, Any]) -> tuple[Any, ...] | None:
    """Run one self-contained statement on its own (autocommit: the statement is its transaction)
    straight on the DBAPI connection, and return its first row as the driver gives it.

    The hot path of the PostgreSQL claim: one round trip instead of BEGIN, statement and COMMIT,
    and none of SQLAlchemy's per-execution work, which costs as much client CPU as the claim
    itself when sixteen seats claim at once.  The statement is prepared on the server at its first
    use on a connection (not after five, psycopg's default), so a seat plans it only while the
    server tries custom plans before settling on the generic one.

    The pool still checks the connection out (and pings it), and a DBAPI error comes back as
    SQLAlchemy's, with a dead connection invalidated, exactly as ``Connection.execute`` reports it.
    Parameters go to the driver as given: datetimes must be timezone-aware."""
    dialect = engine.dialect
    prepared = driver_statement(statement, dialect)
    values = prepared.constants | params
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        raw = connection.connection
        try:
            cursor = raw.driver_connection.execute(prepared.sql, values, prepare=True)  # type: ignore[union-attr]
            return cast(tuple[Any, ...] | None, cursor.fetchone())
        except dialect.loaded_dbapi.Error as exc:
            lost = dialect.is_disconnect(exc, raw.dbapi_connection, None)
            if lost:
                connection.invalidate(exc)
            raise DBAPIError.instance(prepared.sql, values, exc, dialect.loaded_dbapi.Error,
                                      connection_invalidated=lost, dialect=dialect) from exc


def utc_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A driver row with its timestamps in UTC, as ``UTCDateTime`` columns give them."""
    return tuple(value.astimezone(dt.UTC) if isinstance(value, dt.datetime) else value for value in row)


# Leases that ran out go back to the queue, and whether a follow-up is due, in one round trip.
PG_HOUSEKEEPING = text("""
    WITH expired AS (
        UPDATE queue_items SET status = 'open', claimed_by = NULL, claimed_at = NULL, lease_expires_at = NULL
        WHERE id IN (SELECT id FROM queue_items WHERE status = 'claimed' AND lease_expires_at <= :now
                     FOR UPDATE SKIP LOCKED) AND status = 'claimed'
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM expired),
           EXISTS (SELECT 1 FROM follow_ups WHERE status = 'scheduled' AND due_at <= :now)
""").bindparams(bindparam("now", type_=UTCDateTime()))
