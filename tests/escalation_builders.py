"""Small data builders for the escalation, station, follow-up and dispatch-sheet tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from console.app.bootstrap import Database
from console.services.core.context import Actor, ServiceContext
from db.models import CallAttempt, JurisdictionRule, Person, Station, Warning

T0 = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)  # 09:30 in the centre


@dataclass
class FakeClock:
    """An injectable clock: tests move time forward instead of sleeping."""

    at: dt.datetime = T0

    def __call__(self) -> dt.datetime:
        return self.at

    def advance(self, **delta: float) -> dt.datetime:
        self.at = self.at + dt.timedelta(**delta)
        return self.at


def ctx_for(database: Database, actor: Actor, clock: FakeClock) -> ServiceContext:
    return ServiceContext(database.sessions, actor, clock)


def add_station(
    database: Database,
    code: str,
    name: str,
    rules: list[tuple[str, str, int]],
    *,
    duty_phone: str = "0512-66000000",
    active: bool = True,
) -> int:
    with database.sessions() as session, session.begin():
        station = Station(code=code, name=name, duty_phone=duty_phone, address="", active=active)
        station.rules = [JurisdictionRule(kind=k, pattern=p, priority=prio) for k, p, prio in rules]
        session.add(station)
        session.flush()
        return station.id


def standard_stations(database: Database) -> dict[str, int]:
    """Two towns, a community inside one of them and a keyword station."""
    return {
        "chengguan": add_station(database, "PCS01", "城关派出所", [("town", "城关镇", 50), ("community", "幸福社区", 10)]),
        "xinhe": add_station(database, "PCS02", "新河派出所", [("town", "新河镇", 50)], duty_phone="0512-66112233"),
        "kaifaqu": add_station(database, "PCS03", "开发区派出所", [("keyword", "工业园", 80)]),
        # a community of 城关镇 policed by 新河 (a boundary case the community rule must win)
        "xinhe_community": add_station(database, "PCS04", "新河派出所东湖警务区", [("community", "东湖村", 10)]),
    }


def add_warning(
    database: Database,
    *,
    address: str = "某县城关镇幸福社区3栋201",
    level: str = "red",
    fraud_type: str = "impersonate_authority",
    name: str = "王秀英",
    phone: str = "13812345678",
    relative_name: str = "李明",
    relative_phone: str = "13900001111",
    station_hint: str = "",
    station_id: int | None = None,
    dissuaded_before: bool = False,
    score: int = 85,
    received_at: dt.datetime = T0,
    calls: int = 0,
) -> int:
    with database.sessions() as session, session.begin():
        person = Person(name=name, phone=phone, address=address, relative_name=relative_name,
                        relative_phone=relative_phone, age_band="65+", profile_group="elderly",
                        dissuaded_before=dissuaded_before)
        warning = Warning(
            person=person, received_at=received_at, fraud_type=fraud_type, risk_level=level, risk_score=score,
            risk_reasons=[{"factor": "signal:screen_sharing", "label": "屏幕共享", "points": 20},
                          {"factor": "fraud_type", "label": "诈骗类型：冒充公检法及政府机关", "points": 25}],
            amount=Decimal("50000"), station_hint=station_hint, station_id=station_id, signals=["screen_sharing"],
        )
        session.add(warning)
        session.flush()
        for index in range(calls):
            session.add(CallAttempt(
                client_uuid=f"call-{warning.id}-{index}", warning_id=warning.id,
                started_at=received_at + dt.timedelta(minutes=2 + 3 * index), connected=index > 0,
                duration_s=240 if index > 0 else 0, disposition="refused" if index > 0 else "no_answer",
                objections=["told_to_keep_secret", "authority_claim"] if index > 0 else [],
                key_actions=["stop_transfer"] if index > 0 else [],
                notes="对方称是公安局专案组，要求不要告诉家人" if index > 0 else "",
            ))
        return warning.id
