"""The escalation section of the settings: acknowledgement minutes and follow-up revisit days.

Parsed from ``escalation.yaml`` (shipped in ``resources/``, overridden key by key by the centre's
copy) once at start-up; escalations, the call log and the follow-up programme read it from
``ctx.settings.escalation``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from console.services.core.errors import ServiceError
from console.services.core.vocabulary import RISK_LEVEL_ORDER

DEFAULT_FOLLOW_UP_DAYS = (1, 7, 30, 90)
DEFAULT_ACK_MINUTES = {"red": 10, "orange": 20, "yellow": 60, "blue": 240}


@dataclass(frozen=True)
class EscalationSettings:
    ack_minutes: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_ACK_MINUTES))
    alert_levels: frozenset[str] = frozenset({"red", "orange"})
    follow_up_default: tuple[int, ...] = DEFAULT_FOLLOW_UP_DAYS
    follow_up_by_level: dict[str, tuple[int, ...]] = field(default_factory=dict)
    follow_up_by_fraud_type: dict[str, tuple[int, ...]] = field(default_factory=dict)
    follow_up_by_fraud_type_and_level: dict[str, tuple[int, ...]] = field(default_factory=dict)
    refused_days: tuple[int, ...] = (1,)
    victim_support_days: tuple[int, ...] = (1,)

    def ack_window(self, level: str) -> dt.timedelta:
        minutes = self.ack_minutes.get(level, self.ack_minutes.get("blue", DEFAULT_ACK_MINUTES["blue"]))
        return dt.timedelta(minutes=minutes)

    def follow_up_days(self, level: str, fraud_type: str) -> tuple[int, ...]:
        """Revisit days after a dissuasion: most specific setting first."""
        for table, key in (
            (self.follow_up_by_fraud_type_and_level, f"{fraud_type}/{level}"),
            (self.follow_up_by_fraud_type, fraud_type),
            (self.follow_up_by_level, level),
        ):
            if key in table:
                return table[key]
        return self.follow_up_default


def _days(value: Any, key: str) -> tuple[int, ...]:
    if not isinstance(value, list) or not all(isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in value):
        raise ServiceError(f"上报配置项 {key} 应为正整数天数列表，如 [1, 7, 30, 90]，当前为：{value!r}")
    return tuple(sorted(set(value)))


def _day_table(value: Any, key: str) -> dict[str, tuple[int, ...]]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ServiceError(f"上报配置项 {key} 应为“键: 天数列表”的形式")
    return {str(k): _days(v, f"{key}.{k}") for k, v in value.items()}


def parse_escalation_settings(data: dict[str, Any]) -> EscalationSettings:
    ack = dict(DEFAULT_ACK_MINUTES)
    raw_ack = data.get("ack_minutes") or {}
    if not isinstance(raw_ack, dict):
        raise ServiceError("上报配置项 ack_minutes 应为“等级: 分钟”的形式")
    for level, minutes in raw_ack.items():
        if level not in RISK_LEVEL_ORDER:
            raise ServiceError(f"上报配置项 ack_minutes 中的等级“{level}”无效（应为 red/orange/yellow/blue）")
        if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
            raise ServiceError(f"上报配置项 ack_minutes.{level} 应为正整数分钟，当前为：{minutes!r}")
        ack[level] = minutes
    alert = data.get("alert_levels", ["red", "orange"])
    if not isinstance(alert, list) or any(level not in RISK_LEVEL_ORDER for level in alert):
        raise ServiceError("上报配置项 alert_levels 应为等级列表，如 [red, orange]")
    follow = data.get("follow_up_days") or {}
    if not isinstance(follow, dict):
        raise ServiceError("上报配置项 follow_up_days 应包含 default / by_level / by_fraud_type")
    return EscalationSettings(
        ack_minutes=ack,
        alert_levels=frozenset(alert),
        follow_up_default=_days(follow.get("default", list(DEFAULT_FOLLOW_UP_DAYS)), "follow_up_days.default"),
        follow_up_by_level=_day_table(follow.get("by_level"), "follow_up_days.by_level"),
        follow_up_by_fraud_type=_day_table(follow.get("by_fraud_type"), "follow_up_days.by_fraud_type"),
        follow_up_by_fraud_type_and_level=_day_table(
            follow.get("by_fraud_type_and_level"), "follow_up_days.by_fraud_type_and_level"
        ),
        refused_days=_days(data.get("refused_days", [1]), "refused_days"),
        victim_support_days=_days(data.get("victim_support_days", [1]), "victim_support_days"),
    )
