"""The writes of one import chunk: new warnings with their queue items, merges, re-scored repeats,
quarantined rows; and the state an import batch carries from chunk to chunk.

Everything here runs inside the chunk's transaction and only builds parameters and sends SQL;
the rows were normalised before the transaction began.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table as SqlTable
from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session

from console.services.core.levels import with_override
from console.services.core.vocabulary import QueueItemKind, QueueItemStatus, WarningStatus
from console.services.intake.bulk import (
    bound_values,
    insert_columns,
    insert_columns_with_ids,
    insert_with_ids,
)
from console.services.intake.chunkprep import Scored
from console.services.intake.jsontext import ListJson, json_text
from console.services.intake.persons import PersonIndex
from console.services.intake.prepare import Draft, Rejection
from console.services.intake.results import BatchResult
from console.services.triage.scoring import TriageInput, TriageResult, TriageScorer
from db.models import QuarantinedRow, QueueItem, Warning, WarningMerge


@dataclass(slots=True)
class Target:
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
class BatchState:
    batch: BatchResult
    file_name: str
    default_source: str
    now: dt.datetime
    scorer: TriageScorer
    keep_outcomes: bool
    persons: PersonIndex
    zone: dt.tzinfo  # the centre's: times without an offset are its wall times
    file_sha256: str = ""  # rows of a file are keyed, so importing them again changes nothing
    quarantine: bool = True  # False when the caller keeps the rejected row itself (retry, manual entry)
    by_external: dict[str, Target] = field(default_factory=dict)
    by_phone_type: dict[tuple[str, str], list[Target]] = field(default_factory=dict)
    loaded_phones: set[str] = field(default_factory=set)
    dirty: dict[int, Target] = field(default_factory=dict)  # inserted warnings repeated in this chunk
    json_text: bool = False  # JSON columns take text encoded by the importer (SQLite): see bulk.stores_json_text
    reasons_json: ListJson = field(default_factory=ListJson)  # the scorer shares reasons: encode each once


def score_target(target: Target, state: BatchState) -> TriageResult:
    triage = target.triage
    if triage.repeat_count != target.repeat_count:
        triage = TriageInput(triage.fraud_type, triage.signals, triage.amount, triage.call_duration_s, triage.age,
                             triage.previous_victim, triage.dissuaded_before, target.repeat_count, triage.received_at)
    return state.scorer.score(triage)


def insert_warnings(session: Session, new: list[tuple[Draft, Target, int]], state: BatchState,
                    scored: dict[int, Scored] | None = None) -> None:
    """Insert new warnings and their queue items; ``scored`` (by row number) holds scores worked out
    before the transaction, used for a row whose input is still the very one scored."""
    if not new:
        return
    drafts = [draft for draft, _target, _slot in new]
    targets = [target for _draft, target, _slot in new]
    ahead: list[Scored | None] = [None] * len(new)
    if scored:
        for i, (draft, target) in enumerate(zip(drafts, targets, strict=True)):
            found = scored.get(draft.number)
            if found is not None and target.triage is found.triage and target.repeat_count == 0:
                ahead[i] = found
    scores = [found.result if found is not None else score_target(target, state)
              for found, target in zip(ahead, targets, strict=True)]
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
        "signals": [list(t.triage.signals) for t in targets],
        "signals_text": [d.signals_text for d in drafts],
        "amount": [d.amount for d in drafts],
        "source": [d.source for d in drafts],
        "station_hint": [d.station_hint for d in drafts],
        "note": [d.note for d in drafts],

        "repeat_count": [t.repeat_count for t in targets],
        "last_repeat_at": [t.last_repeat_at for t in targets],
        "risk_score": points,
        "risk_level": levels,
    }
    # the warning and its queue item get the same deadline: converted for the driver once
    encoded: dict[str, Sequence[Any]] = {"deadline_at": bound_values(session, Warning, "deadline_at", deadlines)}
    if state.json_text:  # the reasons are shared between rows: each is encoded once
        encoded["risk_reasons"] = [found.reasons_text if found is not None and found.reasons_text
                                   else state.reasons_json.dumps(result.reasons)
                                   for found, result in zip(ahead, scores, strict=True)]
        encoded["raw_payload"] = [d.raw_text or json_text(d.raw) for d in drafts]
        encoded["field_warnings"] = [d.issues_text or json_text([i.as_dict() for i in d.issues]) for d in drafts]
    else:
        columns["risk_reasons"] = [result.reasons for result in scores]
        columns["raw_payload"] = [d.raw for d in drafts]
        columns["field_warnings"] = [[i.as_dict() for i in d.issues] for d in drafts]
    constants = {"import_batch_id": state.batch.batch_id, "status": WarningStatus.OPEN, "created_at": state.now,
                 "updated_at": state.now, "version": 1}
    ids = insert_columns_with_ids(session, Warning, columns, constants, encoded=encoded)
    for target, warning_id in zip(targets, ids, strict=True):
        target.warning_id = warning_id
    insert_columns(session, QueueItem, {"priority": points, "risk_level": levels, "warning_id": ids},
                   {"kind": QueueItemKind.WARNING, "status": QueueItemStatus.OPEN, "created_at": state.now},
                   encoded={"deadline_at": encoded["deadline_at"]})


def insert_merges(session: Session, merges: list[tuple[Draft, Target, str]], state: BatchState) -> None:
    if merges:
        columns: dict[str, list[Any]] = {
            "warning_id": [target.warning_id for _draft, target, _reason in merges],
            "reason": [reason for _draft, _target, reason in merges],
        }
        encoded: dict[str, list[Any]] = {}
        if state.json_text:
            encoded["raw_payload"] = [draft.raw_text or json_text(draft.raw) for draft, _t, _r in merges]
        else:
            columns["raw_payload"] = [draft.raw for draft, _target, _reason in merges]
        insert_columns(session, WarningMerge, columns, {"import_batch_id": state.batch.batch_id, "merged_at": state.now},
                       encoded=encoded)


def update_repeated(session: Session, state: BatchState) -> None:
    """Re-score warnings inserted before this chunk that were repeated in it."""
    dirty, state.dirty = state.dirty, {}
    if not dirty:
        return
    warnings, items = [], []
    for target in dirty.values():
        result = score_target(target, state)
        warnings.append({"wid": target.warning_id, "repeat_count": target.repeat_count,
                         "signals": list(target.triage.signals),
                         "last_repeat_at": target.last_repeat_at, "risk_score": result.score,
                         "risk_level": result.level, "risk_reasons": result.reasons,
                         "deadline_at": result.deadline_at, "updated_at": state.now})
        items.append({"wid": target.warning_id, "priority": result.score,
                      "risk_level": with_override(result.level, target.level_override), "deadline_at": result.deadline_at})
    table = cast(SqlTable, Warning.__table__)
    session.connection().execute(
        update(table).where(table.c.id == bindparam("wid")).values(
            repeat_count=bindparam("repeat_count"), signals=bindparam("signals"),
            last_repeat_at=bindparam("last_repeat_at"),
            risk_score=bindparam("risk_score"), risk_level=bindparam("risk_level"),
            risk_reasons=bindparam("risk_reasons"), deadline_at=bindparam("deadline_at"),
            updated_at=bindparam("updated_at"), version=table.c.version + 1,
        ),
        warnings,
    )
    queue = cast(SqlTable, QueueItem.__table__)
    session.connection().execute(
        update(queue).where(queue.c.warning_id == bindparam("wid"), queue.c.kind == QueueItemKind.WARNING,
                            or_(queue.c.status == QueueItemStatus.OPEN, queue.c.status == QueueItemStatus.CLAIMED))
        .values(priority=bindparam("priority"), risk_level=bindparam("risk_level"),
                deadline_at=bindparam("deadline_at")),
        items,
    )


def insert_quarantine(session: Session, rejections: list[Rejection], state: BatchState) -> list[int | None]:
    """Quarantine rejected rows; a row already waiting there unchanged (same file re-imported) is not
    stored twice."""
    if not rejections or not state.quarantine:
        return [None] * len(rejections)
    known = session.connection().execute(
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


