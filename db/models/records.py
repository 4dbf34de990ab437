"""Audit trail, import batches and quarantine, script versions, rehearsals and case reviews."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, utcnow


class AuditEvent(Base):
    """Tamper-evident log entry: ``hash`` covers this entry and ``prev_hash``."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    login: Mapped[str] = mapped_column(String(64), default="")
    channel: Mapped[str] = mapped_column(String(8), default="")  # gui / cli; empty for the system
    action: Mapped[str] = mapped_column(String(40), index=True)
    object_type: Mapped[str] = mapped_column(String(32), default="")
    object_id: Mapped[str] = mapped_column(String(64), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    hash: Mapped[str] = mapped_column(String(64), default="")


class ImportBatch(Base):
    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(64), default="")
    file_name: Mapped[str] = mapped_column(String(260), default="")
    file_sha256: Mapped[str] = mapped_column(String(64), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # running | done | failed | interrupted (its process died; a re-import of the file resumes it)
    status: Mapped[str] = mapped_column(String(16), default="running")
    rows: Mapped[int] = mapped_column(Integer, default=0)
    imported: Mapped[int] = mapped_column(Integer, default=0)
    merged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # rows imported before
    error: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
    worker: Mapped[str] = mapped_column(String(128), default="", server_default="")  # host:pid:start
    heartbeat_at: Mapped[dt.datetime | None]  # last committed chunk


class ImportedRow(Base):
    """A file row that became (or merged into, or was rejected as) a warning: importing the same row
    again (same file and row, or same external id and content) changes nothing."""

    __tablename__ = "imported_rows"
    __table_args__ = (UniqueConstraint("file_sha256", "row_number", name="uq_imported_rows_file_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id"))
    file_sha256: Mapped[str] = mapped_column(String(64))
    row_number: Mapped[int] = mapped_column(Integer)
    content_sha: Mapped[str] = mapped_column(String(32), index=True)  # hash of the row's mapped fields
    outcome: Mapped[str] = mapped_column(String(16))  # imported | merged | rejected


class QuarantinedRow(Base):
    """A rejected import row, kept whole with the reason, until corrected and re-imported."""

    __tablename__ = "quarantined_rows"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(260), default="")
    row_number: Mapped[int] = mapped_column(Integer, default=0)
    raw: Mapped[dict[str, Any]] = mapped_column(default=dict)
    field: Mapped[str] = mapped_column(String(32), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | resolved
    resolved_warning_id: Mapped[int | None] = mapped_column(ForeignKey("warnings.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ScriptVersion(Base):
    """A version of a library script seen by this database (call logs point at id + version)."""

    __tablename__ = "script_versions"
    __table_args__ = (UniqueConstraint("script_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    script_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200), default="")
    content: Mapped[str] = mapped_column(Text, default="")
    first_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Rehearsal(Base):
    """A training run against a simulated person.  Never linked to production warnings."""

    __tablename__ = "rehearsals"

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    scenario_id: Mapped[str] = mapped_column(String(64))
    script_id: Mapped[str] = mapped_column(String(64), default="")
    script_version: Mapped[str] = mapped_column(String(64), default="")
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
    score: Mapped[int] = mapped_column(Integer, default=0)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class CaseReview(Base):
    """A 复盘 note on a finished call, optionally turned into a rehearsal scenario."""

    __tablename__ = "case_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_attempt_id: Mapped[int] = mapped_column(ForeignKey("call_attempts.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    annotation: Mapped[str] = mapped_column(Text, default="")
    scenario_yaml: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class DocumentNumber(Base):
    """A document number (文号) given out once: running per year and document kind, kept per object so a
    reprint carries the same number."""

    __tablename__ = "document_numbers"
    __table_args__ = (
        UniqueConstraint("kind", "year", "number", name="uq_document_numbers_number"),
        UniqueConstraint("kind", "object_id", name="uq_document_numbers_object"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    object_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
