"""Personal data shown masked by default; revealed per field and per person, with a reason, audited.

- :func:`person_view` builds the masked DTO every list, report and export starts from.
- :func:`reveal` returns one field in clear text when the role allows it: an operator may see the
  name and phone of the person whose warning he holds the queue claim for; a supervisor or an
  admin may see every field; a trainer never sees personal data.  Each reveal writes an audit entry
  with the field and the reason, never the value.
- :class:`PiiLogFilter` masks mobile numbers, ID numbers and bank cards in log records.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from console.services.core import audit
from console.services.core.context import (
    Actor,
    NotFound,
    PermissionDenied,
    ServiceContext,
    ServiceError,
    allowed,
)
from console.services.core.masking import (
    mask_account,
    mask_address,
    mask_id_number,
    mask_name,
    mask_phone,
)
from console.services.core.masking import mask_text as mask_text  # re-exported (audit uses it too)
from console.services.core.vocabulary import QueueItemStatus
from db.models import EscalationTask, Person, QueueItem, Warning

FIELD_LABELS = {
    "name": "姓名",
    "phone": "电话",
    "id_number": "身份证号",
    "address": "住址",
    "relative_name": "亲属姓名",
    "relative_phone": "亲属电话",
    "other_phones": "其他号码",
}
OPERATOR_FIELDS = frozenset({"name", "phone"})

_MASKERS: dict[str, Callable[[str], str]] = {
    "name": mask_name,
    "phone": mask_phone,
    "id_number": mask_id_number,
    "address": mask_address,
    "relative_name": mask_name,
    "relative_phone": mask_phone,
}

def mask_value(field: str, value: str) -> str:
    """Mask one value of a known personal field; unknown fields get the free-text treatment."""
    masker = _MASKERS.get(field)
    return masker(value) if masker else mask_text(value)


class PiiLogFilter(logging.Filter):
    """Rewrites each record's message (and traceback text) with personal numbers masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg = mask_text(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        return True


def install_log_masking(logger: logging.Logger | None = None) -> PiiLogFilter:
    """Attach the masking filter to every handler of ``logger`` (default: the root logger).

    Handler filters see the records of every child logger, which logger filters would not.
    """
    target = logger or logging.getLogger()
    pii_filter = PiiLogFilter()
    if not target.handlers:
        target.addHandler(logging.StreamHandler())
    for handler in target.handlers:
        if not any(isinstance(f, PiiLogFilter) for f in handler.filters):
            handler.addFilter(pii_filter)
    return pii_filter


@dataclass(frozen=True)
class PersonView:
    """A person as lists, reports and exports show it: identifying fields masked."""

    id: int
    name: str
    phone: str
    id_number: str
    address: str
    relative_name: str
    relative_phone: str
    sex: str | None
    age_band: str
    profile_group: str
    occupation: str
    legal_hold: bool
    erased: bool


def person_view(person: Person) -> PersonView:
    erased = person.erased_at is not None
    return PersonView(
        id=person.id,
        name="（已清除）" if erased else mask_name(person.name),
        phone="" if erased else mask_phone(person.phone),
        id_number=mask_id_number(person.id_number),
        address=mask_address(person.address),
        relative_name=mask_name(person.relative_name),
        relative_phone=mask_phone(person.relative_phone),
        sex=person.sex,
        age_band=person.age_band,
        profile_group=person.profile_group,
        occupation=person.occupation,
        legal_hold=person.legal_hold,
        erased=erased,
    )


def get_person_view(ctx: ServiceContext, person_id: int) -> PersonView:
    ctx.require("warning.view")
    with ctx.sessions() as session:
        person = session.get(Person, person_id)
        if person is None:
            raise NotFound("该人员不存在")
        return person_view(person)


def holds_claim(session: Session, actor: Actor, now: dt.datetime, *, warning_id: int | None = None,
                person_id: int | None = None) -> bool:
    """Whether ``actor`` holds a live queue claim on that warning (or on a warning of that person)."""
    if actor.user_id is None:
        return False
    query = (
        select(QueueItem.id)
        .join(Warning, Warning.id == QueueItem.warning_id)
        .where(QueueItem.status == QueueItemStatus.CLAIMED, QueueItem.claimed_by == actor.user_id)
        .where(QueueItem.lease_expires_at > now)
    )
    if warning_id is not None:
        query = query.where(QueueItem.warning_id == warning_id)
    if person_id is not None:
        query = query.where(Warning.person_id == person_id)
    return session.execute(query.limit(1)).first() is not None


def _check_reveal_allowed(session: Session, ctx: ServiceContext, person_id: int, field: str,
                          warning_id: int | None) -> None:
    actor = ctx.actor
    if allowed(actor, "pii.reveal.all"):
        return
    label = FIELD_LABELS.get(field, field)
    if not allowed(actor, "pii.reveal.phone"):
        raise PermissionDenied("当前角色不能查看个人信息明文")
    if field not in OPERATOR_FIELDS:
        raise PermissionDenied(f"接线员只能查看姓名和电话，不能查看{label}")
    if not holds_claim(session, actor, ctx.now(), warning_id=warning_id, person_id=person_id):
        raise PermissionDenied("只能查看本人正在处理（已领取）的预警对象的信息")


def _require_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ServiceError("查看明文必须填写事由")
    return reason


def reveal(ctx: ServiceContext, person_id: int, field: str, reason: str, *, warning_id: int | None = None) -> str:
    """The clear value of one personal field of one person, if the role allows it.  Audited."""
    if field not in FIELD_LABELS:
        raise ServiceError(f"未知字段：{field}")
    reason = _require_reason(reason)
    with ctx.session() as session:
        person = session.get(Person, person_id)
        if person is None:
            raise NotFound("该人员不存在")
        if warning_id is not None:
            warning = session.get(Warning, warning_id)
            if warning is None or warning.person_id != person_id:
                raise NotFound("该预警不属于此人员")
        _check_reveal_allowed(session, ctx, person_id, field, warning_id)
        if person.erased_at is not None:
            raise ServiceError("此人员的身份信息已按保存期限清除，无法查看")
        raw: Any = getattr(person, field)
        value = "、".join(raw) if isinstance(raw, list) else str(raw or "")
        audit.record(session, ctx.actor, "reveal", object_type="person", object_id=person_id, reason=reason,
                     details={"field": field, "warning_id": warning_id}, at=ctx.now())
        return value


def mask_task_details(details: dict[str, Any]) -> dict[str, Any]:
    """Escalation task details for display: accounts, phones and names masked, codes and amounts kept."""
    return {key: _mask_detail(key, value) for key, value in details.items()}


def _mask_detail(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    lowered = key.lower()
    if "account" in lowered or "card" in lowered:
        return mask_account(value)
    if "phone" in lowered or "mobile" in lowered:
        return mask_phone(value)
    if "id_number" in lowered:
        return mask_id_number(value)
    if lowered.endswith("name") and "bank" not in lowered:
        return mask_name(value)
    if "address" in lowered:
        return mask_address(value)
    return mask_text(value)


def reveal_task_detail(ctx: ServiceContext, task_id: int, key: str, reason: str) -> str:
    """One clear value of an escalation task (e.g. the account to stop); supervisors and admins only."""
    ctx.require("pii.reveal.all")
    reason = _require_reason(reason)
    with ctx.session() as session:
        task = session.get(EscalationTask, task_id)
        if task is None:
            raise NotFound("该协查任务不存在")
        if key not in task.details:
            raise NotFound(f"该任务没有此项：{key}")
        audit.record(session, ctx.actor, "reveal", object_type="escalation_task", object_id=task_id,
                     reason=reason, details={"field": key}, at=ctx.now())
        return str(task.details[key])
