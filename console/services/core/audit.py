"""Tamper-evident audit log: each entry's hash covers its content and the previous entry's hash.

Three more things make the chain prove what it claims (see :mod:`audit_anchors` for the head):
ids are assigned here, one after the other, so a deleted entry leaves a gap; every committed head
is signed and appended to a file outside the database, so a deleted tail or a chain rewritten with
the public formula no longer matches it; and personal numbers never reach a reason or the details.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from console.services.core import audit_anchors as anchors
from console.services.core.context import Actor, ServiceContext, system_clock
from console.services.core.masking import mask_text
from db.models import AuditEvent

AUDIT_LOCK_KEY = 7_110_96110
_PENDING = "audit_pending_anchor"

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
    "chase": "催办派出所",
    "call_review": "话务质检",
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
    if entry.channel:  # entries written before the channel existed keep their hash
        body["channel"] = entry.channel
    data = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode()
    return hashlib.sha256(data).hexdigest()


def _masked(value: Any) -> Any:
    """Personal numbers masked in every string of an entry's details (lists and dicts included)."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(item) for item in value]
    return value


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
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        # Serialise appends across seats; a row lock on the last entry would let two writers fork the chain.
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK_KEY})
    last = session.execute(select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
    prev_id, prev_hash = (int(last[0]), str(last[1])) if last else (0, "")
    entry = AuditEvent(
        id=prev_id + 1,  # no sequence: a rolled-back transaction must not leave a gap that looks like a deletion
        at=(at or system_clock()).astimezone(dt.UTC),
        user_id=actor.user_id,
        login=actor.login,
        channel=actor.channel,
        action=action,
        object_type=object_type,
        object_id=mask_text(str(object_id)),
        reason=mask_text(reason),
        details=_masked(details or {}),
        prev_hash=prev_hash,
    )
    entry.hash = _entry_digest(prev_hash, entry)
    session.add(entry)
    session.flush()
    key = anchors.load_key(create=bind.dialect.name == "sqlite")
    if key is not None:
        session.info[_PENDING] = (key, anchors.database_identity(bind.engine.url),
                                  anchors.Anchor(entry.id, entry.hash))
    return entry


@event.listens_for(Session, "after_commit")
def _write_anchor(session: Session) -> None:
    """Only a committed head is anchored: an anchor ahead of the table would look like truncation."""
    pending = session.info.pop(_PENDING, None)
    if pending is not None:
        key, identity, anchor = pending
        with contextlib.suppress(OSError):  # the entry is committed; a missing anchor only weakens the next check
            anchors.append_anchor(key, identity, anchor)


@event.listens_for(Session, "after_rollback")
def _drop_anchor(session: Session) -> None:
    session.info.pop(_PENDING, None)


@dataclass(frozen=True)
class ChainReport:
    entries: int
    ok: bool
    first_broken_id: int | None = None
    message: str = ""
    head_id: int | None = None
    head_hash: str = ""
    anchored: bool = False  # the head was checked against signed anchors outside the table


def _walk(session: Session, anchored: dict[int, str]) -> tuple[ChainReport | None, int, int, str]:
    """Check ids, links, hashes and anchors entry by entry; returns (failure, count, last id, last hash)."""
    prev, prev_id, count = "", 0, 0
    for entry in session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars():
        count += 1
        if entry.id != prev_id + 1:
            missing = f"第 {prev_id + 1} 条" if entry.id == prev_id + 2 else f"第 {prev_id + 1}–{entry.id - 1} 条"
            return ChainReport(count, False, entry.id, f"{missing}缺失（编号不连续，记录被删除）"), count, prev_id, prev
        if entry.prev_hash != prev:
            return ChainReport(count, False, entry.id, f"第 {entry.id} 条的前序哈希与上一条不一致（记录被删除或插入）"), \
                count, prev_id, prev
        if _entry_digest(prev, entry) != entry.hash:
            return ChainReport(count, False, entry.id, f"第 {entry.id} 条内容与其哈希不符（记录被修改）"), count, prev_id, prev
        expected = anchored.get(entry.id)
        if expected is not None and expected != entry.hash:
            return ChainReport(count, False, entry.id,
                               f"第 {entry.id} 条与签名的链头锚点不符（记录被改写并重新计算了哈希）"), count, prev_id, prev
        prev, prev_id = entry.hash, entry.id
    return None, count, prev_id, prev


def verify_chain(ctx: ServiceContext, *, anchor: bool = True) -> ChainReport:
    """Walk the whole log; report the first gap, broken link, changed entry or missing anchored head.

    With the signing key at hand an intact chain's head is anchored again (``anchor``), so a run of
    ``audit verify`` on the administrator's machine also fixes the heads written by PostgreSQL seats.
    """
    ctx.require("audit.view")
    with ctx.sessions() as session:
        bind = session.get_bind()
        identity = anchors.database_identity(bind.engine.url)
        key = anchors.load_key(create=bind.dialect.name == "sqlite")
        log = anchors.read_anchors(key, identity) if key is not None else None
        failure, count, last_id, last_hash = _walk(session, log.anchors if log else {})
    if failure is not None:
        return failure
    if key is None:
        if anchors.has_anchor_file(identity):
            return ChainReport(count, False, None, "找到链头锚点文件，但缺少审计密钥，无法证明审计链未被截断或改写")
        return ChainReport(count, True, None, f"审计链自身完整，共 {count} 条（本机没有审计密钥，未核对链头）",
                           last_id or None, last_hash)
    assert log is not None
    if log.forged_lines:
        return ChainReport(count, False, None, f"链头锚点文件中有 {log.forged_lines} 行签名无效（锚点文件被改动）")
    head = log.head
    if head is not None and head.entry_id > last_id:
        remaining = f"只剩 {count} 条" if count else "已没有任何记录"
        return ChainReport(count, False, last_id + 1,
                           f"审计记录被截断：签名的链头为第 {head.entry_id} 条，表中{remaining}")
    if anchor and count and (head is None or head.entry_id != last_id):
        anchors.append_anchor(key, identity, anchors.Anchor(last_id, last_hash))
    return ChainReport(count, True, None, f"审计链完整，共 {count} 条", last_id or None, last_hash, True)


def chain_head(ctx: ServiceContext, *, anchor: bool = False) -> tuple[int, str] | None:
    """The id and hash of the newest entry (printed in the daily report as an anchor on paper).

    With ``anchor`` the head is also signed into the anchor file when this machine holds the key.
    """
    with ctx.sessions() as session:
        bind = session.get_bind()
        row = session.execute(select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
    if row is None:
        return None
    head = (int(row[0]), str(row[1]))
    key = anchors.load_key(create=bind.dialect.name == "sqlite") if anchor else None
    if key is not None:
        with contextlib.suppress(OSError):
            anchors.append_anchor(key, anchors.database_identity(bind.engine.url), anchors.Anchor(*head))
    return head


def head_line(head: tuple[int, str] | None) -> str:
    """How a report prints the head, short enough to read out and compare."""
    if head is None:
        return "审计链头：尚无审计记录"
    return f"审计链头：第 {head[0]} 条，哈希 {head[1][:16]}"
