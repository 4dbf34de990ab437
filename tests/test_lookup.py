"""Finding anyone (phone in any format, name, ID number, 预警编号) and the person view's timeline."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select

from console.app.bootstrap import Database
from console.services.calls.callbacks import agree_callback
from console.services.calls.log import CallLog, log_call
from console.services.core.context import SYSTEM, PermissionDenied, ServiceContext, ServiceError
from console.services.escalation import orders as esc
from console.services.lookup.search import classify, search
from console.services.lookup.timeline import duration_text, person_timeline
from console.services.queue.claims import claim_next
from db.models import AuditEvent, FollowUp, Person, Warning
from tests.escalation_builders import add_station
from tests.queue_helpers import T0, FakeClock, add_warning

ID_NUMBER = "11010519491231002X"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0 + dt.timedelta(seconds=30))


def _person(database: Database, warning_id: int, **values: object) -> int:
    with database.sessions() as session, session.begin():
        warning = session.get(Warning, warning_id)
        assert warning is not None
        person = session.get(Person, warning.person_id)
        assert person is not None
        for name, value in values.items():
            setattr(person, name, value)
        return person.id


def _set_warning(database: Database, warning_id: int, **values: object) -> None:
    with database.sessions() as session, session.begin():
        warning = session.get(Warning, warning_id)
        assert warning is not None
        for name, value in values.items():
            setattr(warning, name, value)


def _audits(database: Database) -> list[AuditEvent]:
    with database.sessions() as session:
        return list(session.execute(select(AuditEvent).where(AuditEvent.action == "search")).scalars())


@pytest.mark.parametrize("typed", ["13912345678", "+86 139 1234 5678", "139-1234-5678", "+86-13912345678",
                                   "８６ 139 1234 5678"])
def test_a_phone_in_any_format_finds_the_person(database: Database, make_actor, clock: FakeClock, typed: str) -> None:  # type: ignore[no-untyped-def]
    system = ServiceContext(database.sessions, SYSTEM, clock)
    wanted, _ = add_warning(system, name="王建国")
    add_warning(system, name="李四")
    _person(database, wanted, phone="13912345678")
    result = search(ServiceContext(database.sessions, make_actor("op1"), clock), typed)
    assert result.key == "phone"
    assert [hit.warning_id for hit in result.hits] == [wanted]
    hit = result.hits[0]
    assert hit.name_masked == "王**" and hit.phone_masked == "139****5678"
    assert "13912345678" not in repr(hit) and "王建国" not in repr(hit)


def test_another_number_of_the_person_counts(database: Database, make_actor, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    system = ServiceContext(database.sessions, SYSTEM, clock)
    wanted, _ = add_warning(system)
    _person(database, wanted, other_phones=["13712340000"])
    result = search(ServiceContext(database.sessions, make_actor("op1"), clock), "137 1234 0000")
    assert [hit.warning_id for hit in result.hits] == [wanted]


def test_a_name_finds_every_warning_of_the_person_newest_first_and_is_audited(  # type: ignore[no-untyped-def]
        database: Database, make_actor, clock: FakeClock) -> None:
    system = ServiceContext(database.sessions, SYSTEM, clock)
    older, _ = add_warning(system, name="欧阳娜娜", received_at=T0 - dt.timedelta(days=3))
    newer, _ = add_warning(system, name="欧阳娜娜")
    add_warning(system, name="欧阳修")
    operator = ServiceContext(database.sessions, make_actor("op1"), clock)
    result = search(operator, "欧阳娜娜")
    assert result.key == "name" and [hit.warning_id for hit in result.hits] == [newer, older]
    assert {hit.name_masked for hit in result.hits} == {"欧阳**"}
    (entry,) = _audits(database)
    assert entry.login == "op1" and entry.details == {"key": "name", "warnings": 2}
    assert "欧阳" not in str(entry.details) + entry.reason + entry.object_id  # never the text searched for
    assert len(search(operator, "欧阳").hits) == 3


@pytest.mark.parametrize("typed", [ID_NUMBER, ID_NUMBER.lower(), "110105 19491231 002x"])
def test_an_id_number_in_either_case_finds_the_person(database: Database, make_actor, clock: FakeClock,  # type: ignore[no-untyped-def]
                                                       typed: str) -> None:
    system = ServiceContext(database.sessions, SYSTEM, clock)
    wanted, _ = add_warning(system)
    add_warning(system)
    _person(database, wanted, id_number=ID_NUMBER)
    result = search(ServiceContext(database.sessions, make_actor("op1"), clock), typed)
    assert result.key == "id_number" and [hit.warning_id for hit in result.hits] == [wanted]
    assert result.hits[0].id_number_masked == "110**************X"
    assert _audits(database)[0].details["key"] == "id_number"


def test_a_warning_number_finds_its_warning_without_an_audit(database: Database, make_actor, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    system = ServiceContext(database.sessions, SYSTEM, clock)
    wanted, item_id = add_warning(system)
    add_warning(system)
    _set_warning(database, wanted, external_id="YJ2026112100017")
    operator = ServiceContext(database.sessions, make_actor("op1"), clock)
    result = search(operator, "YJ2026112100017")
    assert result.key == "external_id" and [hit.warning_id for hit in result.hits] == [wanted]
    assert result.hits[0].item_id == item_id and result.hits[0].item_state == "open"
    assert search(operator, f"#{wanted}").hits[0].warning_id == wanted
    assert _audits(database) == []  # not a personal key


def test_nothing_found_and_bad_input_say_so(database: Database, make_actor, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    operator = ServiceContext(database.sessions, make_actor("op1"), clock)
    assert search(operator, "13800001111").hits == [] and _audits(database) == []
    with pytest.raises(ServiceError, match="至少两个字"):
        search(operator, " 张 ")
    with pytest.raises(ServiceError, match="不是有效的电话号码"):
        classify("12345678901234")
    with pytest.raises(PermissionDenied):
        search(ServiceContext(database.sessions, make_actor("peixun", "trainer"), clock), "张三")


def test_the_person_view_shows_every_warning_call_escalation_follow_up_callback_and_note(  # type: ignore[no-untyped-def]
        database: Database, make_actor, clock: FakeClock) -> None:
    system = ServiceContext(database.sessions, SYSTEM, clock)
    first, _ = add_warning(system, fraud_type="impersonate_authority", name="赵铁柱",
                           received_at=T0 - dt.timedelta(days=10), queue=False)
    second, item_id = add_warning(system, fraud_type="fake_shopping", name="赵铁柱")
    person_id = _person(database, first, phone="13912345678")
    with database.sessions() as session, session.begin():
        session.get(Warning, second).person_id = person_id  # type: ignore[union-attr]
    _set_warning(database, first, external_id="YJ-001", note="家属电话 13698765432，白天不在家")
    operator = ServiceContext(database.sessions, make_actor("op1"), clock)
    claimed = claim_next(operator)
    assert claimed is not None and claimed.warning_id == second
    log_call(operator, CallLog(str(uuid.uuid4()), second, item_id, clock(), clock() + dt.timedelta(seconds=192),
                               True, "dissuaded", key_actions=["stop_transfer"], notes="已答应不再转账"))
    log_call(operator, CallLog(str(uuid.uuid4()), first, None, T0 - dt.timedelta(days=10), None, False, "no_answer"))
    station_id = add_station(database, "PCS01", "城关派出所", [("town", "城关镇", 50)])
    esc.create_escalation(operator, second, tasks=[esc.TaskRequest.onsite_visit()], station_id=station_id,
                          reason="老人独居")
    agree_callback(operator, first, clock() + dt.timedelta(hours=1))

    timeline = person_timeline(operator, person_id)
    assert timeline.person.name == "赵**" and timeline.person.phone == "139****5678"
    assert timeline.warning_ids == [second, first]
    assert timeline.count("warning") == 2 and timeline.count("call") == 2 and timeline.count("callback") == 1
    assert any(e.kind == "escalation" and "城关派出所" in e.title for e in timeline.events)
    with database.sessions() as session:  # the follow-up programme the dissuasion scheduled
        scheduled = session.execute(select(FollowUp.id).where(FollowUp.warning_id == second)).all()
    assert scheduled and timeline.count("follow_up") == len(scheduled)
    texts = [f"{e.kind_label} {e.title} {e.detail}" for e in timeline.events]
    assert any("劝阻成功（通话 3分12秒）" in t and "已答应不再转账" in t for t in texts)
    assert any("无人接听（未接通）" in t for t in texts)
    assert any(t.startswith("回访 回访") and "第 1 天" in t for t in texts), texts
    assert any("预警编号 YJ-001" in t and "冒充公检法" in t for t in texts), texts
    note = next(e for e in timeline.events if e.kind == "note")
    assert "136****5432" in note.detail and "13698765432" not in note.detail
    assert [e.at for e in timeline.events] == sorted((e.at for e in timeline.events), reverse=True)
    assert duration_text(59) == "59秒" and duration_text(600) == "10分00秒"
