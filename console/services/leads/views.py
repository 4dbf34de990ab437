"""Leads and stop-payment facts of a warning or a person, masked for display, and the leads export.

Numbers (phones, accounts, chat ids) are masked unless the caller asks for clear values with a
reason and holds ``pii.reveal.all``; links, app and group names are shown as captured.  The export
for the upstream platform goes through :func:`console.services.people.export.export_table`, so it is
masked by default and audited like every other export.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from console.services.core.context import NotFound, ServiceContext
from console.services.core.masking import mask_account
from console.services.leads.capture import LEAD_KIND_LABELS
from console.services.people.export import ExportResult, Table, export_table
from db.models import Lead, Person, StopPaymentRecord, Warning

NUMBER_KINDS = frozenset({"phone", "account", "im_id"})


@dataclass(frozen=True)
class LeadInfo:
    lead_id: int
    warning_id: int
    kind: str
    kind_label: str
    value: str  # masked for numbers
    note: str
    created_at: dt.datetime


@dataclass(frozen=True)
class StopPaymentInfo:
    record_id: int
    warning_id: int
    escalation_id: int | None
    transferred_at: dt.datetime | None
    amount: Decimal | None
    victim_bank: str
    victim_account: str  # masked
    payee_account: str  # masked
    payee_bank: str
    transaction_ref: str
    account_holder: str
    note: str


def _shown(kind: str, value: str) -> str:
    return mask_account(value) if kind in NUMBER_KINDS else value


def lead_info(lead: Lead) -> LeadInfo:
    return LeadInfo(lead.id, lead.warning_id, lead.kind, LEAD_KIND_LABELS.get(lead.kind, lead.kind),
                    _shown(lead.kind, lead.value), lead.note, lead.created_at)


def stop_payment_info(record: StopPaymentRecord, *, masked: bool = True) -> StopPaymentInfo:
    def shown(value: str) -> str:
        return mask_account(value) if masked else value

    return StopPaymentInfo(record.id, record.warning_id, record.escalation_id, record.transferred_at, record.amount,
                           record.victim_bank, shown(record.victim_account), shown(record.payee_account),
                           record.payee_bank, record.transaction_ref, record.account_holder, record.note)


def list_leads(ctx: ServiceContext, *, warning_id: int | None = None, person_id: int | None = None) -> list[LeadInfo]:
    """Leads of one warning, or of every warning of one person (the person view), oldest first."""
    ctx.require("warning.view")
    query = select(Lead).join(Warning, Warning.id == Lead.warning_id).order_by(Lead.created_at, Lead.id)
    if warning_id is not None:
        query = query.where(Lead.warning_id == warning_id)
    if person_id is not None:
        query = query.where(Warning.person_id == person_id)
    with ctx.sessions() as session:
        if person_id is not None and session.get(Person, person_id) is None:
            raise NotFound(f"当事人 {person_id} 不存在")
        return [lead_info(lead) for lead in session.scalars(query)]


def list_stop_payments(ctx: ServiceContext, warning_id: int) -> list[StopPaymentInfo]:
    ctx.require("warning.view")
    query = select(StopPaymentRecord).where(StopPaymentRecord.warning_id == warning_id).order_by(StopPaymentRecord.id)
    with ctx.sessions() as session:
        return [stop_payment_info(record) for record in session.scalars(query)]


def leads_table(ctx: ServiceContext, since: dt.datetime | None = None, until: dt.datetime | None = None) -> Table:
    """Every lead captured in a period, one row each, numbers in their own (personal-data) column."""
    ctx.require("warning.view")
    query = (select(Lead, Warning.external_id, Warning.fraud_type)
             .join(Warning, Warning.id == Lead.warning_id).order_by(Lead.created_at, Lead.id))
    if since is not None:
        query = query.where(Lead.created_at >= since)
    if until is not None:
        query = query.where(Lead.created_at < until)
    rows: list[list[object]] = []
    with ctx.sessions() as session:
        for lead, external_id, fraud_type in session.execute(query):
            number = lead.value if lead.kind in NUMBER_KINDS else ""
            text = "" if lead.kind in NUMBER_KINDS else lead.value
            rows.append([external_id or f"W{lead.warning_id}", fraud_type, LEAD_KIND_LABELS.get(lead.kind, lead.kind),
                         number, text, lead.note, lead.created_at.strftime("%Y-%m-%d %H:%M")])
    headers = ["预警编号", "诈骗类型", "线索类型", "号码/账号", "链接/名称", "备注", "记录时间(UTC)"]
    return Table(headers, rows, pii_columns={3: "account"}, title="涉诈线索")


def export_leads(ctx: ServiceContext, path: str | Path, *, since: dt.datetime | None = None,
                 until: dt.datetime | None = None, unmasked: bool = False, reason: str = "") -> ExportResult:
    """Write the leads for the upstream platform (CSV or XLSX); masked unless authorised, always audited."""
    return export_table(ctx, path, leads_table(ctx, since, until), unmasked=unmasked, reason=reason)
