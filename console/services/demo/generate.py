"""Realistic synthetic data for a fictional county centre (明湖县): deterministic with a seed.

Builds stations with jurisdictions, staff, and warnings over the last 30 days with the fraud-type
mix and victim patterns of the domain notes: most older warnings are closed with their calls
(a success often takes several dials), some escalated to stations, dissuaded people followed up,
and the last hours' warnings still open in the queue.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from console.services.calls.log import call_connected
from console.services.core.context import ServiceContext
from console.services.core.escalation_settings import EscalationSettings
from console.services.core.masking import surname_of
from console.services.core.triage_settings import TriageSettings
from console.services.core.vocabulary import (
    EscalationStatus,
    FollowUpStatus,
    QueueItemKind,
    QueueItemStatus,
    TaskKind,
    TaskStatus,
    WarningStatus,
    age_band,
)
from console.services.demo import data as D
from console.services.demo.walk import walk_call
from console.services.escalation.stations import match_station_in
from console.services.followups.programme import follow_up_plan
from console.services.queue.claims import bump_queue_version
from console.services.queue.states import move_warning
from console.services.security.auth import hash_password
from console.services.triage.scoring import TriageInput, score_warning
from db.models import (
    CallAttempt,
    Escalation,
    EscalationEvent,
    EscalationTask,
    FollowUp,
    JurisdictionRule,
    Person,
    QueueItem,
    Station,
    User,
    Warning,
)
from scripts_library.loader import ScriptLibrary, load_library
from scripts_library.rendering import build_variables
from scripts_library.selection import select_script

DEMO_PASSWORD = "demo1234"
STAFF = (
    ("admin", "系统管理员", "admin"),
    ("zhiban", "周值班", "supervisor"),
    ("peixun", "林培训", "trainer"),
    ("op01", "陈晓", "operator"),
    ("op02", "王敏", "operator"),
    ("op03", "李军", "operator"),
    ("op04", "赵雪", "operator"),
    ("op05", "孙浩", "operator"),
    ("op06", "吴倩", "operator"),
)


@dataclass(frozen=True)
class DemoSummary:
    stations: int
    users: int
    warnings: int
    open_warnings: int
    calls: int
    escalations: int
    follow_ups: int


def is_empty(ctx: ServiceContext) -> bool:
    with ctx.sessions() as session:
        return not session.execute(select(func.count()).select_from(Warning)).scalar_one()


def id_checksum(first17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(c) * w for c, w in zip(first17, weights, strict=True))
    return "10X98765432"[total % 11]


class _Generator:
    def __init__(self, session: Session, rng: random.Random, now: dt.datetime, library: ScriptLibrary,
                 settings: TriageSettings, escalation_settings: EscalationSettings) -> None:
        self.session = session
        self.rng = rng
        self.now = now
        self.library = library
        self.settings = settings
        self.escalation_settings = escalation_settings
        self.used_phones: set[str] = set()
        self.stations: list[Station] = []
        self.operators: list[User] = []
        self.counts = {"calls": 0, "escalations": 0, "follow_ups": 0, "open": 0}

    # -- reference data -------------------------------------------------------------------
    def staff_and_stations(self) -> None:
        existing = {u.login for u in self.session.execute(select(User)).scalars()}
        for login, name, role in STAFF:
            if login not in existing:  # one hash each: every user gets their own salt
                self.session.add(User(login=login, display_name=name, role=role,
                                      password_hash=hash_password(DEMO_PASSWORD)))
        known = {s.code: s for s in self.session.execute(select(Station)).scalars()}
        for code, name, phone, towns, communities, keywords in D.STATIONS:
            station = known.get(code)
            if station is None:
                station = Station(code=code, name=name, duty_phone=phone, address=f"{D.COUNTY}{towns[0]}")
                station.rules = (
                    [JurisdictionRule(kind="town", pattern=t, priority=50) for t in towns]
                    + [JurisdictionRule(kind="community", pattern=c, priority=10) for c in communities]
                    + [JurisdictionRule(kind="keyword", pattern=k, priority=80) for k in keywords]
                )
                self.session.add(station)
            self.stations.append(station)
        self.session.flush()
        self.operators = list(self.session.execute(select(User).where(User.role == "operator")).scalars())

    # -- people -----------------------------------------------------------------------------
    def phone(self) -> str:
        while True:
            number = self.rng.choice(("138", "139", "150", "158", "186", "187", "177")) + f"{self.rng.randrange(10**8):08d}"
            if number not in self.used_phones:
                self.used_phones.add(number)
                return number

    def person(self, fraud_type: str, received: dt.datetime) -> tuple[Person, int]:
        low, high = D.AGE_RANGE.get(fraud_type, (18, 70))
        age = self.rng.randint(low, high)
        female = self.rng.random() < (0.62 if fraud_type != "impersonate_military_purchase" else 0.4)
        birth = (received - dt.timedelta(days=age * 365 + self.rng.randrange(365))).date()
        seq = f"{self.rng.randrange(100):02d}"
        sex_digit = self.rng.choice("02468" if female else "13579")
        first17 = f"{D.REGION_CODE}{birth:%Y%m%d}{seq}{sex_digit}"
        station_idx = self.rng.randrange(len(D.STATIONS))
        _code, _name, _phone, towns, communities, _kw = D.STATIONS[station_idx]
        address = f"{D.COUNTY}{towns[0]}{self.rng.choice(communities)}{self.rng.choice(D.STREETS)}{self.rng.randint(1, 199)}号"
        given = self.rng.choice(D.GIVEN_FEMALE if female else D.GIVEN_MALE)
        name = self.rng.choice(D.SURNAMES) + given
        if age < 18:
            group = "minor"
        elif age >= 60:
            group = "elderly"
        elif age <= 22 and fraud_type in ("task_rebate", "fake_credit_repair", "game_trading", "tool_person"):
            group = "student"
        elif fraud_type == "impersonate_leader":
            group = "finance_staff"
        elif fraud_type == "impersonate_military_purchase":
            group = "business_owner"
        elif age <= 35:
            group = "young_adult"
        else:
            group = "general"
        person = Person(
            name=name, phone=self.phone(), id_number=first17 + id_checksum(first17), birth_date=birth,
            sex="F" if female else "M", age_band=age_band(age), profile_group=group, address=address,
            station_id=self.stations[station_idx].id,
            relative_name=self.rng.choice(D.SURNAMES) + self.rng.choice(D.GIVEN_MALE + D.GIVEN_FEMALE),
            relative_phone=self.phone(),
        )
        self.session.add(person)
        return person, age

    # -- warnings ---------------------------------------------------------------------------
    def warning(self, index: int, received: dt.datetime, open_now: bool) -> None:
        fraud_type = self._weighted(D.FRAUD_MIX)
        person, age = self.person(fraud_type, received)
        signals = tuple(code for code, chance in D.SIGNAL_CHANCES if self.rng.random() < chance)
        amount = Decimal(self.rng.choice((0, 0, 500, 2000, 5000, 10000, 30000, 50000, 100000, 300000)))
        duration = self.rng.choice((None, 60, 180, 600, 1500, 3600))
        triage = score_warning(
            TriageInput(fraud_type=fraud_type, signals=signals, amount=amount or None, call_duration_s=duration,
                        age=age, previous_victim=False, dissuaded_before=False, repeat_count=0,
                        received_at=received),
            self.settings, received,
        )
        source = self._weighted(D.SOURCES)
        warning = Warning(
            external_id=f"YJ{received:%Y%m%d}{index:05d}", person=person, received_at=received,
            fraud_type=fraud_type, fraud_contact=self._contact(fraud_type), call_duration_s=duration,
            signals=list(signals), signals_text="；".join(signals), amount=amount or None, source=source,
            station_id=person.station_id, raw_payload={"demo": True, "index": index},
            risk_score=triage.score, risk_level=triage.level, risk_reasons=triage.reasons,
            deadline_at=triage.deadline_at, created_at=received, updated_at=received,
        )
        self.session.add(warning)
        self.session.flush()
        if open_now:
            self.counts["open"] += 1
            self.session.add(QueueItem(kind=QueueItemKind.WARNING, warning_id=warning.id, status=QueueItemStatus.OPEN,
                                       priority=triage.score,
                                       risk_level=triage.level, deadline_at=triage.deadline_at, created_at=received))
            return
        self.worked_warning(warning, person, age)

    def worked_warning(self, warning: Warning, person: Person, age: int) -> None:
        """Calls until an outcome; an escalation only after a refusal or a fraud; the programme's follow-ups."""
        roll = self.rng.random()
        if roll < 0.72:
            final = "dissuaded"
        elif roll < 0.80:
            final = "refused"
        elif roll < 0.84:
            final = "victimized"
        elif roll < 0.93:
            final = "false_positive"
        elif roll < 0.96:
            final = "wrong_person"
        else:
            final = "invalid_number"
        failures = self.rng.choice((0, 0, 0, 1, 1, 2, 3)) if final != "invalid_number" else 0
        operator = self.rng.choice(self.operators)
        delay_minutes = {"red": 2, "orange": 6, "yellow": 20, "blue": 60}[warning.risk_level]
        at = warning.received_at + dt.timedelta(minutes=self.rng.uniform(0.5, 2.5) * delay_minutes)
        first_contact: dt.datetime | None = None
        for _ in range(failures):
            disposition = self.rng.choice(("no_answer", "busy", "powered_off", "hung_up"))
            self.call(warning, operator, at, disposition, person, age)
            if first_contact is None and call_connected(disposition):
                first_contact = at
            at += dt.timedelta(minutes=self.rng.randint(3, 25))
        self.call(warning, operator, at, final, person, age)
        warning.attempts = failures + 1
        if first_contact is None and call_connected(final):
            first_contact = at
        warning.first_contact_at = first_contact
        warning.outcome = final
        move_warning(warning, WarningStatus.CLOSED)
        warning.closed_at = at + dt.timedelta(minutes=5)
        if final in ("refused", "victimized") and warning.risk_level in ("red", "orange"):
            self.escalation(warning, person, operator, at, final)
        if final == "dissuaded":
            person.dissuaded_before = True
        self.follow_ups(warning, final, warning.closed_at)

    def follow_ups(self, warning: Warning, final: str, closed: dt.datetime) -> None:
        """The follow-ups the programme plans for this outcome (its days, kind and notes); past ones are done."""
        plan = follow_up_plan(warning, final, self.escalation_settings)
        if plan is None:
            return
        kind, days, notes = plan
        outcomes = {"dissuaded": (("safe", 8.0), ("recontacted", 2.0)),
                    "refused": (("safe", 4.0), ("refused", 2.0), ("unreachable", 1.0))}.get(final, (("safe", 1.0),))
        for day in days:
            due = closed + dt.timedelta(days=day)
            follow_up = FollowUp(warning_id=warning.id, person_id=warning.person_id, kind=kind, day_offset=day,
                                 due_at=due, status=FollowUpStatus.SCHEDULED, notes=notes, created_at=closed)
            if due < self.now:
                outcome = self._weighted(outcomes)
                follow_up.status = FollowUpStatus.MISSED if outcome == "unreachable" else FollowUpStatus.DONE
                follow_up.outcome = outcome
                follow_up.completed_at = min(self.now, due + dt.timedelta(minutes=self.rng.randint(5, 240)))
            self.session.add(follow_up)
            self.counts["follow_ups"] += 1

    def call(self, warning: Warning, operator: User, at: dt.datetime, disposition: str, person: Person,
             age: int) -> None:
        connected = call_connected(disposition)
        selection = select_script(self.library, warning.fraud_type, person.profile_group, warning.signals)
        record: dict[str, object] = {"script_id": selection.script.id, "script_version": selection.script.version}
        if connected:
            variables = build_variables({"surname": surname_of(person.name), "sex": person.sex, "age": age,
                                         "profile_group": person.profile_group})
            record = walk_call(self.rng, selection.script, variables, warning.fraud_type, disposition)
        duration = self.rng.randint(90, 900) if connected else 0
        notes = self.rng.choice(D.NOTES_BY_OUTCOME.get(disposition, ("",)))
        protected = warning.amount if disposition == "dissuaded" and warning.amount else None
        self.session.add(CallAttempt(
            client_uuid=str(uuid.UUID(int=self.rng.getrandbits(128))), warning_id=warning.id,
            operator_id=operator.id, dialled_number=person.phone, started_at=at,
            ended_at=at + dt.timedelta(seconds=duration + 20), connected=connected, duration_s=duration,
            disposition=disposition, script_id=str(record.get("script_id", "")),
            script_version=str(record.get("script_version", "")), node_path=list(record.get("path", [])),  # type: ignore[call-overload]
            objections=list(record.get("objections", [])),  # type: ignore[call-overload]
            key_actions=list(record.get("key_actions", [])) if disposition == "dissuaded" else [],  # type: ignore[call-overload]
            amount_at_risk=warning.amount, amount_protected=protected, notes=notes, created_at=at,
        ))
        self.counts["calls"] += 1

    def escalation(self, warning: Warning, person: Person, operator: User, at: dt.datetime, final: str) -> None:
        """An order after a refusal (見面劝阻) or a fraud (止付, help to report); its result matches the outcome."""
        created = at + dt.timedelta(minutes=2)
        acknowledged = created + dt.timedelta(minutes=self.rng.randint(2, 25))
        closed = acknowledged + dt.timedelta(minutes=self.rng.randint(15, 90))
        success = self.rng.random() < 0.7
        if final == "refused":
            reason, summary = "电话劝阻未果，需上门见面劝阻", "已告知对方为诈骗，当事人不信，仍想继续操作"
            note = ("民警已上门见面，当面讲清诈骗手法，已通知家属共同看护" if success
                    else "上门时当事人不在家，已留言并电话通知家属")
        else:
            reason, summary = "当事人已转账，需止付并协助报案", "当事人称已按对方要求转账"
            note = ("已协助当事人报案，并对收款账户申请紧急止付" if success
                    else "资金已被转出，已指导当事人到派出所报案")
        result = "success" if success else "failed"
        esc = Escalation(
            warning_id=warning.id, station_id=person.station_id, created_by=operator.id, risk_level=warning.risk_level,
            reason=reason, summary=summary, status=EscalationStatus.DONE, result=result, result_note=note,
            ack_deadline_at=created + dt.timedelta(minutes=10), acknowledged_at=acknowledged, closed_at=closed,
            created_at=created, target_detail=next((s.name for s in self.stations if s.id == person.station_id), ""),
        )
        details = {} if final == "refused" else {"note": "协助当事人报案，固定转账记录和聊天记录"}
        task = EscalationTask(kind=TaskKind.ONSITE_VISIT, status=TaskStatus.DONE, result=result, assignee="社区民警",
                              details=details, updated_at=closed)
        esc.tasks.append(task)
        self.session.add(esc)
        self.session.flush()
        match = match_station_in(self.session, person.address)
        self.session.add(EscalationEvent(escalation_id=esc.id, status="created", at=created, actor_id=operator.id,
                                         note=match.reason if match else "按当事人住址所属辖区指派"))
        for status, when in (("created", created), ("sent", created), ("acknowledged", acknowledged),
                             ("in_progress", acknowledged + dt.timedelta(minutes=5)), ("done", closed)):
            task.events.append(EscalationEvent(escalation_id=esc.id, status=status, at=when, actor_text="派出所值班",
                                               result=result if status == TaskStatus.DONE else None))
        self.counts["escalations"] += 1

    # -- helpers ----------------------------------------------------------------------------
    def _weighted(self, table: tuple[tuple[str, float], ...]) -> str:
        roll = self.rng.random() * sum(w for _, w in table)
        for code, weight in table:
            roll -= weight
            if roll <= 0:
                return code
        return table[-1][0]

    def _contact(self, fraud_type: str) -> str:
        kind = self.rng.random()
        if kind < 0.4:
            return f"+{self.rng.choice(('852', '855', '95', '63'))}{self.rng.randrange(10**8):08d}"
        if kind < 0.7:
            return f"APP：{self.rng.choice(D.APPS)}"
        return f"http://{self.rng.choice(('vip', 'tz', 'kf', 'jy'))}{self.rng.randrange(1000)}.example.cn"


def generate(ctx: ServiceContext, warnings: int = 1200, seed: int = 7, open_count: int | None = None,
             days: int = 30) -> DemoSummary:
    """Fill the database with a demo county.  Deterministic for a given seed and ``ctx.now()``."""
    ctx.require("users.manage")
    now = ctx.now()
    rng = random.Random(seed)
    library = load_library()
    settings = ctx.settings.triage
    open_count = min(warnings, max(1, warnings // 20) if open_count is None else open_count)
    with ctx.session() as session:
        gen = _Generator(session, rng, now, library, settings, ctx.settings.escalation)
        gen.staff_and_stations()
        start = now - dt.timedelta(days=days)
        closed_times = sorted(start + dt.timedelta(seconds=rng.uniform(0, days * 86400 - 6 * 3600))
                              for _ in range(warnings - open_count))
        open_times = sorted(now - dt.timedelta(minutes=rng.uniform(0.3, 15)) for _ in range(open_count))
        for i, received in enumerate(closed_times):
            gen.warning(i, received, open_now=False)
        for j, received in enumerate(open_times):
            gen.warning(len(closed_times) + j, received, open_now=True)
        bump_queue_version(session)
        return DemoSummary(stations=len(gen.stations), users=len(STAFF), warnings=warnings,
                           open_warnings=gen.counts["open"], calls=gen.counts["calls"],
                           escalations=gen.counts["escalations"], follow_ups=gen.counts["follow_ups"])
