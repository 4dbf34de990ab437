"""Telephony: the seats' agent state with its heartbeat, and call recordings."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, utcnow

AGENT_STATES = ("ready", "paused", "on_call", "wrap_up", "offline")


class AgentState(Base):
    """What an operator's seat is doing now; a stale heartbeat reads as offline."""

    __tablename__ = "agent_states"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), default="offline")
    reason: Mapped[str] = mapped_column(String(64), default="")
    seat: Mapped[str] = mapped_column(String(64), default="")
    changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    heartbeat_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    item_id: Mapped[int | None] = mapped_column(Integer)  # the queue item in hand, as the seat reported it
    offline_since: Mapped[dt.datetime | None]  # set by a logout or a quit; cleared by the next heartbeat


class CallRecording(Base):
    """The audio of one connected call (both directions), linked to its attempt once that is saved."""

    __tablename__ = "call_recordings"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_uuid: Mapped[str] = mapped_column(String(36), index=True)  # CallAttempt.client_uuid
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("call_attempts.id", ondelete="SET NULL"), index=True)
    warning_id: Mapped[int | None] = mapped_column(ForeignKey("warnings.id", ondelete="CASCADE"), index=True)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    path: Mapped[str] = mapped_column(String(512))
    duration_s: Mapped[float] = mapped_column(Float, default=0.0)
    sample_rate: Mapped[int] = mapped_column(Integer, default=8000)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    purged_at: Mapped[dt.datetime | None]
