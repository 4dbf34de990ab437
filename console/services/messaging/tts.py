"""Text to speech (Mandarin) for rehearsals and recorded warnings: WAV files from pyttsx3 + eSpeak NG.

Every synthesis runs in its own worker *process* (multiprocessing, spawn context): pyttsx3 2.99
misbehaves when ``say`` and ``save_to_file`` share an engine, its driver loop must not run on the
GUI thread, and a stuck engine can be killed after a timeout without harming the console.

- :func:`synthesize_to_wav` writes a WAV and checks it (:class:`WavInfo`: duration, sample rate,
  frames, peak); an empty or silent file is an error.
- :func:`tts_available` says whether speech works here, with a Chinese message for text-only mode.
- :func:`voice_warning_message` composes a whole recorded warning ("您好，这里是××反诈中心…") for
  the centre's phone and loudspeaker announcements; :func:`export_line` renders and exports any
  script or scenario line.
- :func:`audio_player_command` finds a command-line player (``paplay`` / ``aplay``) for playback
  when the GUI has no QtMultimedia.

Settings (voice id, rate, centre name) are the speech section of the settings (``ctx.settings.tts``:
``resources/tts.yaml``, overridden key by key by ``tts.yaml`` in the user data directory).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue as queue_module
import shutil
import struct
import wave
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from console.services.core.context import ServiceError
from console.services.core.settings import TtsSettings
from console.services.core.vocabulary import FRAUD_TYPE_LABELS
from scripts_library.rendering import address_title, render_text

SILENCE_PEAK = 500  # of 32767: below this a 16-bit file is treated as silent

TEXT_ONLY = "已切换为文字模式"
NO_PYTTSX3 = f"未安装语音组件 pyttsx3，无法朗读，{TEXT_ONLY}。"
NO_ENGINE = f"找不到语音引擎 eSpeak NG（请安装 libespeak-ng1），无法朗读，{TEXT_ONLY}。"
NO_VOICE = "找不到普通话语音“{voice}”（请安装 espeak-ng-data），" + TEXT_ONLY + "。"
NO_AUDIO_DEVICE = "本机无音频设备，已切换为文字模式"

# One sentence per fraud type for recorded warnings: what the person must not do now.
WARNING_TIPS: Mapping[str, str] = {
    "task_rebate": "网上刷单、点赞返利都是诈骗，先给小钱是诱饵，请不要再充值做任务。",
    "fake_investment": "带您炒股、投资的老师和平台是假的，提现要交费就是骗局，请不要再投钱。",
    "fake_loan": "正规贷款放款前不收任何费用，说卡号填错、要交解冻金的都是骗子。",
    "fake_customer_service": "自称客服说要退款、理赔、关闭业务，让您共享屏幕或转账的，都是骗子。",
    "fake_credit_repair": "征信不能花钱修复，也没有什么注销校园贷，请不要借钱转给对方。",
    "impersonate_authority": "公检法不会电话办案，没有安全账户，要您保密并转账的都是骗子。",
    "impersonate_leader": "领导和熟人在网上让您转账，一定要当面或打电话核实。",
    "romance_investment": "网上认识、从不见面却带您投资的人，就是骗子，请不要再转钱。",
    "fake_shopping": "低价商品私下转账，再要关税、押金的都是骗局，请不要再付款。",
    "game_trading": "游戏账号和装备私下交易，再要解冻费、保证金的都是骗子。",
    "impersonate_military_purchase": "自称部队采购、让您向指定厂家垫付货款的，都是骗子。",
    "elderly_health_pension": "高息养老项目、包治百病的保健品都是骗局，请不要交钱。",
    "tool_person": "出租、出售银行卡和电话卡是违法犯罪，请立即停止。",
    "other": "任何陌生人让您转账汇款，请先停下来。",
}


class TtsUnavailable(ServiceError):
    """Speech cannot work on this machine; the message says why and that text mode is on."""


@dataclass(frozen=True)
class WavInfo:
    path: Path
    duration_s: float
    sample_rate: int
    frames: int
    peak: int  # largest absolute sample value (16-bit scale)
    channels: int


def _find_voice(engine: Any, wanted: str) -> str | None:
    """The id of the voice matching ``wanted`` by id, or by language code (cmn / zh)."""
    voices = engine.getProperty("voices") or []
    for voice in voices:
        if voice.id == wanted:
            return str(voice.id)
    language = wanted.split("/")[-1]
    for voice in voices:
        languages = [str(lang) for lang in (getattr(voice, "languages", None) or [])]
        if language in languages or any(lang.startswith(language) for lang in languages):
            return str(voice.id)
    return None


def _worker(job: dict[str, Any], results: Any) -> None:
    """Runs in the child process: synthesise one text (or just probe the engine)."""
    try:
        import pyttsx3
    except ImportError:
        results.put(("error", "no_pyttsx3", ""))
        return
    try:
        engine = pyttsx3.init()
    except Exception as exc:  # noqa: BLE001 - pyttsx3 raises anything when the driver is missing
        results.put(("error", "no_engine", repr(exc)))
        return
    voice = _find_voice(engine, job["voice"])
    if voice is None:
        results.put(("error", "no_voice", job["voice"]))
        return
    if job.get("probe"):
        results.put(("ok", voice, ""))
        return
    engine.setProperty("voice", voice)
    engine.setProperty("rate", int(job["rate"]))
    # pyttsx3 2.99's eSpeak driver silently drops a save_to_file queued in the same loop as a
    # rate change, so the properties get their own loop first.
    engine.runAndWait()
    engine.save_to_file(job["text"], job["path"])
    with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):  # the driver prints "Audio saved"
        engine.runAndWait()
    results.put(("ok", voice, ""))


def _run_job(job: dict[str, Any], timeout_s: float) -> tuple[str, str, str]:
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    process = context.Process(target=_worker, args=(job, results), daemon=True)
    process.start()
    try:
        outcome: tuple[str, str, str] = results.get(timeout=timeout_s)
    except queue_module.Empty:
        process.kill()
        process.join(5)
        raise TtsUnavailable(f"语音合成超时（{timeout_s:.0f} 秒），{TEXT_ONLY}。") from None
    process.join(timeout_s)
    if process.is_alive():
        process.kill()
        process.join(5)
    return outcome


def _error_message(kind: str, detail: str) -> str:
    if kind == "no_pyttsx3":
        return NO_PYTTSX3
    if kind == "no_voice":
        return NO_VOICE.format(voice=detail)
    return NO_ENGINE


def tts_available(settings: TtsSettings) -> tuple[bool, str]:
    """(True, voice id) when Mandarin speech works here; (False, Chinese reason) otherwise.

    Each call probes in a fresh worker process (about a second); a caller that needs the answer
    often keeps it itself, as the rehearsal speaker keeps its text-only mode after a failure.
    """
    try:
        status, value, detail = _run_job({"probe": True, "voice": settings.voice}, settings.timeout_s)
    except TtsUnavailable as exc:
        return False, str(exc)
    return (True, value) if status == "ok" else (False, _error_message(value, detail))


def read_wav_info(path: Path) -> WavInfo:
    """Duration, sample rate and peak of a PCM WAV (stdlib only, no audioop)."""
    try:
        with wave.open(str(path), "rb") as wav:
            channels = wav.getnchannels()
            width = wav.getsampwidth()
            rate = wav.getframerate()
            frames = wav.getnframes()
            data = wav.readframes(frames)
    except (wave.Error, EOFError, OSError) as exc:
        raise ServiceError(f"语音文件无法读取：{path.name}（{exc}）") from exc
    peak = 0
    if width == 2 and data:
        count = len(data) // 2
        samples = struct.unpack(f"<{count}h", data[: count * 2])
        peak = max(max(samples), -min(samples))
    elif width == 1 and data:
        peak = max(abs(b - 128) for b in data) * 256
    duration = frames / rate if rate else 0.0
    return WavInfo(Path(path), duration, rate, frames, peak, channels)


def synthesize_to_wav(
    text: str,
    path: str | Path,
    rate: int | None = None,
    voice: str | None = None,
    *,
    settings: TtsSettings,
) -> WavInfo:
    """Speak ``text`` into a WAV at ``path`` (in a worker process) and verify the result."""
    if not text.strip():
        raise ServiceError("没有要朗读的文字")
    out = Path(path).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    job = {"text": text, "path": str(out), "rate": rate or settings.rate, "voice": voice or settings.voice}
    status, value, detail = _run_job(job, settings.timeout_s)
    if status != "ok":
        raise TtsUnavailable(_error_message(value, detail))
    if not out.exists() or out.stat().st_size <= 44:
        raise ServiceError(f"语音合成没有生成文件：{out.name}")
    info = read_wav_info(out)
    if info.frames == 0 or info.peak < SILENCE_PEAK:
        raise ServiceError(f"生成的语音文件是静音：{out.name}")
    return info


def warning_address_form(surname: str, sex: str | None, age: int | None) -> str:
    """王阿姨 / 李先生 …, or "您" when a respectful form cannot be chosen."""
    title = address_title(sex, age, None)
    return f"{surname.strip()}{title}" if title else "您"


def voice_warning_message(centre_name: str, surname: str, address_form: str, fraud_type: str) -> str:
    """A whole recorded warning for one person, ready to synthesise."""
    who = address_form.strip() or (f"{surname.strip()}" if surname.strip() else "您")
    label = FRAUD_TYPE_LABELS.get(fraud_type, "")
    tip = WARNING_TIPS.get(fraud_type, WARNING_TIPS["other"])
    kind = f"{label}类" if label and fraud_type != "other" else ""
    greeting = f"{who}，您好" if who != "您" else "您好"
    return (
        f"{greeting}，这里是{centre_name}。"
        f"我们发现您可能正在遭遇{kind}电信网络诈骗。{tip}"
        "请不要向任何人转账汇款，不要透露银行卡密码和短信验证码，不要下载陌生软件或开启屏幕共享。"
        "如有疑问，请拨打110或96110核实。重复一遍：请立即停止转账，拨打110或96110核实。"
    )


def export_line(
    text: str, path: str | Path, variables: Mapping[str, str] | None = None, *, settings: TtsSettings
) -> WavInfo:
    """Render a script or scenario line (placeholders filled) and export it as a WAV."""
    return synthesize_to_wav(render_text(text, variables), path, settings=settings)


def audio_player_command() -> list[str] | None:
    """A command-line WAV player available on this machine, or None."""
    for name, args in (("paplay", []), ("aplay", ["-q"]), ("afplay", [])):
        exe = shutil.which(name)
        if exe is not None:
            return [exe, *args]
    return None
