"""The console's settings, read once at start-up into one frozen :class:`Settings` object.

Each section has a shipped file in ``resources/`` (``triage.yaml``, ``escalation.yaml``,
``security.yaml``, ``workstation.yaml``, ``tts.yaml``, ``retention.yaml``, ``centre.yaml``,
``supervision.yaml``, ``voice.yaml``); a file
of the same name in the user data directory overrides it key by key (top-level keys).  The
composition root (:mod:`console.app.bootstrap`) calls :func:`load_settings` and hands the result to
every :class:`~console.services.core.context.ServiceContext`; services read ``ctx.settings.<section>``
and never open a settings file themselves.  Restart the console after changing a file.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from console.services.core.clock import CentreClock
from console.services.core.errors import ServiceError
from console.services.core.escalation_settings import EscalationSettings, parse_escalation_settings
from console.services.core.paths import RESOURCES
from console.services.core.supervision_settings import SupervisionSettings, parse_supervision_settings
from console.services.core.triage_settings import TriageSettings, parse_triage_settings
from db.engine import data_dir

_log = logging.getLogger(__name__)

DEFAULT_TIME_ZONE = "Asia/Shanghai"
DEFAULT_RETENTION_DAYS = 180
# Speech: cmn-latn-pinyin reads Latin letters as pinyin; the voice sit/cmn, by contrast, reads them as English.
DEFAULT_VOICE = "cmn-latn-pinyin"
ENGINES = ("espeak-ng", "command")
AUDIENCES = ("general", "elderly")
DEFAULT_RATES = {"general": 220, "elderly": 175}
DEFAULT_PAUSES_MS = {"general": 150, "elderly": 400}
DEFAULT_RATE = DEFAULT_RATES["general"]
DEFAULT_TTS_TIMEOUT_S = 60.0


def read_settings_file(path: Path) -> dict[str, Any]:
    """A settings YAML as a mapping (safe loader); a missing file is empty, a broken one is an error."""
    if not path.exists():
        return {}
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ServiceError(f"配置文件无法读取：{path.name}（{exc.__class__.__name__}）") from exc
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ServiceError(f"配置文件格式错误：{path.name} 应为“键: 值”的形式")
    return loaded


def _positive_int(values: dict[str, Any], key: str, default: int, section: str) -> int:
    value = values.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ServiceError(f"{section}配置项 {key} 应为正整数，当前为：{value!r}")
    return value


# ---- centre ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CentreSettings:
    """Who the centre is and which clock it keeps.

    ``unit_name`` (单位全称) is the name spoken and printed when a section has none of its own;
    ``seat_name`` names this seat (empty: the ``DISSUADE_SEAT`` variable, else the host name).
    The printed documents also carry ``doc_prefix`` (文号 prefix, e.g. "明反诈", followed by
    〔year〕 and a running number kept per year and document kind), ``marking`` (the 密级/内部
    text in every page header) and ``contact`` (the contact line under each document).
    """

    unit_name: str = ""
    time_zone: str = DEFAULT_TIME_ZONE
    seat_name: str = ""
    doc_prefix: str = "反诈"
    marking: str = "内部资料 注意保密"
    contact: str = ""

    @property
    def printed_name(self) -> str:
        """The unit's name on paper: 单位全称, or a neutral name while none is configured."""
        return self.unit_name or "反电信网络诈骗中心"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)  # zoneinfo caches instances per key

    @property
    def clock(self) -> CentreClock:
        """The centre's clock: stored UTC times shown and counted in this zone."""
        return CentreClock(self.zone)


def parse_centre_settings(values: dict[str, Any]) -> CentreSettings:
    zone = values.get("time_zone", DEFAULT_TIME_ZONE)
    try:
        ZoneInfo(str(zone))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ServiceError(f"单位配置项 time_zone 不是有效的时区名称（如 Asia/Shanghai），当前为：{zone!r}") from exc
    defaults = CentreSettings()
    return CentreSettings(unit_name=str(values.get("unit_name") or "").strip(), time_zone=str(zone),
                          seat_name=str(values.get("seat_name") or "").strip(),
                          doc_prefix=str(values.get("doc_prefix") or defaults.doc_prefix).strip(),
                          marking=str(values.get("marking") or defaults.marking).strip(),
                          contact=str(values.get("contact") or "").strip())


# ---- security -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SecurityPolicy:
    idle_lock_minutes: int = 10
    max_failed_logins: int = 5
    lockout_minutes: int = 15
    min_password_length: int = 8

    @property
    def idle_lock(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.idle_lock_minutes)

    @property
    def lockout(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.lockout_minutes)


def parse_security_policy(values: dict[str, Any]) -> SecurityPolicy:
    defaults = SecurityPolicy()
    return SecurityPolicy(**{f.name: _positive_int(values, f.name, getattr(defaults, f.name), "安全")
                             for f in fields(SecurityPolicy)})


# ---- workstation ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class WorkstationSettings:
    dial_command: str = ""  # "softphone --dial {number}", "tel:{number}" or "" (desk phone)
    lease_renew_seconds: int = 60
    app_name: str = ""
    centre_name: str = ""
    # an agreed callback (约定回拨) stays with its operator until it is this many minutes overdue;
    # after that any operator may take it
    callback_grace_minutes: int = 10


def parse_workstation_settings(values: dict[str, Any]) -> WorkstationSettings:
    try:
        renew = int(values.get("lease_renew_seconds") or 60)
    except (TypeError, ValueError) as exc:
        raise ServiceError(f"工作台配置项 lease_renew_seconds 应为整数秒，当前为：{values.get('lease_renew_seconds')!r}"
                           ) from exc
    try:
        grace = int(values.get("callback_grace_minutes", 10))
    except (TypeError, ValueError) as exc:
        raise ServiceError("工作台配置项 callback_grace_minutes 应为整数分钟，当前为："
                           f"{values.get('callback_grace_minutes')!r}") from exc
    if grace < 0:
        raise ServiceError(f"工作台配置项 callback_grace_minutes 不能为负数，当前为：{grace}")
    return WorkstationSettings(
        callback_grace_minutes=grace,
        dial_command=str(values.get("dial_command") or "").strip(),
        lease_renew_seconds=renew,
        app_name=str(values.get("app_name") or ""),
        centre_name=str(values.get("centre_name") or ""),
    )


# ---- speech ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AudienceSpeech:
    """How fast, and with how long a pause after each sentence, one audience is spoken to."""

    rate: int  # eSpeak NG words per minute (for Mandarin about syllables per minute)
    sentence_pause_ms: int


@dataclass(frozen=True)
class TtsSettings:
    voice: str = DEFAULT_VOICE
    engine: str = "espeak-ng"
    command: str = ""
    general: AudienceSpeech = AudienceSpeech(DEFAULT_RATES["general"], DEFAULT_PAUSES_MS["general"])
    elderly: AudienceSpeech = AudienceSpeech(DEFAULT_RATES["elderly"], DEFAULT_PAUSES_MS["elderly"])
    centre_name: str = "公安局反诈中心"
    timeout_s: float = DEFAULT_TTS_TIMEOUT_S

    @property
    def rate(self) -> int:
        return self.general.rate

    def audience(self, name: str) -> AudienceSpeech:
        if name not in AUDIENCES:
            raise ServiceError(f"未知的收听对象“{name}”，可选：general（普通）、elderly（老年人）")
        speech: AudienceSpeech = getattr(self, name)
        return speech

    @property
    def voice_label(self) -> str:
        """The voice name as reported to users (usable with ``espeak-ng -v`` for the embedded engine)."""
        if self.engine == "espeak-ng":
            return self.voice
        program = shlex.split(self.command)[:1] if self.command.strip() else []
        return f"command:{program[0] if program else ''}"


def _int_setting(values: Mapping[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = values.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ServiceError(f"语音配置项 {key} 应为 {low}–{high} 之间的整数，当前为：{value!r}")
    return value


def parse_tts_settings(values: dict[str, Any]) -> TtsSettings:
    defaults = TtsSettings()
    timeout = values.get("timeout_s", defaults.timeout_s)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise ServiceError(f"语音配置项 timeout_s 应为正数，当前为：{timeout!r}")
    engine = str(values.get("engine", defaults.engine))
    if engine not in ENGINES:
        raise ServiceError(f"语音配置项 engine 应为 espeak-ng 或 command，当前为：{engine!r}")
    command = str(values.get("command") or "")
    if engine == "command" and "{wav}" not in command:
        raise ServiceError("语音配置项 command 必须包含 {wav}（外部命令写出的 WAV 文件路径）")
    try:
        shlex.split(command)
    except ValueError as exc:
        raise ServiceError(f"语音配置项 command 的引号不成对：{command}") from exc
    general_default = _int_setting(values, "rate", DEFAULT_RATES["general"], 60, 450)  # older files
    audiences = {
        name: AudienceSpeech(
            _int_setting(values, f"{name}_rate", general_default if name == "general" else DEFAULT_RATES[name],
                         60, 450),
            _int_setting(values, f"{name}_pause_ms", DEFAULT_PAUSES_MS[name], 0, 3000),
        )
        for name in AUDIENCES
    }
    return TtsSettings(
        voice=str(values.get("voice", defaults.voice)),
        engine=engine,
        command=command,
        general=audiences["general"],
        elderly=audiences["elderly"],
        centre_name=str(values.get("centre_name", defaults.centre_name)),
        timeout_s=float(timeout),
    )


# ---- retention ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RetentionSettings:
    older_than_days: int = DEFAULT_RETENTION_DAYS


def parse_retention_settings(values: dict[str, Any]) -> RetentionSettings:
    value = values.get("older_than_days", DEFAULT_RETENTION_DAYS)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ServiceError(f"保存期限配置 older_than_days 应为正整数，当前为：{value!r}")
    return RetentionSettings(value)


# ---- automated voice warnings ---------------------------------------------------------------------
VOICE_LEVELS_ALLOWED = ("yellow", "blue")  # red and orange stay with the operators
_CLOCK_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class VoiceSettings:
    """The automated voice-warning lane (语音提示预警): which warnings, when, how often, how many at once.

    ``fraud_types`` empty means every fraud type.  ``retry_minutes`` maps a call outcome (busy,
    no_answer, unreachable, failed) to the minutes before the next try; ``max_attempts`` counts every
    automated call to one warning.  Quiet hours run from ``quiet_start`` to ``quiet_end`` centre time
    (across midnight when start > end).
    """

    levels: tuple[str, ...] = ("blue", "yellow")
    fraud_types: tuple[str, ...] = ()
    channels: int = 2
    quiet_start: dt.time = dt.time(21, 0)
    quiet_end: dt.time = dt.time(8, 0)
    max_calls_per_person_per_day: int = 2
    retry_minutes: Mapping[str, int] = field(
        default_factory=lambda: {"busy": 10, "no_answer": 30, "unreachable": 30, "failed": 30})
    max_attempts: int = 3
    ring_timeout_s: float = 30.0
    wait_for_key_s: float = 8.0  # silence after the prompt in which a key may be pressed
    max_replays: int = 2

    def quiet_at(self, local_time: dt.time) -> bool:
        """Whether ``local_time`` (centre time) lies in the quiet hours."""
        start, end = self.quiet_start, self.quiet_end
        if start == end:
            return False
        if start < end:
            return start <= local_time < end
        return local_time >= start or local_time < end


def _clock_time(values: Mapping[str, Any], key: str, default: dt.time) -> dt.time:
    raw = values.get(key)
    if raw is None:
        return default
    if isinstance(raw, int) and not isinstance(raw, bool):  # YAML reads 21:00 unquoted as sexagesimal minutes
        raw = f"{raw // 60:02d}:{raw % 60:02d}"
    match = _CLOCK_TIME.match(str(raw).strip())
    if match is None:
        raise ServiceError(f"语音提示配置项 {key} 应为“时:分”（如 21:00），当前为：{raw!r}")
    return dt.time(int(match.group(1)), int(match.group(2)))


def _code_list(values: Mapping[str, Any], key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    raw = values.get(key, list(default))
    if raw is None or raw == "all":
        return ()
    if isinstance(raw, str):
        raw = [part for part in raw.replace("，", ",").split(",") if part.strip()]
    if not isinstance(raw, list):
        raise ServiceError(f"语音提示配置项 {key} 应为列表，当前为：{raw!r}")
    return tuple(str(item).strip() for item in raw)


def parse_voice_settings(values: dict[str, Any]) -> VoiceSettings:
    defaults = VoiceSettings()
    levels = _code_list(values, "levels", defaults.levels) or defaults.levels
    refused = [level for level in levels if level not in VOICE_LEVELS_ALLOWED]
    if refused:
        raise ServiceError(f"语音提示配置项 levels 只能是 blue、yellow：红色、橙色预警必须由民警人工劝阻（{'、'.join(refused)}）")
    retry: dict[str, int] = dict(defaults.retry_minutes)
    raw_retry = values.get("retry_minutes") or {}
    if not isinstance(raw_retry, dict):
        raise ServiceError("语音提示配置项 retry_minutes 应为“结果: 分钟”的形式")
    for outcome, minutes in raw_retry.items():
        if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
            raise ServiceError(f"语音提示配置项 retry_minutes.{outcome} 应为正整数分钟，当前为：{minutes!r}")
        retry[str(outcome)] = minutes
    numbers: dict[str, float] = {}
    for key in ("ring_timeout_s", "wait_for_key_s"):
        value = values.get(key, getattr(defaults, key))
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise ServiceError(f"语音提示配置项 {key} 应为正数秒，当前为：{value!r}")
        numbers[key] = float(value)
    replays = values.get("max_replays", defaults.max_replays)
    if isinstance(replays, bool) or not isinstance(replays, int) or replays < 0:
        raise ServiceError(f"语音提示配置项 max_replays 应为非负整数，当前为：{replays!r}")
    return VoiceSettings(
        levels=levels, fraud_types=_code_list(values, "fraud_types", ()),
        channels=_positive_int(values, "channels", defaults.channels, "语音提示"),
        quiet_start=_clock_time(values, "quiet_start", defaults.quiet_start),
        quiet_end=_clock_time(values, "quiet_end", defaults.quiet_end),
        max_calls_per_person_per_day=_positive_int(values, "max_calls_per_person_per_day",
                                                   defaults.max_calls_per_person_per_day, "语音提示"),
        retry_minutes=retry, max_attempts=_positive_int(values, "max_attempts", defaults.max_attempts, "语音提示"),
        ring_timeout_s=numbers["ring_timeout_s"], wait_for_key_s=numbers["wait_for_key_s"], max_replays=replays,
    )


# ---- the whole --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Settings:
    """Every section, as read at start-up."""

    triage: TriageSettings
    escalation: EscalationSettings = field(default_factory=EscalationSettings)
    security: SecurityPolicy = field(default_factory=SecurityPolicy)
    workstation: WorkstationSettings = field(default_factory=WorkstationSettings)
    tts: TtsSettings = field(default_factory=TtsSettings)
    retention: RetentionSettings = field(default_factory=RetentionSettings)
    centre: CentreSettings = field(default_factory=CentreSettings)
    supervision: SupervisionSettings = field(default_factory=SupervisionSettings)
    voice: VoiceSettings = field(default_factory=VoiceSettings)


def layered_settings(name: str, explicit: Path | None = None, *, user_dir: Path | None = None,
                     resources: Path = RESOURCES) -> dict[str, Any]:
    """``resources/<name>`` overridden key by key by the user data copy (or ``explicit`` alone): for the
    sections of higher layers (telephony, SMS) that keep their own parser."""
    if explicit is not None:
        return read_settings_file(explicit)
    return _layered(name, data_dir() if user_dir is None else user_dir, resources)


def _layered(name: str, user_dir: Path, resources: Path) -> dict[str, Any]:
    merged = read_settings_file(resources / name)
    merged.update(read_settings_file(user_dir / name))
    return merged


def _security(user_dir: Path, resources: Path) -> SecurityPolicy:
    """A broken local override must not keep anyone from logging in: it is logged and the shipped file applies."""
    try:
        return parse_security_policy(_layered("security.yaml", user_dir, resources))
    except ServiceError as exc:
        _log.warning("安全配置无效，使用默认值：%s", exc)
        return parse_security_policy(read_settings_file(resources / "security.yaml"))


def load_settings(user_dir: Path | None = None, *, resources: Path = RESOURCES) -> Settings:
    """The shipped settings overridden key by key by the files in ``user_dir`` (default: the user data
    directory).  Raises :class:`ServiceError` with the file and key at fault."""
    user_dir = data_dir() if user_dir is None else user_dir
    return Settings(
        triage=parse_triage_settings(_layered("triage.yaml", user_dir, resources)),
        escalation=parse_escalation_settings(_layered("escalation.yaml", user_dir, resources)),
        security=_security(user_dir, resources),
        workstation=parse_workstation_settings(_layered("workstation.yaml", user_dir, resources)),
        tts=parse_tts_settings(_layered("tts.yaml", user_dir, resources)),
        retention=parse_retention_settings(_layered("retention.yaml", user_dir, resources)),
        centre=parse_centre_settings(_layered("centre.yaml", user_dir, resources)),
        supervision=parse_supervision_settings(_layered("supervision.yaml", user_dir, resources)),
        voice=parse_voice_settings(_layered("voice.yaml", user_dir, resources)),
    )


@functools.cache
def default_settings() -> Settings:
    """The settings of a context built without any (tests, scripts): loaded on first use, then kept."""
    return load_settings()
