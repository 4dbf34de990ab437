"""The multi-seat work queue: claim the most urgent item, hold it on a lease, give it back.

Claim order (what ``claim_next`` takes and ``list_open`` shows first; defined once, as
``CLAIM_LOOKUPS`` in console/services/queue/store.py):

1. risk level: red, then orange, yellow, blue (``QueueItem.risk_level``, which already reflects a
   supervisor's level change);
2. within a level, the score (``priority`` descending), which already counts the minutes past the
   first-contact deadline (triage ``overdue``), so a score-100 red goes before an older score-65 red;
3. then the earlier deadline, then the older item (``id``).

This is the default, triage ``claim_order: score``.  The setting ``claim_order: deadline`` keeps the
former order: within a level every item past its deadline first, the most overdue first, then the
others by score.

An item is claimable when ``status = 'open'`` and its ``not_before`` (retry ladder, agreed callback)
has passed.  Each level is looked up with one index seek (``ix_queue_items_level_priority``; the
"deadline" order adds ``ix_queue_items_level_deadline``), so a claim costs the same with ten or ten
thousand open items.

Atomicity: each of those lookups is the subquery of one statement,
``UPDATE queue_items SET status='claimed' ... WHERE id = (next candidate) AND status='open' RETURNING``.
On SQLite every transaction starts with ``BEGIN IMMEDIATE`` (db/engine.py), so the lookups and the
conditional update run under the write lock, tried in claim order until one takes a row, and two
processes cannot both claim one item.  On PostgreSQL the lookups are the arms of one ``UNION ALL``
inside a single statement that also starts the warning, counts the change and returns the entry (one
round trip); each arm is ``FOR UPDATE SKIP LOCKED``, so concurrent seats never wait on each other nor
take the same row (console/services/queue/store.py).

A claim is a lease of ``lease_seconds`` (resources/triage.yaml), renewed by ``renew_lease`` while the
operator works; an expired lease returns the item to the queue at the next claim (on PostgreSQL a seat
checks at most every two seconds, and always before it reports an empty queue).  Every change bumps
the ``queue_version`` counter (and sends NOTIFY on PostgreSQL) so other seats refresh.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from console.services.core.context import ConflictError, NotFound, ServiceContext, ServiceError, allowed
from console.services.core.levels import effective_level
from console.services.core.triage_settings import TriageSettings
from console.services.core.vocabulary import (
    LIVE_ITEM_STATUSES,
    RISK_LEVEL_ORDER,
    FollowUpStatus,
    QueueItemKind,
    QueueItemStatus,
)
from console.services.queue import store as sql
from console.services.queue.states import move_item
from console.services.queue.store import NOTIFY_CHANNEL, QUEUE_VERSION_KEY, QueueEntry, row_to_entry
from db.models import FollowUp, QueueItem, User, Warning

LEVEL_RANK = {level: rank for rank, level in enumerate(RISK_LEVEL_ORDER)}

ClaimedItem = QueueEntry  # what claim_next returns: the entry now held by the acting operator


# ---------------------------------------------------------------------------------------------- version


def bump_queue_version(session: Session) -> None:
    """Count one queue change (in the caller's transaction); on PostgreSQL also NOTIFY the seats."""
    sql.bump(session.connection())


def read_queue_version(session: Session) -> int:
    value = session.connection().execute(sql.READ_VERSION).scalar_one_or_none()
    return int(value or 0)


def queue_version(ctx: ServiceContext) -> int:
    """The change counter: a seat refreshes its view when this differs from what it last saw."""
    with ctx.sessions() as session:
        return read_queue_version(session)


# ---------------------------------------------------------------------------------------------- claims


def _require_worker(ctx: ServiceContext) -> int:
    ctx.require("queue.work")
    if ctx.actor.user_id is None:
        raise ServiceError("领取队列条目需要以具体用户身份操作")
    return ctx.actor.user_id


def expire_leases(session: Session, now: dt.datetime) -> int:
    """Return items whose lease ran out to the queue (other seats' live claims are skipped, not awaited)."""
    result = session.connection().execute(sql.EXPIRE_LEASES, {"now": now})
    return int(getattr(result, "rowcount", 0) or 0)


def _take(session: Session, now: dt.datetime, user_id: int, settings: TriageSettings,
          kinds: tuple[str, ...] | None) -> tuple[int, int] | None:
    """Claim the first item in claim order; returns (item id, warning id) or None."""
    connection = session.connection()
    params: dict[str, object] = {"now": now, "user_id": user_id, "lease_until": now + settings.lease}
    if kinds:
        params["kinds"] = list(kinds)
    for claim in sql.claim_statements(bool(kinds), settings.claim_order):
        row = connection.execute(claim, params).first()
        if row is not None:
            return int(row[0]), int(row[1])
    return None


def claim_next(
    ctx: ServiceContext, *, kinds: tuple[str, ...] | list[str] | None = None
) -> ClaimedItem | None:
    """Atomically take the most urgent claimable item for ``ctx.actor``; None when nothing is claimable."""
    user_id = _require_worker(ctx)
    settings = ctx.settings.triage
    now = ctx.now()
    wanted = tuple(kinds) if kinds else None
    engine = _engine_of(ctx)
    if engine.dialect.name == "postgresql":
        return _claim_postgresql(ctx, engine, now, user_id, settings, wanted)
    with ctx.session() as session:
        connection = session.connection()
        changed = expire_leases(session, now) > 0
        if (wanted is None or QueueItemKind.FOLLOW_UP in wanted) and connection.execute(
            sql.ANY_DUE_FOLLOW_UP, {"now": now}
        ).first() is not None:
            changed = _enqueue_due_follow_ups(session, now, settings) > 0 or changed
        taken = _take(session, now, user_id, settings, wanted)
        if taken is None:
            if changed:
                bump_queue_version(session)
            return None
        item_id, warning_id = taken
        connection.execute(sql.WARNING_IN_PROGRESS, {"warning_id_": warning_id})
        row = connection.execute(sql.ENTRY_BY_ID, {"item_id": item_id}).one()
        bump_queue_version(session)  # last: the counter row is locked only until the commit
    return row_to_entry(row, now)


def claim_item(ctx: ServiceContext, item_id: int, *, only_mine: bool = False) -> ClaimedItem:
    """Take one named item (from a search, or a double-click on a queue row), e.g. when the person
    calls back: the same lease as :func:`claim_next`, refused in Chinese when another seat holds it.

    An item the operator holds already keeps its claim and the lease moves on (also when the lease ran
    out and nobody took the item meanwhile).  With ``only_mine`` (我的处理中, see
    console/services/queue/mine.py) only such an item, or an open item assigned to the operator (a
    callback or a follow-up due to them), is taken; any other is refused.

    Race-safe on both backends: the claiming UPDATE re-checks ``status`` and the lease under the row
    lock (SQLite: the BEGIN IMMEDIATE write lock), so of two seats taking the same item one wins.  An
    agreed callback stays with its operator until it is ``callback_grace_minutes`` overdue."""
    user_id = _require_worker(ctx)
    settings = ctx.settings.triage
    now = ctx.now()
    lease_until = now + settings.lease
    with ctx.session() as session:
        connection = session.connection()
        query = select(QueueItem.kind, QueueItem.assigned_to, QueueItem.not_before, QueueItem.claimed_by,
                       QueueItem.status, QueueItem.lease_expires_at).where(QueueItem.id == item_id)
        if only_mine:  # the assignment is checked here, not by the claiming UPDATE: hold the row meanwhile
            query = query.with_for_update()
        item = connection.execute(query).first()
        if item is None:
            raise NotFound(f"队列条目 {item_id} 不存在")
        kind, assigned_to, not_before, claimed_by, status, lease = item
        if status == QueueItemStatus.CLAIMED and claimed_by == user_id:
            renewed = connection.execute(sql.RENEW_OWN, {"item_id": item_id, "user_id": user_id,
                                                         "lease_until": lease_until}).first()
            if renewed is not None:
                if lease is None or lease <= now:
                    bump_queue_version(session)  # the other seats saw it free: it is held again
                return row_to_entry(connection.execute(sql.ENTRY_BY_ID, {"item_id": item_id}).one(), now)
        if only_mine and not (status == QueueItemStatus.OPEN and assigned_to == user_id):
            raise ConflictError("该条目已不在您手中（已处理完毕，或已由他人领取）")
        if (kind == QueueItemKind.CALLBACK and assigned_to not in (None, user_id)
                and not_before is not None and not_before > now):
            owner = session.get(User, assigned_to)
            raise ConflictError(f"这是{owner.login if owner else '其他接线员'}约定的回拨，超时 "
                                f"{ctx.settings.workstation.callback_grace_minutes} 分钟后其他人才能领取")
        taken = connection.execute(sql.TAKE_ITEM, {"item_id": item_id, "now": now, "user_id": user_id,
                                                   "lease_until": lease_until}).first()
        if taken is None:
            holder = connection.execute(sql.ITEM_HOLDER, {"item_id": item_id}).first()
            if holder is not None and holder[0] == QueueItemStatus.CLAIMED:
                raise ConflictError(f"该条目刚被 {holder[3] or '其他接线员'} 领取，请处理其他条目")
            raise ConflictError("该条目已处理完毕或已取消，不在队列中")
        connection.execute(sql.WARNING_IN_PROGRESS, {"warning_id_": int(taken[1])})
        row = connection.execute(sql.ENTRY_BY_ID, {"item_id": item_id}).one()
        bump_queue_version(session)
    return row_to_entry(row, now)


HOUSEKEEPING_EVERY = dt.timedelta(seconds=2)


def _engine_of(ctx: ServiceContext) -> Engine:
    """The engine behind the context's sessions (asked of a session when the factory has no engine)."""
    bind = ctx.sessions.kw.get("bind")
    if isinstance(bind, Engine):
        return bind
    with ctx.sessions() as session:
        found = session.get_bind()
    return found if isinstance(found, Engine) else found.engine


def _housekeeping_postgresql(ctx: ServiceContext, now: dt.datetime, settings: TriageSettings,
                             wanted: tuple[str, ...] | None) -> None:
    """Expired leases back to the queue and due follow-ups into it (the change counted when there was one)."""
    ctx.queue_housekeeping.mark(now)
    with ctx.session() as session:
        expired, follow_up_due = session.connection().execute(sql.PG_HOUSEKEEPING, {"now": now}).one()
        changed = bool(expired)
        if follow_up_due and (wanted is None or QueueItemKind.FOLLOW_UP in wanted):
            changed = _enqueue_due_follow_ups(session, now, settings) > 0 or changed
        if changed:
            bump_queue_version(session)


def _claim_postgresql(ctx: ServiceContext, engine: Engine, now: dt.datetime, user_id: int,
                      settings: TriageSettings, wanted: tuple[str, ...] | None) -> ClaimedItem | None:
    """The claim as one statement, run on its own in one round trip (queue_store.PG_CLAIM_SQL): it
    claims, starts the warning, counts the change, notifies and returns the entry.

    Housekeeping (expired leases, due follow-ups) is a transaction of its own, so a seat runs it at
    most every ``HOUSEKEEPING_EVERY`` on its clock (``ctx.queue_housekeeping``, shared by the contexts
    of one :class:`~console.app.bootstrap.Database`), and always before it reports an empty queue."""
    done_housekeeping = ctx.queue_housekeeping.due(now, HOUSEKEEPING_EVERY)
    if done_housekeeping:
        _housekeeping_postgresql(ctx, now, settings, wanted)
    params: dict[str, object] = {"now": now, "user_id": user_id, "lease_until": now + settings.lease,
                                 "changed_at": dt.datetime.now(dt.UTC), "any_kind": not wanted,
                                 "kinds": list(wanted or ()), "overdue_first": settings.claim_order == "deadline"}
    row = sql.fetch_one_autocommit(engine, sql.PG_CLAIM, params)
    if row is None and not done_housekeeping:
        _housekeeping_postgresql(ctx, now, settings, wanted)
        row = sql.fetch_one_autocommit(engine, sql.PG_CLAIM, params)
    if row is None:
        return None
    return row_to_entry(sql.utc_row(row), now)


def _held_item(session: Session, item_id: int) -> QueueItem:
    item = session.get(QueueItem, item_id, with_for_update=True)
    if item is None:
        raise NotFound(f"队列条目 {item_id} 不存在")
    return item


def renew_lease(ctx: ServiceContext, item_id: int) -> dt.datetime:
    """Extend the caller's claim; refused when the item was finished or someone else holds it now."""
    user_id = _require_worker(ctx)
    settings = ctx.settings.triage
    now = ctx.now()
    with ctx.session() as session:
        item = _held_item(session, item_id)
        if item.status != QueueItemStatus.CLAIMED or item.claimed_by != user_id:
            raise ConflictError("该条目已不在您手中（租约已过期并被他人领取，或已处理完毕）")
        item.lease_expires_at = now + settings.lease
        return now + settings.lease


def release(ctx: ServiceContext, item_id: int, reason: str = "") -> None:
    """Give a claimed item back to the queue.  The holder may always; anyone else needs queue.manage
    and a reason, and the act is audited."""
    from console.services.core import audit

    _require_worker_or_manager(ctx)
    with ctx.session() as session:
        item = _held_item(session, item_id)
        if item.status != QueueItemStatus.CLAIMED:
            raise ConflictError("该条目当前未被领取")
        own = ctx.actor.user_id is not None and item.claimed_by == ctx.actor.user_id
        if not own:
            ctx.require("queue.manage")
            if not reason.strip():
                raise ServiceError("释放他人领取的条目须填写原因")
            holder = session.get(User, item.claimed_by) if item.claimed_by else None
            audit.record(session, ctx.actor, "release", object_type="queue_item", object_id=item.id, reason=reason,
                         details={"warning_id": item.warning_id, "from": holder.login if holder else None},
                         at=ctx.now())
        move_item(item, QueueItemStatus.OPEN)
        item.claimed_by = item.claimed_at = item.lease_expires_at = None
        bump_queue_version(session)


def finish_item(ctx: ServiceContext, item_id: int) -> None:
    """Mark the caller's item done (follow-up or escalation answer handled without a call log)."""
    user_id = _require_worker(ctx)
    with ctx.session() as session:
        done = session.connection().execute(sql.FINISH_HELD, {"item_id": item_id, "user_id": user_id,
                                                               "now": ctx.now()}).first()
        if done is None:
            _held_item(session, item_id)  # NotFound when there is no such item
            raise ConflictError("该条目已不在您手中")
        bump_queue_version(session)


def _require_worker_or_manager(ctx: ServiceContext) -> None:
    if not allowed(ctx.actor, "queue.work"):
        ctx.require("queue.manage")


# ---------------------------------------------------------------------------------------------- listing


_ENTRY_FIELDS = {"deadline_at": "deadline_at", "priority": "score", "id": "item_id"}  # queue column -> QueueEntry
_FAR = dt.datetime.max.replace(tzinfo=dt.UTC)  # a missing deadline sorts last
_STATE_RANK = {QueueItemStatus.OPEN.value: 0, QueueItemStatus.CLAIMED.value: 1, "waiting": 2}


def _sort_values(lookup: sql.ClaimLookup) -> Callable[[QueueEntry], tuple[Any, ...]]:
    """The entry's values for the lookup's ORDER BY, ready to compare ascending."""
    fields = tuple((_ENTRY_FIELDS[column], direction == "desc") for column, direction in lookup.order)

    def values(entry: QueueEntry) -> tuple[Any, ...]:
        found = [getattr(entry, name) for name, _ in fields]
        return tuple(-value if desc else (_FAR if value is None else value)
                     for value, (_, desc) in zip(found, fields, strict=True))

    return values


_LOOKUP_KEYS = {policy: tuple((lookup.overdue_only, index, _sort_values(lookup)) for index, lookup in enumerate(lookups))
                for policy, lookups in sql.CLAIM_POLICIES.items()}


def claim_order_key(entry: QueueEntry, policy: str = sql.DEFAULT_CLAIM_ORDER) -> tuple[Any, ...]:
    """Sort key of the claim order of store.CLAIM_POLICIES[policy] (claimed and waiting items after the
    claimable)."""
    head = (LEVEL_RANK.get(entry.risk_level, 9), _STATE_RANK.get(entry.status, 3))
    keys = _LOOKUP_KEYS[policy]
    for overdue_only, index, values in keys:
        if entry.overdue or not overdue_only:
            return (*head, index, *values(entry))
    return (*head, len(keys))


def _load_entries(session: Session, now: dt.datetime, *conditions: Any) -> list[QueueEntry]:
    rows = session.connection().execute(sql.ENTRY_COLUMNS.where(*conditions)).all()
    return [row_to_entry(row, now) for row in rows]


def list_open(ctx: ServiceContext, limit: int | None = None) -> list[QueueEntry]:
    """The queue as every seat sees it: open, claimed and waiting items, in claim order."""
    _require_worker_or_manager(ctx)
    enqueue_due_follow_ups(ctx, only_if_due=True)
    now = ctx.now()
    with ctx.sessions() as session:
        entries = _load_entries(session, now, sql.qi.c.status.in_(LIVE_ITEM_STATUSES))
    policy = ctx.settings.triage.claim_order
    entries.sort(key=lambda entry: claim_order_key(entry, policy))
    return entries[:limit] if limit is not None else entries


def my_claims(ctx: ServiceContext) -> list[QueueEntry]:
    """Items the acting operator holds on a live lease (e.g. after a supervisor reassigned one)."""
    user_id = _require_worker(ctx)
    now = ctx.now()
    with ctx.sessions() as session:
        entries = _load_entries(
            session, now, QueueItem.status == QueueItemStatus.CLAIMED, QueueItem.claimed_by == user_id,
            QueueItem.lease_expires_at > now,
        )
    policy = ctx.settings.triage.claim_order
    entries.sort(key=lambda entry: claim_order_key(entry, policy))
    return entries


# ---------------------------------------------------------------------------------------------- other kinds


def _enqueue_due_follow_ups(session: Session, now: dt.datetime, settings: TriageSettings) -> int:
    due = session.execute(
        select(FollowUp.id, FollowUp.warning_id, FollowUp.due_at, Warning.risk_score)
        .join(Warning, Warning.id == FollowUp.warning_id)
        .where(FollowUp.status == FollowUpStatus.SCHEDULED, FollowUp.due_at <= now)
        .order_by(FollowUp.due_at)
        .limit(500)
        .with_for_update(skip_locked=True, of=FollowUp)
    ).all()
    level = settings.follow_up_level
    created = 0
    for follow_up_id, warning_id, due_at, score in due:
        marked = session.execute(
            update(FollowUp)
            .where(FollowUp.id == follow_up_id, FollowUp.status == FollowUpStatus.SCHEDULED)
            .values(status=FollowUpStatus.QUEUED)
            .execution_options(synchronize_session=False)
        )
        if int(getattr(marked, "rowcount", 0) or 0) != 1:
            continue
        session.add(
            QueueItem(kind=QueueItemKind.FOLLOW_UP, warning_id=warning_id, follow_up_id=follow_up_id,
                      status=QueueItemStatus.OPEN,
                      priority=score, risk_level=level, deadline_at=due_at + settings.deadline_for(level))
        )
        created += 1
    if created:
        session.flush()
    return created


def enqueue_due_follow_ups(ctx: ServiceContext, *, only_if_due: bool = False) -> int:
    """Put every follow-up whose time has come into the queue (kind 'follow_up'); returns how many."""
    settings = ctx.settings.triage
    now = ctx.now()
    if only_if_due:
        with ctx.sessions() as session:
            pending = session.execute(
                select(FollowUp.id).where(FollowUp.status == FollowUpStatus.SCHEDULED, FollowUp.due_at <= now).limit(1)
            ).first()
        if pending is None:
            return 0
    with ctx.session() as session:
        created = _enqueue_due_follow_ups(session, now, settings)
        if created:
            bump_queue_version(session)
    return created


def enqueue_escalation_answer(session: Session, escalation_id: int, warning_id: int, now: dt.datetime,
                              settings: TriageSettings) -> int:
    """A station reported back: queue an item (kind 'escalation_answer') at the warning's level so an
    operator reads the result and closes the loop.  Runs in the caller's transaction; returns its id."""
    warning = session.get(Warning, warning_id)
    if warning is None:
        raise NotFound(f"预警 {warning_id} 不存在")
    level = effective_level(warning)
    existing = session.execute(
        select(QueueItem.id).where(
            QueueItem.escalation_id == escalation_id,
            QueueItem.kind == QueueItemKind.ESCALATION_ANSWER,
            QueueItem.status.in_(LIVE_ITEM_STATUSES),
        )
    ).scalar_one_or_none()
    if existing is not None:
        return int(existing)
    item = QueueItem(kind=QueueItemKind.ESCALATION_ANSWER, warning_id=warning_id, escalation_id=escalation_id,
                     status=QueueItemStatus.OPEN,
                     priority=warning.risk_score, risk_level=level, deadline_at=now + settings.deadline_for(level))
    session.add(item)
    session.flush()
    bump_queue_version(session)
    return item.id


def open_items_of(session: Session, warning_id: int) -> list[QueueItem]:
    """The warning's items still in the queue (for re-scoring a merged repeat or a level change)."""
    return list(
        session.execute(
            select(QueueItem).where(
                QueueItem.warning_id == warning_id,
                QueueItem.status.in_(LIVE_ITEM_STATUSES),
                QueueItem.kind.in_((QueueItemKind.WARNING, QueueItemKind.RETRY)),
            )
        ).scalars()
    )


__all__ = [
    "NOTIFY_CHANNEL",
    "QUEUE_VERSION_KEY",
    "ClaimedItem",
    "QueueEntry",
    "bump_queue_version",
    "claim_item",
    "claim_next",
    "enqueue_due_follow_ups",
    "enqueue_escalation_answer",
    "expire_leases",
    "finish_item",
    "list_open",
    "my_claims",
    "queue_version",
    "release",
    "renew_lease",
]
