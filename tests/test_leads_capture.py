"""Leads, stop-payment facts and a relative's contact captured by a call: stored with the call,
listed masked, exported audited, the stop-payment launched as an escalation task and printed."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from console.app.bootstrap import Database
from console.services.calls.log import CallLog, log_call
from console.services.core.context import ServiceError
from console.services.leads.capture import LeadInput, RelativeContactInput, StopPaymentInput
from console.services.leads.stop_payment import launch_stop_payment
from console.services.leads.views import export_leads, list_leads, list_stop_payments
from console.services.pdf.stop_payment_request import render_stop_payment_request
from db.models import AuditEvent, EscalationTask, Lead, Person, RelativeContact, StopPaymentRecord, Warning
from tests.escalation_builders import T0, FakeClock, add_warning, ctx_for, standard_stations
from tests.stats_helpers import pdftotext

LEADS = [
    LeadInput("phone", "17012345678", "自称“王警官”"),
    LeadInput("account", "6222020202020202020"),
    LeadInput("link", "http://fake-police.example/warrant"),
    LeadInput("app", "安全防护"),
    LeadInput("group", "资金清查专案群"),
    LeadInput("phone", " 17012345678 "),  # the same number again
]
FACTS = StopPaymentInput(transferred_at=T0 - dt.timedelta(minutes=40), amount="48,000", victim_bank="农业银行",
                         victim_account="6228480012345678", payee_account="6217001234567890123",
                         payee_bank="某村镇银行", transaction_ref="TX20260302001")


def _call(warning_id: int, disposition: str = "victimized", **findings: object) -> CallLog:
    return CallLog(client_uuid=str(uuid.uuid4()), warning_id=warning_id, queue_item_id=None, started_at=T0,
                   ended_at=T0 + dt.timedelta(minutes=6), connected=True, disposition=disposition,
                   **findings)  # type: ignore[arg-type]


def test_a_call_stores_its_leads_and_stop_payment_facts_once(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    warning_id = add_warning(database)
    ctx = ctx_for(database, make_actor("op1"), FakeClock())
    log = _call(warning_id, leads=LEADS, stop_payment=FACTS)
    first = log_call(ctx, log)
    again = log_call(ctx, log)  # a seat retrying the same call writes nothing twice
    assert again.duplicate and first.stop_payment_record_id is not None
    with database.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Lead)) == 5
        assert session.scalar(select(func.count()).select_from(StopPaymentRecord)) == 1
        record = session.get(StopPaymentRecord, first.stop_payment_record_id)
        assert record is not None and record.amount == Decimal("48000.00")
        assert record.call_attempt_id == first.call_id
    shown = list_leads(ctx, warning_id=warning_id)
    assert [lead.kind_label for lead in shown] == ["电话号码", "收款账户", "链接", "App名称", "群聊"]
    assert "17012345678" not in shown[0].value and shown[0].value.endswith("5678")  # numbers masked
    assert shown[2].value == "http://fake-police.example/warrant"
    with database.sessions() as session:
        person_id = session.get(Warning, warning_id).person_id  # type: ignore[union-attr]
    assert len(list_leads(ctx, person_id=person_id)) == 5  # the person view lists them too
    assert list_stop_payments(ctx, warning_id)[0].victim_account.endswith("5678")


def test_bad_findings_are_refused_in_chinese_and_nothing_is_written(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    warning_id = add_warning(database)
    ctx = ctx_for(database, make_actor("op2"), FakeClock())
    with pytest.raises(ServiceError, match="止付金额“五万”不是有效数字"):
        log_call(ctx, _call(warning_id, stop_payment=StopPaymentInput(amount="五万", victim_bank="工行",
                                                                      victim_account="6212")))
    with pytest.raises(ServiceError, match="至少要有转出的银行和卡号"):
        log_call(ctx, _call(warning_id, stop_payment=StopPaymentInput(amount="100")))
    with pytest.raises(ServiceError, match="不像电话号码"):
        log_call(ctx, _call(warning_id, leads=[LeadInput("phone", "王警官")]))
    with pytest.raises(ServiceError, match="请填写接电话的人与当事人的关系"):
        log_call(ctx, _call(warning_id, "wrong_person", relative=RelativeContactInput("", "13700002222")))
    with database.sessions() as session:
        assert session.get(Warning, warning_id).attempts == 0  # type: ignore[union-attr]
        assert session.scalar(select(func.count()).select_from(Lead)) == 0


def test_wrong_person_call_records_the_relative_who_becomes_the_number_to_dial(database: Database,  # type: ignore[no-untyped-def]
                                                                                make_actor) -> None:
    warning_id = add_warning(database, relative_name="", relative_phone="")
    ctx = ctx_for(database, make_actor("op3"), FakeClock())
    log_call(ctx, _call(warning_id, "wrong_person",
                        relative=RelativeContactInput("女儿", "137 0000 2222", "李娟", "在城关镇菜市场上班")))
    with database.sessions() as session:
        contact = session.scalars(select(RelativeContact)).one()
        assert (contact.relation, contact.phone, contact.whereabouts) == ("女儿", "13700002222", "在城关镇菜市场上班")
        person = session.get(Person, session.get(Warning, warning_id).person_id)  # type: ignore[union-attr]
        assert person is not None and person.relative_phone == "13700002222" and person.relative_name == "李娟"


def test_leads_export_is_masked_and_audited(database: Database, make_actor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    warning_id = add_warning(database)
    ctx = ctx_for(database, make_actor("sup", "supervisor"), FakeClock())
    log_call(ctx, _call(warning_id, leads=LEADS))
    result = export_leads(ctx, tmp_path / "leads.csv")
    text = (tmp_path / "leads.csv").read_text(encoding="utf-8-sig")
    assert result.rows == 5 and result.masked
    assert "资金清查专案群" in text and "17012345678" not in text and "6222020202020202020" not in text
    clear = export_leads(ctx, tmp_path / "clear.csv", unmasked=True, reason="上报省反诈平台")
    assert not clear.masked and "17012345678" in (tmp_path / "clear.csv").read_text(encoding="utf-8-sig")
    with database.sessions() as session:
        exports = session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
        assert len(exports) == 2


def test_stop_payment_is_launched_as_an_escalation_task_and_printed(database: Database, make_actor,  # type: ignore[no-untyped-def]
                                                                     tmp_path: Path) -> None:
    standard_stations(database)
    warning_id = add_warning(database)
    ctx = ctx_for(database, make_actor("op4"), FakeClock())
    record_id = log_call(ctx, _call(warning_id, stop_payment=FACTS)).stop_payment_record_id
    assert record_id is not None
    order = launch_stop_payment(ctx, record_id)
    with database.sessions() as session:
        task = session.scalars(select(EscalationTask).where(EscalationTask.escalation_id == order.id)).one()
        assert task.kind == "stop_payment" and task.details["account"] == "6228480012345678"
        assert task.details["amount"] == "48000.00" and task.details["mode"] == "protective"
        assert session.get(StopPaymentRecord, record_id).escalation_id == order.id  # type: ignore[union-attr]
    with pytest.raises(ServiceError, match="已经发起"):
        launch_stop_payment(ctx, record_id)
    out = render_stop_payment_request(ctx, record_id, tmp_path / "zhifu.pdf", centre_name="某县反诈中心")
    text = pdftotext(out)
    assert "保护性止付申请单" in text and "48,000.00元" in text and "TX20260302001" in text
    assert "6228480012345678" not in text and "5678" in text  # masked unless revealed
    assert (out.stat().st_mode & 0o777) == 0o600
    with database.sessions() as session:
        prints = session.scalars(select(AuditEvent).where(AuditEvent.action == "print")).all()
        assert [p.object_type for p in prints] == ["stop_payment"]


def test_findings_survive_the_outbox_round_trip(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    from console.services.calls import drafts

    warning_id = add_warning(database)
    ctx = ctx_for(database, make_actor("op5"), FakeClock())
    log = _call(warning_id, leads=LEADS[:2], stop_payment=FACTS, relative=RelativeContactInput("儿子", "13600003333"))
    document = json.loads(drafts._dump(drafts._log_to_document(log, ctx.actor)))
    restored, _actor = drafts._log_from_document(document)
    assert restored == log
    assert log_call(ctx, restored).stop_payment_record_id is not None


def test_cli_exports_leads_and_prints_the_stop_payment_request(sqlite_db: Database, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                               capsys, monkeypatch) -> None:
    from console.cli import main
    from console.services.core.context import SYSTEM
    from console.services.security import auth
    from tests.cli_helpers import PASSWORD, login_as

    auth.add_user(sqlite_db.context(SYSTEM), "zhiban", PASSWORD, "supervisor")

    standard_stations(sqlite_db)
    warning_id = add_warning(sqlite_db)
    ctx = ctx_for(sqlite_db, SYSTEM, FakeClock())
    record_id = log_call(ctx, _call(warning_id, leads=LEADS, stop_payment=FACTS)).stop_payment_record_id
    url = sqlite_db.engine.url.render_as_string(hide_password=False)
    assert main(["leads", "export", "--out", str(tmp_path / "leads.csv"), "--db", url,
                 *login_as(monkeypatch, "zhiban")]) == 0
    assert "已导出 5 条线索（已脱敏）" in capsys.readouterr().out
    assert main(["leads", "stop-payment-sheet", str(record_id), "--out", str(tmp_path / "zf.pdf"), "--db", url,
                 *login_as(monkeypatch, "zhiban")]) == 0
    assert "保护性止付申请单" in pdftotext(tmp_path / "zf.pdf")
    assert main(["leads", "stop-payment-sheet", "999", "--out", str(tmp_path / "x.pdf"), "--db", url,
                 *login_as(monkeypatch, "zhiban")]) == 2
    assert "止付信息 999 不存在" in capsys.readouterr().err
