"""Retention: old closed warnings lose free text and identity, keep the coded fields; holds keep all."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from console.app.bootstrap import Database
from console.cli import main
from console.services.core.context import ServiceContext, ServiceError
from console.services.core.paths import RESOURCES
from console.services.core.settings import parse_retention_settings, read_settings_file
from console.services.people import retention
from db.models import (
    AuditEvent,
    CallAttempt,
    CallDraft,
    Escalation,
    EscalationTask,
    FollowUp,
    Person,
    QuarantinedRow,
    Warning,
    WarningMerge,
)
from tests.cli_helpers import login_as
from tests.security_data import NOW, add_call, add_person_and_warning, fixed_clock

OLD = NOW - dt.timedelta(days=200)
RECENT = NOW - dt.timedelta(days=10)


def _seed(database: Database, operator_id: int | None) -> dict[str, int]:
    ids: dict[str, int] = {}
    p1, w1 = add_person_and_warning(database, status="closed", closed_at=OLD, outcome="dissuaded")
    add_call(database, w1, "c-1", "no_answer", 0)
    add_call(database, w1, "c-2", "dissuaded", 300)
    _, w2 = add_person_and_warning(database, name="王五", phone="13700002222", status="closed", closed_at=OLD,
                                   legal_hold=True, amount="80000", outcome="victimized")
    add_call(database, w2, "c-3", "victimized", 200)
    _, w3 = add_person_and_warning(database, name="赵六", phone="13600003333", status="closed",
                                   closed_at=RECENT, fraud_type="task_rebate", outcome="dissuaded")
    p4, w4a = add_person_and_warning(database, name="钱七", phone="13500004444", status="closed", closed_at=OLD,
                                     fraud_type="fake_loan", amount="1200.50", outcome="refused")
    _, w4b = add_person_and_warning(database, person_id=p4, fraud_type="fake_loan", status="open")
    add_call(database, w4a, "c-4", "refused", 95)
    with database.sessions() as session, session.begin():
        session.add(FollowUp(warning_id=w1, person_id=p1, due_at=OLD, status="done", notes="家属说已报警13900001111"))
        escalation = Escalation(warning_id=w1, reason="多次未接", summary="老人在银行柜台", result_note="已见面")
        escalation.tasks.append(EscalationTask(kind="stop_payment", details={
            "bank": "工商银行", "account": "6222020202020202123", "amount": "30000", "holder_name": "张三丰"}))
        session.add(escalation)
        session.add(WarningMerge(warning_id=w1, reason="external_id", raw_payload={"手机": "13812345678"}))
        if operator_id is not None:
            session.add(CallDraft(client_uuid="d-1", operator_id=operator_id, warning_id=w1,
                                  payload={"notes": "草稿13812345678"}))
        old_row = QuarantinedRow(file_name="a.csv", row_number=3, raw={"手机": "1381234", "姓名": "孙八"},
                                 reason="号码无效", created_at=OLD)
        new_row = QuarantinedRow(file_name="b.csv", row_number=4, raw={"手机": "1390000", "姓名": "周九"},
                                 reason="号码无效", created_at=RECENT)
        session.add_all([old_row, new_row])
        session.flush()
        ids.update(old_q=old_row.id, new_q=new_row.id, task=escalation.tasks[0].id)
    ids.update(p1=p1, w1=w1, w2=w2, w3=w3, p4=p4, w4a=w4a, w4b=w4b)
    return ids


def _figures(database: Database) -> dict[str, Any]:
    """The aggregates the reports are made of, computed independently of the code under test."""
    with database.sessions() as session:
        def grouped(*cols: Any) -> list[tuple[Any, ...]]:
            return [tuple(r) for r in session.execute(select(*cols, func.count()).group_by(*cols)
                                                      .order_by(*cols)).all()]
        return {
            "by_type": grouped(Warning.fraud_type),
            "by_level": grouped(Warning.risk_level),
            "by_outcome": grouped(Warning.outcome),
            "by_status": grouped(Warning.status),
            "by_profile": grouped(Person.profile_group, Person.age_band, Person.sex),
            "by_disposition": grouped(CallAttempt.disposition),
            "amount": session.execute(select(func.sum(Warning.amount))).scalar_one(),
            "talk": session.execute(select(func.sum(CallAttempt.duration_s))).scalar_one(),
            "received": sorted(str(r) for r in session.execute(select(Warning.received_at)).scalars()),
            "escalations": session.execute(select(func.count()).select_from(Escalation)).scalar_one(),
        }


def _stats_dict(database: Database) -> dict[str, Any] | None:
    if importlib.util.find_spec("console.services.stats.figures") is None:
        return None
    from console.services.stats.figures import compute_stats

    stats = compute_stats(ServiceContext(database.sessions, clock=fixed_clock()), (OLD - dt.timedelta(days=2)).date(),
                          NOW.date()).to_dict()
    stats.pop("generated_at", None)
    return stats


def test_erasure_keeps_statistics_and_removes_identity(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    operator = make_actor("op1", "operator")
    admin = make_actor("root1", "admin")
    ids = _seed(database, operator.user_id)
    figures, stats = _figures(database), _stats_dict(database)

    ctx = ServiceContext(database.sessions, admin, fixed_clock())
    report = retention.apply_retention(ctx, older_than_days=180)

    assert (report.warnings_erased, report.persons_erased, report.held_skipped) == (2, 1, 1)
    assert report.call_attempts_cleared == 3 and report.drafts_deleted == 1 and report.quarantine_rows_cleared == 1
    assert _figures(database) == figures
    assert _stats_dict(database) == stats

    with database.sessions() as session:
        p1 = session.get(Person, ids["p1"])
        w1 = session.get(Warning, ids["w1"])
        assert p1 is not None and w1 is not None
        assert (p1.name, p1.id_number, p1.address, p1.relative_phone, p1.occupation) == ("", "", "", "", "")
        assert p1.phone == f"erased-{p1.id}" and p1.erased_at is not None
        assert (p1.age_band, p1.sex, p1.profile_group) == ("45-54", "M", "general")
        assert (w1.note, w1.fraud_contact, w1.signals_text) == ("", "", "")
        assert set(w1.raw_payload) == {"姓名", "手机", "类型"} and set(w1.raw_payload.values()) == {""}
        assert (w1.fraud_type, w1.risk_level, w1.risk_score, w1.amount) == ("fake_investment", "red", 88,
                                                                            Decimal("50000.00"))
        notes = session.execute(select(CallAttempt.notes, CallAttempt.dialled_number)
                                .where(CallAttempt.warning_id == ids["w1"])).all()
        assert {tuple(n) for n in notes} == {("", "")}
        task = session.get(EscalationTask, ids["task"])
        assert task is not None
        assert task.details == {"bank": "工商银行", "account": "", "amount": "30000", "holder_name": ""}
        assert session.execute(select(FollowUp.notes)).scalar_one() == ""
        assert session.execute(select(WarningMerge.raw_payload)).scalar_one() == {"手机": ""}
        assert session.execute(select(func.count()).select_from(CallDraft)).scalar_one() == 0
        # under legal hold: untouched
        w2 = session.get(Warning, ids["w2"])
        assert w2 is not None and w2.erased_at is None and "13700002222" in w2.note
        assert w2.person.name == "王五"
        # closed recently: untouched
        w3 = session.get(Warning, ids["w3"])
        assert w3 is not None and w3.erased_at is None and w3.person.name == "赵六"
        # the person still has an open warning: the old one is erased, the identity stays
        w4a, p4 = session.get(Warning, ids["w4a"]), session.get(Person, ids["p4"])
        assert w4a is not None and w4a.erased_at is not None
        assert p4 is not None and p4.erased_at is None and p4.name == "钱七"
        old_q, new_q = session.get(QuarantinedRow, ids["old_q"]), session.get(QuarantinedRow, ids["new_q"])
        assert old_q is not None and old_q.raw == {"手机": "", "姓名": ""}
        assert new_q is not None and new_q.raw["姓名"] == "周九"
        entry = session.execute(select(AuditEvent).where(AuditEvent.action == "retention")).scalar_one()
        assert entry.details["warnings_erased"] == 2 and entry.login == "root1"

    again = retention.apply_retention(ctx, older_than_days=180)
    assert again.warnings_erased == 0 and again.persons_erased == 0


def test_dry_run_counts_and_changes_nothing(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    ids = _seed(database, None)
    ctx = ServiceContext(database.sessions, make_actor("root1", "admin"), fixed_clock())
    report = retention.apply_retention(ctx, older_than_days=180, dry_run=True)
    assert report.dry_run and report.warnings_erased == 2
    with database.sessions() as session:
        w1 = session.get(Warning, ids["w1"])
        assert w1 is not None and w1.erased_at is None and w1.person.name == "张三丰"
        assert session.execute(select(AuditEvent).where(AuditEvent.action == "retention")).first() is None


def test_legal_hold_is_audited_and_needs_a_reason(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    ids = _seed(database, None)
    ctx = ServiceContext(database.sessions, make_actor("root1", "admin"), fixed_clock())
    with pytest.raises(ServiceError, match="事由"):
        retention.set_legal_hold(ctx, ids["w1"], True, "")
    retention.set_legal_hold(ctx, ids["w1"], True, "法院调查令（2026）苏0102协字18号", include_person=True)
    report = retention.apply_retention(ctx, older_than_days=180)
    assert report.held_skipped == 2 and report.warnings_erased == 1
    retention.set_legal_hold(ctx, ids["w2"], False, "诉讼结束")
    with database.sessions() as session:
        holds = session.execute(select(AuditEvent.reason, AuditEvent.details)
                                .where(AuditEvent.action == "legal_hold").order_by(AuditEvent.id)).all()
        p1 = session.get(Person, ids["p1"])
        assert p1 is not None and p1.legal_hold and p1.name == "张三丰"
    assert [(r, d["on"]) for r, d in holds] == [("法院调查令（2026）苏0102协字18号", True), ("诉讼结束", False)]


def test_cli_retention_run_prints_json(database: Database, capsys: pytest.CaptureFixture[str], make_actor,  # type: ignore[no-untyped-def]
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    _seed(database, None)
    make_actor("adm_ret", "admin")
    make_actor("sup_ret", "supervisor")
    url = database.engine.url.render_as_string(hide_password=False)
    assert main(["retention", "run", "--dry-run", "--db", url, *login_as(monkeypatch, "sup_ret")]) == 1
    assert "无权" in capsys.readouterr().err  # a supervisor may not erase anything
    login = login_as(monkeypatch, "adm_ret")
    assert main(["retention", "run", "--older-than-days", "100000", "--json", "--db", url, *login]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["warnings_erased"] == 0 and document["older_than_days"] == 100000
    assert main(["retention", "run", "--dry-run", "--db", url, *login_as(monkeypatch, "adm_ret")]) == 0
    assert "试运行（未修改）" in capsys.readouterr().out


def test_retention_days_come_from_the_settings_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert parse_retention_settings(read_settings_file(RESOURCES / "retention.yaml")).older_than_days == 180
    path = tmp_path / "retention.yaml"
    path.write_text("older_than_days: 30\n", encoding="utf-8")
    assert parse_retention_settings(read_settings_file(path)).older_than_days == 30
    path.write_text("older_than_days: soon\n", encoding="utf-8")
    with pytest.raises(ServiceError, match="older_than_days"):
        parse_retention_settings(read_settings_file(path))
