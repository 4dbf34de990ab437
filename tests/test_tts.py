"""Speech: real eSpeak NG Mandarin WAVs (and an external command engine), checked for length,
sample rate, sound, the audience's rate, and a dying engine reported at once."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from console.services.core.settings import TtsSettings, default_settings
from console.services.messaging import tts
from console.services.messaging.speech_text import hanzi_count, speech_text

ROOT = Path(__file__).resolve().parents[1]


def test_mandarin_voice_is_available() -> None:
    ok, detail = tts.tts_available(default_settings().tts)
    assert ok, detail
    assert detail == "cmn-latn-pinyin"


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
    text = "请您挂断电话，自己拨打110核实。"
    fast = tts.synthesize_to_wav(text, tmp_path / "fast.wav", rate=240)
    slow = tts.synthesize_to_wav(text, tmp_path / "slow.wav", rate=110)
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
    assert document["audience"] == "elderly"  # 67 years old
    assert document["duration_s"] > 20
    assert tts.read_wav_info(out).peak > 3000


def _warning_text() -> str:
    return tts.voice_warning_message("某县公安局反诈中心", "王", "王阿姨", "impersonate_authority")


def test_elderly_listeners_hear_the_same_warning_clearly_slower_but_not_dragging(tmp_path: Path) -> None:
    text = _warning_text()
    hanzi = hanzi_count(speech_text(text))
    jobs = [("general", tmp_path / "g1.wav"), ("elderly", tmp_path / "e.wav"), ("general", tmp_path / "g2.wav")]
    # in parallel: a rate that is not applied under load shows up as unequal durations
    with ThreadPoolExecutor(3) as pool:
        infos = list(pool.map(lambda job: tts.synthesize_to_wav(text, job[1], audience=job[0]), jobs))
    general, elderly, general_again = (info.duration_s for info in infos)
    assert general == pytest.approx(general_again, abs=0.01)
    assert elderly > general * 1.25
    per_100 = {"general": general / hanzi * 100, "elderly": elderly / hanzi * 100}
    assert 17 < per_100["general"] < 27, per_100  # about 4–5 hanzi a second
    assert 26 < per_100["elderly"] < 37, per_100  # about 3 hanzi a second, not the old 2.2
    if shutil.which("sox"):
        stat = subprocess.run(["sox", str(jobs[1][1]), "-n", "stat"], capture_output=True, text=True, check=True)
        length = next(line for line in stat.stderr.splitlines() if line.startswith("Length"))
        assert float(length.split(":")[1]) == pytest.approx(elderly, abs=0.05)


def test_configured_rates_are_applied(tmp_path: Path) -> None:
    settings_file = tmp_path / "tts.yaml"
    settings_file.write_text("general_rate: 300\ngeneral_pause_ms: 0\nelderly_rate: 120\nelderly_pause_ms: 0\n",
                             encoding="utf-8")
    settings = tts.load_tts_settings(settings_file)
    text = "请您不要转账，马上挂断电话。"
    fast = tts.synthesize_to_wav(text, tmp_path / "fast.wav", settings=settings)
    slow = tts.synthesize_to_wav(text, tmp_path / "slow.wav", audience="elderly", settings=settings)
    assert slow.duration_s > fast.duration_s * 2


def test_bad_rate_setting_is_refused_in_chinese(tmp_path: Path) -> None:
    settings_file = tmp_path / "tts.yaml"
    settings_file.write_text("elderly_rate: 5\n", encoding="utf-8")
    with pytest.raises(tts.ServiceError, match="elderly_rate"):
        tts.load_tts_settings(settings_file)


def test_a_dying_engine_is_reported_as_soon_as_it_exits(tmp_path: Path) -> None:
    settings = tts.TtsSettings(engine="command", command="sh -c 'kill -9 $$' {wav}", timeout_s=60)
    started = time.monotonic()
    with pytest.raises(tts.TtsUnavailable, match="意外退出.*SIGKILL"):
        tts.synthesize_to_wav("您好", tmp_path / "dead.wav", settings=settings)
    assert time.monotonic() - started < 10  # not the 60 s timeout
    crashing = dataclasses.replace(settings, command="sh -c 'echo 引擎崩溃 >&2; exit 3' {wav}")
    with pytest.raises(tts.TtsUnavailable, match="退出码 3.*引擎崩溃"):
        tts.synthesize_to_wav("您好", tmp_path / "dead.wav", settings=crashing)


def test_a_hanging_engine_is_killed_after_the_timeout(tmp_path: Path) -> None:
    settings = tts.TtsSettings(engine="command", command="sh -c 'sleep 30' {wav}", timeout_s=1)
    started = time.monotonic()
    with pytest.raises(tts.TtsUnavailable, match="超时"):
        tts.synthesize_to_wav("您好", tmp_path / "hang.wav", settings=settings)
    assert time.monotonic() - started < 10


def test_an_external_command_engine_gets_normalised_text_on_stdin(tmp_path: Path) -> None:
    command = ("sh -c 'cat > \"$0.txt\" && espeak-ng -v cmn-latn-pinyin -s {rate} -w \"$0\" < \"$0.txt\"' {wav}")
    settings = tts.TtsSettings(engine="command", command=command)
    assert tts.tts_available(settings) == (True, "command:sh")
    out = tmp_path / "external.wav"
    info = tts.synthesize_to_wav("请拨打96110，不要转5万元。", out, settings=settings)
    assert info.duration_s > 1.5 and info.peak > 3000
    assert Path(f"{out}.txt").read_text(encoding="utf-8") == "请拨打九六幺幺零，不要转五万元。"
    missing = tts.TtsSettings(engine="command", command="no-such-tts --out {wav}")
    ok, message = tts.tts_available(missing)
    assert not ok and "no-such-tts" in message


def test_cli_say_reports_voice_seconds_and_path(tmp_path: Path) -> None:
    out = tmp_path / "say.wav"
    result = subprocess.run(
        [sys.executable, "-m", "console.cli", "tts", "say", "请立即挂断，拨打96110核实。", "--out", str(out),
         "--audience", "elderly", "--json"],
        capture_output=True, text=True, cwd=ROOT, timeout=180, check=False,
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["voice"] == "cmn-latn-pinyin"
    assert document["path"] == str(out.resolve())
    assert document["seconds"] == pytest.approx(tts.read_wav_info(out).duration_s, abs=0.01)
    phonemes = subprocess.run(["espeak-ng", "-q", "-x", "-v", document["voice"], "请立即挂断"],
                              capture_output=True, text=True, check=True).stdout
    assert "(en)" not in phonemes
    bad = subprocess.run([sys.executable, "-m", "console.cli", "tts", "say", "  ", "--out", str(out)],
                         capture_output=True, text=True, cwd=ROOT, timeout=60, check=False)
    assert bad.returncode == 1 and "没有要朗读的文字" in bad.stderr and "Traceback" not in bad.stderr


def test_a_broken_command_setting_is_refused_in_chinese(tmp_path: Path) -> None:
    settings_file = tmp_path / "tts.yaml"
    for text, reason in (("engine: command\ncommand: \"mytts --out\"\n", "{wav}"),
                         ("engine: command\ncommand: \"mytts 'x {wav}\"\n", "引号"),
                         ("engine: festival\n", "engine")):
        settings_file.write_text(text, encoding="utf-8")
        with pytest.raises(tts.ServiceError, match=reason):
            tts.load_tts_settings(settings_file)
