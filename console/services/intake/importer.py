"""Import warning rows into the database: accounting, merges, persons, triage, quarantine.

Every non-blank row ends as exactly one of *imported*, *merged* or *rejected*, and the batch counts
say so.  Rows are written in chunks, each chunk in its own transaction together with the batch
counts, so a large import never holds the write lock for long and a crash loses at most the chunk in
flight while the committed counts stay exact.  Writes are Core bulk inserts; merge candidates are
looked up once per chunk (by external id and by phone), not once per row.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table as SqlTable
from sqlalchemy import bindparam, or_, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from console.services.core import audit
from console.services.core.context import ServiceContext
from console.services.intake.bulk import (
    ListJson,
    insert_columns,
    insert_columns_with_ids,
    insert_with_ids,
    stores_json_text,
)
from console.services.intake.persons import PersonIndex
from console.services.intake.prepare import Draft, Issue, Rejection, prepare_row
from console.services.intake.readers import SourceRow, Table, UnreadableInput, open_table
from console.services.people.masking import mask_text
from console.services.queue.claims import bump_queue_version
from console.services.triage.scoring import (
    TriageInput,
    TriageResult,
    TriageScorer,
    TriageSettings,
    load_triage_settings,
)
from db.models import ImportBatch, Person, QuarantinedRow, QueueItem, Warning, WarningMerge

CHUNK_SIZE = 2000
MERGE_WINDOW = dt.timedelta(hours=24)
IMPORT_LOCK_KEY = 7_110_96111  # PostgreSQL advisory lock: imports from several seats take turns per chunk
SQLITE_CACHE_KIB = 65536  # page cache of an importing SQLite connection (the default is 2 MiB)

Progress = Callable[["ImportProgress"], None]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImportProgress:
    file_name: str
    file_index: int
    file_count: int
    rows_done: int
    rows_estimate: int | None


@dataclass(frozen=True)
class RowIssue:
    file: str
    row: int
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "row": self.row, "field": self.field, "message": self.message}


@dataclass(frozen=True)
class RowOutcome:
    row: int
    outcome: str  # imported | merged | rejected
    warning_id: int | None
    quarantine_id: int | None = None


@dataclass
class BatchResult:
    batch_id: int
    file_name: str
    rows: int = 0
    imported: int = 0
    merged: int = 0
    rejected: int = 0
    errors: list[RowIssue] = field(default_factory=list)
    outcomes: list[RowOutcome] = field(default_factory=list)


@dataclass
class ImportSummary:
    rows: int = 0
    imported: int = 0
    merged: int = 0
    rejected: int = 0
    errors: list[RowIssue] = field(default_factory=list)
    batches: list[BatchResult] = field(default_factory=list)

    def add(self, batch: BatchResult) -> None:
        self.batches.append(batch)
        self.rows += batch.rows
        self.imported += batch.imported
        self.merged += batch.merged
        self.rejected += batch.rejected
        self.errors.extend(batch.errors)

    def as_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "imported": self.imported,
            "merged": self.merged,
            "rejected": self.rejected,
            "errors": [e.as_dict() for e in self.errors],
        }


@dataclass
class _Target:
    """A warning rows can merge into: already in the database, or created earlier in this batch."""

    fraud_type: str
    phone: str
    received_at: dt.datetime
    open: bool
    triage: TriageInput
    repeat_count: int
    warning_id: int | None = None
    level_override: str | None = None
    last_repeat_at: dt.datetime | None = None


@dataclass
class _BatchState:
    batch: BatchResult
    file_name: str
    default_source: str
    now: dt.datetime
    scorer: TriageScorer
    keep_outcomes: bool
    persons: PersonIndex
    quarantine: bool = True  # False when the caller keeps the rejected row itself (retry, manual entry)
    by_external: dict[str, _Target] = field(default_factory=dict)
    by_phone_type: dict[tuple[str, str], list[_Target]] = field(default_factory=dict)
    loaded_phones: set[str] = field(default_factory=set)
    dirty: dict[int, _Target] = field(default_factory=dict)  # inserted warnings repeated in this chunk
    reasons_json: ListJson = field(default_factory=ListJson)  # the scorer shares reasons: encode each once


def import_files(
    ctx: ServiceContext,
    paths: Iterable[Path],
    *,
    source: str = "",
    progress: Progress | None = None,
    chunk_size: int = CHUNK_SIZE,
    settings: TriageSettings | None = None,
) -> ImportSummary:
    """Import several files; every file is opened first, so an unreadable one stops the run before
    anything is written (:class:`UnreadableInput`)."""
    ctx.require("import.run")
    path_list = list(paths)
    tables = [open_table(path) for path in path_list]
    summary = ImportSummary()
    for index, (path, table) in enumerate(zip(path_list, tables, strict=True)):

        def report(done: int, estimate: int | None, _name: str = table.file_name, _i: int = index) -> None:
            if progress is not None:
                progress(ImportProgress(_name, _i, len(tables), done, estimate))

        batch = import_table(
            ctx, table, source=source, file_sha256=_sha256(path), on_rows=report,
            chunk_size=chunk_size, settings=settings,
        )
        summary.add(batch)
    return summary


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _chunks(rows: Iterator[SourceRow], size: int) -> Iterator[list[SourceRow]]:
    while chunk := list(islice(rows, size)):
        yield chunk


def import_table(
    ctx: ServiceContext,
    table: Table,
    *,
    source: str = "",
    file_sha256: str = "",
    on_rows: Callable[[int, int | None], None] | None = None,
    chunk_size: int = CHUNK_SIZE,
    settings: TriageSettings | None = None,
    keep_outcomes: bool = False,
    quarantine: bool = True,
    audit_details: dict[str, Any] | None = None,
    permission: str = "import.run",
) -> BatchResult:
    """Import the rows of one opened table as one :class:`ImportBatch`."""
    ctx.require(permission)
    now = ctx.now()
    with ctx.session() as session:
        record = ImportBatch(source=source, file_name=table.file_name[:260], file_sha256=file_sha256,
                             user_id=ctx.actor.user_id, status="running", started_at=now)
        session.add(record)
        session.flush()
        batch = BatchResult(record.id, table.file_name)
    state = _BatchState(batch, table.file_name, source, now, TriageScorer(settings or load_triage_settings(), now),
                        keep_outcomes, PersonIndex(now.date()), quarantine)
    try:
        with collector_paused():
            for chunk in _chunks(table.rows, chunk_size):
                with ctx.session() as session:
                    _lock_for_import(session)
                    _import_chunk(session, chunk, table.field_columns, state)
                    _store_counts(session, batch)
                if on_rows is not None:
                    on_rows(batch.rows, table.rows_estimate)
    except UnreadableInput as exc:
        _finish(ctx, batch, "failed", str(exc), audit_details)
        raise
    except Exception as exc:
        # The exception's text may quote the row being written (names, phones): it goes to the
        # (masked) log only, never into the batch or the audit trail.
        log.exception("import of batch %s interrupted", batch.batch_id)
        _finish(ctx, batch, "failed", f"导入中断：{_crash_description(exc)}", audit_details)
        raise
    _finish(ctx, batch, "done", "", audit_details)
    return batch


def _crash_description(exc: BaseException) -> str:
    """What stopped an import, without the row it was writing.

    A database error's full text quotes the statement's parameters (the row: names, phones), so
    only its first line, the server's own message, is kept; numbers that look personal are masked.
    """
    if isinstance(exc, DBAPIError):
        first_line = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else ""
        return mask_text(f"数据库错误（{type(exc.orig).__name__}）：{first_line}"[:300])
    if isinstance(exc, OSError):
        return mask_text(str(exc)[:300])
    return f"内部错误（{type(exc).__name__}），详情见日志"


_pause_lock = threading.Lock()
_pause_depth = 0
_pause_reenable = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while an import runs.

    An import keeps every warning and person of its batch in memory for the merge rules, and each
    full collection walks all of them again: on 100,000 rows that was about a sixth of the run.  The
    import makes almost no reference cycles, and reference counting still frees everything else at
    once.  Imports in several threads share one pause; the collector is re-enabled (if it was on)
    when the last of them ends, then one collection catches up."""
    global _pause_depth, _pause_reenable
    with _pause_lock:
        if _pause_depth == 0:
            _pause_reenable = gc.isenabled()
            gc.disable()
        _pause_depth += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pause_depth -= 1
            resume = _pause_depth == 0 and _pause_reenable
            if resume:
                gc.enable()
        if resume:
            gc.collect(1)


def _lock_for_import(session: Session) -> None:
    """Take turns with imports from other seats (PostgreSQL); on SQLite the transaction already
    holds the write lock, and the connection gets a page cache large enough for a chunk's index
    pages, so they are not spilled and re-read in the middle of the chunk."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": IMPORT_LOCK_KEY})
    elif dialect == "sqlite":
        # stays with the pooled connection; memory is only taken as pages are actually cached
        session.execute(text(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}"))


def _store_counts(session: Session, batch: BatchResult) -> None:
    session.execute(
        update(ImportBatch).where(ImportBatch.id == batch.batch_id)
        .values(rows=batch.rows, imported=batch.imported, merged=batch.merged, rejected=batch.rejected)
    )


def _finish(ctx: ServiceContext, batch: BatchResult, status: str, error: str,
            audit_details: dict[str, Any] | None) -> None:
    with ctx.session() as session:
        session.execute(
            update(ImportBatch).where(ImportBatch.id == batch.batch_id)
            .values(status=status, error=error, finished_at=ctx.now())
        )
        details = {"file": batch.file_name, "rows": batch.rows, "imported": batch.imported,
                   "merged": batch.merged, "rejected": batch.rejected, "status": status}
        audit.record(session, ctx.actor, "import", object_type="import_batch", object_id=batch.batch_id,
                     reason=error, details=details | (audit_details or {}), at=ctx.now())
        bump_queue_version(session)


# ---------------------------------------------------------------- one chunk


def _import_chunk(session: Session, chunk: list[SourceRow], columns: dict[str, str], state: _BatchState) -> None:
    drafts: list[Draft] = []
    rejections: list[Rejection] = []
    for row in chunk:
        prepared = prepare_row(row.number, row.values, columns, default_source=state.default_source, now=state.now)
        (drafts if isinstance(prepared, Draft) else rejections).append(prepared)  # type: ignore[arg-type]
    _load_candidates(session, drafts, state)

    new: list[tuple[Draft, _Target, int]] = []  # draft, target, person slot
    merges: list[tuple[Draft, _Target, str]] = []
    for draft in drafts:
        target, reason = _find_target(draft, state)
        if target is not None:
            merges.append((draft, target, reason))
            if target.open or reason != "external_id":
                target.repeat_count += 1
                target.last_repeat_at = state.now
                if target.warning_id is not None:
                    state.dirty[id(target)] = target
            continue
        slot = state.persons.resolve(draft)
        person = state.persons.slot(slot)
        target = _Target(
            draft.fraud_type, draft.phone, draft.received_at, True,
            TriageInput(draft.fraud_type, draft.signals, draft.amount, draft.call_duration_s, person.age,
                        person.previous_victim, person.dissuaded_before, 0, draft.received_at),
            0,
        )
        if draft.external_id:
            state.by_external[draft.external_id] = target
        state.by_phone_type.setdefault((draft.phone, draft.fraud_type), []).append(target)
        new.append((draft, target, slot))

    state.persons.flush(session, state.now)
    _insert_warnings(session, new, state)
    _insert_merges(session, merges, state)
    _update_repeated(session, state)
    quarantine_ids = _insert_quarantine(session, rejections, state)
    _account(new, merges, rejections, quarantine_ids, state)


def _find_target(draft: Draft, state: _BatchState) -> tuple[_Target | None, str]:
    if draft.external_id:
        target = state.by_external.get(draft.external_id)
        if target is not None:
            return target, "external_id"
    for target in state.by_phone_type.get((draft.phone, draft.fraud_type), ()):
        if target.open and abs(target.received_at - draft.received_at) <= MERGE_WINDOW:
            return target, "phone_and_type_24h"
    return None, ""


def _load_candidates(session: Session, drafts: list[Draft], state: _BatchState) -> None:
    """Existing warnings these rows may repeat, and the persons their phones belong to."""
    external_ids = {d.external_id for d in drafts if d.external_id and d.external_id not in state.by_external}
    phones = {d.phone for d in drafts} - state.loaded_phones
    columns = (Warning.id, Warning.external_id, Warning.status, Warning.fraud_type, Warning.signals,
               Warning.amount, Warning.call_duration_s, Warning.received_at, Warning.repeat_count,
               Warning.level_override, Person.phone, Person.birth_date, Person.previous_victim,
               Person.dissuaded_before)
    rows: list[Any] = []
    if external_ids:
        rows += session.execute(
            select(*columns).join(Person, Person.id == Warning.person_id).where(Warning.external_id.in_(external_ids))
        ).all()
    if phones:
        state.persons.load(session, phones)
        rows += session.execute(
            select(*columns).join(Person, Person.id == Warning.person_id)
            .where(Person.phone.in_(phones), Warning.status != "closed")
        ).all()
        state.loaded_phones |= phones
    seen: set[int] = set()
    for row in rows:
        if row.id in seen:
            continue
        seen.add(row.id)
        age = state.persons.age(row.birth_date)
        target = _Target(
            row.fraud_type, row.phone, row.received_at, row.status != "closed",
            TriageInput(row.fraud_type, tuple(row.signals or ()), row.amount, row.call_duration_s, age,
                        bool(row.previous_victim), bool(row.dissuaded_before), row.repeat_count, row.received_at),
            row.repeat_count, row.id, row.level_override,
        )
        if row.external_id:
            state.by_external.setdefault(row.external_id, target)
        if target.open:
            state.by_phone_type.setdefault((row.phone, row.fraud_type), []).append(target)


def _score(target: _Target, state: _BatchState) -> TriageResult:
    triage = target.triage
    if triage.repeat_count != target.repeat_count:
        triage = TriageInput(triage.fraud_type, triage.signals, triage.amount, triage.call_duration_s, triage.age,
                             triage.previous_victim, triage.dissuaded_before, target.repeat_count, triage.received_at)
    return state.scorer.score(triage)


def _insert_warnings(session: Session, new: list[tuple[Draft, _Target, int]], state: _BatchState) -> None:
    if not new:
        return
    drafts = [draft for draft, _target, _slot in new]
    targets = [target for _draft, target, _slot in new]
    scores = [_score(target, state) for target in targets]
    slot = state.persons.slot
    deadlines = [result.deadline_at for result in scores]
    levels = [result.level for result in scores]
    points = [result.score for result in scores]
    columns: dict[str, list[Any]] = {
        "external_id": [d.external_id for d in drafts],
        "person_id": [slot(index).person_id for _d, _t, index in new],
        "received_at": [d.received_at for d in drafts],
        "fraud_type": [d.fraud_type for d in drafts],
        "fraud_contact": [d.fraud_contact for d in drafts],
        "call_duration_s": [d.call_duration_s for d in drafts],
        "signals": [list(d.signals) for d in drafts],
        "signals_text": [d.signals_text for d in drafts],
        "amount": [d.amount for d in drafts],
        "source": [d.source for d in drafts],
        "station_hint": [d.station_hint for d in drafts],
        "note": [d.note for d in drafts],
        "raw_payload": [d.raw for d in drafts],
        "field_warnings": [[i.as_dict() for i in d.issues] for d in drafts],
        "repeat_count": [t.repeat_count for t in targets],
        "last_repeat_at": [t.last_repeat_at for t in targets],
        "risk_score": points,
        "risk_level": levels,
        "deadline_at": deadlines,
    }
    encoded: dict[str, list[Any]] = {}
    if stores_json_text(session):  # the reasons are shared between rows: each is encoded once
        encoded["risk_reasons"] = [state.reasons_json.dumps(result.reasons) for result in scores]
    else:
        columns["risk_reasons"] = [result.reasons for result in scores]
    constants = {"import_batch_id": state.batch.batch_id, "status": "open", "created_at": state.now,
                 "updated_at": state.now, "version": 1}
    ids = insert_columns_with_ids(session, Warning, columns, constants, encoded=encoded)
    for target, warning_id in zip(targets, ids, strict=True):
        target.warning_id = warning_id
    insert_columns(session, QueueItem, {
        "priority": points, "risk_level": levels, "deadline_at": deadlines, "warning_id": ids,
    }, {"kind": "warning", "status": "open", "created_at": state.now})


def _insert_merges(session: Session, merges: list[tuple[Draft, _Target, str]], state: _BatchState) -> None:
    if merges:
        insert_columns(session, WarningMerge, {
            "warning_id": [target.warning_id for _draft, target, _reason in merges],
            "reason": [reason for _draft, _target, reason in merges],
            "raw_payload": [draft.raw for draft, _target, _reason in merges],
        }, {"import_batch_id": state.batch.batch_id, "merged_at": state.now})


def _update_repeated(session: Session, state: _BatchState) -> None:
    """Re-score warnings inserted before this chunk that were repeated in it."""
    dirty, state.dirty = state.dirty, {}
    if not dirty:
        return
    warnings, items = [], []
    for target in dirty.values():
        result = _score(target, state)
        warnings.append({"wid": target.warning_id, "repeat_count": target.repeat_count,
                         "last_repeat_at": target.last_repeat_at, "risk_score": result.score,
                         "risk_level": result.level, "risk_reasons": result.reasons,
                         "deadline_at": result.deadline_at, "updated_at": state.now})
        items.append({"wid": target.warning_id, "priority": result.score,
                      "risk_level": target.level_override or result.level, "deadline_at": result.deadline_at})
    table = cast(SqlTable, Warning.__table__)
    session.connection().execute(
        update(table).where(table.c.id == bindparam("wid")).values(
            repeat_count=bindparam("repeat_count"), last_repeat_at=bindparam("last_repeat_at"),
            risk_score=bindparam("risk_score"), risk_level=bindparam("risk_level"),
            risk_reasons=bindparam("risk_reasons"), deadline_at=bindparam("deadline_at"),
            updated_at=bindparam("updated_at"), version=table.c.version + 1,
        ),
        warnings,
    )
    queue = cast(SqlTable, QueueItem.__table__)
    session.connection().execute(
        update(queue).where(queue.c.warning_id == bindparam("wid"), queue.c.kind == "warning",
                            or_(queue.c.status == "open", queue.c.status == "claimed"))
        .values(priority=bindparam("priority"), risk_level=bindparam("risk_level"),
                deadline_at=bindparam("deadline_at")),
        items,
    )


def _insert_quarantine(session: Session, rejections: list[Rejection], state: _BatchState) -> list[int | None]:
    """Quarantine rejected rows; a row already waiting there unchanged (same file re-imported) is not
    stored twice."""
    if not rejections or not state.quarantine:
        return [None] * len(rejections)
    known = session.execute(
        select(QuarantinedRow.id, QuarantinedRow.row_number, QuarantinedRow.raw).where(
            QuarantinedRow.file_name == state.file_name[:260], QuarantinedRow.status == "open",
            QuarantinedRow.row_number.in_({r.number for r in rejections}),
        )
    ).all()
    waiting = {(row.row_number, _canonical(row.raw)): row.id for row in known}
    found: list[int | None] = [waiting.get((r.number, _canonical(r.raw))) for r in rejections]
    fresh = [r for r, q in zip(rejections, found, strict=True) if q is None]
    if not fresh:
        return found
    rows = [{"batch_id": state.batch.batch_id, "file_name": state.file_name[:260], "row_number": r.number,
             "raw": r.raw, "field": r.field, "reason": r.reason, "status": "open", "created_at": state.now}
            for r in fresh]
    ids = iter(insert_with_ids(session, QuarantinedRow, rows))
    return [q if q is not None else next(ids) for q in found]


def _canonical(raw: Any) -> str:
    return json.dumps(raw, sort_keys=True, ensure_ascii=False, default=str)


def _account(new: list[tuple[Draft, _Target, int]], merges: list[tuple[Draft, _Target, str]],
             rejections: list[Rejection], quarantine_ids: list[int | None], state: _BatchState) -> None:
    batch = state.batch
    batch.imported += len(new)
    batch.merged += len(merges)
    batch.rejected += len(rejections)
    batch.rows += len(new) + len(merges) + len(rejections)
    name = state.file_name
    issues: list[tuple[int, Issue]] = [(d.number, i) for d, _t, _s in new for i in d.issues]
    issues += [(d.number, i) for d, _t, _r in merges for i in d.issues]
    issues += [(r.number, Issue(r.field, r.reason)) for r in rejections]
    issues.sort(key=lambda pair: pair[0])
    batch.errors.extend(RowIssue(name, number, issue.field, issue.message) for number, issue in issues)
    if state.keep_outcomes:
        batch.outcomes.extend(RowOutcome(d.number, "imported", t.warning_id) for d, t, _s in new)
        batch.outcomes.extend(RowOutcome(d.number, "merged", t.warning_id) for d, t, _r in merges)
        batch.outcomes.extend(RowOutcome(r.number, "rejected", None, q)
                              for r, q in zip(rejections, quarantine_ids, strict=True))
        batch.outcomes.sort(key=lambda o: o.row)
