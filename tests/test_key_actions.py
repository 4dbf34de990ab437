"""Promised vs confirmed key actions (stored, migrated, reported) and one open escalation per warning."""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid
from contextlib import redirect_stdout

import pytest
from sqlalchemy import select, text

from console.app.bootstrap import Database
from console.cli import main
from console.services.calls.log import CallLog, WarningFacts, log_call, plan_next_step
from console.services.calls.workstation import warning_detail
from console.services.core.context import ServiceError
from console.services.core.settings import default_settings
from console.services.escalation import open_orders
from console.services.escalation import orders as esc
from console.services.escalation.orders import TaskRequest
from console.services.reports.tables import totals_table
from console.services.stats.figures import compute_stats
from db import migrate
from db.models import CallAttempt, Escalation
from tests import escalation_builders as eb
from tests.cli_helpers import login_as
from tests.stats_helpers import NOW, TODAY, add_warning, db_url, fixed_ctx


def _call(warning_id: int, at: dt.datetime, *, promised: list[str], confirmed: list[str] | None = None,
          disposition: str = "dissuaded") -> CallLog:
    return CallLog(str(uuid.uuid4()), warning_id, None, at, at + dt.timedelta(minutes=4), True, disposition,
                   key_actions=promised, confirmed_actions=confirmed or [])


def test_promised_and_confirmed_are_stored_shown_and_reported_apart(database: Database, make_actor,  # type: ignore[no-untyped-def]
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    operator = fixed_ctx(database, make_actor("op_ka"))
    first = add_warning(operator, received=NOW - dt.timedelta(hours=3))
    second = add_warning(operator, received=NOW - dt.timedelta(hours=3), phone="13900000002")
    # "全部答应": two promises on the first warning, one on the second …
    log_call(operator, _call(first, NOW - dt.timedelta(hours=2), promised=["stop_transfer", "tell_family"]))
    log_call(operator, _call(second, NOW - dt.timedelta(hours=2), promised=["stop_transfer"]))
    detail = warning_detail(operator, first)
    assert detail.key_action_states == {"stop_transfer": "promised", "tell_family": "promised"}
    # … and a later call (a follow-up, or the operator's check) finds the transfer really stopped
    log_call(operator, _call(first, NOW - dt.timedelta(hours=1), promised=[], confirmed=["stop_transfer"]))
    with database.sessions() as s:
        rows = s.execute(select(CallAttempt.key_actions, CallAttempt.confirmed_actions)
                         .where(CallAttempt.warning_id == first).order_by(CallAttempt.id)).all()
    assert [tuple(r) for r in rows] == [(["stop_transfer", "tell_family"], []), ([], ["stop_transfer"])]
    detail = warning_detail(operator, first)
    assert detail.key_action_states == {"stop_transfer": "confirmed", "tell_family": "promised"}
    assert detail.calls[0].confirmed_actions == ["停止转账"] and detail.calls[1].key_actions == ["停止转账", "告知家人"]

    supervisor = make_actor("sup_ka", "supervisor")
    stats = compute_stats(fixed_ctx(database, supervisor), TODAY, TODAY)
    by_code = {row.code: (row.promised, row.confirmed) for row in stats.key_actions}
    assert by_code == {"stop_transfer": (2, 1), "tell_family": (1, 0)}
    assert (stats.totals.key_actions_promised, stats.totals.key_actions_confirmed) == (3, 1)
    printed_rows = dict(totals_table(stats).rows)
    assert str(printed_rows["承诺关键动作"]) == "3" and str(printed_rows["核实关键动作"]) == "1"

    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["stats", "--from", TODAY.isoformat(), "--to", TODAY.isoformat(), "--json",
                     "--db", db_url(database), *login_as(monkeypatch, "sup_ka")])
    assert code == 0
    printed = json.loads(out.getvalue())
    assert printed["totals"]["key_actions_promised"] == 3 and printed["totals"]["key_actions_confirmed"] == 1
    assert {r["code"]: (r["promised"], r["confirmed"]) for r in printed["key_actions"]} == by_code


def test_an_unknown_confirmed_action_is_refused_in_chinese(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    operator = fixed_ctx(database, make_actor("op_ka2"))
    warning_id = add_warning(operator, received=NOW - dt.timedelta(hours=1))
    with pytest.raises(ServiceError, match="未知的关键动作"):
        log_call(operator, _call(warning_id, NOW, promised=[], confirmed=["made_up"]))
    with database.sessions() as s:
        assert s.execute(select(CallAttempt.id)).first() is None


def test_rows_written_before_confirmations_existed_read_as_promises(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    operator = fixed_ctx(database, make_actor("op_ka3"))
    warning_id = add_warning(operator, received=NOW - dt.timedelta(hours=2))
    log_call(operator, _call(warning_id, NOW - dt.timedelta(hours=1), promised=["stop_transfer"],
                             confirmed=["tell_family"]))
    from alembic.script import ScriptDirectory

    revision = ScriptDirectory.from_config(migrate.alembic_config(database.engine)).get_revision("0009_key_actions")
    assert revision is not None
    migrate.downgrade(database.engine, str(revision.down_revision))  # the schema before this revision …
    with database.engine.begin() as conn:
        columns = [row[1] for row in conn.execute(text("PRAGMA table_info(call_attempts)"))] \
            if database.engine.dialect.name == "sqlite" else [row[0] for row in conn.execute(text(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'call_attempts'"))]
        assert "confirmed_actions" not in columns
    migrate.upgrade(database.engine)  # … and back: the old tick is a promise, nothing is confirmed
    with database.sessions() as s:
        call = s.execute(select(CallAttempt)).scalar_one()
        assert (call.key_actions, call.confirmed_actions) == (["stop_transfer"], [])
    assert warning_detail(operator, warning_id).key_action_states == {"stop_transfer": "promised"}


def test_busy_after_an_escalation_suggests_nothing_more() -> None:
    settings = default_settings()
    at = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)
    fresh = plan_next_step(settings, WarningFacts(1), "busy", 0, "red", now=at)
    assert fresh.suggest_escalation
    escalated = plan_next_step(settings, WarningFacts(1, escalated=True), "busy", 0, "red", now=at)
    assert not escalated.suggest_escalation and escalated.kind == "retry" and "无需再次上报" in escalated.summary
    many = settings.triage.escalation_after_failures["red"]
    assert not plan_next_step(settings, WarningFacts(1, escalated=True), "no_answer", many, "red",
                              now=at).suggest_escalation


def test_a_second_open_order_for_a_warning_is_refused(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    eb.standard_stations(database)
    clock = eb.FakeClock()
    op = eb.ctx_for(database, make_actor("op_esc"), clock)
    warning_id = eb.add_warning(database, level="red")
    first = esc.create_escalation(op, warning_id, tasks=[TaskRequest.onsite_visit()])
    # a busy dial after the escalation: the call log no longer suggests escalating
    logged = log_call(op, CallLog(str(uuid.uuid4()), warning_id, None, clock(), clock(), False, "busy"))
    assert logged.next_step.kind == "retry" and not logged.next_step.suggest_escalation
    with pytest.raises(open_orders.DuplicateEscalation, match="不能重复上报") as refused:
        esc.create_escalation(op, warning_id, tasks=[TaskRequest.onsite_visit()])
    assert refused.value.escalation_id == first.id
    shown = open_orders.open_escalation(op, warning_id)
    assert shown is not None and shown.id == first.id and shown.status == "open"
    with pytest.raises(ServiceError, match="请填写"):
        open_orders.remind(op, first.id, "  ")
    reminded = open_orders.remind(op, first.id, "请尽快上门")
    assert any(e.status == "reminded" and e.note == "请尽快上门" for e in reminded.order_events)
    clock.advance(minutes=30)
    esc.record_station_result(op, first.id, "failed", "未见到本人")
    assert open_orders.open_escalation(op, warning_id) is None
    again = esc.create_escalation(op, warning_id, tasks=[TaskRequest.onsite_visit()])  # closed: a new one is fine
    with database.sessions() as s:
        assert len(s.execute(select(Escalation.id).where(Escalation.warning_id == warning_id)).all()) == 2
    assert again.id != first.id
