"""Escalation to stations: station choice, parallel tasks and their timelines, timers, feedback."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from console.app.bootstrap import Database
from console.services.core.context import PermissionDenied, ServiceError
from console.services.core.escalation_settings import parse_escalation_settings
from console.services.escalation import orders as esc
from console.services.escalation.drafts import prepare_escalation
from console.services.escalation.orders import TaskRequest
from db.models import AuditEvent, FollowUp, Person, QueueItem, Warning
from tests.escalation_builders import T0, FakeClock, add_warning, ctx_for, standard_stations

ALL_TASKS = [
    TaskRequest.onsite_visit("老人独居，敲门需说明来意"),
    TaskRequest.stop_payment("农业银行", "6228480012345678", "50000"),
    TaskRequest.family_notice("李明", "13900001111"),
]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_create_matches_station_from_address_and_opens_three_timelines(database: Database, make_actor, clock) -> None:  # type: ignore[no-untyped-def]
    ids = standard_stations(database)
    warning_id = add_warning(database, address="某县城关镇幸福社区3栋201", level="red")
    op = make_actor("op1", "operator")
    info = esc.create_escalation(ctx_for(database, op, clock), warning_id, tasks=ALL_TASKS,
                                 reason="三次未接通，正在转账", summary="对方冒充公安")
    assert info.station_id == ids["chengguan"]
    assert "幸福社区" in info.station_reason
    assert info.status == "open" and info.status_label == "待签收"
    assert info.ack_deadline_at == T0 + dt.timedelta(minutes=10)
    assert [t.kind_label for t in info.tasks] == ["上门劝阻", "保护性止付", "通知家属"]
    assert all(t.status == "created" and len(t.events) == 1 for t in info.tasks)
    assert info.tasks[1].details == {"bank": "农业银行", "account": "6228480012345678", "amount": "50000.00"}
    assert info.created_by_name == "op1"
    with database.sessions() as session:
        warning = session.get(Warning, warning_id)
        assert warning is not None and warning.status == "in_progress"
        audit = session.execute(select(AuditEvent).where(AuditEvent.action == "escalate")).scalar_one()
        assert audit.object_id == str(info.id) and audit.details["station"] == "城关派出所"


def test_manual_override_and_fallback_to_the_warnings_station(database: Database, make_actor, clock) -> None:  # type: ignore[no-untyped-def]
    ids = standard_stations(database)
    ctx = ctx_for(database, make_actor("op2", "operator"), clock)
    warning_id = add_warning(database, address="某县城关镇幸福社区")
    info = esc.create_escalation(ctx, warning_id, station_id=ids["xinhe"], tasks=[TaskRequest.onsite_visit()])
    assert info.station_name == "新河派出所" and "人工指定" in info.station_reason and "城关派出所" in info.station_reason
    hinted = add_warning(database, address="外省某地", station_hint="开发区派出所")
    info = esc.create_escalation(ctx, hinted, tasks=[TaskRequest.onsite_visit()])
    assert info.station_id == ids["kaifaqu"] and "开发区派出所" in info.station_reason
    lost = add_warning(database, address="外省某地")
    with pytest.raises(ServiceError, match="手动选择派出所"):
        esc.create_escalation(ctx, lost, tasks=[TaskRequest.onsite_visit()])


def test_task_fields_are_checked(database: Database, make_actor, clock) -> None:  # type: ignore[no-untyped-def]
    standard_stations(database)
    ctx = ctx_for(database, make_actor("op3", "operator"), clock)
    warning_id = add_warning(database)
    with pytest.raises(ServiceError, match="开户银行和账号"):
        esc.create_escalation(ctx, warning_id, tasks=[TaskRequest.stop_payment("", "622", "1")])
    with pytest.raises(ServiceError, match="不是有效数字"):
        esc.create_escalation(ctx, warning_id, tasks=[TaskRequest.stop_payment("工行", "622", "五万")])
    # an empty family phone means the relative registered with the person (the operator sees it masked)
    info = esc.create_escalation(ctx, warning_id, tasks=[TaskRequest.family_notice("", " ")])
    assert info.tasks[0].details["phone"] == "13900001111" and info.tasks[0].details["relative_name"] == "李明"
    alone = add_warning(database, relative_name="", relative_phone="")
    with pytest.raises(ServiceError, match="没有登记亲属电话"):
        esc.create_escalation(ctx, alone, tasks=[TaskRequest.family_notice("", "")])
    with pytest.raises(ServiceError, match="至少选择一项任务"):
        esc.create_escalation(ctx, warning_id, tasks=[])
    trainer = ctx_for(database, make_actor("tr", "trainer"), clock)
    with pytest.raises(PermissionDenied):
        esc.create_escalation(trainer, warning_id, tasks=[TaskRequest.onsite_visit()])


def test_task_timeline_moves_forward_only_and_done_needs_a_result(database: Database, make_actor, clock) -> None:  # type: ignore[no-untyped-def]
    standard_stations(database)
    ctx = ctx_for(database, make_actor("op4", "operator"), clock)
    info = esc.create_escalation(ctx, add_warning(database), tasks=ALL_TASKS)
    visit, stop, family = info.tasks
    clock.advance(minutes=1)
    esc.update_task(ctx, visit.id, "sent", note="已电话通知值班室")
    clock.advance(minutes=2)
    task = esc.update_task(ctx, visit.id, "acknowledged", actor_text="民警张伟")
    assert task.assignee == "民警张伟"
    with pytest.raises(ServiceError, match="当前为“已签收”，不能改为“已发送”"):
        esc.update_task(ctx, visit.id, "sent")
    clock.advance(minutes=3)
    esc.update_task(ctx, visit.id, "in_progress", note="已出警")
    with pytest.raises(ServiceError, match="须选择结果"):
        esc.update_task(ctx, visit.id, "done")
    with pytest.raises(ServiceError, match="只有完成任务时"):
        esc.update_task(ctx, stop.id, "sent", result="success")
    clock.advance(minutes=9)
    task = esc.update_task(ctx, visit.id, "done", result="success", note="已当面劝阻，未转账")
    assert [e.status_label for e in task.events] == ["已创建", "已发送", "已签收", "出警/处置中", "已完成"]
    assert [e.at - T0 for e in task.events][-1].total_seconds() == 15 * 60
    assert task.events[2].actor == "民警张伟" and task.events[-1].result_label == "成功"
    with pytest.raises(ServiceError, match="可改为：无"):
        esc.update_task(ctx, visit.id, "in_progress")
    # the family could not be reached on the phone: closed straight from created
    family_done = esc.update_task(ctx, family.id, "done", result="unreachable", note="两次无人接听")
    assert family_done.result_label == "无法联系"
    order = esc.get_escalation(ctx, info.id)
    assert order.acknowledged_at == T0 + dt.timedelta(minutes=3)
    assert order.status == "in_progress"


def test_centre_tasks_do_not_count_as_station_acknowledgement(database: Database, make_actor, clock) -> None:  # type: ignore[no-untyped-def]
    standard_stations(database)
    ctx = ctx_for(database, make_actor("op5", "operator"), clock)
    info = esc.create_escalation(ctx, add_warning(database), tasks=ALL_TASKS)
    esc.update_task(ctx, info.tasks[2].id, "done", result="success")
    order = esc.get_escalation(ctx, info.id)
    assert order.acknowledged_at is None and order.status == "open"


def test_unacknowledged_red_order_alerts_once_then_re_escalates(database: Database, make_actor, clock) -> None:  # type: ignore[no-untyped-def]
    ids = standard_stations(database)
    op = ctx_for(database, make_actor("op6", "operator"), clock)
    sup = ctx_for(database, make_actor("sup", "supervisor"), clock)
    red = esc.create_escalation(op, add_warning(database, level="red"), tasks=ALL_TASKS[:2])
    yellow = esc.create_escalation(op, add_warning(database, level="yellow"), tasks=[TaskRequest.onsite_visit()])
    clock.advance(minutes=9, seconds=59)
    assert esc.overdue_acknowledgements(sup) == []
    clock.advance(minutes=5)
    with pytest.raises(PermissionDenied):
        esc.overdue_acknowledgements(op)
    alerts = esc.overdue_acknowledgements(sup)
    assert [(a.escalation_id, a.first_alert, a.minutes_overdue) for a in alerts] == [(red.id, True, 4)]
    assert "城关派出所" in alerts[0].message and "红色" in alerts[0].message
    again = esc.overdue_acknowledgements(sup)
    assert [(a.escalation_id, a.first_alert) for a in again] == [(red.id, False)]
    clock.advance(hours=2)  # yellow is never an alert, even when very late
    assert yellow.id not in [a.escalation_id for a in esc.overdue_acknowledgements(sup)]

    with pytest.raises(PermissionDenied):
        esc.re_escalate(op, red.id, "duty_phone", "", "超时未签收")
    with pytest.raises(ServiceError, match="原因"):
        esc.re_escalate(sup, red.id, "duty_phone", "", " ")
    esc.update_task(op, red.tasks[1].id, "done", result="success")  # the bank already stopped the payment
    child = esc.re_escalate(sup, red.id, "duty_phone", "", "10分钟未签收，电话催办")
    assert child.parent_id == red.id and child.target_label == "派出所值班电话"
    assert child.target_detail == "0512-66000000" and child.station_id == ids["chengguan"]
    assert [t.kind for t in child.tasks] == ["onsite_visit"]  # only what is still open travels
    assert child.ack_deadline_at == clock.at + dt.timedelta(minutes=10)
    parent = esc.get_escalation(sup, red.id)
    assert parent.child_ids == (child.id,)
    assert [e.status_label for e in parent.order_events] == ["下达指令", "超时未签收告警", "再次上报"]
    # the child now carries the timer: the parent is no longer listed, the child is once it is late
    assert [a.escalation_id for a in esc.overdue_acknowledgements(sup)] == []
    clock.advance(minutes=11)
    assert [a.escalation_id for a in esc.overdue_acknowledgements(sup)] == [child.id]
    other = esc.re_escalate(sup, child.id, "other_unit", "县公安局巡特警大队", "派出所警力不足")
    assert other.target == "other_unit" and other.target_detail == "县公安局巡特警大队"


def test_acknowledgement_stops_the_timer(database: Database, make_actor, clock) -> None:  # type: ignore[no-untyped-def]
    standard_stations(database)
    op = ctx_for(database, make_actor("op7", "operator"), clock)
    sup = ctx_for(database, make_actor("sup7", "supervisor"), clock)
    info = esc.create_escalation(op, add_warning(database, level="orange"), tasks=ALL_TASKS)
    clock.advance(minutes=15)
    acked = esc.acknowledge(op, info.id, "值班民警刘洋")
    assert acked.status_label == "已签收"
    visit = acked.tasks[0]
    assert [e.status for e in visit.events] == ["created", "sent", "acknowledged"]
    assert visit.events[-1].actor == "值班民警刘洋"
    assert acked.tasks[1].status == "created"  # the bank task is the centre's, untouched
    clock.advance(minutes=30)
    assert esc.overdue_acknowledgements(sup) == []
    with pytest.raises(ServiceError, match="已于"):
        esc.acknowledge(op, info.id, "again")


def test_station_success_closes_the_loop(database: Database, make_actor, clock) -> None:  # type: ignore[no-untyped-def]
    standard_stations(database)
    op_actor = make_actor("op8", "operator")
    op = ctx_for(database, op_actor, clock)
    warning_id = add_warning(database, level="red", fraud_type="fake_investment")
    info = esc.create_escalation(op, warning_id, tasks=ALL_TASKS)
    clock.advance(minutes=40)
    closed = esc.record_station_result(op, info.id, "success", "民警上门，当事人已停止转账")
    assert closed.status_label == "已办结" and closed.result_label == "成功" and closed.closed_at == clock.at
    with database.sessions() as session:
        warning = session.get(Warning, warning_id)
        assert warning is not None
        assert (warning.outcome, warning.status) == ("dissuaded", "closed")
        assert "派出所反馈" in warning.note and "已停止转账" in warning.note
        person = session.get(Person, warning.person_id)
        assert person is not None and person.dissuaded_before
        item = session.execute(select(QueueItem).where(QueueItem.kind == "escalation_answer")).scalar_one()
        assert (item.escalation_id, item.warning_id, item.status) == (info.id, warning_id, "open")
        assert item.assigned_to == op_actor.user_id
        days = sorted(session.execute(select(FollowUp.day_offset).where(FollowUp.warning_id == warning_id)).scalars())
        assert days == [1, 3, 7, 30, 90]  # fake_investment has an extra early call in escalation.yaml
    with pytest.raises(ServiceError, match="已办结"):
        esc.record_station_result(op, info.id, "failed")
    with pytest.raises(ServiceError, match="已办结"):
        esc.update_task(op, info.tasks[2].id, "sent")


def test_station_failure_keeps_the_warning_open_for_the_operator(database: Database, make_actor, clock) -> None:  # type: ignore[no-untyped-def]
    standard_stations(database)
    op = ctx_for(database, make_actor("op9", "operator"), clock)
    warning_id = add_warning(database)
    info = esc.create_escalation(op, warning_id, tasks=[TaskRequest.onsite_visit()])
    esc.record_station_result(op, info.id, "unreachable", "家中无人")
    with database.sessions() as session:
        warning = session.get(Warning, warning_id)
        assert warning is not None and warning.outcome is None and warning.status == "in_progress"
        assert session.execute(select(FollowUp)).first() is None
        assert session.execute(select(QueueItem.kind)).scalars().all() == ["escalation_answer"]


def test_the_draft_prefills_station_tasks_and_summary_masked(database: Database, make_actor, clock) -> None:  # type: ignore[no-untyped-def]
    ids = standard_stations(database)
    ctx = ctx_for(database, make_actor("op11", "operator"), clock)
    draft = prepare_escalation(ctx, add_warning(database, calls=2))
    assert draft.match is not None and draft.match.station_id == ids["chengguan"]
    assert len(draft.stations) == 4
    assert (draft.person_name, draft.relative_phone, draft.level_label) == ("王**", "139****1111", "红")
    assert "已呼叫2次" in draft.reason and "拒绝劝阻" in draft.reason
    assert "屏幕共享" in draft.summary and "对方让保密" in draft.summary
    assert "13900001111" not in draft.summary + draft.relative_phone + draft.address


def test_listing_and_settings_validation(database: Database, make_actor, clock) -> None:  # type: ignore[no-untyped-def]
    standard_stations(database)
    op = ctx_for(database, make_actor("op10", "operator"), clock)
    first = add_warning(database)
    a = esc.create_escalation(op, first, tasks=[TaskRequest.onsite_visit()])
    clock.advance(minutes=1)
    b = esc.create_escalation(op, add_warning(database), tasks=[TaskRequest.onsite_visit()])
    esc.record_station_result(op, a.id, "success")
    assert [e.id for e in esc.list_escalations(op)] == [b.id, a.id]
    assert [e.id for e in esc.list_escalations(op, open_only=True)] == [b.id]
    assert [e.id for e in esc.list_escalations(op, warning_id=first)] == [a.id]
    with pytest.raises(ServiceError, match="ack_minutes.red"):
        parse_escalation_settings({"ack_minutes": {"red": 0}})
    custom = parse_escalation_settings({"ack_minutes": {"red": 3}, "follow_up_days": {"default": [2, 14]}})
    assert custom.ack_window("red").total_seconds() == 180 and custom.follow_up_days("red", "other") == (2, 14)
