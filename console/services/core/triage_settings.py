"""The triage section of the settings: weights, thresholds, deadlines and the queue's retry rules.

Parsed from ``triage.yaml`` (shipped in ``resources/``, overridden key by key by the centre's copy)
into one frozen :class:`TriageSettings`; the scorer in :mod:`console.services.triage.scoring` and the
queue read it from ``ctx.settings.triage``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from console.services.core.errors import ServiceError
from console.services.core.vocabulary import RISK_LEVEL_ORDER


class TriageSettingsError(ServiceError, ValueError):
    """The settings file is missing a key or holds a value of the wrong shape."""


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
    # how items of one level are taken: "score" (the default: the highest score first, which already
    # counts the minutes past the deadline, then the earlier deadline, then the older item) or
    # "deadline" (every overdue item first, the most overdue first, then the rest by score)
    claim_order: str = "score"
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


CLAIM_ORDERS = ("score", "deadline")


def _claim_order(value: Any) -> str:
    if value not in CLAIM_ORDERS:
        raise TriageSettingsError(f"分级参数 claim_order 应为 score（分数最高者优先，默认）或 deadline（最超时者优先），当前为：{value!r}")
    return str(value)


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
            claim_order=_claim_order(data.get("claim_order", "score")),
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
