"""Login and session policy: lockout and idle-lock settings, the idle timer and unlocking.

Settings come from ``resources/security.yaml``; a ``security.yaml`` in the user data directory
overrides single keys.  The idle timer is pure (an injectable clock); the GUI feeds it input events
and asks it whether the screen must be locked.  Unlocking re-checks the same user's password.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from console.services.core.context import Actor, ServiceContext, ServiceError, system_clock
from db.engine import data_dir

_log = logging.getLogger(__name__)

RESOURCES = Path(__file__).resolve().parents[3] / "resources"
SECURITY_FILE = "security.yaml"


@dataclass(frozen=True)
class SecurityPolicy:
    idle_lock_minutes: int = 10
    max_failed_logins: int = 5
    lockout_minutes: int = 15
    min_password_length: int = 8

    @property
    def idle_lock(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.idle_lock_minutes)

    @property
    def lockout(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.lockout_minutes)


def read_settings_file(path: Path) -> dict[str, Any]:
    """A settings YAML as a mapping (safe loader); a missing file is empty, a broken one is an error."""
    if not path.exists():
        return {}
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ServiceError(f"配置文件无法读取：{path.name}（{exc.__class__.__name__}）") from exc
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ServiceError(f"配置文件格式错误：{path.name} 应为“键: 值”的形式")
    return loaded


def layered_settings(name: str, explicit: Path | None = None) -> dict[str, Any]:
    """Shipped defaults from ``resources/<name>``, overridden key by key by the user data copy."""
    if explicit is not None:
        return read_settings_file(explicit)
    merged = read_settings_file(RESOURCES / name)
    merged.update(read_settings_file(data_dir() / name))
    return merged


def _positive_int(values: dict[str, Any], key: str, default: int) -> int:
    value = values.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ServiceError(f"安全配置项 {key} 应为正整数，当前为：{value!r}")
    return value


def load_security_policy(path: Path | None = None) -> SecurityPolicy:
    values = layered_settings(SECURITY_FILE, path)
    defaults = SecurityPolicy()
    return SecurityPolicy(**{f.name: _positive_int(values, f.name, getattr(defaults, f.name))
                             for f in fields(SecurityPolicy)})


@lru_cache(maxsize=1)
def current_policy() -> SecurityPolicy:
    """The policy of this process (read once; restart the console after changing the file).

    A broken local override must not keep anyone from logging in: it is reported in the log and the
    shipped settings apply.
    """
    try:
        return load_security_policy()
    except ServiceError as exc:
        _log.warning("安全配置无效，使用默认值：%s", exc)
        return load_security_policy(RESOURCES / SECURITY_FILE)


class IdleTimer:
    """Tracks the last input; ``is_locked`` turns true after the idle period and stays so until reset."""

    def __init__(self, idle_after: dt.timedelta, clock: Callable[[], dt.datetime] = system_clock) -> None:
        if idle_after <= dt.timedelta(0):
            raise ValueError("idle period must be positive")
        self.idle_after = idle_after
        self._clock = clock
        self._last_input = clock()
        self._locked = False

    @classmethod
    def from_policy(cls, policy: SecurityPolicy,
                    clock: Callable[[], dt.datetime] = system_clock) -> IdleTimer:
        return cls(policy.idle_lock, clock)

    def touch(self, now: dt.datetime | None = None) -> None:
        """An input event.  Ignored once locked: only :meth:`reset` (after unlock) reopens."""
        if not self.is_locked(now):
            self._last_input = now or self._clock()

    def is_locked(self, now: dt.datetime | None = None) -> bool:
        if not self._locked and (now or self._clock()) - self._last_input >= self.idle_after:
            self._locked = True
        return self._locked

    def lock(self) -> None:
        """Lock at once (the operator leaves the seat and presses the lock shortcut)."""
        self._locked = True

    def remaining(self, now: dt.datetime | None = None) -> dt.timedelta:
        if self.is_locked(now):
            return dt.timedelta(0)
        return self.idle_after - ((now or self._clock()) - self._last_input)

    def reset(self, now: dt.datetime | None = None) -> None:
        self._locked = False
        self._last_input = now or self._clock()


def unlock(ctx: ServiceContext, password: str) -> Actor:
    """Re-check the password of the user whose screen is locked; audited as a login (or a failure).

    Failures count toward the account lockout like any login.
    """
    # auth reads this module's policy, so it is imported here rather than at the top.
    from console.services.security import auth

    if ctx.actor.is_system or ctx.actor.user_id is None:
        raise ServiceError("没有需要解锁的登录用户")
    return auth.authenticate(ctx, ctx.actor.login, password, seat=ctx.actor.seat, purpose="unlock")
