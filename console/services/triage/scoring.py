"""Explainable risk triage: a score 0–100, a level (red/orange/yellow/blue) and a deadline per warning.

Pure functions, no database.  Every figure comes from ``resources/triage.yaml`` (or a centre's copy),
and every point of the score is listed in ``TriageResult.reasons`` with a Chinese label so the
operator sees *why* a warning is red.  The reasons always add up to the score (a final negative
"capped" entry records what the 100-point ceiling cut off).

There is one scorer, :class:`TriageScorer`: the importer keeps one for a whole batch so the parts
that repeat from row to row are worked out once; :func:`score_warning` scores a single warning
with a fresh one.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar, cast

import yaml

from console.services.core.vocabulary import (
    AGE_BAND_LABELS,
    FRAUD_TYPE_LABELS,
    RISK_LEVEL_ORDER,
    SIGNAL_LABELS,
    age_band,
)

DEFAULT_SETTINGS_PATH = Path(__file__).resolve().parents[3] / "resources" / "triage.yaml"
MAX_SCORE = 100


class TriageSettingsError(ValueError):
    """The settings file is missing a key or holds a value of the wrong shape."""


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


@dataclass(frozen=True)
class TriageSettings:
    """Weights, thresholds, deadlines and the queue's retry rules, as read from the settings file."""

    fraud_type_severity: dict[str, int]
    signal_weights: dict[str, int]
    signal_cap: int
    amount_bands: tuple[tuple[Decimal, int], ...]  # ascending by minimum
    duration_bands: tuple[tuple[int, int], ...]  # ascending by minimum seconds
    age_band_points: dict[str, int]
    previous_victim_points: int
    dissuaded_before_points: int
    repeat_points_each: int
    repeat_cap: int
    overdue_points_per_minute: int
    overdue_cap: int
    level_thresholds: dict[str, int]
    deadline_minutes: dict[str, int]
    retry_ladder_minutes: dict[str, tuple[int, ...]]
    max_attempts: dict[str, int]
    escalation_after_failures: dict[str, int]
    escalate_on: dict[str, frozenset[str]]
    follow_up_level: str
    lease_seconds: int
    # derived: levels from the highest threshold down, deadlines as timedeltas
    _levels_desc: tuple[tuple[int, str], ...] = field(default=(), repr=False, compare=False)
    _deadlines: dict[str, dt.timedelta] = field(default_factory=dict, repr=False, compare=False)

    def level_for(self, score: int) -> str:
        for threshold, level in self._levels_desc:
            if score >= threshold:
                return level
        return RISK_LEVEL_ORDER[-1]

    def deadline_for(self, level: str) -> dt.timedelta:
        return self._deadlines.get(level, self._deadlines[RISK_LEVEL_ORDER[-1]])

    def retry_delay(self, level: str, attempt_number: int) -> dt.timedelta:
        """Wait before the next dial after ``attempt_number`` failed attempts (1 = the first failure)."""
        ladder = self.retry_ladder_minutes.get(level) or (30,)
        step = ladder[min(max(attempt_number, 1), len(ladder)) - 1]
        return dt.timedelta(minutes=step)

    @property
    def lease(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.lease_seconds)


def _int_map(raw: Any, key: str) -> dict[str, int]:
    if not isinstance(raw, dict):
        raise TriageSettingsError(f"分级参数“{key}”应为键值表")
    return {str(k): int(v) for k, v in raw.items()}


def _bands(raw: Any, key: str) -> list[tuple[Any, int]]:
    if not isinstance(raw, list):
        raise TriageSettingsError(f"分级参数“{key}”应为列表")
    bands = [(entry["min"], int(entry["points"])) for entry in raw]
    return sorted(bands, key=lambda band: band[0])


def parse_triage_settings(data: dict[str, Any]) -> TriageSettings:
    """Build settings from the parsed YAML document (raises :class:`TriageSettingsError`)."""
    try:
        thresholds = _int_map(data["level_thresholds"], "level_thresholds")
        deadlines = _int_map(data["deadline_minutes"], "deadline_minutes")
        for level in RISK_LEVEL_ORDER:
            if level not in thresholds or level not in deadlines:
                raise TriageSettingsError(f"分级参数缺少等级“{level}”的阈值或时限")
        vulnerability = data["vulnerability"]
        settings = TriageSettings(
            fraud_type_severity=_int_map(data["fraud_type_severity"], "fraud_type_severity"),
            signal_weights=_int_map(data["signal_weights"], "signal_weights"),
            signal_cap=int(data["signal_cap"]),
            amount_bands=tuple((Decimal(str(low)), points) for low, points in _bands(data["amount_bands"], "amount_bands")),
            duration_bands=tuple((int(low), points) for low, points in _bands(data["duration_bands"], "duration_bands")),
            age_band_points=_int_map(vulnerability["age_bands"], "vulnerability.age_bands"),
            previous_victim_points=int(vulnerability["previous_victim"]),
            dissuaded_before_points=int(vulnerability["dissuaded_before"]),
            repeat_points_each=int(data["repeat"]["points_each"]),
            repeat_cap=int(data["repeat"]["cap"]),
            overdue_points_per_minute=int(data["overdue"]["points_per_minute"]),
            overdue_cap=int(data["overdue"]["cap"]),
            level_thresholds=thresholds,
            deadline_minutes=deadlines,
            retry_ladder_minutes={str(k): tuple(int(m) for m in v) for k, v in data["retry_ladder_minutes"].items()},
            max_attempts=_int_map(data["max_attempts"], "max_attempts"),
            escalation_after_failures=_int_map(data.get("escalation_after_failures") or {}, "escalation_after_failures"),
            escalate_on={str(k): frozenset(str(x) for x in v) for k, v in (data.get("escalate_on") or {}).items()},
            follow_up_level=str(data.get("follow_up_level", "blue")),
            lease_seconds=int(data["lease_seconds"]),
            _levels_desc=tuple(sorted(((v, k) for k, v in thresholds.items()), reverse=True)),
            _deadlines={k: dt.timedelta(minutes=v) for k, v in deadlines.items()},
        )
    except KeyError as exc:
        raise TriageSettingsError(f"分级参数文件缺少“{exc.args[0]}”") from exc
    except (TypeError, ValueError, ArithmeticError) as exc:
        if isinstance(exc, TriageSettingsError):
            raise
        raise TriageSettingsError(f"分级参数文件格式有误：{exc}") from exc
    if settings.follow_up_level not in RISK_LEVEL_ORDER:
        raise TriageSettingsError(f"follow_up_level 应为 {'/'.join(RISK_LEVEL_ORDER)} 之一")
    return settings


@functools.lru_cache(maxsize=1)
def _default_settings() -> TriageSettings:
    """The shipped file, overridden key by key by a ``triage.yaml`` in the user data directory."""
    from console.services.security.session_policy import layered_settings

    return parse_triage_settings(layered_settings("triage.yaml"))


def _read(path: Path) -> TriageSettings:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TriageSettingsError(f"无法读取分级参数文件 {path}：{exc}") from exc
    if not isinstance(data, dict):
        raise TriageSettingsError(f"分级参数文件 {path} 不是键值表")
    return parse_triage_settings(data)


def load_triage_settings(path: Path | None = None) -> TriageSettings:
    """Read the settings file; the default file is read once and cached."""
    if path is None:
        return _default_settings()
    return _read(path)


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


def explain(reasons: list[dict[str, object]]) -> str:
    """One line for tooltips and the CLI: “正在通话 +20；诈骗类型：冒充公检法 +25 …”."""
    parts = []
    for reason in reasons:
        points = reason.get("points", 0)
        sign = "+" if isinstance(points, int) and points >= 0 else ""
        parts.append(f"{reason.get('label', '')} {sign}{points}")
    return "；".join(parts)
