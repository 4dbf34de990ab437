"""SMS templates: per fraud type and situation, with the centre's signature, never a link.

A template's text may use ``{address_form}`` (王阿姨 / 李先生 / 您), ``{centre_name}`` and
``{fraud_type_label}``; anything else is refused when the settings are read, as is any link
(http://, www., a domain, a short link): official warnings never contain links.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from console.services.core.context import ServiceError

PLACEHOLDERS = ("address_form", "centre_name", "fraud_type_label")
SITUATIONS = {
    "hang_up_now": "通话中，请立即挂断",
    "busy": "占线或无人接听",
    "after_call": "通话之后提醒",
    "follow_up": "回访提醒",
}
MAX_TEMPLATE_CHARS = 300
LINK_RE = re.compile(
    r"(?:https?|ftp)://|www\.|(?<![a-z0-9-])(?:[a-z0-9-]+\.)+(?:com|cn|net|org|top|xyz|cc|me|io|ly|gl|info|vip|"
    r"shop|link|club|site|online|app|gov)(?![a-z0-9-])|(?<![a-z0-9-])(?:t\.cn|dwz\.cn|url\.cn|bit\.ly|suo\.im)/",
    re.IGNORECASE | re.ASCII,
)


@dataclass(frozen=True)
class SmsTemplate:
    name: str
    label: str
    situation: str
    fraud_types: tuple[str, ...]  # empty: every fraud type
    text: str  # without the signature

    def applies_to(self, fraud_type: str) -> bool:
        return not self.fraud_types or fraud_type in self.fraud_types

    def render(self, signature: str, variables: Mapping[str, str]) -> str:
        """The message as the person receives it: the centre's signature first, placeholders filled."""
        return signature + self.text.format_map(dict(variables))


def template_problems(text: str) -> list[str]:
    """Why ``text`` may not be a template (empty when it may)."""
    problems: list[str] = []
    if not text.strip():
        problems.append("内容为空")
    if LINK_RE.search(text):
        problems.append("含有链接或网址（官方预警短信不得含链接）")
    try:
        names = {field for _lit, field, _spec, _conv in string.Formatter().parse(text) if field is not None}
    except ValueError:
        problems.append("花括号不成对")
        names = set()
    unknown = sorted(name for name in names if name not in PLACEHOLDERS)
    if unknown:
        problems.append("未知占位符 " + "、".join("{" + name + "}" for name in unknown)
                        + "（可用：" + "、".join("{" + p + "}" for p in PLACEHOLDERS) + "）")
    if len(text) > MAX_TEMPLATE_CHARS:
        problems.append(f"超过 {MAX_TEMPLATE_CHARS} 字")
    return problems


def parse_templates(raw: Any, signature: str = "") -> dict[str, SmsTemplate]:
    if not isinstance(raw, Mapping):
        raise ServiceError("短信配置项 templates 应为“模板名: {label, situation, text}”的映射")
    if LINK_RE.search(signature):
        raise ServiceError("短信签名不得含链接或网址")
    templates: dict[str, SmsTemplate] = {}
    for name, spec in raw.items():
        if not isinstance(spec, Mapping) or not isinstance(spec.get("text"), str):
            raise ServiceError(f"短信模板“{name}”缺少 text")
        text = str(spec["text"]).strip()
        problems = template_problems(text)
        situation = str(spec.get("situation", "after_call"))
        if situation not in SITUATIONS:
            problems.append(f"未知场景“{situation}”（可用：{'、'.join(SITUATIONS)}）")
        if problems:
            raise ServiceError(f"短信模板“{name}”无效：" + "；".join(problems))
        fraud_types = spec.get("fraud_types") or []
        if isinstance(fraud_types, str):
            fraud_types = [fraud_types]
        templates[str(name)] = SmsTemplate(
            name=str(name), label=str(spec.get("label") or name), situation=situation,
            fraud_types=tuple(str(code) for code in fraud_types), text=text,
        )
    return templates


def choose_template(templates: Mapping[str, SmsTemplate], fraud_type: str, situation: str) -> SmsTemplate | None:
    """The template for this fraud type and situation: a specific one first, else a general one."""
    fitting = [t for t in templates.values() if t.situation == situation and t.applies_to(fraud_type)]
    fitting.sort(key=lambda t: (not t.fraud_types, t.name))
    return fitting[0] if fitting else None
