"""Seeding helpers for the security, privacy, retention and fault-tolerance tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from console.app.bootstrap import Database
from db.models import CallAttempt, Person, QueueItem, Warning

NOW = dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC)


def fixed_clock(moment: dt.datetime = NOW) -> Any:
    return lambda: moment


def add_person_and_warning(database: Database, *, name: str = "张三丰", phone: str = "13812345678",
                           id_number: str = "320102198001011234", address: str = "江苏省南京市玄武区北京东路12号3单元",
                           fraud_type: str = "fake_investment", status: str = "open",
                           closed_at: dt.datetime | None = None, amount: str | None = "50000",
                           person_id: int | None = None, **warning_fields: Any) -> tuple[int, int]:
    """Insert a person (unless ``person_id`` is given) and one warning; returns (person_id, warning_id)."""
    with database.sessions() as session, session.begin():
        if person_id is None:
            person = Person(name=name, phone=phone, id_number=id_number, address=address, sex="M",
                            age_band="45-54", profile_group="general", relative_name="李四",
                            relative_phone="13900001111", occupation="退休教师")
            session.add(person)
            session.flush()
            person_id = person.id
        warning = Warning(person_id=person_id, received_at=closed_at or NOW, fraud_type=fraud_type,
                          status=status, closed_at=closed_at, amount=Decimal(amount) if amount else None,
                          note=f"对方自称客服，让其拨打{phone}", fraud_contact="微信号 scam_001",
                          signals_text="正在通话 屏幕共享", raw_payload={"姓名": name, "手机": phone, "类型": "投资"},
                          risk_level="red", risk_score=88, **warning_fields)
        session.add(warning)
        session.flush()
        return person_id, warning.id


def claim(database: Database, warning_id: int, user_id: int | None, *,
          lease_until: dt.datetime = NOW + dt.timedelta(minutes=10)) -> int:
    """Put a queue item for the warning in the hands of ``user_id`` (as the queue's claim does)."""
    with database.sessions() as session, session.begin():
        item = QueueItem(warning_id=warning_id, status="claimed", claimed_by=user_id, claimed_at=NOW,
                         lease_expires_at=lease_until, priority=10, risk_level="red")
        session.add(item)
        session.flush()
        return item.id


def add_call(database: Database, warning_id: int, uuid: str, disposition: str = "dissuaded",
             duration_s: int = 120, notes: str = "老人说儿子电话13700001234") -> None:
    with database.sessions() as session, session.begin():
        session.add(CallAttempt(client_uuid=uuid, warning_id=warning_id, dialled_number="13812345678",
                                started_at=NOW, connected=True, duration_s=duration_s,
                                disposition=disposition, notes=notes))
