"""Personal data is masked by default; clear values only per field, per person, per role, audited."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from sqlalchemy import select

from console.app.bootstrap import Database
from console.services.core.context import PermissionDenied, ServiceContext, ServiceError
from console.services.people import privacy
from db.models import AuditEvent, Escalation, EscalationTask
from tests.security_data import NOW, add_person_and_warning, claim, fixed_clock


def _ctx(database: Database, actor) -> ServiceContext:  # type: ignore[no-untyped-def]
    return ServiceContext(database.sessions, actor, fixed_clock())


def _reveals(database: Database) -> list[AuditEvent]:
    with database.sessions() as session:
        return list(session.execute(select(AuditEvent).where(AuditEvent.action == "reveal")).scalars())


def test_person_view_masks_every_identifying_field(database: Database) -> None:
    person_id, _ = add_person_and_warning(database)
    view = privacy.get_person_view(database.context(), person_id)
    assert view.name == "张**"
    assert view.phone == "138****5678"
    assert view.id_number == "320**************4"
    assert view.address == "江苏省南京市****"
    assert view.relative_phone == "139****1111"
    assert view.age_band == "45-54" and view.profile_group == "general"


def test_operator_sees_phone_only_while_holding_the_claim(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    operator = make_actor("op1", "operator")
    other = make_actor("op2", "operator")
    person_id, warning_id = add_person_and_warning(database)
    ctx = _ctx(database, operator)

    with pytest.raises(PermissionDenied, match="已领取"):
        privacy.reveal(ctx, person_id, "phone", "拨打劝阻电话")

    claim(database, warning_id, other.user_id)
    with pytest.raises(PermissionDenied, match="已领取"):
        privacy.reveal(ctx, person_id, "phone", "拨打劝阻电话")

    claim(database, warning_id, operator.user_id)
    assert privacy.reveal(ctx, person_id, "phone", "拨打劝阻电话", warning_id=warning_id) == "13812345678"
    assert privacy.reveal(ctx, person_id, "name", "核实身份") == "张三丰"
    with pytest.raises(PermissionDenied, match="身份证号"):
        privacy.reveal(ctx, person_id, "id_number", "核实身份")
    with pytest.raises(PermissionDenied):
        privacy.reveal(ctx, person_id, "address", "上门")

    entries = _reveals(database)
    assert [(e.details["field"], e.reason, e.login) for e in entries] == [
        ("phone", "拨打劝阻电话", "op1"), ("name", "核实身份", "op1")]
    dumped = " ".join(f"{e.details} {e.reason}" for e in entries)
    assert "13812345678" not in dumped and "张三丰" not in dumped


def test_operator_claim_lease_that_ran_out_no_longer_reveals(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    operator = make_actor("op1", "operator")
    person_id, warning_id = add_person_and_warning(database)
    claim(database, warning_id, operator.user_id, lease_until=NOW - dt.timedelta(seconds=1))
    with pytest.raises(PermissionDenied):
        privacy.reveal(_ctx(database, operator), person_id, "phone", "拨打劝阻电话")


def test_supervisor_reveals_any_field_with_a_reason_trainer_never(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    supervisor = make_actor("boss", "supervisor")
    trainer = make_actor("coach", "trainer")
    person_id, _ = add_person_and_warning(database)
    ctx = _ctx(database, supervisor)
    assert privacy.reveal(ctx, person_id, "id_number", "协查公函 2026-118") == "320102198001011234"
    assert privacy.reveal(ctx, person_id, "address", "派出所上门") == "江苏省南京市玄武区北京东路12号3单元"
    with pytest.raises(ServiceError, match="事由"):
        privacy.reveal(ctx, person_id, "phone", "   ")
    with pytest.raises(PermissionDenied):
        privacy.reveal(_ctx(database, trainer), person_id, "name", "复盘")
    assert len(_reveals(database)) == 2


def test_escalation_task_account_is_masked_and_revealed_only_to_supervisors(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    _, warning_id = add_person_and_warning(database)
    with database.sessions() as session, session.begin():
        escalation = Escalation(warning_id=warning_id)
        escalation.tasks.append(EscalationTask(kind="stop_payment", details={
            "bank": "工商银行", "account": "6222020202020202123", "amount": "30000"}))
        session.add(escalation)
        session.flush()
        task_id = escalation.tasks[0].id
    with database.sessions() as session:
        task = session.get(EscalationTask, task_id)
        assert task is not None
        masked = privacy.mask_task_details(task.details)
    assert masked == {"bank": "工商银行", "account": "***************2123", "amount": "30000"}
    supervisor = make_actor("boss", "supervisor")
    operator = make_actor("op1", "operator")
    with pytest.raises(PermissionDenied):
        privacy.reveal_task_detail(_ctx(database, operator), task_id, "account", "止付")
    assert privacy.reveal_task_detail(_ctx(database, supervisor), task_id, "account", "止付") == "6222020202020202123"


def test_mask_text_hides_mobiles_ids_and_cards_in_free_text() -> None:
    text = "本人13812345678，身份证32010219800101123X，卡号6222020202020202123，金额5000元"
    masked = privacy.mask_text(text)
    assert "13812345678" not in masked and "32010219800101123X" not in masked
    assert "6222020202020202123" not in masked
    assert "138****5678" in masked and "金额5000元" in masked


def test_log_records_never_carry_clear_numbers(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("dissuade.test.pii")
    pii_filter = privacy.PiiLogFilter()
    caplog.handler.addFilter(pii_filter)
    try:
        logger.warning("拨号失败 %s，身份证 %s", "13812345678", "320102198001011234")
        try:
            raise ValueError("bad phone 13912345678")
        except ValueError:
            logger.exception("导入行出错")
    finally:
        caplog.handler.removeFilter(pii_filter)
    assert "13812345678" not in caplog.text and "320102198001011234" not in caplog.text
    assert "13912345678" not in caplog.text
    assert "138****5678" in caplog.text


def test_cli_installs_the_log_mask_on_the_root_handlers() -> None:
    root = logging.getLogger()
    handler = logging.StreamHandler()
    root.addHandler(handler)
    try:
        privacy.install_log_masking()
        privacy.install_log_masking()  # idempotent
        assert sum(isinstance(f, privacy.PiiLogFilter) for f in handler.filters) == 1
    finally:
        root.removeHandler(handler)
