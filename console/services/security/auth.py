"""Users and logins: argon2 password hashes, lockout after repeated failures, roles."""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from dataclasses import dataclass, replace

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import or_, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from console.services.core import audit
from console.services.core.context import Actor, ServiceContext, ServiceError
from console.services.core.settings import SecurityPolicy
from db.models import ROLES, User

_hasher = PasswordHasher()


class LoginFailed(ServiceError):
    """Wrong login or password, or the account is locked or disabled."""


@dataclass(frozen=True)
class UserInfo:
    id: int
    login: str
    display_name: str
    role: str
    active: bool

    def actor(self, seat: str = "") -> Actor:
        return Actor(user_id=self.id, login=self.login, role=self.role, display_name=self.display_name, seat=seat)


def _info(user: User) -> UserInfo:
    return UserInfo(user.id, user.login, user.display_name, user.role, user.active)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def add_user(ctx: ServiceContext, login: str, password: str, role: str, display_name: str = "") -> UserInfo:
    """Create a user.  Only an admin (or the system, e.g. the CLI on the server) may do this."""
    ctx.require("users.manage")
    login = login.strip()
    if not login:
        raise ServiceError("登录名不能为空")
    if role not in ROLES:
        raise ServiceError(f"未知角色：{role}（可选：{'、'.join(ROLES)}）")
    min_length = ctx.settings.security.min_password_length
    if len(password) < min_length:
        raise ServiceError(f"密码至少 {min_length} 位")
    with ctx.session() as session:
        if session.execute(select(User.id).where(User.login == login)).first():
            raise ServiceError(f"登录名已存在：{login}")
        user = User(login=login, display_name=display_name or login, role=role, password_hash=hash_password(password))
        session.add(user)
        session.flush()
        audit.record(session, ctx.actor, "user_add", object_type="user", object_id=user.id, details={"role": role},
                     at=ctx.now())
        return _info(user)


def authenticate(ctx: ServiceContext, login: str, password: str, seat: str = "", *, purpose: str = "login",
                 policy: SecurityPolicy | None = None, channel: str = "gui") -> Actor:
    """Check a password; lock the account for a while after too many failures.  Audited either way.

    Each attempt first takes its place in the failure counter with one atomic UPDATE ... RETURNING
    (committed before the slow password check), so parallel attempts on several seats can never
    check more than ``max_failed_logins`` passwords before the lock.  An unknown or disabled login
    checks a dummy hash, so it answers in the same time as a known one.  ``purpose`` is "login" or
    "unlock" (the idle lock), ``channel`` "gui" or "cli"; both are recorded in the audit entry.
    """
    policy = policy or ctx.settings.security
    max_failed = policy.max_failed_logins
    now = ctx.now()
    login = login.strip()
    with ctx.session() as session:
        user = session.execute(select(User).where(User.login == login)).scalar_one_or_none()
        user_id = user.id if user is not None and user.active else None
        attempt = _reserve_attempt(session, user_id, now) if user_id is not None else None
        locked_until = user.locked_until if user is not None else None
    if user is None or user_id is None:
        _password_matches(_dummy_hash(), password)
        _refuse(ctx, login, "unknown", purpose, channel, now)
        raise LoginFailed("用户名或密码错误")
    if attempt is None or attempt > max_failed:
        until = locked_until if locked_until and locked_until > now else now + policy.lockout
        _refuse(ctx, user_id, "locked", purpose, channel, now)
        minutes = int((until - now).total_seconds() // 60) + 1
        raise LoginFailed(f"账户已锁定，请 {minutes} 分钟后再试或联系管理员")
    if not _password_matches(user.password_hash, password):
        if attempt < max_failed:
            _refuse(ctx, user_id, "bad_password", purpose, channel, now)
            raise LoginFailed("用户名或密码错误")
        with ctx.session() as session:
            session.execute(update(User).where(User.id == user_id)
                            .values(locked_until=now + policy.lockout, failed_logins=0))
            _record_refusal(session, ctx, user_id, "locked_now", purpose, channel, now)
        raise LoginFailed(f"连续 {max_failed} 次密码错误，账户锁定 {int(policy.lockout.total_seconds() // 60)} 分钟")
    with ctx.session() as session:
        session.execute(update(User).where(User.id == user_id)
                        .values(failed_logins=0, locked_until=None, last_login_at=now))
        if _hasher.check_needs_rehash(user.password_hash):
            _rehash(session, user_id, password)
        actor = replace(_info(user).actor(seat), channel=channel)
        audit.record(session, actor, "login", object_type="user", object_id=user_id,
                     details={"seat": seat, "purpose": purpose}, at=now)
    return actor


def _reserve_attempt(session: Session, user_id: int, now: dt.datetime) -> int | None:
    """Count this attempt atomically; None while the account is locked."""
    counted = session.execute(
        update(User)
        .where(User.id == user_id, or_(User.locked_until.is_(None), User.locked_until <= now))
        .values(failed_logins=User.failed_logins + 1)
        .returning(User.failed_logins)
    ).scalar_one_or_none()
    return None if counted is None else int(counted)


def _rehash(session: Session, user_id: int, password: str) -> None:
    """Upgrade an old hash where this role may (a PostgreSQL seat may not write password hashes)."""
    try:
        with session.begin_nested():
            session.execute(update(User).where(User.id == user_id).values(password_hash=hash_password(password)))
    except DBAPIError:
        pass


def _refuse(ctx: ServiceContext, object_id: object, reason: str, purpose: str, channel: str,
            now: dt.datetime) -> None:
    with ctx.session() as session:
        _record_refusal(session, ctx, object_id, reason, purpose, channel, now)


def _record_refusal(session: Session, ctx: ServiceContext, object_id: object, reason: str, purpose: str,
                    channel: str, now: dt.datetime) -> None:
    audit.record(session, replace(ctx.actor, channel=channel), "login_failed", object_type="user",
                 object_id=object_id, reason=reason, details={"purpose": purpose}, at=now)


@functools.cache
def _dummy_hash() -> str:
    """A hash of a random password with the same parameters, checked for unknown logins."""
    return hash_password(secrets.token_urlsafe(16))


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return bool(_hasher.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def list_users(ctx: ServiceContext) -> list[UserInfo]:
    with ctx.sessions() as session:
        return [_info(u) for u in session.execute(select(User).order_by(User.id)).scalars()]


def get_user(ctx: ServiceContext, login: str) -> UserInfo | None:
    with ctx.sessions() as session:
        user = session.execute(select(User).where(User.login == login)).scalar_one_or_none()
        return _info(user) if user else None
