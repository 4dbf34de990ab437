"""Find anyone: one search box for a phone number (any format), a name, an ID number or a 预警编号.

What the text is decides which key is searched, in this order: an 18-character (or legacy
15-digit) ID number, a warning's external id (预警编号, exact) or ``#123`` for the console's own
warning number, a phone number as the importer normalises it (``+86``, spaces and dashes fold away;
the person's other numbers count too), else a name (exact, or the beginning of one).  Results are
one row per warning, personal data masked, newest first.  A search by a personal key (phone, name,
ID number) that finds someone is audited: who searched, by which key, how many were found; never
the text searched for.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import String, cast, or_, select
from sqlalchemy.orm import Session

from console.services.core import audit
from console.services.core.context import ServiceContext, ServiceError
from console.services.core.levels import effective_level
from console.services.core.masking import mask_id_number, mask_name, mask_phone
from console.services.core.vocabulary import (
    FRAUD_TYPE_LABELS,
    LIVE_ITEM_STATUSES,
    QUEUE_ITEM_KIND_LABELS,
    RISK_LEVEL_LABELS,
    WARNING_STATUS_LABELS,
    QueueItemStatus,
)
from console.services.intake.normalize import clean_text, normalise_phones
from db.models import Person, QueueItem, User, Warning

MAX_HITS = 200
KEY_LABELS = {"id_number": "身份证号", "external_id": "预警编号", "warning_id": "预警序号", "phone": "电话",
              "name": "姓名"}
PERSONAL_KEYS = frozenset({"id_number", "phone", "name"})

_ID_NUMBER = re.compile(r"^(\d{17}[\dX]|\d{15})$")
_WARNING_NUMBER = re.compile(r"^#(\d{1,12})$")
_PHONE_LIKE = re.compile(r"^[+\d][\d\s()\-]{5,}$")


@dataclass(frozen=True)
class SearchHit:
    """One warning of a person found, as a list shows it (masked)."""

    person_id: int
    warning_id: int
    external_id: str
    name_masked: str
    phone_masked: str
    id_number_masked: str
    fraud_type_label: str
    risk_level: str
    risk_level_label: str
    score: int
    status_label: str
    received_at: dt.datetime
    item_id: int | None  # the warning's live queue item, if any
    item_kind_label: str
    item_state: str  # "" (not in the queue) | open | claimed | waiting
    claimed_by: str | None


@dataclass(frozen=True)
class SearchResult:
    key: str  # which key the text was read as (KEY_LABELS)
    hits: list[SearchHit]
    truncated: bool

    @property
    def key_label(self) -> str:
        return KEY_LABELS.get(self.key, self.key)


def classify(text: str) -> tuple[str, str]:
    """(key, normalised value) for a search text; raises ServiceError when it is too short to mean anything."""
    value = clean_text(text)
    if len(value) < 2:
        raise ServiceError("请输入至少两个字：电话、姓名、身份证号或预警编号")
    compact = value.replace(" ", "").upper()
    if _ID_NUMBER.match(compact):
        return "id_number", compact
    if match := _WARNING_NUMBER.match(compact):
        return "warning_id", match.group(1)
    if _PHONE_LIKE.match(value):
        found = normalise_phones(value)
        if found.primary:
            return "phone", found.primary
        raise ServiceError(f"“{value}”不是有效的电话号码：{found.problem}")
    return "name", value


def _warnings_of(session: Session, key: str, value: str) -> list[int]:
    """Warning ids matched by the key, newest first (MAX_HITS + 1 at most)."""
    query = select(Warning.id).join(Person, Person.id == Warning.person_id)
    if key == "id_number":
        query = query.where(Person.id_number == value)
    elif key == "external_id":
        query = query.where(Warning.external_id == value)
    elif key == "warning_id":
        query = query.where(Warning.id == int(value))
    elif key == "phone":
        query = query.where(or_(Person.phone == value, Person.relative_phone == value,
                                cast(Person.other_phones, String).like(f'%"{value}"%')))
    else:
        pattern = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(Person.name == value, Person.name.like(pattern, escape="\\")))
    query = query.where(Person.erased_at.is_(None)) if key in PERSONAL_KEYS else query
    return list(session.execute(query.order_by(Warning.received_at.desc(), Warning.id.desc())
                                .limit(MAX_HITS + 1)).scalars())


def _hits(session: Session, warning_ids: list[int], now: dt.datetime) -> list[SearchHit]:
    if not warning_ids:
        return []
    rows = session.execute(
        select(Warning, Person).join(Person, Person.id == Warning.person_id).where(Warning.id.in_(warning_ids))
    ).all()
    items = session.execute(
        select(QueueItem.warning_id, QueueItem.id, QueueItem.kind, QueueItem.status, QueueItem.not_before,
               QueueItem.lease_expires_at, User.login)
        .outerjoin(User, User.id == QueueItem.claimed_by)
        .where(QueueItem.warning_id.in_(warning_ids), QueueItem.status.in_(LIVE_ITEM_STATUSES))
        .order_by(QueueItem.id)
    ).all()
    live = {row[0]: row for row in items}  # the newest live item of each warning
    order = {warning_id: rank for rank, warning_id in enumerate(warning_ids)}
    hits: list[SearchHit] = []
    for warning, person in sorted(rows, key=lambda pair: order[pair[0].id]):
        item = live.get(warning.id)
        state, claimed_by = "", None
        if item is not None:
            _w, _i, _k, status, not_before, lease, login = item
            if status == QueueItemStatus.CLAIMED and lease is not None and lease > now:
                state, claimed_by = QueueItemStatus.CLAIMED.value, login
            elif not_before is not None and not_before > now:
                state = "waiting"
            else:
                state = QueueItemStatus.OPEN.value
        level = effective_level(warning)
        hits.append(SearchHit(
            person_id=person.id, warning_id=warning.id, external_id=warning.external_id or "",
            name_masked="（已清除）" if person.erased_at else mask_name(person.name),
            phone_masked="" if person.erased_at else mask_phone(person.phone),
            id_number_masked=mask_id_number(person.id_number),
            fraud_type_label=FRAUD_TYPE_LABELS.get(warning.fraud_type, warning.fraud_type), risk_level=level,
            risk_level_label=RISK_LEVEL_LABELS.get(level, level), score=warning.risk_score,
            status_label=WARNING_STATUS_LABELS.get(warning.status, warning.status), received_at=warning.received_at,
            item_id=item[1] if item is not None else None,
            item_kind_label=QUEUE_ITEM_KIND_LABELS.get(item[2], item[2]) if item is not None else "",
            item_state=state, claimed_by=claimed_by,
        ))
    return hits


def search(ctx: ServiceContext, text: str) -> SearchResult:
    """Persons and their warnings matching ``text`` (masked), see the module docstring for the keys."""
    ctx.require("people.view")
    key, value = classify(text)
    now = ctx.now()
    with ctx.sessions() as session:  # read only: no write lock for a search
        warning_ids: list[int] = []
        if key == "name" or key == "phone":
            warning_ids = _warnings_of(session, "external_id", clean_text(text))  # a 预警编号 wins when one matches
            if warning_ids:
                key = "external_id"
        if not warning_ids:
            warning_ids = _warnings_of(session, key, value)
        truncated = len(warning_ids) > MAX_HITS
        hits = _hits(session, warning_ids[:MAX_HITS], now)
    if key in PERSONAL_KEYS and hits:
        with ctx.session() as session:
            audit.record(session, ctx.actor, "search", object_type="person",
                         object_id=",".join(str(pid) for pid in sorted({hit.person_id for hit in hits})[:20]),
                         details={"key": key, "warnings": len(hits)}, at=now)
    return SearchResult(key, hits, truncated)


__all__ = ["KEY_LABELS", "MAX_HITS", "SearchHit", "SearchResult", "classify", "search"]
