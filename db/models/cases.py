"""Persons, warnings and the queue items that put them in front of an operator."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, utcnow

# Status, kind and outcome columns hold the codes of the StrEnums in console/services/core/vocabulary.py
# (dispositions, objections and key actions: scripts_library/codes.py), which own their values.


class Person(Base):
    """The potential victim.  Identifying fields are erasable (retention) while the profile stays."""

    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), default="")
    phone: Mapped[str] = mapped_column(String(32), index=True)  # normalised primary number (E.164-ish digits)
    other_phones: Mapped[list[str]] = mapped_column(default=list)
    id_number: Mapped[str] = mapped_column(String(32), default="")
    id_number_flag: Mapped[str] = mapped_column(String(32), default="")  # '' | invalid | scientific | legacy15
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    sex: Mapped[str | None] = mapped_column(String(1))  # 'F' | 'M' | None
    age_band: Mapped[str] = mapped_column(String(16), default="unknown")  # minor, 18-25, ..., 65+
    occupation: Mapped[str] = mapped_column(String(64), default="")
    profile_group: Mapped[str] = mapped_column(String(32), default="general")
    address: Mapped[str] = mapped_column(String(200), default="")
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"))
    relative_name: Mapped[str] = mapped_column(String(64), default="")
    relative_phone: Mapped[str] = mapped_column(String(32), default="")
    previous_victim: Mapped[bool] = mapped_column(Boolean, default=False)
    dissuaded_before: Mapped[bool] = mapped_column(Boolean, default=False)
    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    erased_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    warnings: Mapped[list[Warning]] = relationship(back_populates="person")


class Warning(Base):
    """One 预警指令.  ``raw_payload`` keeps the row exactly as it arrived."""

    __tablename__ = "warnings"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    # looked up through ix_warnings_person_type_received, whose first column it is
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    received_at: Mapped[dt.datetime] = mapped_column(index=True)
    fraud_type: Mapped[str] = mapped_column(String(40), default="other", index=True)
    fraud_contact: Mapped[str] = mapped_column(String(200), default="")
    call_duration_s: Mapped[int | None] = mapped_column(Integer)
    signals: Mapped[list[str]] = mapped_column(default=list)
    signals_text: Mapped[str] = mapped_column(Text, default="")
    amount: Mapped[Decimal | None]
    source: Mapped[str] = mapped_column(String(64), default="")
    station_hint: Mapped[str] = mapped_column(String(64), default="")
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    raw_payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    field_warnings: Mapped[list[Any]] = mapped_column(default=list)
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    repeat_count: Mapped[int] = mapped_column(Integer, default=0)
    last_repeat_at: Mapped[dt.datetime | None]
    # triage
    risk_score: Mapped[int] = mapped_column(Integer, default=0)
    risk_level: Mapped[str] = mapped_column(String(8), default="blue")
    risk_reasons: Mapped[list[Any]] = mapped_column(default=list)
    level_override: Mapped[str | None] = mapped_column(String(8))
    level_override_reason: Mapped[str] = mapped_column(Text, default="")
    deadline_at: Mapped[dt.datetime | None]
    first_contact_at: Mapped[dt.datetime | None]
    # lifecycle
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    outcome: Mapped[str | None] = mapped_column(String(24))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    closed_at: Mapped[dt.datetime | None]
    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    erased_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    person: Mapped[Person] = relationship(back_populates="warnings")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_warnings_person_type_received", "person_id", "fraud_type", "received_at"),)


class WarningMerge(Base):
    """A repeat of an existing warning (same external id, or same phone and type within 24 h)."""

    __tablename__ = "warning_merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    warning_id: Mapped[int] = mapped_column(ForeignKey("warnings.id", ondelete="CASCADE"), index=True)
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    reason: Mapped[str] = mapped_column(String(32))  # external_id | phone_and_type_24h
    raw_payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    merged_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class QueueItem(Base):
    """Something an operator must do now: a warning, a retry, a due follow-up, an escalation answer.

    A claim is a lease: ``claimed_by`` holds it until ``lease_expires_at``.
    """

    __tablename__ = "queue_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24), default="warning")
    warning_id: Mapped[int] = mapped_column(ForeignKey("warnings.id", ondelete="CASCADE"), index=True)
    follow_up_id: Mapped[int | None] = mapped_column(ForeignKey("follow_ups.id"))
    escalation_id: Mapped[int | None] = mapped_column(ForeignKey("escalations.id"))
    status: Mapped[str] = mapped_column(String(16), default="open")
    priority: Mapped[int] = mapped_column(Integer, default=0)  # higher first
    risk_level: Mapped[str] = mapped_column(String(8), default="blue")
    deadline_at: Mapped[dt.datetime | None]
    not_before: Mapped[dt.datetime | None]
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    claimed_at: Mapped[dt.datetime | None]
    lease_expires_at: Mapped[dt.datetime | None]
    assigned_to: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    skip_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[dt.datetime | None]

    __table_args__ = (
        Index(
            "ix_queue_items_claimable",
            "priority",
            "id",
            sqlite_where=text("status IN ('open','claimed')"),
            postgresql_where=text("status IN ('open','claimed')"),
        ),
        # claim order: per level, the most overdue first, then the highest score (console/services/queue/claims.py);
        # their first column also serves every lookup by status alone
        Index("ix_queue_items_level_deadline", "status", "risk_level", "deadline_at"),
        Index("ix_queue_items_level_priority", "status", "risk_level", "priority"),
        # an operator's own due callbacks, looked up first on every claim
        Index("ix_queue_items_assigned", "assigned_to", "status", "deadline_at"),
    )


class AppState(Base):
    """Small key/value counters, e.g. the queue change counter polled by seats on SQLite."""

    __tablename__ = "app_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
