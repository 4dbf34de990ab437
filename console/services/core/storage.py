"""Local files written so a crash or a full disk never leaves half a file, and storage errors in words.

:func:`atomic_write_bytes` writes a temporary file in the same directory, flushes it to disk and
renames it over the target, so readers see the old content or the new one, never a mix.
:func:`describe_storage_error` turns the exceptions of a full disk, a read-only file or database, a
lost database connection into one sentence an operator understands (the GUI shows it instead of a
traceback).
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import tempfile
from pathlib import Path

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from db.engine import private_dir

DISK_FULL = "磁盘空间已满，无法保存。请清理磁盘或联系管理员；已输入的内容仍保留在窗口中，请勿关闭。"
READ_ONLY = "数据库或文件为只读，无法写入。请联系管理员检查文件权限；已输入的内容仍保留在窗口中。"
CONNECTION_LOST = "数据库连接中断，正在自动重连；已输入的内容已暂存在本机，恢复后自动写入。"
DATABASE_LOCKED = "数据库正忙（被其他席位占用），请稍后再试；已输入的内容仍保留。"
PERMISSION = "没有写入权限，无法保存。请联系管理员检查文件夹权限。"
GENERIC = "保存失败（{detail}）。已输入的内容仍保留在窗口中，请联系管理员。"


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically (temp file + fsync + rename).

    The file is 0600 (``mkstemp``'s mode survives the rename); missing folders are created 0700.
    """
    if not path.parent.exists():
        private_dir(path.parent)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable where the OS allows it
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


_CONNECTION_SQLSTATES = ("57P01", "57P02", "57P03")  # admin shutdown, crash shutdown, cannot connect now


def is_connection_error(exc: BaseException) -> bool:
    """The database server could not be reached or the connection dropped (worth retrying later).

    A local SQLite file has no connection to lose: its errors (locked, read-only, full) are not this.
    """
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    orig = exc.orig
    if isinstance(orig, sqlite3.Error):
        return False
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate:
        return str(sqlstate).startswith("08") or sqlstate in _CONNECTION_SQLSTATES
    return isinstance(exc, (OperationalError, InterfaceError))


def describe_storage_error(exc: BaseException) -> str:
    """One Chinese sentence saying what went wrong with storage and that the typed work is kept."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(chain) < 10:
        chain.append(current)
        current = current.__cause__ or current.__context__
    for item in chain:
        if isinstance(item, OSError):
            if item.errno in (errno.ENOSPC, errno.EDQUOT):
                return DISK_FULL
            if item.errno == errno.EROFS:
                return READ_ONLY
            if item.errno in (errno.EACCES, errno.EPERM):
                return PERMISSION
    sqlstates = {str(getattr(getattr(item, "orig", None) or item, "sqlstate", "") or "") for item in chain}
    if sqlstates & {"53100"}:
        return DISK_FULL
    if sqlstates & {"25006"}:
        return READ_ONLY
    if sqlstates & {"42501"}:
        return PERMISSION
    text = " ".join(str(getattr(item, "orig", None) or item) for item in chain).lower()
    if "disk is full" in text or "no space left" in text or "database or disk is full" in text:
        return DISK_FULL
    if "readonly" in text or "read-only" in text or "read only" in text:
        return READ_ONLY
    if "database is locked" in text:
        return DATABASE_LOCKED
    if any(is_connection_error(item) for item in chain):
        return CONNECTION_LOST
    return GENERIC.format(detail=exc.__class__.__name__)
