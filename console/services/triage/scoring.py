"""Explainable risk triage: a score 0–100, a level (red/orange/yellow/blue) and a deadline per warning.

Pure functions, no database.  Every figure comes from the triage settings (``ctx.settings.triage``: ``resources/triage.yaml`` or a centre's copy),
and every point of the score is listed in ``TriageResult.reasons`` with a Chinese label so the
operator sees *why* a warning is red.  The reasons always add up to the score (a final negative
"capped" entry records what the 100-point ceiling cut off).

There is one scorer, :class:`TriageScorer`: the importer keeps one for a whole batch so the parts
that repeat from row to row are worked out once; :func:`score_warning` scores a single warning
with a fresh one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar, cast

from console.services.core.paths import RESOURCES
from console.services.core.triage_settings import TriageSettings
from console.services.core.vocabulary import (
    AGE_BAND_LABELS,
    FRAUD_TYPE_LABELS,
    SIGNAL_LABELS,
    age_band,
)

DEFAULT_SETTINGS_PATH = RESOURCES / "triage.yaml"
MAX_SCORE = 100


@dataclass(frozen=True)
class TriageInput:
    fraud_type: str
    signals: tuple[str, ...]
    amount: Decimal | None
    call_duration_s: int | None
    age: int | None
    previous_victim: bool
    dissuaded_before: bool
    repeat_count: int
    received_at: dt.datetime


@dataclass(frozen=True)
class TriageResult:
    score: int
    level: str
    reasons: list[dict[str, object]]  # each {"factor": code, "label": Chinese text, "points": int}
    deadline_at: dt.datetime


def _yuan(amount: Decimal) -> str:
    if amount >= 10000:
        return f"{(amount / 10000).normalize():f}万元"
    return f"{amount.quantize(Decimal(1)):f}元"


def _minutes(seconds: int) -> str:
    if seconds >= 3600:
        return f"{seconds // 3600}小时{seconds % 3600 // 60}分钟"
    if seconds >= 60:
        return f"{seconds // 60}分钟"
    return f"{seconds}秒"


Reason = dict[str, object]


def _kind_reasons(settings: TriageSettings, fraud_type: str, signals: tuple[str, ...]) -> tuple[list[Reason], int]:
    """Points for the fraud type and the live signals (capped together by ``signal_cap``)."""
    reasons: list[Reason] = []
    total = 0
    fraud_type = fraud_type if fraud_type in settings.fraud_type_severity else "other"
    points = settings.fraud_type_severity.get(fraud_type, 0)
    if points:
        label = FRAUD_TYPE_LABELS.get(fraud_type, fraud_type)
        reasons.append({"factor": "fraud_type", "label": f"诈骗类型：{label}", "points": points})
        total += points

    room = settings.signal_cap
    seen: set[str] = set()
    for signal in signals:
        if signal in seen:
            continue
        seen.add(signal)
        weight = settings.signal_weights.get(signal, 0)
        if not weight:
            continue
        points = min(weight, room)
        room -= points
        label = f"实时信号：{SIGNAL_LABELS.get(signal, signal)}"
        if points < weight:
            label += f"（信号合计上限{settings.signal_cap}分）"
        reasons.append({"factor": f"signal:{signal}", "label": label, "points": points})
        total += points
    return reasons, total


_Bound = TypeVar("_Bound", Decimal, int)


def _band_points(bands: tuple[tuple[_Bound, int], ...], value: _Bound) -> int:
    """The points of the highest band whose lower bound ``value`` reaches (bands in ascending order)."""
    points = 0
    for low, band_points in bands:
        if value >= low:
            points = band_points
    return points


def _amount_reason(settings: TriageSettings, amount: Decimal | None) -> Reason | None:
    if amount is None or not amount > 0:
        return None
    points = _band_points(settings.amount_bands, amount)
    if not points:
        return None
    return {"factor": "amount", "label": f"涉及金额{_yuan(amount)}", "points": points}


def _duration_reason(settings: TriageSettings, duration_s: int | None) -> Reason | None:
    if not duration_s:
        return None
    points = _band_points(settings.duration_bands, duration_s)
    if not points:
        return None
    return {"factor": "call_duration", "label": f"与涉诈号码通话{_minutes(duration_s)}", "points": points}


def _person_reasons(settings: TriageSettings, age: int | None, previous_victim: bool,
                    dissuaded_before: bool) -> list[Reason]:
    """Points for the person's vulnerability: age band, earlier loss, earlier dissuasion."""
    reasons: list[Reason] = []
    band = age_band(age)
    points = settings.age_band_points.get(band, 0)
    if points:
        label = "未成年人" if band == "minor" else f"年龄{AGE_BAND_LABELS.get(band, band)}"
        reasons.append({"factor": "age", "label": label, "points": points})
    if previous_victim and settings.previous_victim_points:
        reasons.append({"factor": "previous_victim", "label": "曾经被骗", "points": settings.previous_victim_points})
    if dissuaded_before and settings.dissuaded_before_points:
        points = settings.dissuaded_before_points
        reasons.append({"factor": "dissuaded_before", "label": "曾被劝阻后再次预警", "points": points})
    return reasons


def _repeat_reason(settings: TriageSettings, repeat_count: int) -> Reason | None:
    if repeat_count <= 0:
        return None
    points = min(repeat_count * settings.repeat_points_each, settings.repeat_cap)
    if not points:
        return None
    return {"factor": "repeat", "label": f"重复预警{repeat_count}次", "points": points}


def _late_minutes(settings: TriageSettings, received_at: dt.datetime, total: int, now: dt.datetime) -> int:
    """Whole minutes past the deadline of the level reached by ``total`` (0 when not yet a minute late).

    Waiting past the deadline of the level reached so far raises the score; the final deadline is
    that of the final level, counted from the time the warning arrived."""
    deadline_at = received_at + settings.deadline_for(settings.level_for(min(total, MAX_SCORE)))
    late_s = (now - deadline_at).total_seconds()
    if late_s >= 60 and settings.overdue_points_per_minute:
        return int(late_s // 60)
    return 0


def _overdue_reason(settings: TriageSettings, late_min: int) -> Reason:
    points = min(late_min * settings.overdue_points_per_minute, settings.overdue_cap)
    return {"factor": "overdue", "label": f"已超过首次联系时限{_minutes(late_min * 60)}", "points": points}


def _cap_reason(total: int) -> Reason:
    return {"factor": "cap", "label": f"总分封顶{MAX_SCORE}分", "points": MAX_SCORE - total}


def _points(reason: Reason | None) -> int:
    return cast(int, reason["points"]) if reason is not None else 0


def score_warning(data: TriageInput, settings: TriageSettings, now: dt.datetime) -> TriageResult:
    """Score one warning at ``now``; the reasons list every contribution, largest first."""
    return TriageScorer(settings, now).score(data)


class TriageScorer:
    """The scorer: every warning scored at one ``now`` (an import, or one warning through
    :func:`score_warning`).  Each part that depends on one input alone (fraud type and signals,
    duration, person, repeats, lateness, the cap, the level) is worked out once and remembered.

    The reason dicts are shared between results, so they must be treated as read-only."""

    def __init__(self, settings: TriageSettings, now: dt.datetime) -> None:
        self.settings = settings
        self.now = now
        self._kinds: dict[tuple[str, tuple[str, ...]], tuple[tuple[Reason, ...], int]] = {}
        self._durations: dict[int | None, Reason | None] = {}
        self._persons: dict[tuple[int | None, bool, bool], tuple[Reason, ...]] = {}
        self._repeats: dict[int, Reason | None] = {}
        self._overdue: dict[int, Reason] = {}
        self._caps: dict[int, Reason] = {}
        self._levels: dict[int, tuple[str, dt.timedelta]] = {}

    def score(self, data: TriageInput) -> TriageResult:
        """Score one warning; the reasons list every contribution, largest first."""
        settings = self.settings
        key = (data.fraud_type, data.signals)
        kind = self._kinds.get(key)
        if kind is None:
            found, points = _kind_reasons(settings, *key)
            kind = self._kinds[key] = (tuple(found), points)
        reasons = list(kind[0])
        total = kind[1]
        amount = _amount_reason(settings, data.amount)
        if amount is not None:
            reasons.append(amount)
            total += _points(amount)
        duration = data.call_duration_s
        if type(duration) is not int:  # only plain ints are remembered (True == 1 but is no duration)
            duration_reason = _duration_reason(settings, duration)
        elif duration in self._durations:
            duration_reason = self._durations[duration]
        else:
            duration_reason = self._durations[duration] = _duration_reason(settings, duration)
        if duration_reason is not None:
            reasons.append(duration_reason)
            total += _points(duration_reason)
        person_key = (data.age, bool(data.previous_victim), bool(data.dissuaded_before))
        person = self._persons.get(person_key)
        if person is None:
            person = self._persons[person_key] = tuple(_person_reasons(settings, *person_key))
        for reason in person:
            reasons.append(reason)
            total += _points(reason)
        if data.repeat_count:
            if data.repeat_count not in self._repeats:
                self._repeats[data.repeat_count] = _repeat_reason(settings, data.repeat_count)
            repeat = self._repeats[data.repeat_count]
            if repeat is not None:
                reasons.append(repeat)
                total += _points(repeat)
        late_min = _late_minutes(settings, data.received_at, total, self.now)
        if late_min:
            overdue = self._overdue.get(late_min)
            if overdue is None:
                overdue = self._overdue[late_min] = _overdue_reason(settings, late_min)
            reasons.append(overdue)
            total += _points(overdue)
        if total > MAX_SCORE:
            cap = self._caps.get(total)
            if cap is None:
                cap = self._caps[total] = _cap_reason(total)
            reasons.append(cap)
            total = MAX_SCORE
        if len(reasons) > 1:
            reasons.sort(key=_by_points_desc)
        level = self._levels.get(total)
        if level is None:
            name = settings.level_for(total)
            level = self._levels[total] = (name, settings.deadline_for(name))
        return TriageResult(total, level[0], reasons, data.received_at + level[1])


def _by_points_desc(reason: dict[str, object]) -> int:
    points = reason["points"]
    return -points if isinstance(points, int) else 0


def reason_parts(reason: dict[str, object]) -> tuple[str, str]:
    """(label, signed points) of one reason as shown to a user: “正在通话”, “+20”.  The cap is no
    contribution of its own, so it reads “总分封顶100分（超出3分）” with no points (never “+-3”)."""
    label = str(reason.get("label", ""))
    points = reason.get("points", 0)
    if reason.get("factor") == "cap":
        excess = -points if isinstance(points, int) else 0
        return (f"{label}（超出{excess}分）" if excess > 0 else label), ""
    if isinstance(points, int):
        return label, f"{points:+d}"
    return label, str(points)


def reason_text(reason: dict[str, object]) -> str:
    """One reason on one line: “正在通话 +20”, “总分封顶100分（超出3分）”."""
    label, points = reason_parts(reason)
    return f"{label} {points}" if points else label


def explain(reasons: list[dict[str, object]]) -> str:
    """One line for tooltips and the CLI: “正在通话 +20；诈骗类型：冒充公检法 +25 …”."""
    return "；".join(reason_text(reason) for reason in reasons)
