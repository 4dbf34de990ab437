"""Tamper-evident audit log: each entry's hash covers its content and the previous entry's hash."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from console.services.core.context import Actor, ServiceContext, system_clock
from db.models import AuditEvent

AUDIT_LOCK_KEY = 7_110_96110

ACTION_LABELS = {
    "login": "登录",
    "login_failed": "登录失败",
    "logout": "退出",
    "reveal": "查看明文",
    "export": "导出",
    "print": "打印",
    "reassign": "改派",
    "release": "释放",
    "skip": "跳过",
    "level_change": "调整等级",
    "script_edit": "修改话术",
    "station_edit": "修改派出所",
    "user_add": "新增用户",
    "first_run": "首次设置",
    "import": "导入",
    "escalate": "上报派出所",
    "retention": "到期清理",
    "legal_hold": "诉讼保留",
    "warning_edit": "修改预警",
    "dial": "外呼",
    "inbound_call": "来电",
    "recording_play": "播放录音",
    "sms_send": "发送短信",
    "sms_opt_out": "短信退订",
}


def _entry_digest(prev_hash: str, entry: AuditEvent) -> str:
    body = {
        "prev": prev_hash,
        "at": entry.at.isoformat(),
        "user_id": entry.user_id,
        "login": entry.login,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "reason": entry.reason,
        "details": entry.details,
    }
    data = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode()
    return hashlib.sha256(data).hexdigest()


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    object_type: str = "",
    object_id: object = "",
    reason: str = "",
    details: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> AuditEvent:
    """Append one entry inside the caller's transaction (so the audit and the act commit together)."""
    if session.get_bind().dialect.name == "postgresql":
        # Serialise appends across seats; a row lock on the last entry would let two writers fork the chain.
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK_KEY})
    last = session.execute(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).scalar_one_or_none()
    prev_hash = last or ""
    entry = AuditEvent(
        at=(at or system_clock()).astimezone(dt.UTC),
        user_id=actor.user_id,
        login=actor.login,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        reason=reason,
        details=details or {},
        prev_hash=prev_hash,
    )
    entry.hash = _entry_digest(prev_hash, entry)
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class ChainReport:
    entries: int
    ok: bool
    first_broken_id: int | None = None
    message: str = ""


def verify_chain(ctx: ServiceContext) -> ChainReport:
    """Walk the whole log; report the first entry whose hash or link does not match."""
    ctx.require("audit.view")
    prev = ""
    count = 0
    with ctx.sessions() as session:
        for entry in session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars():
            count += 1
            if entry.prev_hash != prev:
                return ChainReport(count, False, entry.id, f"第 {entry.id} 条的前序哈希与上一条不一致（记录被删除或插入）")
            if _entry_digest(prev, entry) != entry.hash:
                return ChainReport(count, False, entry.id, f"第 {entry.id} 条内容与其哈希不符（记录被修改）")
            prev = entry.hash
    return ChainReport(count, True, None, f"审计链完整，共 {count} 条")
