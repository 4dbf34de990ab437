"""A chunk of source rows made ready for its transaction: re-import keys, drafts or rejections,
JSON texts and scores, all worked out before the write lock is taken.

The same function prepares chunks in the importing process and in the preparing worker
(:mod:`~console.services.intake.prepworker`), so both give the same drafts.  Nothing here touches
the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from console.services.intake.columnar import prepare_rows, row_keys
from console.services.intake.contentkeys import RowKey, row_key
from console.services.intake.jsontext import ListJson, json_text
from console.services.intake.prepare import Draft, Issue, Profile, Rejection, prepare_row
from console.services.intake.readers import SourceRow
from console.services.triage.scoring import TriageInput, TriageResult, TriageScorer


@dataclass(frozen=True, slots=True)
class Scored:
    """A row scored before its chunk's transaction: the input, its result, the reasons' JSON text
    (when the importer encodes JSON itself, else "")."""

    triage: TriageInput
    result: TriageResult
    reasons_text: str


@dataclass
class PreparedChunk:
    """A chunk normalised before its transaction begins: each row's key and draft or rejection."""

    rows: list[SourceRow]
    keys: dict[int, RowKey]
    prepared: dict[int, Draft | Rejection] = field(default_factory=dict)
    scored: dict[int, Scored] = field(default_factory=dict)  # by row number: see score_ahead

    def extend(self, other: PreparedChunk) -> None:
        """Append the rows of ``other``, the chunk that follows this one in the file."""
        self.rows.extend(other.rows)
        self.keys.update(other.keys)
        self.prepared.update(other.prepared)
        self.scored.update(other.scored)


@dataclass
class Preparer:
    """What preparing a chunk needs to know of its import: defaults, the clock, whether rows are
    keyed (the file's SHA-256 is known) and JSON is encoded by the importer (SQLite), the scorer
    and the age profile of a birth date."""

    default_source: str
    now: dt.datetime
    zone: dt.tzinfo
    keyed: bool
    json_text: bool
    scorer: TriageScorer
    profile: Callable[[dt.date | None], Profile]
    reasons_json: ListJson = field(default_factory=ListJson)


def prepare_chunk(chunk: list[SourceRow], columns: dict[str, str], preparer: Preparer,
                  columnar: bool = True) -> PreparedChunk:
    """Keys and drafts of a chunk's rows: pure work, done before the chunk's transaction."""
    readable = [row for row in chunk if row.undecodable is None]
    if columnar:
        cleaned: dict[str, list[str]] = {}
        keys = row_keys(chunk, columns, cleaned) if preparer.keyed else {}
        results = prepare_rows(readable, columns, default_source=preparer.default_source, now=preparer.now,
                               zone=preparer.zone, cleaned=cleaned if len(readable) == len(chunk) else None)
    else:
        keys = ({row.number: row_key(row.number, row.values, columns, row.undecodable) for row in chunk}
                if preparer.keyed else {})
        results = [prepare_row(row.number, row.values, columns, default_source=preparer.default_source,
                               now=preparer.now, zone=preparer.zone) for row in readable]
    for row, result in zip(readable, results, strict=True):
        if row.encoding and isinstance(result, Draft):
            result.issues.append(Issue("encoding", f"本行是 {row.encoding} 编码，与文件其余部分不同，已按 {row.encoding} 读取"))
    if preparer.json_text:  # encoded here, before the transaction, rather than while the lock is held
        for result in results:
            if isinstance(result, Draft):
                result.raw_text = json_text(result.raw)
                result.issues_text = json_text([i.as_dict() for i in result.issues]) if result.issues else "[]"
    prepared = PreparedChunk(chunk, keys, {row.number: result for row, result in zip(readable, results, strict=True)})
    score_ahead(prepared, preparer)
    return prepared


def score_ahead(chunk: PreparedChunk, preparer: Preparer) -> None:
    """Score every draft before the transaction as the new warning of a new person (the common
    case); inside the transaction a row that turns out so uses this score as it is, any other is
    scored there.  The scorer's result depends on its input alone, so nothing stored changes."""
    profile, score, encode = preparer.profile, preparer.scorer.score, preparer.reasons_json.dumps
    for number, draft in chunk.prepared.items():
        if isinstance(draft, Draft):
            triage = TriageInput(draft.fraud_type, draft.signals, draft.amount, draft.call_duration_s,
                                 profile(draft.id_info.birth_date).age, False, False, 0, draft.received_at)
            result = score(triage)
            chunk.scored[number] = Scored(triage, result, encode(result.reasons) if preparer.json_text else "")
