"""Automated voice warnings: a campaign (its run state, shared by the CLI and the supervisor's view)
and one item per warning in the lane, with its attempts, next try and what the person heard."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, utcnow


class VoiceCampaign(Base):
    """One run of the automated lane; ``status`` (running / paused / stopped / finished) is the flag
    every running loop reads between calls, so a pause in one console holds the loop in another."""

    __tablename__ = "voice_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="running", index=True)
    levels: Mapped[list[str]] = mapped_column(default=list)
    fraud_types: Mapped[list[str]] = mapped_column(default=list)  # empty: every fraud type
    channels: Mapped[int] = mapped_column(Integer, default=2)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]


class VoiceCampaignItem(Base):
    """One warning in a campaign: its automated calls so far and what came of the last one."""

    __tablename__ = "voice_campaign_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("voice_campaigns.id", ondelete="CASCADE"), index=True)
    warning_id: Mapped[int] = mapped_column(ForeignKey("warnings.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_at: Mapped[dt.datetime | None]
    last_result: Mapped[str] = mapped_column(String(16), default="")
    listened_s: Mapped[float] = mapped_column(Float, default=0.0)
    replays: Mapped[int] = mapped_column(Integer, default=0)
    message_key: Mapped[str] = mapped_column(String(64), default="")  # fraud type / audience of the message
    message_text: Mapped[str] = mapped_column(Text, default="")  # what was played
    call_attempt_id: Mapped[int | None] = mapped_column(ForeignKey("call_attempts.id", ondelete="SET NULL"))
    callback_item_id: Mapped[int | None] = mapped_column(ForeignKey("queue_items.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_voice_campaign_items_status_next", "campaign_id", "status", "next_at"),)
