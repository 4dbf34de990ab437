"""The messages of automated voice warnings: chosen by fraud type and audience, rendered, spoken.

``resources/voice_templates.yaml`` holds, per audience (general / elderly), an opening and a closing,
a tip per fraud type, the prompt "按1转接反诈民警，按2重听" and the confirmation played after key 1.
:func:`message_for` renders the text for one person (address form, the centre's name from
``ctx.settings.centre``); :func:`message_audio` speaks it with the audience's rate through
:mod:`console.services.messaging.tts` and turns it into what a phone line carries: 8 kHz mono 16-bit
PCM, followed by the seconds of silence in which a key may be pressed.  Files are cached by content
(:func:`cache_file_name`); a cached file's modification time is renewed each time it is handed out, so
the retention run (:mod:`console.services.voice.audio_cache`) can tell a file in use from a stale one.
"""

from __future__ import annotations

import array
import functools
import hashlib
import os
import re
import threading
import uuid
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from console.services.core.context import ServiceError
from console.services.core.paths import RESOURCES
from console.services.core.settings import AUDIENCES, Settings, read_settings_file
from console.services.core.vocabulary import FRAUD_TYPE_LABELS
from console.services.messaging import tts
from console.services.messaging.speech_check import SpokenLine
from scripts_library.rendering import address_title

TEMPLATES_FILE = RESOURCES / "voice_templates.yaml"
CACHE_FOLDER = "voice"  # the cached line WAVs, under the data directory of the seat that renders them
CONFIRM_SILENCE_S = 0.5  # after the confirmation played on key 1
LINE_RATE = 8000  # what baresip's aufile source and the G.711 codec carry
_LINK = re.compile(r"(https?://|www\.|\.com|\.cn)", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_ALLOWED = {"address_form", "centre_name", "fraud_label"}
_CACHE_LOCK = threading.Lock()


@dataclass(frozen=True)
class VoiceTemplates:
    frames: dict[str, dict[str, str]]  # audience -> opening / closing
    tips: dict[str, dict[str, str]]  # fraud type -> audience -> tip
    prompt: str
    confirm: str


@dataclass(frozen=True)
class VoiceMessage:
    key: str  # "<fraud type>/<audience>"
    audience: str
    text: str  # everything spoken, prompt included


def _check_text(where: str, text: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise ServiceError(f"语音提示模板 {where} 为空")
    if _LINK.search(text):
        raise ServiceError(f"语音提示模板 {where} 含有链接：官方预警不得包含链接")
    unknown = set(_PLACEHOLDER.findall(text)) - _ALLOWED
    if unknown:
        raise ServiceError(f"语音提示模板 {where} 有未知的占位符：{'、'.join(sorted(unknown))}")
    return text.strip()


def parse_templates(values: dict[str, Any]) -> VoiceTemplates:
    frames_raw, tips_raw = values.get("frames") or {}, values.get("tips") or {}
    if not isinstance(frames_raw, dict) or not isinstance(tips_raw, dict):
        raise ServiceError("语音提示模板格式错误：frames 与 tips 应为映射")
    frames: dict[str, dict[str, str]] = {}
    for audience in AUDIENCES:
        part = frames_raw.get(audience) or {}
        frames[audience] = {name: _check_text(f"frames.{audience}.{name}", part.get(name, ""))
                            for name in ("opening", "closing")}
    tips: dict[str, dict[str, str]] = {}
    for fraud_type, variants in tips_raw.items():
        if fraud_type not in FRAUD_TYPE_LABELS:
            raise ServiceError(f"语音提示模板中的诈骗类型未知：{fraud_type}")
        if not isinstance(variants, dict):
            raise ServiceError(f"语音提示模板 tips.{fraud_type} 应有 general 与 elderly 两种")
        tips[str(fraud_type)] = {audience: _check_text(f"tips.{fraud_type}.{audience}", variants.get(audience, ""))
                                 for audience in AUDIENCES}
    if "other" not in tips:
        raise ServiceError("语音提示模板缺少 tips.other（其他类型的通用提示）")
    return VoiceTemplates(frames, tips, _check_text("prompt", values.get("prompt", "")),
                          _check_text("confirm", values.get("confirm", "")))


@functools.cache
def shipped_templates() -> VoiceTemplates:
    return parse_templates(read_settings_file(TEMPLATES_FILE))


def centre_name(settings: Settings) -> str:
    return settings.centre.unit_name or settings.tts.centre_name


def is_elderly(profile_group: str | None, age_band: str | None) -> bool:
    return profile_group == "elderly" or age_band == "65+"


def address_form(name: str, sex: str | None, elderly: bool, profile_group: str | None) -> str:
    """王阿姨 / 李先生, or 您 when no respectful form can be chosen (no name or no sex)."""
    surname = name.strip()[:1]
    title = address_title(sex, None, "elderly" if elderly else profile_group)
    return f"{surname}{title}" if surname and title else "您"


def message_for_person(settings: Settings, fraud_type: str, *, name: str, sex: str | None,
                       profile_group: str | None, age_band: str | None) -> VoiceMessage:
    """The message a person gets: the audience from their profile, the address form from name and sex."""
    elderly = is_elderly(profile_group, age_band)
    return message_for(settings, fraud_type, elderly=elderly,
                       address=address_form(name, sex, elderly, profile_group))


def message_for(settings: Settings, fraud_type: str, *, elderly: bool, address: str = "您",
                templates: VoiceTemplates | None = None) -> VoiceMessage:
    """The whole message for one person: opening, the fraud type's tip, closing, prompt."""
    templates = templates or shipped_templates()
    audience = "elderly" if elderly else "general"
    tips = templates.tips.get(fraud_type) or templates.tips["other"]
    label = FRAUD_TYPE_LABELS.get(fraud_type, "")
    values = {"address_form": address or "您", "centre_name": centre_name(settings),
              "fraud_label": label if label and fraud_type != "other" else "电信网络"}
    frame = templates.frames[audience]
    text = "".join(part.format(**values) for part in (frame["opening"], tips[audience], frame["closing"]))
    text = text.replace("您，您好", "您好")
    return VoiceMessage(f"{fraud_type if fraud_type in templates.tips else 'other'}/{audience}", audience,
                        text + templates.prompt)


def voice_lines(settings: Settings) -> list[SpokenLine]:
    """Every message the lane can speak, for the pronunciation guard (both audiences, every fraud type)."""
    templates = shipped_templates()
    out = [SpokenLine("voice confirm", templates.confirm)]
    for fraud_type in templates.tips:
        for elderly, address in ((False, "李先生"), (True, "王阿姨"), (True, "您")):
            message = message_for(settings, fraud_type, elderly=elderly, address=address, templates=templates)
            out.append(SpokenLine(f"voice {message.key} ({address})", message.text))
    return out


# ---- audio ----------------------------------------------------------------------------------------
def _read_mono16(path: Path) -> tuple[array.array[int], int]:
    with wave.open(str(path), "rb") as wav:
        channels, width, rate = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
        data = wav.readframes(wav.getnframes())
    if width != 2:
        raise ServiceError(f"语音文件不是 16 位 PCM：{path.name}")
    samples = array.array("h")
    samples.frombytes(data)
    if channels > 1:
        samples = array.array("h", (sum(samples[i:i + channels]) // channels
                                    for i in range(0, len(samples), channels)))
    return samples, rate


def to_line_rate(samples: array.array[int], rate: int) -> array.array[int]:
    """Resample to 8 kHz: average over the source span of each output sample (a crude low-pass)."""
    if rate == LINE_RATE:
        return samples
    step = rate / LINE_RATE
    count = int(len(samples) / step)
    out = array.array("h", bytes(2 * count))
    for index in range(count):
        start = int(index * step)
        end = max(int((index + 1) * step), start + 1)
        chunk = samples[start:end]
        out[index] = int(sum(chunk) / len(chunk))
    return out


def write_line_wav(source: Path, target: Path, trailing_silence_s: float) -> float:
    """``source`` as an 8 kHz mono WAV at ``target`` with silence after it; returns the speech seconds."""
    samples, rate = _read_mono16(source)
    line = to_line_rate(samples, rate)
    speech_s = len(line) / LINE_RATE
    line.extend(array.array("h", bytes(2 * int(trailing_silence_s * LINE_RATE))))
    partial = target.with_name(f"{target.stem}-{uuid.uuid4().hex[:8]}.part")
    with wave.open(str(partial), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(LINE_RATE)
        out.writeframes(line.tobytes())
    partial.chmod(0o600)
    partial.replace(target)
    return speech_s


@dataclass(frozen=True)
class MessageAudio:
    path: Path  # 8 kHz mono, speech then the wait for a key
    speech_s: float


def cache_file_name(settings: Settings, text: str, audience: str, trailing_silence_s: float) -> str:
    """The name of the cached line WAV of ``text``: a digest of everything that shapes the audio."""
    speech = settings.tts.audience(audience)
    digest = hashlib.sha256(f"{settings.tts.voice_label}|{speech}|{trailing_silence_s}|{text}".encode()).hexdigest()
    return f"{digest[:16]}.wav"


def message_audio(settings: Settings, text: str, audience: str, cache_dir: Path, *,
                  trailing_silence_s: float) -> MessageAudio:
    """Speak ``text`` for ``audience`` into a line-ready WAV in ``cache_dir`` (reused when it exists)."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    cache_dir.chmod(0o700)
    target = cache_dir / cache_file_name(settings, text, audience, trailing_silence_s)
    with _CACHE_LOCK:  # two lines may want the same message at once
        if target.exists():
            os.utime(target)  # in use: the retention run leaves recently used files alone
        else:
            raw = cache_dir / f"{target.stem}-{uuid.uuid4().hex[:8]}-raw.wav"
            try:
                tts.synthesize_to_wav(text, raw, audience=audience, settings=settings.tts)
                write_line_wav(raw, target, trailing_silence_s)
            finally:
                raw.unlink(missing_ok=True)
    with wave.open(str(target), "rb") as wav:
        total = wav.getnframes() / wav.getframerate()
    return MessageAudio(target, max(total - trailing_silence_s, 0.0))
