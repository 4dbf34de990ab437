"""Turn one source row into a clean warning draft, or a rejection with its reason.

Pure functions, no database: the importer, manual entry and quarantine retry share them, so every
way a warning enters the console is validated the same way.  A row is rejected only when no valid
contact phone can be derived; every other problem becomes a field warning on the imported row.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from console.services.core.vocabulary import SOURCE_LABELS, age_band
from console.services.intake.fields import FIELD_LABELS
from console.services.intake.normalize import (
    IdResult,
    age_on,
    clean_text,
    normalise_phones,
    parse_amount,
    parse_duration,
    parse_fraud_type,
    parse_id_number,
    parse_signals,
    parse_time,
)

_SOURCE_CODES = {label: code for code, label in SOURCE_LABELS.items()} | {"96110": "hotline_96110"}
# column widths of the warnings / persons tables: longer text is cut, the raw payload keeps it whole
_WIDTH = {"external_id": 64, "name": 64, "fraud_contact": 200, "address": 200, "station": 64, "source": 64}


@dataclass(frozen=True)
class Issue:
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


@dataclass
class Draft:
    """A row that will become (or merge into) a warning."""

    number: int
    raw: dict[str, Any]
    external_id: str | None
    received_at: dt.datetime
    name: str
    phone: str
    other_phones: tuple[str, ...]
    id_info: IdResult
    fraud_type: str
    fraud_contact: str
    call_duration_s: int | None
    signals: tuple[str, ...]
    signals_text: str
    amount: Decimal | None
    address: str
    station_hint: str
    source: str
    note: str
    issues: list[Issue] = field(default_factory=list)
    # the JSON texts of raw and issues, when the importer encodes them before its transaction
    raw_text: str = field(default="", compare=False, repr=False)
    issues_text: str = field(default="", compare=False, repr=False)


@dataclass(frozen=True)
class Rejection:
    number: int
    raw: dict[str, Any]
    field: str
    reason: str


@dataclass(frozen=True)
class Profile:
    age: int | None
    age_band: str
    profile_group: str


def derive_profile(birth_date: dt.date | None, on_day: dt.date, occupation: str = "") -> Profile:
    """Age, age band and profile group from a birth date (the one place this rule lives)."""
    age = age_on(birth_date, on_day)
    if age is None or age < 0:
        return Profile(None, "unknown", "general")
    other_occupation = bool(occupation) and "学生" not in occupation and "在校" not in occupation
    if age >= 60:
        group = "elderly"
    elif 16 <= age <= 22 and not other_occupation:
        group = "student"
    elif age < 18:
        group = "minor"
    else:
        group = "general"
    return Profile(age, age_band(age), group)


def json_safe(values: dict[str, Any]) -> dict[str, Any]:
    """The raw row as JSON the database accepts on every backend (no NaN, no datetimes)."""
    if all(type(v) is str for v in values.values()):  # CSV rows: nothing to convert
        return dict(values)
    safe: dict[str, Any] = {}
    for key, value in values.items():
        if value is None or isinstance(value, str | bool | int):
            safe[str(key)] = value
        elif isinstance(value, float):
            safe[str(key)] = value if math.isfinite(value) else str(value)
        elif isinstance(value, dt.datetime | dt.date | dt.time):
            safe[str(key)] = value.isoformat()
        else:
            try:
                json.dumps(value)
                safe[str(key)] = value
            except (TypeError, ValueError):
                safe[str(key)] = str(value)
    return safe


def field_reason(field_name: str, reason: str) -> str:
    """A rejection reason that names the field which failed (“手机号：…”), so the operator knows
    which cell to correct."""
    label = FIELD_LABELS.get(field_name, field_name)
    return reason if label in reason else f"{label}：{reason}"


def _source_code(text: str) -> str:
    return _SOURCE_CODES.get(text, text)


def prepare_row(
    number: int,
    values: dict[str, Any],
    field_columns: dict[str, str],
    *,
    default_source: str,
    now: dt.datetime,
    zone: dt.tzinfo,
) -> Draft | Rejection:
    """Validate and normalise one row.  ``field_columns`` maps field -> header of ``values``; times
    without an offset are wall times of the centre's ``zone``."""
    raw = json_safe(values)
    cells = {field: values.get(header) for field, header in field_columns.items()}
    cell = cells.get
    issues: list[Issue] = []

    def text(name: str) -> str:
        value = clean_text(cell(name))
        limit = _WIDTH[name]
        if len(value) > limit:
            issues.append(Issue(name, f"{FIELD_LABELS[name]}过长，已截取前 {limit} 个字"))
            value = value[:limit]
        return value

    if "phone" not in field_columns:
        return Rejection(number, raw, "phone", "缺少手机号列，无法联系当事人")
    phones = normalise_phones(cell("phone"))
    if phones.primary is None:
        return Rejection(number, raw, "phone", field_reason("phone", phones.problem))

    received_cell = cell("received_at")
    received_at = parse_time(received_cell, zone)
    if received_at is None:
        shown = clean_text(received_cell)
        message = f"预警时间无法识别（{shown}），按导入时间记录" if shown else "未填写预警时间，按导入时间记录"
        issues.append(Issue("received_at", message))
        received_at = now

    id_info = parse_id_number(cell("id_number"), now.astimezone(zone).date())
    if id_info.problem:
        issues.append(Issue("id_number", id_info.problem))

    fraud_type, problem = parse_fraud_type(clean_text(cell("fraud_type")))
    if problem:
        issues.append(Issue("fraud_type", problem))

    amount, problem = parse_amount(cell("amount"))
    if problem:
        issues.append(Issue("amount", problem))
    duration, problem = parse_duration(cell("call_duration_s"))
    if problem:
        issues.append(Issue("call_duration_s", problem))

    signals_text = clean_text(cell("signals"))
    external_id = text("external_id") or None
    return Draft(
        number=number,
        raw=raw,
        external_id=external_id,
        received_at=received_at,
        name=text("name"),
        phone=phones.primary,
        other_phones=phones.others,
        id_info=id_info,
        fraud_type=fraud_type,
        fraud_contact=text("fraud_contact"),
        call_duration_s=duration,
        signals=parse_signals(signals_text),
        signals_text=signals_text,
        amount=amount,
        address=text("address"),
        station_hint=text("station"),
        source=_source_code(text("source") or default_source),
        note=clean_text(cell("note")),
        issues=issues,
    )
