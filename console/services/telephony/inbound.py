"""A call to the seat: who is calling back, found by phone across persons, their other numbers and
their relatives' numbers, so the console can show the person before the operator answers.

Matches carry the same fields as a queue entry (masked name and phone, level, score, deadline), so
the workstation can open the person's latest warning read-only with them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import String, cast, or_, select

from console.services.core.context import ServiceContext
from console.services.core.masking import mask_name, mask_phone
from console.services.core.vocabulary import FRAUD_TYPE_LABELS
from db.models import Person, Warning

_USER_PART = re.compile(r"^(?:sips?:)?\+?([0-9]{5,20})@")


def caller_number(peer_uri: str) -> str:
    """'sip:13800138000@pbx;user=phone' -> '13800138000'; '' when the caller sent no number."""
    match = _USER_PART.match(peer_uri.strip().strip("<>"))
    if match is None:
        return ""
    digits = match.group(1)
    return digits[2:] if digits.startswith("86") and len(digits) == 13 else digits


@dataclass(frozen=True)
class CallerMatch:
    person_id: int
    warning_id: int
    relation: str  # 本人 | 本人其他号码 | 亲属
    name_masked: str
    phone_masked: str
    fraud_type_label: str
    risk_level: str
    score: int
    age_band: str
    received_at: dt.datetime
    deadline_at: dt.datetime | None
    kind: str = "warning"


def match_caller(ctx: ServiceContext, number: str, *, limit: int = 5) -> list[CallerMatch]:
    """The persons this number belongs to (or whose relative it is), newest warning first."""
    ctx.require("warning.view")
    if not number:
        return []
    listed = f'%"{number}"%'
    with ctx.sessions() as session:
        persons = session.execute(
            select(Person).where(or_(Person.phone == number, Person.relative_phone == number,
                                     cast(Person.other_phones, String).like(listed)))
            .limit(limit)).scalars().all()
        matches: list[CallerMatch] = []
        for person in persons:
            warning = session.execute(select(Warning).where(Warning.person_id == person.id)
                                      .order_by(Warning.received_at.desc()).limit(1)).scalar_one_or_none()
            if warning is None:
                continue
            relation = "本人" if person.phone == number else ("亲属" if person.relative_phone == number else "本人其他号码")
            matches.append(CallerMatch(
                person.id, warning.id, relation, mask_name(person.name), mask_phone(person.phone),
                FRAUD_TYPE_LABELS.get(warning.fraud_type, warning.fraud_type), warning.level_override or warning.risk_level,
                warning.risk_score, person.age_band, warning.received_at, warning.deadline_at))
        return sorted(matches, key=lambda m: m.received_at, reverse=True)
