"""The follow-up programme: schedules per level and fraud type, due lists, outcomes, repeat victims."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from console.app.bootstrap import Database
from console.services.core.context import PermissionDenied, ServiceError
from console.services.core.escalation_settings import parse_escalation_settings
from console.services.followups import programme as followups
from db.models import FollowUp, Person, QueueItem, Warning
from tests.escalation_builders import T0, FakeClock, add_warning, ctx_for


def _schedule(database: Database, warning_id: int, disposition: str, **kw) -> list[int]:  # type: ignore[no-untyped-def]
    with database.sessions() as session, session.begin():
        warning = session.get(Warning, warning_id)
        assert warning is not None
        kw.setdefault("settings", database.settings.escalation)
        return followups.schedule_follow_ups(session, warning, disposition, T0, **kw)


def _days(database: Database, warning_id: int) -> list[tuple[str, int, dt.datetime]]:
    with database.sessions() as session:
        rows = session.execute(
            select(FollowUp.kind, FollowUp.day_offset, FollowUp.due_at)
            .where(FollowUp.warning_id == warning_id).order_by(FollowUp.due_at)
        ).all()
        return [tuple(r) for r in rows]  # type: ignore[misc]


def test_dissuaded_gets_revisits_on_configured_days(database: Database) -> None:
    default = add_warning(database, fraud_type="impersonate_authority", level="red")
    ids = _schedule(database, default, "dissuaded")
    assert len(ids) == 4
    assert [(k, d) for k, d, _ in _days(database, default)] == [("revisit", 1), ("revisit", 7), ("revisit", 30), ("revisit", 90)]
    assert _days(database, default)[1][2] == T0 + dt.timedelta(days=7)
    assert _schedule(database, default, "dissuaded") == []  # nothing twice
    blue = add_warning(database, level="blue")
    _schedule(database, blue, "dissuaded")
    assert [d for _, d, _ in _days(database, blue)] == [1, 30]
    romance = add_warning(database, fraud_type="romance_investment", level="blue")
    _schedule(database, romance, "dissuaded")  # the fraud type is more specific than the level
    assert [d for _, d, _ in _days(database, romance)] == [1, 3, 7, 30, 90]
    custom = parse_escalation_settings({"follow_up_days": {"by_fraud_type_and_level": {"task_rebate/red": [2, 5]}}})
    rebate = add_warning(database, fraud_type="task_rebate", level="red")
    _schedule(database, rebate, "dissuaded", settings=custom)
    assert [d for _, d, _ in _days(database, rebate)] == [2, 5]
    nothing = add_warning(database)
    assert _schedule(database, nothing, "no_answer") == []
    assert _schedule(database, nothing, "refused") and [d for _, d, _ in _days(database, nothing)] == [1]


def test_victimized_gets_a_support_call_with_case_report_guidance(database: Database) -> None:
    warning_id = add_warning(database, fraud_type="fake_investment")
    _schedule(database, warning_id, "victimized")
    with database.sessions() as session:
        row = session.execute(select(FollowUp).where(FollowUp.warning_id == warning_id)).scalar_one()
        assert (row.kind, row.day_offset, row.due_at) == ("victim_support", 1, T0 + dt.timedelta(days=1))
        for step in ("保留证据", "110", "96110", "派出所", "虚假网络投资理财", "保证金"):
            assert step in row.notes
    assert "停止出租、出售银行卡" in followups.case_report_guidance("tool_person")
    assert "停止出租" not in followups.case_report_guidance("impersonate_authority")


def test_due_list_follows_the_clock_and_completion_takes_it_off(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    op = ctx_for(database, make_actor("op1", "operator"), clock)
    warning_id = add_warning(database, name="王秀英", fraud_type="impersonate_authority")
    _schedule(database, warning_id, "dissuaded")
    assert followups.due_follow_ups(op) == []
    clock.advance(days=1)
    due = followups.due_follow_ups(op)
    assert [(f.day_offset, f.kind_label, f.person_name) for f in due] == [(1, "回访", "王**")]
    assert any("冒充公检法" in line for line in due[0].script)
    with database.sessions() as session, session.begin():
        session.add(QueueItem(kind="follow_up", warning_id=warning_id, follow_up_id=due[0].id, status="open"))
    done = followups.complete_follow_up(op, due[0].id, "safe", "已卸载App")
    assert done.status_label == "已完成" and "已卸载App" in done.notes
    with database.sessions() as session:
        assert session.execute(select(QueueItem.status)).scalar_one() == "done"
    with pytest.raises(ServiceError, match="已处理"):
        followups.complete_follow_up(op, due[0].id, "safe")
    clock.advance(days=30)
    assert [f.day_offset for f in followups.due_follow_ups(op)] == [7, 30]
    missed = followups.complete_follow_up(op, followups.due_follow_ups(op)[0].id, "unreachable")
    assert missed.status == "missed"
    with pytest.raises(ServiceError, match="回访结果应为"):
        followups.complete_follow_up(op, followups.due_follow_ups(op)[0].id, "fine")
    trainer = ctx_for(database, make_actor("tr", "trainer"), clock)
    with pytest.raises(PermissionDenied):
        followups.due_follow_ups(trainer)


def test_victimized_on_a_follow_up_schedules_support(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    op = ctx_for(database, make_actor("op2", "operator"), clock)
    warning_id = add_warning(database)
    _schedule(database, warning_id, "dissuaded")
    clock.advance(days=7, hours=1)
    first = followups.due_follow_ups(op)[0]
    followups.complete_follow_up(op, first.id, "victimized", "又被骗两万")
    programme = followups.follow_ups_of(op, warning_id)
    support = [f for f in programme if f.kind == "victim_support"]
    assert len(support) == 1 and support[0].due_at == clock.at + dt.timedelta(days=1)
    assert "报警" in support[0].notes
    with database.sessions() as session:
        person = session.execute(select(Person)).scalar_one()
        assert person.previous_victim
