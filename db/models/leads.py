"""What a call learns beyond its outcome: 涉诈线索 (leads), stop-payment facts and a relative's contact.

All three hang off the warning (and the call attempt that captured them) and are personal or
financial data: services mask them by default and audit every export.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, utcnow

LEAD_KINDS = ("phone", "account", "link", "app", "group", "im_id")


class Lead(Base):
    """One 涉诈线索 on a warning: the scammer's number, account, link, app, group or chat id."""

    __tablename__ = "warning_leads"
    __table_args__ = (UniqueConstraint("warning_id", "kind", "value", name="uq_warning_leads_value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    warning_id: Mapped[int] = mapped_column(ForeignKey("warnings.id", ondelete="CASCADE"), index=True)
    call_attempt_id: Mapped[int | None] = mapped_column(ForeignKey("call_attempts.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(500))
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class StopPaymentRecord(Base):
    """The facts a stop-payment request needs, as the person gave them on the phone."""

    __tablename__ = "stop_payment_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    warning_id: Mapped[int] = mapped_column(ForeignKey("warnings.id", ondelete="CASCADE"), index=True)
    call_attempt_id: Mapped[int | None] = mapped_column(ForeignKey("call_attempts.id", ondelete="SET NULL"))
    escalation_id: Mapped[int | None] = mapped_column(ForeignKey("escalations.id", ondelete="SET NULL"))
    transferred_at: Mapped[dt.datetime | None]
    amount: Mapped[Decimal | None]
    victim_bank: Mapped[str] = mapped_column(String(100), default="")
    victim_account: Mapped[str] = mapped_column(String(64), default="")
    payee_account: Mapped[str] = mapped_column(String(200), default="")  # account, platform or QR code
    payee_bank: Mapped[str] = mapped_column(String(100), default="")
    transaction_ref: Mapped[str] = mapped_column(String(100), default="")
    account_holder: Mapped[str] = mapped_column(String(64), default="")  # when the card is not the person's
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class RelativeContact(Base):
    """Who answered a wrong-person call and how to reach the warned person now."""

    __tablename__ = "relative_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    warning_id: Mapped[int] = mapped_column(ForeignKey("warnings.id", ondelete="CASCADE"), index=True)
    call_attempt_id: Mapped[int | None] = mapped_column(ForeignKey("call_attempts.id", ondelete="SET NULL"))
    relation: Mapped[str] = mapped_column(String(32), default="")
    name: Mapped[str] = mapped_column(String(64), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    whereabouts: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
