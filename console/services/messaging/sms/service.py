"""Sending an SMS warning to the person of a warning, and recording what the SMS centre says.

:func:`preview_warning_sms` renders the template for the person (what the operator confirms);
:func:`send_warning_sms` checks the rules (opt-out, quiet hours, per-person and per-hour limits),
writes the message before it leaves (status ``sending``), submits it through the gateway, audits
it, and records delivery receipts that arrive within ``receipt_wait_s``.  :func:`collect_receipts`
picks up receipts (and 退订 replies) later.  Numbers are masked in every log and audit entry.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace

from sqlalchemy import func, select
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session

from console.services.core import audit
from console.services.core.context import NotFound, ServiceContext, ServiceError
from console.services.core.masking import mask_phone, surname_of
from console.services.core.vocabulary import FRAUD_TYPE_LABELS
from console.services.messaging.sms.encoding import count_parts, encode_message
from console.services.messaging.sms.gateway import (
    FINAL_STATES,
    DeliveryReceipt,
    GatewayFactory,
    InboundMessage,
    SmsGateway,
    Submission,
    open_gateway,
)
from console.services.messaging.sms.settings import SmsSettings, load_sms_settings
from db.models import Person, SmsMessage, SmsOptOut, SmsReceipt, Warning
from scripts_library.rendering import address_title

_log = logging.getLogger("console.sms")
BAND_AGES = {"minor": 16, "18-25": 22, "26-40": 33, "41-55": 48, "56-65": 60, "65+": 70}
OPT_OUT_WORDS = ("TD", "T", "退订", "N", "0000")
SMS_LOCK_KEY = 7_110_96111


class SmsRefused(ServiceError):
    """A rule forbids this message now (opt-out, quiet hours, a limit); nothing was sent."""


@dataclass(frozen=True)
class SmsPreview:
    warning_id: int
    template: str
    text: str
    parts: int
    phone_masked: str
    refusal: str  # why it could not be sent now ("" when it could)


@dataclass(frozen=True)
class SmsSendResult:
    sms_id: int
    message_id: str  # the SMS centre's id of the first part
    parts: int
    status: str
    text: str
    phone_masked: str


def _address_form(person: Person, today: dt.date) -> str:
    age = None
    if person.birth_date is not None:
        age = today.year - person.birth_date.year
    age = age if age is not None else BAND_AGES.get(person.age_band)
    title = address_title(person.sex, age, person.profile_group)
    surname = surname_of(person.name) if person.erased_at is None else ""
    return f"{surname}{title}" if title and surname else "您"


def _load(session: Session, warning_id: int) -> tuple[Warning, Person]:
    warning = session.get(Warning, warning_id)
    if warning is None:
        raise NotFound(f"预警 {warning_id} 不存在")
    person = warning.person
    if person.erased_at is not None or not person.phone.strip():
        raise ServiceError("该预警没有可用的手机号码，无法发送短信")
    return warning, person


def _render(settings: SmsSettings, template_name: str, warning: Warning, person: Person, now: dt.datetime) -> str:
    """The template rendered for this person; ``now`` is on the centre's clock (for the age)."""
    template = settings.template(template_name)
    if not template.applies_to(warning.fraud_type):
        label = FRAUD_TYPE_LABELS.get(warning.fraud_type, warning.fraud_type)
        raise ServiceError(f"短信模板“{template.label}”不适用于{label}类预警")
    return template.render(settings.signature, {"address_form": _address_form(person, now.date()),
                                                "centre_name": settings.centre_name,
                                                "fraud_type_label": FRAUD_TYPE_LABELS.get(warning.fraud_type, "电信网络诈骗")})


def refusal_reason(session: Session, settings: SmsSettings, phone: str, now: dt.datetime) -> str:
    """Why no message may go to ``phone`` now (on the centre's clock: quiet hours, today's limit), or ""."""
    if session.execute(select(SmsOptOut.id).where(SmsOptOut.phone == phone)).first() is not None:
        return "该号码已退订预警短信"
    local = now
    if settings.quiet_hours is not None and settings.quiet_hours.contains(local.time()):
        return f"现在是免打扰时段（{settings.quiet_hours.label()}），不发送短信"
    counted = SmsMessage.status != "failed"
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(dt.UTC)
    today = session.execute(select(func.count(SmsMessage.id)).where(
        SmsMessage.phone == phone, SmsMessage.created_at >= day_start, counted)).scalar_one()
    if today >= settings.per_person_per_day:
        return f"该号码今天已收到 {today} 条短信，达到每人每天 {settings.per_person_per_day} 条的上限"
    hour = session.execute(select(func.count(SmsMessage.id)).where(
        SmsMessage.created_at >= now - dt.timedelta(hours=1), counted)).scalar_one()
    if hour >= settings.per_hour:
        return f"最近一小时已发送 {hour} 条短信，达到每小时 {settings.per_hour} 条的上限，请稍后再试"
    return ""


def preview_warning_sms(ctx: ServiceContext, warning_id: int, template_name: str,
                        settings: SmsSettings | None = None) -> SmsPreview:
    ctx.require("call.log")
    settings = settings or load_sms_settings()
    with ctx.session() as session:
        warning, person = _load(session, warning_id)
        text = _render(settings, template_name, warning, person, ctx.centre_clock.local(ctx.now()))
        refusal = refusal_reason(session, settings, person.phone, ctx.centre_clock.local(ctx.now()))
        return SmsPreview(warning_id, template_name, text, count_parts(text), mask_phone(person.phone), refusal)


def send_warning_sms(ctx: ServiceContext, warning_id: int, template_name: str, *,
                     settings: SmsSettings | None = None, flash: bool | None = None,
                     gateway_factory: GatewayFactory = open_gateway, gateway: SmsGateway | None = None) -> SmsSendResult:
    """Send one template to the warning's person; raises :class:`SmsRefused` when a rule forbids it.

    ``gateway`` is an open connection to reuse (left open); without it one is opened and closed.
    """
    ctx.require("call.log")
    settings = settings or load_sms_settings()
    use_flash = settings.flash if flash is None else flash
    with ctx.session() as session:
        warning, person = _load(session, warning_id)
        text = _render(settings, template_name, warning, person, ctx.centre_clock.local(ctx.now()))
        encoded = encode_message(text, flash=use_flash, max_parts=settings.max_parts)
        if session.get_bind().dialect.name == "postgresql":
            # seats check the limits one at a time, so two sends cannot both take the last slot
            session.execute(sql_text("SELECT pg_advisory_xact_lock(:key)"), {"key": SMS_LOCK_KEY})
        refusal = refusal_reason(session, settings, person.phone, ctx.centre_clock.local(ctx.now()))
        if refusal:
            raise SmsRefused(refusal)
        phone = person.phone
        row = SmsMessage(warning_id=warning.id, person_id=person.id, phone=phone, template=template_name, text=text,
                         parts=encoded.count, data_coding=encoded.data_coding, flash=use_flash,
                         gateway=settings.gateway, status="sending", sent_by=ctx.actor.user_id, created_at=ctx.now())
        session.add(row)
        session.flush()
        sms_id = row.id
    masked = mask_phone(phone)
    try:
        connection = gateway or gateway_factory(settings)
        try:
            ids = connection.submit(Submission(phone, encoded))
            receipts = connection.wait_for_receipts(ids, settings.receipt_wait_s) if settings.receipt_wait_s else []
            inbound = connection.inbound() if gateway is None else []
        finally:
            if gateway is None:
                connection.close()
    except ServiceError as exc:
        _finish_failed(ctx, sms_id, warning_id, template_name, masked, str(exc))
        raise
    with ctx.session() as session:
        row = session.get_one(SmsMessage, sms_id)
        row.status, row.message_ids, row.submitted_at = "submitted", ids, ctx.now()
        audit.record(session, ctx.actor, "sms_send", object_type="warning", object_id=warning_id, at=ctx.now(),
                     details={"sms_id": sms_id, "template": template_name, "phone": masked, "parts": len(ids),
                              "message_ids": ids, "flash": use_flash})
    _log.info("预警 %s 的短信已提交：%s，%d 条", warning_id, masked, len(ids))
    record_receipts(ctx, receipts)
    record_inbound(ctx, inbound)
    with ctx.session() as session:
        status = session.get_one(SmsMessage, sms_id).status
    return SmsSendResult(sms_id, ids[0], len(ids), status, text, masked)


@dataclass(frozen=True)
class BatchOutcome:
    warning_id: int
    status: str  # submitted / delivered / undelivered, or refused / failed
    detail: str  # the masked number, or why nothing was sent


def send_to_warnings(ctx: ServiceContext, warning_ids: Iterable[int], template_name: str, *,
                     settings: SmsSettings | None = None,
                     gateway_factory: GatewayFactory = open_gateway) -> list[BatchOutcome]:
    """A supervisor sends one template to a selection of warnings over one connection; each message
    obeys the same rules as a single send, and receipts are awaited once for all of them."""
    ctx.require("queue.manage")
    settings = settings or load_sms_settings()
    settings.template(template_name)
    each = replace(settings, receipt_wait_s=0)
    outcomes: list[BatchOutcome] = []
    sent: dict[int, int] = {}  # warning id → sms id
    gateway = gateway_factory(settings)
    try:
        for warning_id in warning_ids:
            try:
                result = send_warning_sms(ctx, warning_id, template_name, settings=each, gateway=gateway)
            except SmsRefused as exc:
                outcomes.append(BatchOutcome(warning_id, "refused", str(exc)))
            except ServiceError as exc:
                outcomes.append(BatchOutcome(warning_id, "failed", str(exc)))
            else:
                sent[warning_id] = result.sms_id
                outcomes.append(BatchOutcome(warning_id, result.status, result.phone_masked))
        with ctx.session() as session:
            ids = [i for m in session.execute(select(SmsMessage).where(SmsMessage.id.in_(sent.values()))).scalars()
                   for i in (m.message_ids or [])]
        receipts = gateway.wait_for_receipts(ids, settings.receipt_wait_s) if ids and settings.receipt_wait_s else []
        inbound = gateway.inbound()
    finally:
        gateway.close()
    record_receipts(ctx, receipts)
    record_inbound(ctx, inbound)
    with ctx.session() as session:
        statuses = dict(session.execute(select(SmsMessage.id, SmsMessage.status)
                                        .where(SmsMessage.id.in_(sent.values()))).all())
    return [replace(o, status=statuses[sent[o.warning_id]]) if o.warning_id in sent else o for o in outcomes]


def _finish_failed(ctx: ServiceContext, sms_id: int, warning_id: int, template: str, masked: str, error: str) -> None:
    with ctx.session() as session:
        row = session.get_one(SmsMessage, sms_id)
        row.status, row.error = "failed", error
        audit.record(session, ctx.actor, "sms_send", object_type="warning", object_id=warning_id, at=ctx.now(),
                     details={"sms_id": sms_id, "template": template, "phone": masked, "status": "failed",
                              "error": error})
    _log.warning("预警 %s 的短信发送失败（%s）：%s", warning_id, masked, error)


def record_receipts(ctx: ServiceContext, receipts: Iterable[DeliveryReceipt]) -> int:
    """Store receipts and move each message to delivered / undelivered once all its parts report."""
    stored = 0
    with ctx.session() as session:
        for receipt in receipts:
            if session.execute(select(SmsReceipt.id).where(SmsReceipt.smsc_message_id == receipt.message_id,
                                                           SmsReceipt.state == receipt.state)).first():
                continue  # the SMS centre may repeat a receipt
            message = _message_for(session, receipt.message_id)
            session.add(SmsReceipt(sms_message_id=message.id if message else None,
                                   smsc_message_id=receipt.message_id, state=receipt.state,
                                   error_code=receipt.error_code, done_at=receipt.done_at, received_at=ctx.now()))
            session.flush()
            stored += 1
            if message is not None:
                _update_status(session, message, ctx.now())
    return stored


def _message_for(session: Session, smsc_id: str) -> SmsMessage | None:
    recent = session.execute(select(SmsMessage).where(SmsMessage.status.in_(("submitted", "undelivered")))
                             .order_by(SmsMessage.id.desc()).limit(2000)).scalars()
    return next((m for m in recent if smsc_id in (m.message_ids or [])), None)


def _update_status(session: Session, message: SmsMessage, now: dt.datetime) -> None:
    states = dict(session.execute(select(SmsReceipt.smsc_message_id, SmsReceipt.state)
                                  .where(SmsReceipt.sms_message_id == message.id)).all())
    finals = [FINAL_STATES[s] for s in states.values() if s in FINAL_STATES]
    if "undelivered" in finals:
        message.status = "undelivered"
    elif len(finals) >= len(message.message_ids or []) and finals:
        message.status, message.delivered_at = "delivered", now


def record_inbound(ctx: ServiceContext, messages: Iterable[InboundMessage]) -> int:
    """A reply of 退订 / TD puts the number on the opt-out list."""
    added = 0
    for message in messages:
        if message.text.strip().upper() in OPT_OUT_WORDS:
            added += add_opt_out(ctx, message.source, f"短信回复“{message.text.strip()}”")
    return added


def add_opt_out(ctx: ServiceContext, phone: str, reason: str) -> int:
    """1 when the number was added, 0 when it was already on the list."""
    phone = phone.strip().lstrip("+")
    if not phone:
        raise ServiceError("请给出要退订的号码")
    with ctx.session() as session:
        if session.execute(select(SmsOptOut.id).where(SmsOptOut.phone == phone)).first():
            return 0
        session.add(SmsOptOut(phone=phone, reason=reason[:200], created_at=ctx.now()))
        audit.record(session, ctx.actor, "sms_opt_out", object_type="phone", object_id=mask_phone(phone),
                     reason=reason[:200], at=ctx.now())
    return 1


def collect_receipts(ctx: ServiceContext, wait_s: float, *, settings: SmsSettings | None = None,
                     gateway_factory: GatewayFactory = open_gateway) -> tuple[int, int]:
    """Bind, take whatever receipts and replies the SMS centre holds for ``wait_s``; (receipts, opt-outs)."""
    settings = settings or load_sms_settings()
    gateway = gateway_factory(settings)
    try:
        receipts = gateway.wait_for_receipts([], wait_s)
        inbound = gateway.inbound()
    finally:
        gateway.close()
    return record_receipts(ctx, receipts), record_inbound(ctx, inbound)
