"""A call in progress survives a crash, and a finished call survives a lost database connection.

Two local stores under the user data directory, both written atomically (temp file + fsync +
rename, see :mod:`console.services.core.storage`):

- ``drafts/<login>/<client_uuid>.json``: what the operator has typed so far, saved by the call
  panel on every change.  After a crash (even ``kill -9``) :func:`load_drafts` gives it back.
- ``outbox/<client_uuid>.json``: a finished call waiting to be written.  :func:`submit_call` puts
  the call there *before* writing it, so a call is never only in memory.  When the database is
  unreachable the call stays there and :func:`flush_outbox` writes it later; the ``client_uuid``
  makes :func:`console.services.calls.log.log_call` idempotent, so a retry after an uncertain commit
  writes the call exactly once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from console.services.calls.log import CallLog, LoggedCall, log_call
from console.services.core.context import Actor, ServiceContext, ServiceError
from console.services.core.storage import (
    CONNECTION_LOST,
    atomic_write_bytes,
    describe_storage_error,
    is_connection_error,
)
from console.services.leads.capture import findings_from_document
from db.engine import data_dir

_log = logging.getLogger(__name__)
_SAFE = re.compile(r"[^0-9A-Za-z_.-]")


class StorageError(ServiceError):
    """The call could not be stored; the message says why (full disk, read-only…) in Chinese."""


def _safe_name(value: str) -> str:
    cleaned = _SAFE.sub("_", value)
    return cleaned if cleaned.strip("._") else "_"


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot store {type(value).__name__}")


def _dump(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=1, default=_json_default).encode("utf-8")


def _write(path: Path, document: dict[str, Any]) -> None:
    try:
        atomic_write_bytes(path, _dump(document))
    except OSError as exc:
        raise StorageError(describe_storage_error(exc)) from exc


def _read(path: Path) -> dict[str, Any] | None:
    """A stored document; an unreadable one is set aside (renamed ``.corrupt``), never deleted."""
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(loaded, dict):
            raise ValueError("not an object")
        return loaded
    except (ValueError, UnicodeDecodeError) as exc:
        _log.warning("无法读取本地暂存文件 %s（%s），已改名保留", path.name, exc.__class__.__name__)
        path.replace(path.with_suffix(".corrupt"))
        return None


# -- drafts -------------------------------------------------------------------------------------


@dataclass
class Draft:
    """The call panel's state: which call, and every field typed so far (free-form, JSON-safe)."""

    client_uuid: str
    operator_login: str
    warning_id: int
    queue_item_id: int | None
    started_at: dt.datetime
    fields: dict[str, Any] = field(default_factory=dict)
    saved_at: dt.datetime | None = None

    def to_document(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> Draft:
        saved = document.get("saved_at")
        return cls(
            client_uuid=str(document["client_uuid"]),
            operator_login=str(document["operator_login"]),
            warning_id=int(document["warning_id"]),
            queue_item_id=None if document.get("queue_item_id") is None else int(document["queue_item_id"]),
            started_at=dt.datetime.fromisoformat(str(document["started_at"])),
            fields=dict(document.get("fields") or {}),
            saved_at=dt.datetime.fromisoformat(str(saved)) if saved else None,
        )


def drafts_root() -> Path:
    return data_dir() / "drafts"


def outbox_root() -> Path:
    return data_dir() / "outbox"


def new_draft(operator_login: str, warning_id: int, queue_item_id: int | None,
              started_at: dt.datetime) -> Draft:
    """A fresh draft with a new ``client_uuid`` (the call's identity until it is written)."""
    return Draft(str(uuid.uuid4()), operator_login, warning_id, queue_item_id, started_at)


def _draft_path(root: Path, login: str, client_uuid: str) -> Path:
    return root / _safe_name(login) / f"{_safe_name(client_uuid)}.json"


def save_draft(draft: Draft, *, root: Path | None = None, now: dt.datetime | None = None) -> None:
    """Store the draft durably (called on every change).  Raises :class:`StorageError` (disk full…)."""
    draft.saved_at = now or dt.datetime.now(dt.UTC)
    _write(_draft_path(root or drafts_root(), draft.operator_login, draft.client_uuid), draft.to_document())


def load_drafts(operator_login: str, *, root: Path | None = None) -> list[Draft]:
    """The operator's unfinished calls left by a previous run, oldest first."""
    folder = (root or drafts_root()) / _safe_name(operator_login)
    drafts: list[Draft] = []
    if not folder.is_dir():
        return drafts
    for path in sorted(folder.glob("*.json")):
        document = _read(path)
        if document is None:
            continue
        try:
            drafts.append(Draft.from_document(document))
        except (KeyError, TypeError, ValueError):
            _log.warning("本地草稿 %s 内容不完整，已改名保留", path.name)
            path.replace(path.with_suffix(".corrupt"))
    return sorted(drafts, key=lambda d: d.started_at)


def discard_draft(operator_login: str, client_uuid: str, *, root: Path | None = None) -> None:
    _draft_path(root or drafts_root(), operator_login, client_uuid).unlink(missing_ok=True)


# -- outbox -------------------------------------------------------------------------------------


def _log_to_document(log: CallLog, actor: Actor) -> dict[str, Any]:
    return {"call": dataclasses.asdict(log), "actor": dataclasses.asdict(actor)}


def _log_from_document(document: dict[str, Any]) -> tuple[CallLog, Actor]:
    call = dict(document["call"])
    for key in ("started_at", "ended_at"):
        if call.get(key):
            call[key] = dt.datetime.fromisoformat(call[key])
    for key in ("amount_at_risk", "amount_protected"):
        if call.get(key) is not None:
            call[key] = Decimal(str(call[key]))
    return CallLog(**findings_from_document(call)), Actor(**document["actor"])


@dataclass(frozen=True)
class PendingCall:
    client_uuid: str
    warning_id: int
    operator_login: str
    path: Path


@dataclass(frozen=True)
class SubmitResult:
    """``saved`` (written now, ``logged`` set) or ``pending`` (kept locally; ``message`` says so)."""

    status: str
    message: str
    logged: LoggedCall | None = None


def pending_calls(operator_login: str | None = None, *, root: Path | None = None) -> list[PendingCall]:
    folder = root or outbox_root()
    pending: list[PendingCall] = []
    if not folder.is_dir():
        return pending
    for path in sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime_ns):
        document = _read(path)
        if document is None:
            continue
        actor = document.get("actor") or {}
        call = document.get("call") or {}
        if operator_login is None or actor.get("login") == operator_login:
            pending.append(PendingCall(str(call.get("client_uuid")), int(call.get("warning_id", 0)),
                                       str(actor.get("login")), path))
    return pending


def submit_call(ctx: ServiceContext, log: CallLog, *, outbox: Path | None = None,
                drafts: Path | None = None) -> SubmitResult:
    """Write a finished call; if the database is unreachable keep it in the outbox for later.

    The call is stored locally first, so it survives a crash between the click and the commit.
    Other failures (read-only database, full disk, refusals) raise with a clear message; the draft
    stays on disk so nothing typed is lost.
    """
    folder = outbox or outbox_root()
    entry = folder / f"{_safe_name(log.client_uuid)}.json"
    local_failure: StorageError | None = None
    try:
        _write(entry, _log_to_document(log, ctx.actor))
    except StorageError as exc:  # a full local disk must not stop a write to a reachable server
        local_failure = exc
    try:
        logged = log_call(ctx, log)
    except SQLAlchemyError as exc:
        if is_connection_error(exc) and local_failure is None:
            _log.warning("数据库连接中断，通话记录 %s 暂存本机待重试", log.client_uuid)
            return SubmitResult("pending", CONNECTION_LOST)
        entry.unlink(missing_ok=True)
        raise (local_failure or StorageError(describe_storage_error(exc))) from exc
    except BaseException:
        entry.unlink(missing_ok=True)
        raise
    entry.unlink(missing_ok=True)
    discard_draft(ctx.actor.login, log.client_uuid, root=drafts)
    return SubmitResult("saved", "通话记录已保存", logged)


def flush_outbox(ctx: ServiceContext, *, outbox: Path | None = None, drafts: Path | None = None) -> int:
    """Write the calls waiting in the outbox (this user's; all of them for the system).

    Returns how many were written (or found already written).  Stops at the first connection error
    and leaves the rest for the next try.  A call the database refuses (e.g. its warning was
    deleted) is set aside as ``.failed`` with the reason, never dropped.
    """
    login = None if ctx.actor.is_system else ctx.actor.login
    written = 0
    for pending in pending_calls(login, root=outbox):
        document = _read(pending.path)
        if document is None:
            continue
        log, actor = _log_from_document(document)
        try:
            log_call(ctx if not ctx.actor.is_system else ctx.as_actor(actor), log)
        except SQLAlchemyError as exc:
            if is_connection_error(exc):
                break
            _set_aside(pending.path, describe_storage_error(exc))
            continue
        except ServiceError as exc:
            _set_aside(pending.path, str(exc))
            continue
        pending.path.unlink(missing_ok=True)
        discard_draft(actor.login, log.client_uuid, root=drafts)
        written += 1
    return written


def _set_aside(path: Path, reason: str) -> None:
    _log.warning("暂存的通话记录 %s 无法写入：%s", path.stem, reason)
    document = _read(path) or {}
    document["error"] = reason
    _write(path.with_suffix(".failed"), document)
    path.unlink(missing_ok=True)
