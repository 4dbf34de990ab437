"""Telephony settings of one seat: ``resources/telephony.yaml``, the user data copy, the environment.

The shipped file is overridden key by key by a ``telephony.yaml`` in the user data directory (per
centre or per seat), then ``DISSUADE_SIP_ACCOUNT`` and ``DISSUADE_SIP_DIAL`` override the account and
the dial pattern.  :attr:`TelephonySettings.configured` is False when there is nothing to dial with:
the console then works with manual dialling, as before.  The password never appears in ``repr``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from console.services.core.context import ServiceError
from console.services.core.settings import layered_settings
from console.services.core.vocabulary import DISPOSITION_LABELS

SETTINGS_FILE = "telephony.yaml"
ACCOUNT_ENV = "DISSUADE_SIP_ACCOUNT"
DIAL_ENV = "DISSUADE_SIP_DIAL"
OUTCOMES = ("answered", "busy", "declined", "no_answer", "unreachable", "invalid_number", "failed")
OUTCOME_LABELS = {
    "answered": "已接通", "busy": "占线", "declined": "拒接", "no_answer": "无人接听",
    "unreachable": "无法接通", "invalid_number": "空号", "failed": "呼叫失败",
}
_SIP_URI = re.compile(r"^sips?:([^@\s]+@)?[A-Za-z0-9.\-\[\]:]+(;[^\s]*)?$")


@dataclass(frozen=True)
class TelephonySettings:
    engine: str = "baresip"
    account: str = ""
    registrar: str = ""
    listen: str = ""  # local "address:port" for SIP; empty: the account's own address when it is an IP
    auth_user: str = ""
    password: str = field(default="", repr=False)
    dial: str = ""
    dial_prefix: str = ""
    caller_id: str = ""
    recording: bool = True
    audio_source: str = ""
    audio_player: str = ""
    binary: str = "baresip"
    ring_timeout_s: Mapping[str, float] = field(default_factory=lambda: {"default": 35.0})
    sip_codes: Mapping[int, str] = field(default_factory=dict)
    dispositions: Mapping[str, str] = field(default_factory=dict)

    @property
    def configured(self) -> bool:
        return bool(self.account and self.dial)

    @property
    def status_text(self) -> str:
        if self.configured:
            return f"软电话：{self.account}"
        return "未配置软电话：请用座机拨号，接通后按 F6 开始计时、F7 结束"

    def dial_uri(self, number: str) -> str:
        """The SIP URI for ``number`` (digits and a leading + only: nothing else reaches the URI)."""
        digits = "".join(ch for ch in number if ch.isdigit() or ch == "+")
        if not digits:
            raise ServiceError("号码为空或无效，无法拨号")
        return self.dial.replace("{number}", self.dial_prefix + digits)

    def ring_timeout(self, level: str = "") -> float:
        return float(self.ring_timeout_s.get(level) or self.ring_timeout_s.get("default") or 35.0)

    def outcome_of(self, sip_code: int | None) -> str:
        """The outcome of a call that never connected, from its final SIP status."""
        if sip_code is None:
            return "failed"
        if sip_code in self.sip_codes:
            return self.sip_codes[sip_code]
        if 500 <= sip_code < 700:
            return "unreachable"
        return "failed"

    def disposition_of(self, outcome: str, *, far_end_hung_up: bool = False) -> str:
        """The disposition the outcome panel pre-selects ('' when the operator must choose)."""
        if outcome == "answered":
            return self.dispositions.get("answered_far_end_hung_up", "") if far_end_hung_up else ""
        return self.dispositions.get(outcome, "")


def _text(values: Mapping[str, Any], key: str) -> str:
    value = values.get(key)
    return "" if value is None else str(value).strip()


def _check_uri(value: str, what: str) -> None:
    if value and not _SIP_URI.match(value.replace("{number}", "0")):
        raise ServiceError(f"电话配置项 {what} 不是有效的 SIP 地址：{value}")


def parse_settings(values: Mapping[str, Any], env: Mapping[str, str] | None = None) -> TelephonySettings:
    """Validate a settings mapping (plus environment overrides) into :class:`TelephonySettings`."""
    env = os.environ if env is None else env
    account = env.get(ACCOUNT_ENV, "").strip() or _text(values, "account")
    dial = env.get(DIAL_ENV, "").strip() or _text(values, "dial")
    _check_uri(account, "account")
    _check_uri(dial, "dial")
    if dial and "{number}" not in dial:
        raise ServiceError("电话配置项 dial 必须包含 {number}，例如 sip:{number}@pbx")
    timeouts: dict[str, float] = {}
    for level, seconds in dict(values.get("ring_timeout_s") or {}).items():
        try:
            timeouts[str(level)] = float(seconds)
        except (TypeError, ValueError) as exc:
            raise ServiceError(f"电话配置项 ring_timeout_s.{level} 应为秒数：{seconds!r}") from exc
        if timeouts[str(level)] <= 0:
            raise ServiceError(f"电话配置项 ring_timeout_s.{level} 应大于 0")
    timeouts.setdefault("default", 35.0)
    codes: dict[int, str] = {}
    for code, outcome in dict(values.get("sip_codes") or {}).items():
        if str(outcome) not in OUTCOMES:
            raise ServiceError(f"电话配置项 sip_codes.{code} 的结果未知：{outcome}")
        try:
            codes[int(code)] = str(outcome)
        except ValueError as exc:
            raise ServiceError(f"电话配置项 sip_codes 中的 {code!r} 不是 SIP 状态码") from exc
    dispositions = {str(k): str(v) for k, v in dict(values.get("dispositions") or {}).items()}
    for key, disposition in dispositions.items():
        if disposition and disposition not in DISPOSITION_LABELS:
            raise ServiceError(f"电话配置项 dispositions.{key} 的通话结果未知：{disposition}")
    return TelephonySettings(
        engine=_text(values, "engine") or "baresip", account=account, registrar=_text(values, "registrar"),
        listen=_text(values, "listen"),
        auth_user=_text(values, "auth_user"), password=_text(values, "password"), dial=dial,
        dial_prefix="".join(ch for ch in _text(values, "dial_prefix") if ch.isdigit()),
        caller_id=_text(values, "caller_id"), recording=bool(values.get("recording", True)),
        audio_source=_text(values, "audio_source"), audio_player=_text(values, "audio_player"),
        binary=_text(values, "binary") or "baresip", ring_timeout_s=timeouts, sip_codes=codes,
        dispositions=dispositions,
    )


def load_telephony_settings(path: Path | None = None) -> TelephonySettings:
    """The shipped file, the user data copy over it, then the environment."""
    return parse_settings(layered_settings(SETTINGS_FILE, path))
