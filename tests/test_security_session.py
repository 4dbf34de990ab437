"""Login lockout from the settings file, the idle lock and unlocking, roles refused in the services."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from console.app.bootstrap import Database
from console.services.core.context import SYSTEM, PermissionDenied, ServiceContext, ServiceError
from console.services.core.paths import RESOURCES
from console.services.core.settings import parse_security_policy, read_settings_file
from console.services.people.export import Table, export_table
from console.services.people.retention import apply_retention
from console.services.security import auth, session_policy
from db.models import AuditEvent
from tests.security_data import NOW


class Clock:
    def __init__(self, start: dt.datetime = NOW) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += dt.timedelta(**kwargs)


def test_shipped_policy_and_local_override(tmp_path: Path) -> None:
    shipped = parse_security_policy(read_settings_file(RESOURCES / "security.yaml"))
    assert shipped.idle_lock_minutes == 10 and shipped.max_failed_logins == 5
    override = tmp_path / "security.yaml"
    override.write_text("idle_lock_minutes: 3\nmax_failed_logins: 2\n", encoding="utf-8")
    policy = parse_security_policy(read_settings_file(override))
    assert policy.idle_lock == dt.timedelta(minutes=3) and policy.max_failed_logins == 2
    override.write_text("idle_lock_minutes: -1\n", encoding="utf-8")
    with pytest.raises(ServiceError, match="idle_lock_minutes"):
        parse_security_policy(read_settings_file(override))
    override.write_text("!!python/object/apply:os.system ['echo hacked']\n", encoding="utf-8")
    with pytest.raises(ServiceError, match="无法读取"):
        parse_security_policy(read_settings_file(override))


def test_lockout_follows_the_policy_and_expires(database: Database) -> None:
    auth.add_user(database.context(), "op1", "right-password", "operator")
    clock = Clock()
    ctx = ServiceContext(database.sessions, SYSTEM, clock)
    policy = session_policy.SecurityPolicy(max_failed_logins=3, lockout_minutes=20)
    for _ in range(2):
        with pytest.raises(auth.LoginFailed, match="用户名或密码错误"):
            auth.authenticate(ctx, "op1", "wrong", policy=policy)
    with pytest.raises(auth.LoginFailed, match="连续 3 次密码错误，账户锁定 20 分钟"):
        auth.authenticate(ctx, "op1", "wrong", policy=policy)
    with pytest.raises(auth.LoginFailed, match="账户已锁定"):
        auth.authenticate(ctx, "op1", "right-password", policy=policy)
    clock.advance(minutes=21)
    actor = auth.authenticate(ctx, "op1", "right-password", policy=policy)
    assert actor.login == "op1" and actor.role == "operator"
    with database.sessions() as session:
        actions = list(session.execute(select(AuditEvent.action).order_by(AuditEvent.id)).scalars())
    assert actions == ["user_add", "login_failed", "login_failed", "login_failed", "login_failed", "login"]


def test_idle_timer_locks_after_the_idle_period_and_stays_locked() -> None:
    clock = Clock()
    timer = session_policy.IdleTimer.from_policy(session_policy.SecurityPolicy(idle_lock_minutes=10), clock)
    clock.advance(minutes=9)
    assert not timer.is_locked()
    timer.touch()
    clock.advance(minutes=9, seconds=59)
    assert not timer.is_locked()
    assert timer.remaining() == dt.timedelta(seconds=1)
    clock.advance(seconds=1)
    assert timer.is_locked()
    timer.touch()  # a mouse move does not unlock
    assert timer.is_locked()
    timer.reset()
    assert not timer.is_locked()
    timer.lock()
    assert timer.is_locked()


def test_unlock_rechecks_the_same_users_password_and_is_audited(database: Database) -> None:
    info = auth.add_user(database.context(), "op1", "right-password", "operator")
    ctx = ServiceContext(database.sessions, info.actor("seat-3"), Clock())
    with pytest.raises(auth.LoginFailed):
        session_policy.unlock(ctx, "someone-elses-password")
    actor = session_policy.unlock(ctx, "right-password")
    assert actor.login == "op1" and actor.seat == "seat-3"
    with pytest.raises(ServiceError, match="没有需要解锁"):
        session_policy.unlock(database.context(), "right-password")
    with database.sessions() as session:
        rows = session.execute(select(AuditEvent.action, AuditEvent.details)
                               .where(AuditEvent.action.in_(["login", "login_failed"]))
                               .order_by(AuditEvent.id)).all()
    assert [(a, d["purpose"]) for a, d in rows] == [("login_failed", "unlock"), ("login", "unlock")]


def test_roles_are_refused_by_the_services_themselves(database: Database, make_actor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    operator = make_actor("op1", "operator")
    trainer = make_actor("coach", "trainer")
    table = Table(["姓名"], [["张三"]])
    with pytest.raises(PermissionDenied):
        export_table(database.context(operator), tmp_path / "x.csv", table)
    with pytest.raises(PermissionDenied):
        export_table(database.context(trainer), tmp_path / "x.csv", table)
    with pytest.raises(PermissionDenied):
        apply_retention(database.context(make_actor("boss", "supervisor")))
    with pytest.raises(PermissionDenied):
        auth.add_user(database.context(operator), "x", "long-enough", "admin")
    assert not (tmp_path / "x.csv").exists()
