"""Supervisor actions on the queue: refused for operators, audited for supervisors."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from console.app.bootstrap import Database
from console.services.core.context import SYSTEM, PermissionDenied, ServiceContext, ServiceError
from console.services.queue.admin import change_level, reassign, skip
from console.services.queue.claims import claim_next, list_open, release
from db.models import AuditEvent, Warning
from tests.queue_helpers import T0, FakeClock, add_warning

NOW = T0 + dt.timedelta(minutes=1)


def _audit(database: Database) -> list[tuple[str, str, str]]:
    with database.sessions() as session:
        rows = session.execute(select(AuditEvent.action, AuditEvent.login, AuditEvent.reason)).all()
    return [(r[0], r[1], r[2]) for r in rows]


def test_operator_may_not_use_supervisor_actions(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock(NOW)
    warning_id, item_id = add_warning(ServiceContext(database.sessions, SYSTEM, clock))
    make_actor("op2")
    operator = ServiceContext(database.sessions, make_actor("op1"), clock)
    with pytest.raises(PermissionDenied):
        reassign(operator, item_id, "op2", "忙不过来")  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):
        skip(operator, item_id, "重复")  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):
        change_level(operator, warning_id, "red", "家属来电")
    assert [a for a in _audit(database) if a[0] != "user_add"] == []  # nothing was done, nothing audited


def test_supervisor_reassigns_releases_and_skips_with_audit(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock(NOW)
    system = ServiceContext(database.sessions, SYSTEM, clock)
    _, first_item = add_warning(system)
    _, second_item = add_warning(system)
    op1 = ServiceContext(database.sessions, make_actor("op1"), clock)
    make_actor("op2")
    boss = ServiceContext(database.sessions, make_actor("boss", "supervisor"), clock)
    assert claim_next(op1) is not None
    with pytest.raises(ServiceError, match="原因"):
        reassign(boss, first_item, "op2", "  ")  # type: ignore[arg-type]
    reassign(boss, first_item, "op2", "op1 去处理红色预警")  # type: ignore[arg-type]
    holders = {e.item_id: e.claimed_by for e in list_open(boss)}
    assert holders[first_item] == "op2"
    release(boss, first_item, "op2 离席")  # type: ignore[arg-type]
    skip(boss, second_item, "与另一条预警重复")  # type: ignore[arg-type]
    entries = list_open(boss)
    assert [(e.item_id, e.status) for e in entries] == [(first_item, "open")]
    actions = [a for a in _audit(database) if a[0] != "user_add"]
    assert actions == [("reassign", "boss", "op1 去处理红色预警"), ("release", "boss", "op2 离席"),
                       ("skip", "boss", "与另一条预警重复")]


def test_level_change_moves_the_item_and_its_deadline(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock(NOW)
    system = ServiceContext(database.sessions, SYSTEM, clock)
    low, _ = add_warning(system, fraud_type="fake_shopping")
    high, _ = add_warning(system, fraud_type="impersonate_authority", signals=("screen_sharing",))
    boss = ServiceContext(database.sessions, make_actor("boss", "supervisor"), clock)
    change_level(boss, low, "red", "家属来电：正在去银行转账")
    entries = list_open(boss)
    assert [e.warning_id for e in entries] == [low, high]
    assert entries[0].risk_level == "red" and entries[0].deadline_at == T0 + dt.timedelta(minutes=3)
    with database.sessions() as session:
        warning = session.get(Warning, low)
        assert warning is not None and warning.level_override == "red"
        assert warning.level_override_reason == "家属来电：正在去银行转账"
    assert ("level_change", "boss", "家属来电：正在去银行转账") in _audit(database)
    op = ServiceContext(database.sessions, make_actor("op1"), clock)
    claimed = claim_next(op)
    assert claimed is not None and claimed.warning_id == low
