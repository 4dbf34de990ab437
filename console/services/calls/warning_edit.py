"""Editing a warning from a seat, with an optimistic version check so no seat's change is lost.

Each edit names the version the seat displayed.  If another seat saved in between, the edit is
refused with a clear message and the seat reloads; nothing is silently overwritten.  Person fields
edited from the warning (address, relative) bump the warning's version too.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.orm.exc import StaleDataError

from console.services.core import audit
from console.services.core.amounts import AmountError, parse_amount
from console.services.core.context import (
    ConflictError,
    NotFound,
    PermissionDenied,
    ServiceContext,
    ServiceError,
    allowed,
)
from console.services.core.vocabulary import FRAUD_TYPE_LABELS
from console.services.people.privacy import holds_claim
from db.models import Warning

CONFLICT_MESSAGE = "该预警已被其他席位修改，请刷新后再试"

WARNING_FIELDS = {"note": 4000, "fraud_contact": 200, "fraud_type": 40, "amount": 0}
PERSON_FIELDS = {"address": 200, "relative_name": 64, "relative_phone": 32, "occupation": 64}
FIELD_LABELS = {
    "note": "备注",
    "fraud_contact": "涉诈联系方式",
    "fraud_type": "诈骗类型",
    "amount": "涉案金额",
    "address": "住址",
    "relative_name": "亲属姓名",
    "relative_phone": "亲属电话",
    "occupation": "职业",
}


def _clean(changes: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(changes) - set(WARNING_FIELDS) - set(PERSON_FIELDS))
    if unknown:
        raise ServiceError(f"这些字段不能在此修改：{'、'.join(unknown)}")
    if not changes:
        raise ServiceError("没有要保存的修改")
    cleaned: dict[str, Any] = {}
    for key, value in changes.items():
        if key == "amount":
            cleaned[key] = _amount(value)
            continue
        text = "" if value is None else str(value).strip()
        limit = WARNING_FIELDS.get(key) or PERSON_FIELDS[key]
        if len(text) > limit:
            raise ServiceError(f"{FIELD_LABELS[key]}过长（最多 {limit} 字）")
        if key == "fraud_type" and text not in FRAUD_TYPE_LABELS:
            raise ServiceError(f"未知的诈骗类型：{text}")
        cleaned[key] = text
    return cleaned


def _amount(value: Any) -> Decimal | None:
    try:
        return parse_amount(value, what="涉案金额")
    except AmountError as exc:
        raise ServiceError(str(exc)) from None


def update_warning(ctx: ServiceContext, warning_id: int, expected_version: int, changes: dict[str, Any]) -> int:
    """Save ``changes`` if the warning is still at ``expected_version``; returns the new version.

    Supervisors may edit any warning; an operator only the one whose queue claim he holds.
    Raises :class:`ConflictError` when another seat saved first.
    """
    cleaned = _clean(changes)
    try:
        with ctx.session() as session:
            warning = session.get(Warning, warning_id)
            if warning is None:
                raise NotFound("该预警不存在")
            if not allowed(ctx.actor, "warning.edit"):
                if not allowed(ctx.actor, "warning.create"):
                    raise PermissionDenied("当前角色不能修改预警")
                if not holds_claim(session, ctx.actor, ctx.now(), warning_id=warning_id):
                    raise PermissionDenied("只能修改本人正在处理（已领取）的预警")
            if warning.erased_at is not None:
                raise ServiceError("该预警的信息已按保存期限清除，不能再修改")
            if warning.version != expected_version:
                raise ConflictError(CONFLICT_MESSAGE)
            changed = []
            # One flush for the whole edit, so the version moves by exactly one.
            with session.no_autoflush:
                for key, value in cleaned.items():
                    target: Any = warning if key in WARNING_FIELDS else warning.person
                    if getattr(target, key) != value:
                        setattr(target, key, value)
                        changed.append(key)
                # Touching the warning row makes the ORM bump (and check) its version even when only
                # person fields changed; a concurrent save turns the UPDATE into zero rows → StaleDataError.
                warning.updated_at = ctx.now()
            session.flush()
            new_version = warning.version
            audit.record(session, ctx.actor, "warning_edit", object_type="warning", object_id=warning_id,
                         details={"fields": sorted(changed), "version": new_version}, at=ctx.now())
    except StaleDataError as exc:
        raise ConflictError(CONFLICT_MESSAGE) from exc
    return new_version


def current_version(ctx: ServiceContext, warning_id: int) -> int:
    """The version a seat shows, to pass back to :func:`update_warning`."""
    ctx.require("warning.view")
    with ctx.session() as session:
        warning = session.get(Warning, warning_id)
        if warning is None:
            raise NotFound("该预警不存在")
        return int(warning.version)
