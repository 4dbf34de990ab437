"""Short messages sent to persons, the delivery receipts the SMS centre returns, and opt-outs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, utcnow

SMS_STATUSES = ("sending", "submitted", "delivered", "undelivered", "failed")


class SmsMessage(Base):
    """One short message (possibly several concatenated parts) to one phone number."""

    __tablename__ = "sms_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    warning_id: Mapped[int | None] = mapped_column(ForeignKey("warnings.id", ondelete="SET NULL"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    phone: Mapped[str] = mapped_column(String(32))  # personal data: shown masked, kept for receipts and limits
    template: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    parts: Mapped[int] = mapped_column(Integer, default=1)
    data_coding: Mapped[int] = mapped_column(Integer, default=8)
    flash: Mapped[bool] = mapped_column(Boolean, default=False)
    gateway: Mapped[str] = mapped_column(String(16), default="smpp")
    status: Mapped[str] = mapped_column(String(16), default="sending")
    message_ids: Mapped[list[str]] = mapped_column(default=list)  # the SMS centre's id of each part
    error: Mapped[str] = mapped_column(Text, default="")
    sent_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[dt.datetime | None]
    delivered_at: Mapped[dt.datetime | None]

    __table_args__ = (
        Index("ix_sms_messages_phone_created", "phone", "created_at"),
        Index("ix_sms_messages_created", "created_at"),
    )


class SmsReceipt(Base):
    """A delivery receipt (deliver_sm with the receipt flag) for one part of a message."""

    __tablename__ = "sms_receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    sms_message_id: Mapped[int | None] = mapped_column(ForeignKey("sms_messages.id", ondelete="CASCADE"),
                                                       index=True)
    smsc_message_id: Mapped[str] = mapped_column(String(65), index=True)
    state: Mapped[str] = mapped_column(String(16))  # DELIVRD, UNDELIV, EXPIRED, REJECTD, ...
    error_code: Mapped[str] = mapped_column(String(8), default="")
    done_at: Mapped[dt.datetime | None]
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SmsOptOut(Base):
    """A number that asked for no more messages (or that the centre must not text)."""

    __tablename__ = "sms_opt_outs"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(32), unique=True)
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
