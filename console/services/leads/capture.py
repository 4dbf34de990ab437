"""Checking and storing what the operator captured during a call (called inside ``log_call``'s transaction).

- leads (涉诈线索): the scammer's phone numbers, accounts, links, app names, group chats, chat ids;
  the same lead twice on one warning is kept once;
- stop-payment facts: when, how much, from which of the person's cards, to which account or platform,
  the transaction reference, and whose card it is when it is not the person's own;
- a relative's contact from a wrong-person call: who answered and how to reach the person now.  When
  the person has no relative on record, this one becomes the number a family notice dials.

Bad input raises :class:`ServiceError` with a Chinese message before anything is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from console.services.core.context import ServiceError
from db.models import LEAD_KINDS, Lead, Person, RelativeContact, StopPaymentRecord, Warning

LEAD_KIND_LABELS = {
    "phone": "电话号码",
    "account": "收款账户",
    "link": "链接",
    "app": "App名称",
    "group": "群聊",
    "im_id": "微信/QQ号",
}
assert set(LEAD_KIND_LABELS) == set(LEAD_KINDS)


@dataclass(frozen=True)
class LeadInput:
    kind: str
    value: str
    note: str = ""


@dataclass(frozen=True)
class StopPaymentInput:
    transferred_at: dt.datetime | None = None
    amount: Decimal | str | None = None
    victim_bank: str = ""
    victim_account: str = ""
    payee_account: str = ""  # account number, platform or QR code description
    payee_bank: str = ""
    transaction_ref: str = ""
    account_holder: str = ""
    note: str = ""


@dataclass(frozen=True)
class RelativeContactInput:
    relation: str
    phone: str = ""
    name: str = ""
    whereabouts: str = ""


def findings_from_document(call: dict[str, Any]) -> dict[str, Any]:
    """Rebuild the findings of a call read back from the outbox (plain JSON) as input objects."""
    call = dict(call)
    call["leads"] = [LeadInput(**item) for item in call.get("leads") or []]
    facts = call.get("stop_payment")
    if facts:
        facts = dict(facts)
        if facts.get("transferred_at"):
            facts["transferred_at"] = dt.datetime.fromisoformat(facts["transferred_at"])
        call["stop_payment"] = StopPaymentInput(**facts)
    if call.get("relative"):
        call["relative"] = RelativeContactInput(**call["relative"])
    return call


def clean_leads(leads: Sequence[LeadInput]) -> list[LeadInput]:
    """Trimmed, checked, duplicates dropped (same kind and value)."""
    seen: set[tuple[str, str]] = set()
    out: list[LeadInput] = []
    for lead in leads:
        if lead.kind not in LEAD_KINDS:
            raise ServiceError(f"未知的线索类型“{lead.kind}”")
        value = lead.value.strip()
        label = LEAD_KIND_LABELS[lead.kind]
        if not value:
            raise ServiceError(f"{label}线索不能为空")
        if len(value) > 500:
            raise ServiceError(f"{label}线索太长（最多500字）")
        if lead.kind == "phone" and sum(c.isdigit() for c in value) < 5:
            raise ServiceError(f"电话号码线索“{value}”不像电话号码")
        if (lead.kind, value) not in seen:
            seen.add((lead.kind, value))
            out.append(LeadInput(lead.kind, value, lead.note.strip()))
    return out


def _amount(raw: Decimal | str | None) -> Decimal | None:
    if raw is None or raw == "":
        return None
    text = str(raw).replace(",", "").replace("，", "").replace("元", "").strip()
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ServiceError(f"止付金额“{raw}”不是有效数字") from None
    if amount <= 0:
        raise ServiceError("止付金额应大于 0")
    return amount.quantize(Decimal("0.01"))


def clean_stop_payment(facts: StopPaymentInput, now: dt.datetime) -> StopPaymentInput:
    """At least the person's bank and card, or the receiving account, must be known to ask a bank."""
    victim_bank = facts.victim_bank.strip()
    victim_account = facts.victim_account.strip().replace(" ", "")
    payee = facts.payee_account.strip()
    if not (victim_bank and victim_account) and not payee:
        raise ServiceError("止付信息至少要有转出的银行和卡号，或者收款账户")
    if facts.transferred_at is not None and facts.transferred_at > now + dt.timedelta(minutes=5):
        raise ServiceError("转账时间不能晚于现在")
    return StopPaymentInput(facts.transferred_at, _amount(facts.amount), victim_bank, victim_account, payee,
                            facts.payee_bank.strip(), facts.transaction_ref.strip(), facts.account_holder.strip(),
                            facts.note.strip())


def clean_relative(contact: RelativeContactInput) -> RelativeContactInput:
    relation = contact.relation.strip()
    phone = contact.phone.strip().replace(" ", "").replace("-", "")
    if not relation:
        raise ServiceError("请填写接电话的人与当事人的关系")
    if not phone and not contact.whereabouts.strip():
        raise ServiceError("请至少填写一个能联系上当事人的电话，或者他现在在哪里")
    if phone and (not phone.lstrip("+").isdigit() or len(phone) < 5):
        raise ServiceError(f"联系电话“{contact.phone}”不是有效号码")
    return RelativeContactInput(relation, phone, contact.name.strip(), contact.whereabouts.strip())


def store_findings(
    session: Session,
    warning: Warning,
    attempt_id: int | None,
    user_id: int | None,
    now: dt.datetime,
    *,
    leads: Sequence[LeadInput] = (),
    stop_payment: StopPaymentInput | None = None,
    relative: RelativeContactInput | None = None,
) -> int | None:
    """Write the cleaned findings; returns the stop-payment record id when one was written."""
    rows = session.execute(select(Lead.kind, Lead.value).where(Lead.warning_id == warning.id))
    known = {(kind, value) for kind, value in rows}
    for lead in leads:
        if (lead.kind, lead.value) in known:
            continue
        session.add(Lead(warning_id=warning.id, call_attempt_id=attempt_id, kind=lead.kind, value=lead.value,
                         note=lead.note, created_by=user_id, created_at=now))
    record_id: int | None = None
    if stop_payment is not None:
        record = StopPaymentRecord(
            warning_id=warning.id, call_attempt_id=attempt_id, transferred_at=stop_payment.transferred_at,
            amount=stop_payment.amount if isinstance(stop_payment.amount, Decimal) else None,
            victim_bank=stop_payment.victim_bank, victim_account=stop_payment.victim_account,
            payee_account=stop_payment.payee_account, payee_bank=stop_payment.payee_bank,
            transaction_ref=stop_payment.transaction_ref, account_holder=stop_payment.account_holder,
            note=stop_payment.note, created_by=user_id, created_at=now,
        )
        session.add(record)
        session.flush()
        record_id = record.id
    if relative is not None:
        session.add(RelativeContact(warning_id=warning.id, call_attempt_id=attempt_id, relation=relative.relation,
                                    name=relative.name, phone=relative.phone, whereabouts=relative.whereabouts,
                                    created_by=user_id, created_at=now))
        person = session.get(Person, warning.person_id)
        if person is not None and relative.phone and not person.relative_phone:
            person.relative_phone = relative.phone
            person.relative_name = relative.name or relative.relation
    session.flush()
    return record_id
