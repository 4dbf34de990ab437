"""Retention: erase free text and identifying fields of warnings closed long ago; keep the statistics.

After ``older_than_days`` (``ctx.settings.retention``: ``resources/retention.yaml``, overridable in
the user data directory) a closed warning loses its note, its raw payload values, the call notes and
recordings, the escalation details, the number and text of its SMS warnings and, when none of the
person's warnings is still kept, the person's name, numbers, ID and address.
The coded fields the statistics are computed from (fraud type, risk, dispositions, durations,
amounts, timestamps, age band, sex, profile group, station) stay, so the figures before and after
erasure are the same.  A legal hold on the warning or the person keeps the record whole.

Audio kept outside the database goes too.  The recordings of erased warnings are known here; the
other kinds (recordings nobody refers to, cached voice-warning speech) belong to packages above this
one and are handed in as :class:`StoredFiles`: each names, inside the run's transaction and after
the erasure, the files whose owners are gone.  Files are deleted once the transaction has committed
(a dry run only counts them); the counts per kind are in the report and in the audit entry.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import CursorResult, Executable, String, cast, delete, select, update
from sqlalchemy.orm import Session

from console.services.core import audit
from console.services.core.context import NotFound, ServiceContext, ServiceError
from console.services.core.vocabulary import WarningStatus
from console.services.people.privacy import mask_text
from db.models import (
    CallAttempt,
    CallDraft,
    CallRecording,
    CaseReview,
    Escalation,
    EscalationEvent,
    EscalationTask,
    FollowUp,
    Person,
    QuarantinedRow,
    SmsMessage,
    VoiceCampaignItem,
    Warning,
    WarningMerge,
)

# Keys of escalation task details that identify someone (accounts, phones, names, addresses …).
_IDENTIFYING_KEY_PARTS = ("account", "card", "phone", "mobile", "name", "id_number", "address", "contact",
                          "relative", "note", "wechat", "alipay", "qq")
_KEPT_DETAIL_KEYS = frozenset({"bank", "bank_name", "amount", "currency", "kind", "result", "channel"})


class StoredFiles(Protocol):
    """One kind of file kept outside the database that a retention run also clears."""

    kind: str  # key in RetentionReport.files_deleted
    label: str  # Chinese, for the printed summary

    def expired_files(self, session: Session, cutoff: dt.datetime, now: dt.datetime) -> list[Path]:
        """The files to delete, seen after this run's erasure in its transaction (may mark rows purged)."""
        ...


@dataclass(frozen=True)
class RetentionReport:
    cutoff: dt.datetime
    older_than_days: int
    dry_run: bool
    warnings_erased: int = 0
    persons_erased: int = 0
    held_skipped: int = 0
    call_attempts_cleared: int = 0
    follow_ups_cleared: int = 0
    escalations_cleared: int = 0
    merges_cleared: int = 0
    drafts_deleted: int = 0
    reviews_cleared: int = 0
    quarantine_rows_cleared: int = 0
    recordings_deleted: int = 0
    files_deleted: dict[str, int] = field(default_factory=dict)  # StoredFiles.kind -> files (planned in a dry run)
    files_failed: int = 0  # files that could not be deleted (left for the next run)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["cutoff"] = self.cutoff.isoformat()
        return data


def _blank_values(payload: dict[str, Any]) -> dict[str, Any]:
    """Keep the keys (the shape of what arrived), drop every value."""
    return {key: "" for key in payload}


def scrub_task_details(details: dict[str, Any]) -> dict[str, Any]:
    """Escalation task details without accounts, phones or names; bank and amount stay for statistics."""
    scrubbed: dict[str, Any] = {}
    for key, value in details.items():
        lowered = key.lower()
        if lowered in _KEPT_DETAIL_KEYS:
            scrubbed[key] = value
        elif any(part in lowered for part in _IDENTIFYING_KEY_PARTS):
            scrubbed[key] = ""
        elif isinstance(value, str):
            scrubbed[key] = "" if mask_text(value) != value else value
        else:
            scrubbed[key] = value
    return scrubbed


def _rowcount(session: Session, statement: Executable) -> int:
    result = session.execute(statement)
    return int(result.rowcount) if isinstance(result, CursorResult) else 0


class _DryRun(Exception):
    """Raised inside the unit of work to roll a dry run back after counting."""


@dataclass
class _Counts:
    warnings: int = 0
    persons: int = 0
    held: int = 0
    calls: int = 0
    follow_ups: int = 0
    escalations: int = 0
    merges: int = 0
    drafts: int = 0
    reviews: int = 0
    quarantine: int = 0
    recording_files: list[str] = field(default_factory=list)
    stored: dict[str, list[Path]] = field(default_factory=dict)


def _erase_warning(session: Session, warning: Warning, now: dt.datetime, counts: _Counts) -> None:
    warning.note = ""
    warning.fraud_contact = ""
    warning.signals_text = ""
    warning.station_hint = ""
    warning.level_override_reason = ""
    warning.raw_payload = _blank_values(warning.raw_payload or {})
    warning.field_warnings = []
    warning.erased_at = now
    counts.warnings += 1
    wid = warning.id
    counts.calls += _rowcount(
        session, update(CallAttempt).where(CallAttempt.warning_id == wid).values(notes="", dialled_number="")
    )
    counts.follow_ups += _rowcount(session, update(FollowUp).where(FollowUp.warning_id == wid).values(notes=""))
    counts.reviews += _rowcount(
        session,
        update(CaseReview)
        .where(CaseReview.call_attempt_id.in_(select(CallAttempt.id).where(CallAttempt.warning_id == wid)))
        .values(annotation=""),
    )
    counts.drafts += _rowcount(session, delete(CallDraft).where(CallDraft.warning_id == wid))
    for recording in session.execute(select(CallRecording).where(CallRecording.warning_id == wid,
                                                                 CallRecording.purged_at.is_(None))).scalars():
        recording.purged_at = now  # the file goes once the transaction has committed
        counts.recording_files.append(recording.path)
    # SMS warnings: the number and the text (it holds the form of address) go; counts and states stay
    session.execute(update(SmsMessage).where(SmsMessage.warning_id == wid)
                    .values(phone="erased-sms-" + cast(SmsMessage.id, String), text=""))
    # automated voice warnings: the text played holds the form of address; results and counts stay
    session.execute(update(VoiceCampaignItem).where(VoiceCampaignItem.warning_id == wid).values(message_text=""))
    for merge in session.execute(select(WarningMerge).where(WarningMerge.warning_id == wid)).scalars():
        merge.raw_payload = _blank_values(merge.raw_payload or {})
        counts.merges += 1
    escalation_ids = list(session.execute(select(Escalation.id).where(Escalation.warning_id == wid)).scalars())
    if escalation_ids:
        session.execute(update(Escalation).where(Escalation.id.in_(escalation_ids))
                        .values(reason="", summary="", result_note="", target_detail=""))
        session.execute(update(EscalationEvent).where(EscalationEvent.escalation_id.in_(escalation_ids))
                        .values(note=""))
        for task in session.execute(
            select(EscalationTask).where(EscalationTask.escalation_id.in_(escalation_ids))
        ).scalars():
            task.details = scrub_task_details(task.details or {})
        counts.escalations += len(escalation_ids)


def _erase_person(person: Person, now: dt.datetime) -> None:
    person.name = ""
    # The phone column is indexed and matched by deduplication: a per-person token keeps it non-empty,
    # distinct and impossible to match a real number.
    person.phone = f"erased-{person.id}"
    person.other_phones = []
    person.id_number = ""
    person.birth_date = None
    person.address = ""
    person.relative_name = ""
    person.relative_phone = ""
    person.occupation = ""
    person.erased_at = now


def _person_fully_expired(session: Session, person: Person) -> bool:
    """True when every warning of the person is erased (nothing still needs the identity)."""
    pending = session.execute(
        select(Warning.id).where(Warning.person_id == person.id, Warning.erased_at.is_(None)).limit(1)
    ).first()
    return pending is None


def apply_retention(ctx: ServiceContext, *, older_than_days: int | None = None, dry_run: bool = False,
                    stored_files: Sequence[StoredFiles] = ()) -> RetentionReport:
    """Erase what has passed its retention period (admins).  ``dry_run`` counts without changing.

    ``stored_files``: the kinds of audio file outside the database to clear as well (the command line
    passes every kind of this seat's data directory)."""
    ctx.require("retention.run")
    days = older_than_days if older_than_days is not None else ctx.settings.retention.older_than_days
    if days < 1:
        raise ServiceError("保存期限至少为 1 天")
    now = ctx.now()
    cutoff = now - dt.timedelta(days=days)
    counts = _Counts()
    try:
        with ctx.session() as session:
            expired = (
                select(Warning)
                .join(Person, Person.id == Warning.person_id)
                .where(Warning.status == WarningStatus.CLOSED, Warning.closed_at < cutoff, Warning.erased_at.is_(None))
                .order_by(Warning.id)
            )
            persons: dict[int, Person] = {}
            for warning in session.execute(expired).scalars():
                if warning.legal_hold or warning.person.legal_hold:
                    counts.held += 1
                    continue
                _erase_warning(session, warning, now, counts)
                persons[warning.person_id] = warning.person
            session.flush()
            for person in persons.values():
                if not person.legal_hold and person.erased_at is None and _person_fully_expired(session, person):
                    _erase_person(person, now)
                    counts.persons += 1
            for row in session.execute(
                select(QuarantinedRow).where(QuarantinedRow.created_at < cutoff)
            ).scalars():
                if any(value != "" for value in (row.raw or {}).values()):
                    row.raw = _blank_values(row.raw)
                    counts.quarantine += 1
            session.flush()
            planned = {Path(p).resolve() for p in counts.recording_files}
            for kind in stored_files:  # each file once, even when two kinds (or this run's erasure) name it
                fresh: list[Path] = []
                for path in (Path(q).resolve() for q in kind.expired_files(session, cutoff, now)):
                    if path not in planned:
                        planned.add(path)
                        fresh.append(path)
                counts.stored[kind.kind] = fresh
            report = _report(cutoff, days, dry_run, counts)
            if dry_run:
                raise _DryRun
            audit.record(session, ctx.actor, "retention", object_type="retention", object_id=days,
                         details={k: v for k, v in report.as_dict().items() if k not in ("dry_run", "files_failed")}, at=now)
    except _DryRun:
        return report
    failed = 0
    for path in [Path(p) for p in counts.recording_files] + [p for paths in counts.stored.values() for p in paths]:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            failed += 1  # a purged row's file is found again by the next run
    return dataclasses.replace(report, files_failed=failed) if failed else report


def _report(cutoff: dt.datetime, days: int, dry_run: bool, c: _Counts) -> RetentionReport:
    return RetentionReport(
        cutoff=cutoff, older_than_days=days, dry_run=dry_run, warnings_erased=c.warnings,
        persons_erased=c.persons, held_skipped=c.held, call_attempts_cleared=c.calls,
        follow_ups_cleared=c.follow_ups, escalations_cleared=c.escalations, merges_cleared=c.merges,
        drafts_deleted=c.drafts, reviews_cleared=c.reviews, quarantine_rows_cleared=c.quarantine,
        recordings_deleted=len(c.recording_files),
        files_deleted={kind: len(paths) for kind, paths in c.stored.items()},
    )


def set_legal_hold(ctx: ServiceContext, warning_id: int, on: bool, reason: str, *,
                   include_person: bool = False) -> None:
    """Keep (or release) one warning — and optionally its person — out of retention.  Audited."""
    ctx.require("retention.run")
    reason = reason.strip()
    if not reason:
        raise ServiceError("设置或解除诉讼保留必须填写事由")
    with ctx.session() as session:
        warning = session.get(Warning, warning_id)
        if warning is None:
            raise NotFound("该预警不存在")
        if on and warning.erased_at is not None:
            raise ServiceError("该预警的信息已按保存期限清除，无法再保留")
        warning.legal_hold = on
        if include_person:
            warning.person.legal_hold = on
        audit.record(session, ctx.actor, "legal_hold", object_type="warning", object_id=warning_id,
                     reason=reason, details={"on": on, "person": include_person}, at=ctx.now())
