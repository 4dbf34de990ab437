"""Text to speech (Mandarin) for rehearsals, recorded warnings and automated calls: WAV files.

Each synthesis is one short-lived child process, so a crash or a hang never harms the console and
no engine state leaks from one job to the next:

- the embedded engine is the ``espeak-ng`` command with the ``cmn-latn-pinyin`` voice (Mandarin,
  Latin letters as pinyin: the ``sit/cmn`` voice reads digits and Latin as English);
- a centre with a better local engine sets ``engine: command`` and ``command: "mytts --out {wav}"``
  in ``tts.yaml``: the command gets the text on stdin (UTF-8) and must write a WAV to ``{wav}``.

Text is normalised first (:func:`speech_text.speech_text`: 九六幺幺零, 五万元, 十五点三十分).  The rate and
the pause after each sentence depend on the audience (``general`` / ``elderly``).  A child that dies
is reported as soon as it exits; one that hangs is killed after ``timeout_s``.

- :func:`synthesize_to_wav` writes a WAV and checks it (:class:`WavInfo`); an empty or silent file
  is an error.
- :func:`tts_available` says whether speech works here, with a Chinese message for text-only mode.
- :func:`voice_warning_message` composes a whole recorded warning ("您好，这里是××反诈中心…");
  :func:`export_line` renders and exports any script or scenario line.
- :func:`audio_player_command` finds a command-line player (``paplay`` / ``aplay``).

Settings are the speech section of the settings (``ctx.settings.tts``: ``resources/tts.yaml``,
overridden key by key by ``tts.yaml`` in the user data directory).
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import struct
import subprocess
import wave
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from console.services.core.context import ServiceError
from console.services.core.settings import (
    TtsSettings,
    default_settings,
    layered_settings,
    parse_tts_settings,
)
from console.services.core.vocabulary import FRAUD_TYPE_LABELS
from console.services.messaging.speech_text import speech_text
from scripts_library.rendering import address_title, render_text

TTS_FILE = "tts.yaml"
ESPEAK = "espeak-ng"
AUDIENCE_LABELS = {"general": "普通", "elderly": "老年人"}
SILENCE_PEAK = 500  # of 32767: below this a 16-bit file is treated as silent
SENTENCE_ENDS = "。！？；"

TEXT_ONLY = "已切换为文字模式"
NO_ENGINE = f"找不到语音引擎 eSpeak NG（请安装 espeak-ng），无法朗读，{TEXT_ONLY}。"
NO_COMMAND = "找不到外部语音合成命令“{command}”，无法朗读，" + TEXT_ONLY + "。"
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


def load_tts_settings(path: Path | None = None) -> TtsSettings:
    """The speech section read afresh (``path`` alone, or the shipped file under the user's copy), for
    the command line and tests; the console itself reads ``ctx.settings.tts`` once at start-up."""
    return parse_tts_settings(layered_settings(TTS_FILE, path))


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


def ssml_with_pauses(text: str, pause_ms: int) -> str:
    """The text as SSML for eSpeak NG, with a break of ``pause_ms`` after every sentence."""
    marked = escape(text)
    if pause_ms > 0:
        for end in SENTENCE_ENDS:
            marked = marked.replace(end, f'{end}<break time="{pause_ms}ms"/>')
    return f"<speak>{marked}</speak>"


def espeak_argv(voice: str, rate: int, output: list[str]) -> list[str]:
    """The eSpeak NG command line for SSML on stdin; ``output`` is ``["-w", path]`` or ``["-x", "-q"]``."""
    return [ESPEAK, "-v", voice, "-s", str(rate), "-m", *output, "--stdin"]


def _command_argv(settings: TtsSettings, out: Path, rate: int, audience: str) -> list[str]:
    values = {"wav": str(out), "voice": settings.voice, "rate": str(rate), "audience": audience}
    try:
        return [part.format(**values) for part in shlex.split(settings.command)]
    except (ValueError, KeyError, IndexError) as exc:
        raise ServiceError(f"语音配置项 command 无法解析：{settings.command}（{exc}）") from exc


def _describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"被信号 {signal.Signals(-code).name} 终止"
        except ValueError:
            return f"被信号 {-code} 终止"
    return f"退出码 {code}"


def run_speech_process(argv: list[str], stdin_text: str, timeout_s: float) -> None:
    """Run one synthesis child; a child that exits with an error is reported the moment it exits."""
    try:
        process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   start_new_session=True)
    except OSError as exc:
        raise TtsUnavailable(f"无法启动语音合成程序 {argv[0]}（{exc.strerror}），{TEXT_ONLY}。") from exc
    try:
        _out, err = process.communicate(stdin_text.encode("utf-8"), timeout=timeout_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)
        raise TtsUnavailable(f"语音合成超时（{timeout_s:.0f} 秒），{TEXT_ONLY}。") from None
    if process.returncode != 0:
        detail = err.decode("utf-8", "replace").strip().splitlines()
        reason = f"：{detail[-1][:200]}" if detail else ""
        raise TtsUnavailable(
            f"语音合成进程意外退出（{_describe_exit(process.returncode)}）{reason}，{TEXT_ONLY}。")


def _espeak_voices() -> set[str]:
    listing = subprocess.run([ESPEAK, "--voices"], capture_output=True, text=True, timeout=30, check=False).stdout
    names: set[str] = set()
    for line in listing.splitlines()[1:]:
        columns = line.split()
        if len(columns) >= 5:
            names.update({columns[1].lower(), columns[3].lower(), columns[4].lower()})
    return names


def tts_available(settings: TtsSettings | None = None) -> tuple[bool, str]:
    """(True, voice name) when Mandarin speech works here; (False, Chinese reason) otherwise.

    Asked afresh each time (a PATH look-up and the voice list, a few milliseconds); a caller that needs
    the answer often keeps it itself, as the rehearsal speaker keeps its text-only mode after a failure.
    """
    settings = settings or default_settings().tts
    if settings.engine == "command":
        program = shlex.split(settings.command)[0] if settings.command.strip() else ""
        ok = bool(program) and shutil.which(program) is not None
        result = (True, settings.voice_label) if ok else (False, NO_COMMAND.format(command=program))
    elif shutil.which(ESPEAK) is None:
        result = (False, NO_ENGINE)
    elif settings.voice.lower() not in _espeak_voices():
        result = (False, NO_VOICE.format(voice=settings.voice))
    else:
        result = (True, settings.voice)
    return result


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
    audience: str = "general",
    settings: TtsSettings | None = None,
) -> WavInfo:
    """Normalise ``text``, speak it into a WAV at ``path`` (in a child process) and verify the result."""
    if not text.strip():
        raise ServiceError("没有要朗读的文字")
    settings = settings or default_settings().tts
    speech = settings.audience(audience)
    spoken = speech_text(text)
    out = Path(path).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    effective_rate = rate or speech.rate
    if settings.engine == "command":
        run_speech_process(_command_argv(settings, out, effective_rate, audience), spoken, settings.timeout_s)
    else:
        ok, reason = tts_available(settings)
        if not ok:
            raise TtsUnavailable(reason)
        argv = espeak_argv(voice or settings.voice, effective_rate, ["-w", str(out)])
        run_speech_process(argv, ssml_with_pauses(spoken, speech.sentence_pause_ms), settings.timeout_s)
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
    text: str, path: str | Path, variables: Mapping[str, str] | None = None, *, audience: str = "general",
    settings: TtsSettings | None = None,
) -> WavInfo:
    """Render a script or scenario line (placeholders filled) and export it as a WAV."""
    return synthesize_to_wav(render_text(text, variables), path, audience=audience, settings=settings)


def audio_player_command() -> list[str] | None:
    """A command-line WAV player available on this machine, or None."""
    for name, args in (("paplay", []), ("aplay", ["-q"]), ("afplay", [])):
        exe = shutil.which(name)
        if exe is not None:
            return [exe, *args]
    return None
