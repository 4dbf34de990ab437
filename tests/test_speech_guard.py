"""Every line the console speaks is read wholly in Mandarin by the configured voice: the console's
own text preparation, then ``espeak-ng -x`` with that voice, with no ``(en)`` language switch.  The
lines include every automated voice-warning message (both audiences, every fraud type)."""

from __future__ import annotations

import dataclasses

import pytest

from console.services.core.settings import default_settings
from console.services.messaging import speech_check, tts
from console.services.voice.templates import voice_lines
from scripts_library.loader import load_library
from scripts_library.scenario_loader import load_scenarios


def shipped_lines() -> list[speech_check.SpokenLine]:
    library = load_library()
    scenarios = load_scenarios(library).scenarios.values()
    settings = tts.load_tts_settings()
    return (speech_check.script_lines(library) + speech_check.scenario_lines(scenarios)
            + speech_check.simulator_lines() + speech_check.warning_lines(settings.centre_name)
            + speech_check.sms_template_lines() + voice_lines(default_settings()))


def test_every_shipped_line_is_read_in_mandarin_by_the_configured_voice() -> None:
    settings = tts.load_tts_settings()
    lines = shipped_lines()
    sources = {line.source.split()[0] for line in lines}
    assert {"script", "scenario", "simulator", "warning", "sms", "voice"} <= sources
    assert len(lines) > 1000
    problems = speech_check.pronunciation_problems(lines, settings)
    assert not problems, "\n".join(f"{p.line.source}: {p.reason}: {p.spoken}" for p in problems[:20])


def test_the_check_catches_the_english_voice_and_unconverted_text() -> None:
    settings = dataclasses.replace(tts.load_tts_settings(), voice="sit/cmn")
    lines = [speech_check.SpokenLine("a", "请拨打96110核实。"), speech_check.SpokenLine("b", "您好。")]
    problems = speech_check.pronunciation_problems(lines, settings)
    assert {p.line.source for p in problems} == {"a", "b"}
    assert all("(en)" in p.reason for p in problems)
    good = tts.load_tts_settings()
    leftover = speech_check.pronunciation_problems([speech_check.SpokenLine("c", "请打开WeChat")], good)
    assert [p.reason[:4] for p in leftover] == ["未转换的"]


def test_the_check_refuses_an_external_engine() -> None:
    with pytest.raises(tts.ServiceError, match="espeak-ng"):
        speech_check.pronunciation_problems([], tts.TtsSettings(engine="command", command="x {wav}"))
