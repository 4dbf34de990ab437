"""The call log: outcomes drive retries, escalation suggestions and follow-ups."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import func, select

from console.app.bootstrap import Database
from console.services.calls.log import CallLog, WarningFacts, log_call, plan_next_step
from console.services.core.context import SYSTEM, ServiceContext
from console.services.core.settings import default_settings
from console.services.queue.claims import claim_next, list_open
from db.models import CallAttempt, FollowUp, Person, QueueItem, Warning
from tests.queue_helpers import T0, FakeClock, add_warning

NOW = T0 + dt.timedelta(minutes=1)


def _plan(disposition: str, attempts: int, level: str, follow_up: bool = False):  # type: ignore[no-untyped-def]
    return plan_next_step(default_settings(), WarningFacts(1, follow_up), disposition, attempts, level, now=NOW)


def test_retry_ladder_follows_the_level() -> None:
    settings = default_settings().triage
    red = [_plan("no_answer", n, "red").retry_at - NOW for n in range(4)]
    assert red == [dt.timedelta(minutes=m) for m in settings.retry_ladder_minutes["red"][:4]]
    blue = _plan("powered_off", 0, "blue")
    assert blue.kind == "retry" and blue.retry_at == NOW + dt.timedelta(minutes=30)
    assert not blue.suggest_escalation and "30分钟后重拨" in blue.summary
    # past the end of the ladder the last step repeats
    assert _plan("no_answer", 2, "blue").retry_at == NOW + dt.timedelta(minutes=240)


def test_busy_on_red_suggests_escalation_at_once() -> None:
    step = _plan("busy", 0, "red")
    assert step.kind == "retry" and step.suggest_escalation
    assert "正在与骗子通话" in step.escalation_reason
    assert not _plan("busy", 0, "yellow").suggest_escalation


def test_repeated_failures_on_red_and_orange_suggest_escalation() -> None:
    settings = default_settings().triage
    n_red = settings.escalation_after_failures["red"]
    assert not _plan("no_answer", n_red - 2, "red").suggest_escalation
    assert _plan("no_answer", n_red - 1, "red").suggest_escalation
    n_orange = settings.escalation_after_failures["orange"]
    assert not _plan("powered_off", n_orange - 2, "orange").suggest_escalation
    step = _plan("powered_off", n_orange - 1, "orange")
    assert step.suggest_escalation and f"{n_orange}次" in step.escalation_reason
    assert not _plan("no_answer", 20, "yellow").suggest_escalation


def test_phone_is_given_up_after_max_attempts() -> None:
    settings = default_settings().triage
    step = _plan("no_answer", settings.max_attempts["blue"] - 1, "blue")
    assert step.kind == "close" and step.retry_at is None


def test_refused_or_victimised_on_red_means_escalation() -> None:
    for disposition in ("refused", "victimized"):
        step = _plan(disposition, 0, "red")
        assert step.kind == "escalate" and step.suggest_escalation and step.escalation_reason
        assert _plan(disposition, 0, "yellow").kind == "follow_ups"
    assert _plan("victimized", 0, "yellow").follow_up_kind == "victim_support"


def test_dissuaded_schedules_the_follow_up_programme() -> None:
    step = _plan("dissuaded", 0, "red")
    assert step.kind == "follow_ups" and step.follow_up_days == [1, 7, 30, 90]
    assert "第1天、第7天、第30天、第90天" in step.summary
    assert _plan("dissuaded", 0, "red", follow_up=True).kind == "close"
    assert _plan("false_positive", 0, "orange").kind == "close"


def _log(warning_id: int, item_id: int | None, disposition: str, connected: bool, at: dt.datetime,
         client_uuid: str | None = None) -> CallLog:
    return CallLog(client_uuid=client_uuid or str(uuid.uuid4()), warning_id=warning_id, queue_item_id=item_id,
                   started_at=at, ended_at=at + dt.timedelta(minutes=3 if connected else 0), connected=connected,
                   disposition=disposition, key_actions=["stop_transfer"] if connected else [])


def test_no_answer_puts_the_warning_back_with_a_not_before(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock(NOW)
    warning_id, item_id = add_warning(ServiceContext(database.sessions, SYSTEM, clock),
                                      fraud_type="impersonate_authority", signals=("screen_sharing", "on_call_now"),
                                      age=70)
    operator = ServiceContext(database.sessions, make_actor("op1"), clock)
    assert claim_next(operator) is not None
    logged = log_call(operator, _log(warning_id, item_id, "busy", False, NOW))
    assert logged.next_step.kind == "retry" and logged.next_step.suggest_escalation
    entry = list_open(operator)[0]
    assert (entry.kind, entry.status, entry.attempts) == ("retry", "waiting", 1)
    assert entry.not_before == NOW + dt.timedelta(minutes=1)
    assert claim_next(operator) is None
    clock.advance(minutes=1)
    again = claim_next(operator)
    assert again is not None and again.item_id == item_id


def test_dissuaded_closes_and_schedules_follow_ups_which_come_back_as_items(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock(NOW)
    warning_id, item_id = add_warning(ServiceContext(database.sessions, SYSTEM, clock))
    operator = ServiceContext(database.sessions, make_actor("op1"), clock)
    assert claim_next(operator) is not None
    logged = log_call(operator, _log(warning_id, item_id, "dissuaded", True, NOW))
    with database.sessions() as session:
        warning = session.get(Warning, warning_id)
        assert warning is not None
        programme = default_settings().escalation.follow_up_days(warning.risk_level, warning.fraud_type)
        # the preview shown before saving and the rows written agree with the configured programme
        assert logged.next_step.kind == "follow_ups" and logged.next_step.follow_up_days == list(programme)
        assert len(logged.follow_up_ids) == len(programme) >= 2
        assert (warning.status, warning.outcome, warning.attempts) == ("closed", "dissuaded", 1)
        assert warning.first_contact_at == NOW
        assert session.get(Person, warning.person_id).dissuaded_before  # type: ignore[union-attr]
        assert session.get(QueueItem, item_id).status == "done"  # type: ignore[union-attr]
        due = sorted(f.due_at - NOW for f in session.execute(select(FollowUp)).scalars())
    assert due == [dt.timedelta(days=d, minutes=3) for d in programme]  # counted from the end of the call
    assert claim_next(operator) is None
    clock.advance(days=1, minutes=5)
    follow_up = claim_next(operator)
    assert follow_up is not None and follow_up.kind == "follow_up" and follow_up.warning_id == warning_id
    with database.sessions() as session:
        assert session.get(FollowUp, follow_up.follow_up_id).status == "queued"  # type: ignore[union-attr, arg-type]
    done = log_call(operator, CallLog(str(uuid.uuid4()), warning_id, follow_up.item_id, clock(), clock(), True,
                                      "dissuaded", follow_up_id=follow_up.follow_up_id))
    assert done.next_step.kind == "close" and done.follow_up_ids == []
    with database.sessions() as session:
        assert session.get(FollowUp, follow_up.follow_up_id).status == "done"  # type: ignore[union-attr, arg-type]


def test_victimised_gets_a_support_call_next_day(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock(NOW)
    warning_id, item_id = add_warning(ServiceContext(database.sessions, SYSTEM, clock))
    operator = ServiceContext(database.sessions, make_actor("op1"), clock)
    logged = log_call(operator, _log(warning_id, item_id, "victimized", True, NOW))
    with database.sessions() as session:
        rows = session.execute(select(FollowUp.kind, FollowUp.day_offset)).all()
    assert [tuple(r) for r in rows] == [("victim_support", 1)]
    assert logged.next_step.follow_up_kind == "victim_support"


def test_logging_the_same_call_twice_writes_it_once(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock(NOW)
    warning_id, item_id = add_warning(ServiceContext(database.sessions, SYSTEM, clock))
    operator = ServiceContext(database.sessions, make_actor("op1"), clock)
    log = _log(warning_id, item_id, "no_answer", False, NOW, client_uuid=str(uuid.uuid4()))
    first = log_call(operator, log)
    clock.advance(minutes=2)
    second = log_call(operator, log)
    assert second.call_id == first.call_id and second.duplicate
    assert second.next_step == first.next_step
    with database.sessions() as session:
        assert session.execute(select(func.count()).select_from(CallAttempt)).scalar_one() == 1
        assert session.get(Warning, warning_id).attempts == 1  # type: ignore[union-attr]


def test_unknown_disposition_is_refused(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    from console.services.core.context import ServiceError

    warning_id, item_id = add_warning(ServiceContext(database.sessions, SYSTEM, FakeClock(NOW)))
    with pytest.raises(ServiceError, match="未知的通话结果"):
        log_call(database.context(make_actor("op1")), _log(warning_id, item_id, "maybe", True, NOW))
