"""The supervision section of the settings: presence, stale claims, neglect alerts and the review rubric.

Parsed from ``supervision.yaml`` (shipped in ``resources/``, overridden key by key by the centre's
copy) once at start-up.  The operator console writes a heartbeat every ``heartbeat_seconds``; a
seat silent for ``offline_after_seconds`` reads as 离线, and after ``release_claims_after_seconds``
its claims go back to the queue.  The board raises a neglect alert for an item claimed but not
dialled within ``undialled_minutes`` and for a red item waiting ``red_waiting_minutes`` while
operators are free.  ``rubric`` is the 话务质检 score sheet: each item a key, a label and its points.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from console.services.core.errors import ServiceError


@dataclass(frozen=True)
class RubricItem:
    key: str
    label: str
    points: int


DEFAULT_RUBRIC = (
    RubricItem("opening", "开场表明身份", 10),
    RubricItem("identity", "核实本人", 10),
    RubricItem("fraud_type", "识别诈骗类型", 15),
    RubricItem("objections", "回应异议", 20),
    RubricItem("key_actions", "关键动作落实", 20),
    RubricItem("tone", "语气态度", 15),
    RubricItem("record", "记录完整", 10),
)


@dataclass(frozen=True)
class SupervisionSettings:
    heartbeat_seconds: int = 15
    offline_after_seconds: int = 60
    release_claims_after_seconds: int = 180
    undialled_minutes: int = 10
    red_waiting_minutes: int = 5
    rubric: tuple[RubricItem, ...] = field(default=DEFAULT_RUBRIC)
    sample_per_operator: int = 3  # calls picked at random per operator per week
    long_call_minutes: int = 8  # the "long calls" filter of the review picker

    @property
    def offline_after(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.offline_after_seconds)

    @property
    def release_claims_after(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.release_claims_after_seconds)

    @property
    def max_score(self) -> int:
        return sum(item.points for item in self.rubric)


def _positive(values: dict[str, Any], key: str, default: int) -> int:
    value = values.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ServiceError(f"值班监控配置项 {key} 应为正整数，当前为：{value!r}")
    return value


def _rubric(value: Any) -> tuple[RubricItem, ...]:
    if value is None:
        return DEFAULT_RUBRIC
    if not isinstance(value, list) or not value:
        raise ServiceError("值班监控配置项 rubric 应为评分项列表，每项含 key、label、points")
    items = []
    for entry in value:
        if not isinstance(entry, dict):
            raise ServiceError(f"质检评分项格式错误：{entry!r}（应含 key、label、points）")
        key, label, points = str(entry.get("key", "")).strip(), str(entry.get("label", "")).strip(), entry.get("points")
        if not key or not label or isinstance(points, bool) or not isinstance(points, int) or points <= 0:
            raise ServiceError(f"质检评分项格式错误：{entry!r}（key、label 不能为空，points 为正整数）")
        items.append(RubricItem(key, label, points))
    if len({item.key for item in items}) != len(items):
        raise ServiceError("质检评分项的 key 不能重复")
    return tuple(items)


def parse_supervision_settings(values: dict[str, Any]) -> SupervisionSettings:
    defaults = SupervisionSettings()
    numbers = {name: _positive(values, name, getattr(defaults, name)) for name in (
        "heartbeat_seconds", "offline_after_seconds", "release_claims_after_seconds", "undialled_minutes",
        "red_waiting_minutes", "sample_per_operator", "long_call_minutes")}
    if numbers["offline_after_seconds"] < numbers["heartbeat_seconds"] * 2:
        raise ServiceError("值班监控配置项 offline_after_seconds 应至少为 heartbeat_seconds 的两倍")
    return SupervisionSettings(rubric=_rubric(values.get("rubric")), **numbers)
