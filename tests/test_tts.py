"""Speech: real pyttsx3 + eSpeak NG Mandarin WAVs, checked for length, sample rate and sound."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from console.services.core.settings import TtsSettings, default_settings
from console.services.messaging import tts

ROOT = Path(__file__).resolve().parents[1]


def test_mandarin_voice_is_available() -> None:
    ok, detail = tts.tts_available(default_settings().tts)
    assert ok, detail
    assert detail == "sit/cmn"


def test_line_is_synthesised_to_a_real_wav(tmp_path: Path) -> None:
    out = tmp_path / "line.wav"
    info = tts.synthesize_to_wav("您好，我是县公安局反诈中心的工作人员，请您先不要转账。", out, settings=default_settings().tts)
    assert out.exists()
    assert info.sample_rate > 8000
    assert info.duration_s > 0.5
    assert info.peak > 3000  # clearly audible, not silence
    assert tts.read_wav_info(out) == info
    if shutil.which("soxi"):
        reported = subprocess.run(["soxi", "-D", str(out)], capture_output=True, text=True, check=True).stdout
        assert abs(float(reported) - info.duration_s) < 0.05


def test_slower_rate_gives_a_longer_recording(tmp_path: Path) -> None:
    text = "请您挂断电话，自己拨打一一零核实。"
    fast = tts.synthesize_to_wav(text, tmp_path / "fast.wav", rate=240, settings=default_settings().tts)
    slow = tts.synthesize_to_wav(text, tmp_path / "slow.wav", rate=110, settings=default_settings().tts)
    assert slow.duration_s > fast.duration_s * 1.4


def test_missing_voice_gives_a_clear_chinese_message(tmp_path: Path) -> None:
    settings = TtsSettings(voice="sit/klingon")
    ok, message = tts.tts_available(settings)
    assert not ok
    assert "找不到普通话语音" in message and "文字模式" in message
    with pytest.raises(tts.TtsUnavailable, match="文字模式"):
        tts.synthesize_to_wav("你好", tmp_path / "x.wav", settings=settings)


def test_silent_or_broken_file_is_rejected(tmp_path: Path) -> None:
    import wave

    silent = tmp_path / "silent.wav"
    with wave.open(str(silent), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(22050)
        handle.writeframes(b"\0\0" * 22050)
    assert tts.read_wav_info(silent).peak == 0
    (tmp_path / "broken.wav").write_bytes(b"RIFF0000")
    with pytest.raises(tts.ServiceError, match="无法读取"):
        tts.read_wav_info(tmp_path / "broken.wav")


def test_voice_warning_message_names_the_person_centre_and_scam() -> None:
    address = tts.warning_address_form("王", "F", 67)
    text = tts.voice_warning_message("某县公安局反诈中心", "王", address, "impersonate_authority")
    assert text.startswith("王阿姨，您好，这里是某县公安局反诈中心")
    assert "安全账户" in text and "96110" in text
    assert tts.voice_warning_message("中心", "", "", "unknown_type").startswith("您好，这里是中心")


def test_cli_exports_a_whole_warning_as_wav(tmp_path: Path) -> None:
    out = tmp_path / "warning.wav"
    result = subprocess.run(
        [sys.executable, "-m", "console.cli", "tts", "warning", "--surname", "王", "--sex", "F", "--age", "67",
         "--fraud-type", "impersonate_authority", "--out", str(out), "--json"],
        capture_output=True, text=True, cwd=ROOT, timeout=180, check=False,
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["text"].startswith("王阿姨，您好")
    assert document["sample_rate"] == 22050
    assert document["duration_s"] > 20
    assert tts.read_wav_info(out).peak > 3000
