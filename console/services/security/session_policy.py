"""Session policy: the idle timer and unlocking a locked screen.

The lockout and idle-lock figures are the security section of the settings (``ctx.settings.security``,
:class:`~console.services.core.settings.SecurityPolicy`).  The idle timer is pure (an injectable
clock); the GUI feeds it input events and asks it whether the screen must be locked.  Unlocking
re-checks the same user's password.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from console.services.core.context import Actor, ServiceContext, ServiceError, system_clock
from console.services.core.settings import SecurityPolicy
from console.services.security import auth


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
    if ctx.actor.is_system or ctx.actor.user_id is None:
        raise ServiceError("没有需要解锁的登录用户")
    return auth.authenticate(ctx, ctx.actor.login, password, seat=ctx.actor.seat, purpose="unlock")
