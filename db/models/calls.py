"""Call attempts, in-progress call drafts and follow-up calls."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, utcnow

# Status, kind and outcome columns hold the codes of the StrEnums in console/services/core/vocabulary.py
# (dispositions, objections and key actions: scripts_library/codes.py), which own their values.


class CallAttempt(Base):
    """One dial.  Written in one transaction; ``client_uuid`` makes a retried write idempotent."""

    __tablename__ = "call_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    warning_id: Mapped[int] = mapped_column(ForeignKey("warnings.id", ondelete="CASCADE"), index=True)
    queue_item_id: Mapped[int | None] = mapped_column(ForeignKey("queue_items.id"))
    follow_up_id: Mapped[int | None] = mapped_column(ForeignKey("follow_ups.id"))
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    dialled_number: Mapped[str] = mapped_column(String(32), default="")
    started_at: Mapped[dt.datetime] = mapped_column(index=True)
    ended_at: Mapped[dt.datetime | None]
    connected: Mapped[bool] = mapped_column(Boolean, default=False)
    duration_s: Mapped[int] = mapped_column(Integer, default=0)
    disposition: Mapped[str] = mapped_column(String(24), index=True)
    script_id: Mapped[str] = mapped_column(String(64), default="")
    script_version: Mapped[str] = mapped_column(String(64), default="")
    node_path: Mapped[list[str]] = mapped_column(default=list)
    objections: Mapped[list[str]] = mapped_column(default=list)
    # key actions the person promised during this call, and those verified (by the operator during the
    # call, or found done by a follow-up): a promise is not a result, the two are reported apart
    key_actions: Mapped[list[str]] = mapped_column(default=list)
    confirmed_actions: Mapped[list[str]] = mapped_column(default=list, server_default="[]")
    amount_at_risk: Mapped[Decimal | None]
    amount_protected: Mapped[Decimal | None]
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CallDraft(Base):
    """The call an operator is working on, saved continuously so a crash loses nothing typed."""

    __tablename__ = "call_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    warning_id: Mapped[int] = mapped_column(ForeignKey("warnings.id", ondelete="CASCADE"))
    queue_item_id: Mapped[int | None] = mapped_column(ForeignKey("queue_items.id"))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class FollowUp(Base):
    """A scheduled revisit (day 1, 7, 30, 90 …) or a support call after a victimised outcome."""

    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    warning_id: Mapped[int] = mapped_column(ForeignKey("warnings.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24), default="revisit")  # revisit | victim_support
    day_offset: Mapped[int] = mapped_column(Integer, default=1)
    due_at: Mapped[dt.datetime] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(16), default="scheduled")  # scheduled|queued|done|missed|cancelled
    outcome: Mapped[str] = mapped_column(String(24), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    completed_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    # due follow-ups are looked up on every claim: only the scheduled ones, by due time
    __table_args__ = (Index("ix_follow_ups_status_due", "status", "due_at"),)
