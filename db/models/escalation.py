"""Escalations to stations: the order, its parallel tasks and their status timelines."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, utcnow

# Status, kind and outcome columns hold the codes of the StrEnums in console/services/core/vocabulary.py
# (dispositions, objections and key actions: scripts_library/codes.py), which own their values.


class Escalation(Base):
    """One order to a station.  A re-escalation is a new row pointing at its parent."""

    __tablename__ = "escalations"

    id: Mapped[int] = mapped_column(primary_key=True)
    warning_id: Mapped[int] = mapped_column(ForeignKey("warnings.id", ondelete="CASCADE"), index=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("escalations.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    target: Mapped[str] = mapped_column(String(32), default="station")  # station | duty_phone | other_unit
    target_detail: Mapped[str] = mapped_column(String(200), default="")
    risk_level: Mapped[str] = mapped_column(String(8), default="red")
    reason: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")  # what the centre already said / learned
    status: Mapped[str] = mapped_column(String(16), default="open")  # open|acknowledged|in_progress|done|cancelled
    result: Mapped[str | None] = mapped_column(String(16))
    result_note: Mapped[str] = mapped_column(Text, default="")
    ack_deadline_at: Mapped[dt.datetime | None]
    acknowledged_at: Mapped[dt.datetime | None]
    alerted_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)

    tasks: Mapped[list[EscalationTask]] = relationship(
        back_populates="escalation", cascade="all, delete-orphan", order_by="EscalationTask.id"
    )


class EscalationTask(Base):
    """A parallel task of an escalation: on-site visit, protective stop-payment, family notice."""

    __tablename__ = "escalation_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16), default="created")
    result: Mapped[str | None] = mapped_column(String(16))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)  # bank/account/amount, relative/phone …
    assignee: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    escalation: Mapped[Escalation] = relationship(back_populates="tasks")
    events: Mapped[list[EscalationEvent]] = relationship(
        back_populates="task", cascade="all, delete-orphan", order_by="EscalationEvent.at"
    )


class EscalationEvent(Base):
    """One step of a task's (or the order's) status timeline."""

    __tablename__ = "escalation_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("escalation_tasks.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(16))
    result: Mapped[str | None] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_text: Mapped[str] = mapped_column(String(64), default="")
    note: Mapped[str] = mapped_column(Text, default="")

    task: Mapped[EscalationTask | None] = relationship(back_populates="events")
