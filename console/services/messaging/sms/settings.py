"""SMS settings (``sms.yaml``): the gateway connection, the centre's signature, sending rules and
the templates.  ``DISSUADE_SMPP=smpp://user:password@host:port`` overrides the connection."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from console.services.core.context import ServiceError
from console.services.core.settings import layered_settings
from console.services.messaging.sms.templates import SmsTemplate, parse_templates

SMS_FILE = "sms.yaml"
SMPP_ENV = "DISSUADE_SMPP"
QUIET_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class QuietHours:
    """Local times between which nothing is sent (may wrap midnight: 21:30-08:00)."""

    start: dt.time
    end: dt.time

    def contains(self, moment: dt.time) -> bool:
        if self.start <= self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end

    def label(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


@dataclass(frozen=True)
class SmsSettings:
    gateway: str = "smpp"
    host: str = "127.0.0.1"
    port: int = 2775
    system_id: str = ""
    password: str = ""
    system_type: str = ""
    source_address: str = ""
    signature: str = "【公安局反诈中心】"
    centre_name: str = "公安局反诈中心"
    flash: bool = False
    per_person_per_day: int = 3
    per_hour: int = 300
    quiet_hours: QuietHours | None = QuietHours(dt.time(21, 30), dt.time(8, 0))
    receipt_wait_s: float = 3.0
    timeout_s: float = 10.0
    max_parts: int = 4
    templates: Mapping[str, SmsTemplate] | None = None

    def template(self, name: str) -> SmsTemplate:
        templates = self.templates or {}
        if name not in templates:
            names = "、".join(templates) or "（无）"
            raise ServiceError(f"没有名为“{name}”的短信模板；可用模板：{names}")
        return templates[name]


def _positive(values: Mapping[str, Any], key: str, default: float, *, integer: bool = True) -> Any:
    value = values.get(key, default)
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or value <= 0:
        raise ServiceError(f"短信配置项 {key} 应为正{'整' if integer else ''}数，当前为：{value!r}")
    return value


def parse_quiet_hours(value: Any) -> QuietHours | None:
    if value in (None, "", False):
        return None
    match = QUIET_RE.match(str(value))
    if not match:
        raise ServiceError(f"短信配置项 quiet_hours 应写成“21:30-08:00”，当前为：{value!r}")
    h1, m1, h2, m2 = (int(part) for part in match.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        raise ServiceError(f"短信配置项 quiet_hours 的时间无效：{value!r}")
    return QuietHours(dt.time(h1, m1), dt.time(h2, m2))


def apply_smpp_url(settings: SmsSettings, url: str) -> SmsSettings:
    """``smpp://user:password@host:port`` over the file's connection settings."""
    parts = urlsplit(url.strip())
    if parts.scheme != "smpp" or not parts.hostname:
        raise ServiceError(f"环境变量 {SMPP_ENV} 应写成 smpp://用户名:密码@主机:端口")
    try:
        port = parts.port or 2775
    except ValueError as exc:
        raise ServiceError(f"环境变量 {SMPP_ENV} 的端口无效") from exc
    return replace(settings, gateway="smpp", host=parts.hostname, port=port,
                   system_id=unquote(parts.username or ""), password=unquote(parts.password or ""))


def load_sms_settings(path: Path | None = None, environ: Mapping[str, str] | None = None) -> SmsSettings:
    values = layered_settings(SMS_FILE, path)
    defaults = SmsSettings()
    centre = str(values.get("centre_name", defaults.centre_name))
    signature = str(values.get("signature") or f"【{centre}】")
    settings = SmsSettings(
        gateway=str(values.get("gateway", defaults.gateway)).lower(),
        host=str(values.get("host", defaults.host)),
        port=int(_positive(values, "port", defaults.port)),
        system_id=str(values.get("system_id") or ""),
        password=str(values.get("password") or ""),
        system_type=str(values.get("system_type") or ""),
        source_address=str(values.get("source_address") or ""),
        signature=signature,
        centre_name=centre,
        flash=bool(values.get("flash", False)),
        per_person_per_day=int(_positive(values, "per_person_per_day", defaults.per_person_per_day)),
        per_hour=int(_positive(values, "per_hour", defaults.per_hour)),
        quiet_hours=parse_quiet_hours(values.get("quiet_hours", "21:30-08:00")),
        receipt_wait_s=float(values.get("receipt_wait_s", defaults.receipt_wait_s) or 0),
        timeout_s=float(_positive(values, "timeout_s", defaults.timeout_s, integer=False)),
        max_parts=int(_positive(values, "max_parts", defaults.max_parts)),
        templates=parse_templates(values.get("templates") or {}, signature),
    )
    env = os.environ if environ is None else environ
    if env.get(SMPP_ENV):
        settings = apply_smpp_url(settings, env[SMPP_ENV])
    return settings
