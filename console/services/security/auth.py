"""Users and logins: argon2 password hashes, lockout after repeated failures, roles."""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

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
                 policy: SecurityPolicy | None = None) -> Actor:
    """Check a password; lock the account for a while after too many failures.  Audited either way.

    The failure counter and the audit entry are committed before the refusal is raised.  ``purpose``
    is "login" or "unlock" (the idle lock), recorded in the audit entry.
    """
    policy = policy or ctx.settings.security
    max_failed, lockout = policy.max_failed_logins, policy.lockout
    now = ctx.now()
    refusal: str | None = None
    with ctx.session() as session:
        user = session.execute(select(User).where(User.login == login.strip())).scalar_one_or_none()
        if user is None or not user.active:
            audit.record(session, ctx.actor, "login_failed", object_type="user", object_id=login, at=now)
            refusal = "用户名或密码错误"
        elif user.locked_until and user.locked_until > now:
            minutes = int((user.locked_until - now).total_seconds() // 60) + 1
            audit.record(session, ctx.actor, "login_failed", object_type="user", object_id=user.id,
                         reason="locked", at=now)
            refusal = f"账户已锁定，请 {minutes} 分钟后再试或联系管理员"
        elif not _password_matches(user.password_hash, password):
            user.failed_logins += 1
            reason = "bad_password"
            refusal = "用户名或密码错误"
            if user.failed_logins >= max_failed:
                user.locked_until = now + lockout
                user.failed_logins = 0
                reason = "locked_now"
                refusal = f"连续 {max_failed} 次密码错误，账户锁定 {int(lockout.total_seconds() // 60)} 分钟"
            audit.record(session, ctx.actor, "login_failed", object_type="user", object_id=user.id, reason=reason,
                         details={"purpose": purpose}, at=now)
        else:
            user.failed_logins = 0
            user.locked_until = None
            user.last_login_at = now
            if _hasher.check_needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
            actor = _info(user).actor(seat)
            audit.record(session, actor, "login", object_type="user", object_id=user.id,
                         details={"seat": seat, "purpose": purpose}, at=now)
    if refusal is not None:
        raise LoginFailed(refusal)
    return actor


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
