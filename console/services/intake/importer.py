"""Import warning rows into the database: accounting, merges, persons, triage, quarantine.

Every non-blank row ends as exactly one of *imported*, *merged* or *rejected*, and the batch counts
say so.  Rows are written in chunks, each chunk in its own transaction together with the batch
counts, so a large import never holds the write lock for long and a crash loses at most the chunk in
flight while the committed counts stay exact.  A chunk is normalised (column by column, see
:mod:`~console.services.intake.columnar`) before its transaction begins, so the lock is held only
while rows are matched, scored and written; chunks are sized from the lock hold measured for the
previous one (:class:`ChunkSizer`).  Writes are driver-level bulk inserts through the import's own
connection (:mod:`~console.services.intake.writer`); merge candidates are looked up once per chunk
(by external id and by phone), not once per row.  Matching stays row by row in file order for
every row: whether a row merges, and into which person it goes, depends on the rows before it.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from console.services.core import audit
from console.services.core.context import ServiceContext
from console.services.core.masking import mask_text
from console.services.core.vocabulary import WarningStatus
from console.services.intake.chunkprep import PreparedChunk, Preparer, prepare_chunk
from console.services.intake.chunkwrite import (
    BatchState,
    Target,
    insert_merges,
    insert_quarantine,
    insert_warnings,
    update_repeated,
)
from console.services.intake.gcpause import collector_paused
from console.services.intake.inlist import among
from console.services.intake.limits import INPUT_LIMITS
from console.services.intake.persons import PersonIndex
from console.services.intake.prepare import Draft, Issue, Rejection
from console.services.intake.prepworker import BLOCK_ROWS, PrepJob, PrepWorker, WorkerLost, worth_a_worker
from console.services.intake.preview import apply_mapping
from console.services.intake.readers import SourceRow, Table, UnreadableInput, is_regular_file, open_table
from console.services.intake.recovery import recover_interrupted, resumable, wall_clock, worker_id
from console.services.intake.results import BatchResult, ImportProgress, ImportSummary, RowIssue, RowOutcome
from console.services.intake.rowkeys import known_rows, remember_rows
from console.services.intake.writer import IMPORT_LOCK_KEY, ImportWriter
from console.services.queue.claims import bump_queue_version
from console.services.triage.scoring import TriageInput, TriageScorer
from db.models import ImportBatch, Person, Warning

CHUNK_SIZE: int | None = None  # rows per transaction; None: sized as the import goes (ChunkSizer)
LOCK_HOLD_GOAL_S = 0.15  # what a chunk should hold the write lock for: a seat never waits more than ~0.3 s
MERGE_WINDOW = dt.timedelta(hours=24)

Progress = Callable[[ImportProgress], None]
__all__ = ["collector_paused", "BatchResult", "ImportProgress", "ImportSummary", "RowIssue", "RowOutcome",
           "IMPORT_LOCK_KEY", "import_files", "import_table"]

log = logging.getLogger(__name__)


def import_files(
    ctx: ServiceContext,
    paths: Iterable[Path],
    *,
    source: str = "",
    progress: Progress | None = None,
    chunk_size: int | None = CHUNK_SIZE,
    pause_collector: bool = False,
    mappings: Mapping[str, Mapping[str, str]] | None = None,
    columnar: bool = True,
    prepare_in_worker: bool | None = None,
) -> ImportSummary:
    """Import several files; every file is opened first, so an unreadable one stops the run before
    anything is written (:class:`UnreadableInput`).  ``pause_collector`` and ``columnar``: see
    :func:`import_table`.  ``mappings`` (by ``str(path)``): a column mapping the operator corrected in the
    preview, applied as a header rename before the rows are read (console/services/intake/preview.py).
    ``prepare_in_worker``: ``None`` lets a large file be prepared by a worker process (see
    :func:`import_table`), ``True`` every file, ``False`` none (the differential tests compare them)."""
    ctx.require("import.run")
    path_list = list(paths)
    recover_interrupted(ctx)
    tables = []
    for path in path_list:
        try:
            table = open_table(path, fast=columnar)
            tables.append(apply_mapping(table, mappings[str(path)]) if mappings and str(path) in mappings else table)
        except UnreadableInput as exc:
            _record_refused(ctx, path, str(exc), source)
            raise
    summary = ImportSummary()
    for index, (path, table) in enumerate(zip(path_list, tables, strict=True)):

        def report(done: int, estimate: int | None, _name: str = table.file_name, _i: int = index) -> None:
            if progress is not None:
                progress(ImportProgress(_name, _i, len(tables), done, estimate))

        sha = _sha256(path)
        with ctx.session() as session:
            resume = resumable(session, sha)
        batch = import_table(
            ctx, table, source=source, file_sha256=sha, on_rows=report,
            chunk_size=chunk_size, pause_collector=pause_collector, resume=resume, columnar=columnar,
            from_file=path if prepare_in_worker is not False else None, any_size=bool(prepare_in_worker),
        )
        summary.add(batch)
    return summary


def _record_refused(ctx: ServiceContext, path: Path, error: str, source: str) -> None:
    """A file refused as a whole still leaves a failed batch and an audit entry."""
    size_ok = is_regular_file(path) and path.stat().st_size <= INPUT_LIMITS.max_file_bytes
    sha = _sha256(path) if size_ok else ""
    now = ctx.now()
    with ctx.session() as session:
        record = ImportBatch(source=source, file_name=path.name[:260], file_sha256=sha, user_id=ctx.actor.user_id,
                             status="failed", error=error, started_at=now, finished_at=now, worker=worker_id())
        session.add(record)
        session.flush()
        audit.record(session, ctx.actor, "import", object_type="import_batch", object_id=record.id, reason=error,
                     details={"file": path.name, "rows": 0, "status": "failed"}, at=now)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class ChunkSizer:
    """Rows per chunk: a fixed number, or (``fixed=None``) sized from the lock hold measured for the
    previous chunk, so each chunk holds the write lock for about :data:`LOCK_HOLD_GOAL_S` however
    fast the machine is at the moment.  Starts small, grows at most fourfold per chunk."""

    FIRST, SMALLEST, LARGEST = 1000, 200, 10_000

    def __init__(self, fixed: int | None) -> None:
        self.fixed = fixed
        self.size = fixed or self.FIRST

    def measured(self, rows: int, hold_s: float) -> None:
        if self.fixed is not None or rows < self.size or hold_s <= 0:
            return
        wanted = rows * LOCK_HOLD_GOAL_S / hold_s
        self.size = int(max(self.SMALLEST, min(self.LARGEST, wanted, self.size * 4)))


def _chunks(rows: Iterator[SourceRow], sizer: ChunkSizer) -> Iterator[list[SourceRow]]:
    while chunk := list(islice(rows, sizer.size)):
        yield chunk


def import_table(
    ctx: ServiceContext,
    table: Table,
    *,
    source: str = "",
    file_sha256: str = "",
    on_rows: Callable[[int, int | None], None] | None = None,
    chunk_size: int | None = CHUNK_SIZE,
    keep_outcomes: bool = False,
    quarantine: bool = True,
    audit_details: dict[str, Any] | None = None,
    permission: str = "import.run",
    pause_collector: bool = False,
    resume: int | None = None,
    columnar: bool = True,
    from_file: Path | None = None,
    any_size: bool = False,
) -> BatchResult:
    """Import the rows of one opened table as one :class:`ImportBatch`; ``resume`` names an
    interrupted batch of the same file to continue after the rows it already holds.

    ``pause_collector`` switches Python's garbage collector off for the run (:func:`collector_paused`);
    only a process that does nothing else meanwhile asks for it (``dissuade import``), never the GUI.
    ``columnar`` normalises each chunk column by column (:mod:`~console.services.intake.columnar`);
    ``False`` takes the row-by-row path, which gives the same database (the differential tests).
    ``from_file`` (the file the table was opened from, the operator's mapping applied to the table): a
    large file (any file with ``any_size``) is then read and prepared by a worker process while this one writes (:mod:`~console.services.intake.prepworker`).
    The returned batch lists each chunk's write-lock hold in ``lock_holds``.
    """
    ctx.require(permission)
    now = ctx.now()
    batch = _open_batch(ctx, table, source, file_sha256, resume)
    state = BatchState(batch, table.file_name, source, now, TriageScorer(ctx.settings.triage, now),
                       keep_outcomes, PersonIndex(ctx.centre_clock.today(now)), ctx.centre_clock.zone,
                       file_sha256, quarantine)
    rows = islice(table.rows, batch.rows, None) if batch.resumed else table.rows
    if batch.resumed:
        audit_details = (audit_details or {}) | {"resumed": True}
    writer = ImportWriter(ctx)
    state.json_text = writer.stores_json_text
    preparer = Preparer(source, now, state.zone, bool(file_sha256), state.json_text, state.scorer,
                        state.persons.profile, state.reasons_json)
    worker: PrepWorker | None = None
    try:
        with collector_paused() if pause_collector else contextlib.nullcontext():
            sizer = ChunkSizer(chunk_size)
            if from_file is not None and columnar and state.json_text:
                worker = _start_worker(ctx, table, from_file, batch.rows, preparer, any_size, chunk_size)
            if worker is not None:
                batch.prepared_in_worker = True
                _close_rows(table)  # the worker reads the file itself
                chunks = worker.chunks(lambda: sizer.size)
            else:
                chunks = (prepare_chunk(chunk, table.field_columns, preparer, columnar)  # no lock held yet
                          for chunk in _chunks(rows, sizer))
            for prepared in chunks:
                with writer.chunk() as session:
                    _import_chunk(session, prepared, table.field_columns, state)
                    _store_counts(session, batch)
                batch.lock_holds.append(writer.lock_holds[-1])
                sizer.measured(len(prepared.rows), writer.lock_holds[-1])
                if on_rows is not None:
                    on_rows(batch.rows, table.rows_estimate)
    except UnreadableInput as exc:
        _stop(worker, writer)
        _finish(ctx, batch, "failed", str(exc), audit_details)
        raise
    except WorkerLost:
        log.exception("import of batch %s: the preparing worker was lost", batch.batch_id)
        _stop(worker, writer)
        _finish(ctx, batch, "interrupted",
                f"导入中断：读取文件的后台进程意外退出，已导入前 {batch.rows} 行；重新导入同一文件将继续", audit_details)
        raise
    except (KeyboardInterrupt, SystemExit):
        _stop(worker, writer)
        _finish(ctx, batch, "interrupted", f"导入被中止，已导入前 {batch.rows} 行；重新导入同一文件将继续", audit_details)
        raise
    except Exception as exc:
        # The exception's text may quote the row being written (names, phones): it goes to the
        # (masked) log only, never into the batch or the audit trail.
        log.exception("import of batch %s interrupted", batch.batch_id)
        _stop(worker, writer)
        _finish(ctx, batch, "failed", f"导入中断：{_crash_description(exc)}", audit_details)
        raise
    _stop(worker, writer, batch)
    _finish(ctx, batch, "done", "", audit_details)
    return batch


def _start_worker(ctx: ServiceContext, table: Table, path: Path, skip: int, preparer: Preparer,
                  any_size: bool, chunk_size: int | None) -> PrepWorker | None:
    """A worker preparing the chunks of ``path`` (the file ``table`` was read from), when it is a CSV
    file large enough to be worth one (or ``any_size``); None (prepare in-process) when it is not or no
    worker process can be started.  With a fixed ``chunk_size`` each block is one chunk.

    Sheets stay in-process: both processes would have to parse the whole workbook (calamine reads a
    sheet's grid at once, openpyxl reads the shared strings at open), and the second parse costs
    more than the worker saves (100,000 XLSX rows: 5,300–5,700 rows/s with a worker, 6,400 without)."""
    if not any_size and not (table.kind == "csv" and worth_a_worker(path)):
        return None
    job = PrepJob(str(path), True, skip, table.headers, table.field_columns, preparer.default_source, preparer.now,
                  preparer.zone, preparer.keyed, preparer.json_text, ctx.settings.triage,
                  ctx.centre_clock.today(preparer.now), chunk_size or BLOCK_ROWS)  # fixed chunks: one block each
    try:
        worker = PrepWorker(job)
    except (OSError, ValueError, WorkerLost):
        log.warning("no preparing worker could be started; the file is prepared in-process", exc_info=True)
        return None
    if not worker.opened():
        worker.close()
        log.warning("the preparing worker did not read the file this import opened; it is read in-process")
        return None
    return worker


def _close_rows(table: Table) -> None:
    close = getattr(table.rows, "close", None)
    if callable(close):
        close()


def _stop(worker: PrepWorker | None, writer: ImportWriter, batch: BatchResult | None = None) -> None:
    if worker is not None:
        worker.close()
        if batch is not None:
            batch.worker_peak_rss_kib = worker.peak_rss_kib
    writer.close()


def _open_batch(ctx: ServiceContext, table: Table, source: str, file_sha256: str, resume: int | None) -> BatchResult:
    """A new running batch, or the interrupted batch ``resume`` taken over by this process."""
    with ctx.session() as session:
        if resume is not None:
            taken = session.execute(
                update(ImportBatch).where(ImportBatch.id == resume, ImportBatch.status == "interrupted")
                .values(status="running", worker=worker_id(), heartbeat_at=wall_clock(), error="", finished_at=None)
            )
            record = session.get(ImportBatch, resume) if getattr(taken, "rowcount", 0) == 1 else None
            if record is not None:
                return BatchResult(record.id, table.file_name, record.rows, record.imported, record.merged,
                                   record.rejected, record.unchanged, resumed=True)
        record = ImportBatch(source=source, file_name=table.file_name[:260], file_sha256=file_sha256,
                             user_id=ctx.actor.user_id, status="running", started_at=ctx.now(),
                             worker=worker_id(), heartbeat_at=wall_clock())
        session.add(record)
        session.flush()
        return BatchResult(record.id, table.file_name)


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


def _store_counts(session: Session, batch: BatchResult) -> None:
    session.connection().execute(
        update(ImportBatch).where(ImportBatch.id == batch.batch_id)
        .values(rows=batch.rows, imported=batch.imported, merged=batch.merged, rejected=batch.rejected,
                unchanged=batch.unchanged, heartbeat_at=wall_clock())
    )


def _finish(ctx: ServiceContext, batch: BatchResult, status: str, error: str,
            audit_details: dict[str, Any] | None) -> None:
    with ctx.session() as session:
        session.execute(
            update(ImportBatch).where(ImportBatch.id == batch.batch_id)
            .values(status=status, error=error, finished_at=ctx.now())
        )
        details = {"file": batch.file_name, "rows": batch.rows, "imported": batch.imported,
                   "merged": batch.merged, "rejected": batch.rejected, "unchanged": batch.unchanged,
                   "status": status}
        audit.record(session, ctx.actor, "import", object_type="import_batch", object_id=batch.batch_id,
                     reason=error, details=details | (audit_details or {}), at=ctx.now())
        bump_queue_version(session)


# ---------------------------------------------------------------- one chunk


def _import_chunk(session: Session, chunk: PreparedChunk, columns: dict[str, str], state: BatchState) -> None:
    drafts: list[Draft] = []
    rejections: list[Rejection] = []
    keys = chunk.keys
    known = known_rows(session, state.file_sha256, list(keys.values()), state.batch.batch_id) if keys else set()
    unchanged: list[int] = []
    for row in chunk.rows:
        if row.number in known:
            unchanged.append(row.number)
            continue
        if row.undecodable is not None:
            rejections.append(_undecodable(row))
            continue
        prepared = chunk.prepared[row.number]
        if isinstance(prepared, Draft):
            drafts.append(prepared)
        else:
            rejections.append(prepared)
    _load_candidates(session, drafts, state)

    new: list[tuple[Draft, Target, int]] = []  # draft, target, person slot
    merges: list[tuple[Draft, Target, str]] = []
    for draft in drafts:
        target, reason = _find_target(draft, state)
        if target is not None:
            merges.append((draft, target, reason))
            if target.open or reason != "external_id":
                target.repeat_count += 1
                target.last_repeat_at = state.now
                _add_signals(target, draft.signals)
                if target.warning_id is not None:
                    state.dirty[id(target)] = target
            continue
        slot = state.persons.resolve(draft)
        person = state.persons.slot(slot)
        ahead = chunk.scored.get(draft.number)
        if ahead is not None and (ahead.triage.age, ahead.triage.previous_victim, ahead.triage.dissuaded_before) == (
                person.age, person.previous_victim, person.dissuaded_before):
            triage = ahead.triage  # the very input scored ahead: insert_warnings takes its score
        else:
            triage = TriageInput(draft.fraud_type, draft.signals, draft.amount, draft.call_duration_s, person.age,
                                 person.previous_victim, person.dissuaded_before, 0, draft.received_at)
        target = Target(draft.fraud_type, draft.phone, draft.received_at, True, triage, 0)
        if draft.external_id:
            state.by_external[draft.external_id] = target
        state.by_phone_type.setdefault((draft.phone, draft.fraud_type), []).append(target)
        new.append((draft, target, slot))

    state.persons.flush(session, state.now)
    insert_warnings(session, new, state, chunk.scored)
    insert_merges(session, merges, state)
    update_repeated(session, state)
    quarantine_ids = insert_quarantine(session, rejections, state)
    if keys:
        remember_rows(session, state.file_sha256, state.batch.batch_id,
                      [(keys[d.number], "imported") for d, _t, _s in new]
                      + [(keys[d.number], "merged") for d, _t, _r in merges]
                      + [(keys[r.number], "rejected") for r in rejections])
    _account(new, merges, rejections, quarantine_ids, state, unchanged)


def _undecodable(row: SourceRow) -> Rejection:
    """A row in no readable encoding: quarantined with its original bytes, never decoded by guess."""
    raw = row.undecodable or b""
    payload = {"原始字节(base64)": base64.b64encode(raw).decode("ascii"), "字节数": len(raw)}
    return Rejection(row.number, payload, "encoding",
                     "本行编码无法识别（既不是 UTF-8 也不是 GBK），为免乱码未导入；原始字节已原样保存，请核对源文件")


def _add_signals(target: Target, signals: tuple[str, ...]) -> None:
    """A repeat brings its signals to the warning it merges into: the warning's signals are a set,
    so a repeat of the same row adds nothing and a new signal is added once."""
    known = target.triage.signals
    extra = tuple(code for code in dict.fromkeys(signals) if code not in known)
    if extra:
        target.triage = dataclasses.replace(target.triage, signals=known + extra)


def _find_target(draft: Draft, state: BatchState) -> tuple[Target | None, str]:
    if draft.external_id:
        target = state.by_external.get(draft.external_id)
        if target is not None:
            return target, "external_id"
    for target in state.by_phone_type.get((draft.phone, draft.fraud_type), ()):
        if target.open and abs(target.received_at - draft.received_at) <= MERGE_WINDOW:
            return target, "phone_and_type_24h"
    return None, ""


def _load_candidates(session: Session, drafts: list[Draft], state: BatchState) -> None:
    """Existing warnings these rows may repeat, and the persons their phones belong to."""
    external_ids = {d.external_id for d in drafts if d.external_id and d.external_id not in state.by_external}
    phones = {d.phone for d in drafts} - state.loaded_phones
    columns = (Warning.id, Warning.external_id, Warning.status, Warning.fraud_type, Warning.signals,
               Warning.amount, Warning.call_duration_s, Warning.received_at, Warning.repeat_count,
               Warning.level_override, Person.phone, Person.birth_date, Person.previous_victim,
               Person.dissuaded_before)
    dialect = session.get_bind().dialect.name
    rows: list[Any] = []
    if external_ids:
        rows += session.connection().execute(
            select(*columns).join(Person, Person.id == Warning.person_id)
            .where(among(Warning.external_id, external_ids, dialect))
        ).all()
    if phones:
        state.persons.load(session, phones)
        rows += session.connection().execute(
            select(*columns).join(Person, Person.id == Warning.person_id)
            .where(among(Person.phone, phones, dialect), Warning.status != WarningStatus.CLOSED)
        ).all()
        state.loaded_phones |= phones
    seen: set[int] = set()
    for row in rows:
        if row.id in seen:
            continue
        seen.add(row.id)
        age = state.persons.age(row.birth_date)
        target = Target(
            row.fraud_type, row.phone, row.received_at, row.status != WarningStatus.CLOSED,
            TriageInput(row.fraud_type, tuple(row.signals or ()), row.amount, row.call_duration_s, age,
                        bool(row.previous_victim), bool(row.dissuaded_before), row.repeat_count, row.received_at),
            row.repeat_count, row.id, row.level_override,
        )
        if row.external_id:
            state.by_external.setdefault(row.external_id, target)
        if target.open:
            state.by_phone_type.setdefault((row.phone, row.fraud_type), []).append(target)


def _account(new: list[tuple[Draft, Target, int]], merges: list[tuple[Draft, Target, str]],
             rejections: list[Rejection], quarantine_ids: list[int | None], state: BatchState,
             unchanged: list[int]) -> None:
    batch = state.batch
    batch.imported += len(new)
    batch.merged += len(merges)
    batch.rejected += len(rejections)
    batch.unchanged += len(unchanged)
    batch.rows += len(new) + len(merges) + len(rejections) + len(unchanged)
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
        batch.outcomes.extend(RowOutcome(number, "unchanged", None) for number in unchanged)
        batch.outcomes.sort(key=lambda o: o.row)
