"""Pronunciation check of everything the console speaks: every shipped line goes through the same
text preparation as synthesis, then through ``espeak-ng -x`` (phonemes only, no audio) with the
configured voice; a line the voice reads with a language switch (``(en)``) or that still holds
Latin letters or digits after normalisation is reported.

Spoken lines are: script lines (read aloud in script review), the simulated person's lines in
rehearsals (scenario files and the simulator's stock replies), the recorded warnings for every fraud
type, and the SMS templates.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from console.services.core.context import ServiceError
from console.services.core.settings import TtsSettings
from console.services.messaging import tts
from console.services.messaging.sms.settings import SmsSettings, load_sms_settings
from console.services.messaging.speech_text import speech_text
from scripts_library import simulated_person
from scripts_library.loader import ScriptLibrary
from scripts_library.rendering import build_variables, render_text
from scripts_library.scenario_schema import Scenario
from scripts_library.simulated_person import scenario_profile

SWITCH_RE = re.compile(r"\((?!cmn\))[a-z]{2,3}(?:-[a-z]+)*\)")
LEFTOVER_RE = re.compile(r"[A-Za-z0-9]")
CHUNK = 250  # lines per espeak-ng run (loading the Mandarin dictionary dominates); a chunk with a problem is split until the line is found


@dataclass(frozen=True)
class SpokenLine:
    source: str  # where the line comes from, e.g. "script fake_loan/verify" or "scenario x.opening_line"
    text: str  # as written (placeholders filled)


@dataclass(frozen=True)
class PronunciationProblem:
    line: SpokenLine
    spoken: str  # the normalised text the voice gets
    phonemes: str  # espeak-ng -x output ("" when the problem is a leftover character)
    reason: str


def script_lines(library: ScriptLibrary) -> list[SpokenLine]:
    variables = build_variables()
    out: list[SpokenLine] = []
    for script in library:
        for ref, node in script.iter_all_nodes():
            out += [SpokenLine(f"script {script.id}/{ref}", render_text(line, variables)) for line in node.lines]
    return out


def scenario_lines(scenarios: Iterable[Scenario]) -> list[SpokenLine]:
    out: list[SpokenLine] = []
    for scenario in scenarios:
        spec = scenario.spec
        variables = build_variables(scenario_profile(scenario))
        texts: list[tuple[str, str]] = [("opening_line", spec.opening_line), ("refusal_line", spec.refusal_line),
                                        ("success_line", spec.success_line), ("hang_up_line", spec.hang_up_line)]
        texts += [(f"lines.{key}", value) for key, value in spec.lines.items()]
        texts += [(f"answers.{key}", f"{simulated_person.MISREAD_LINE}我说的是：{value}。")
                  for key, value in spec.answers.items()]
        for index, objection in enumerate(spec.objections):
            texts += [(f"objections[{index}].{name}", getattr(objection, name))
                      for name in ("line", "handled_line", "ignored_line")]
        out += [SpokenLine(f"scenario {spec.id}.{field}", render_text(text, variables))
                for field, text in texts if text]
    return out


def simulator_lines() -> list[SpokenLine]:
    # Every line the simulated person can say of its own: the module's *_LINE and DEFAULT_* texts.
    names = sorted(name for name, value in vars(simulated_person).items()
                   if isinstance(value, str) and (name.endswith("_LINE") or name.startswith("DEFAULT_")))
    out = [SpokenLine(f"simulator {name}", str(getattr(simulated_person, name))) for name in names]
    out += [SpokenLine(f"simulator MOOD_LINES.{key}", text) for key, text in simulated_person.MOOD_LINES.items()]
    return out


def warning_lines(centre_name: str) -> list[SpokenLine]:
    out: list[SpokenLine] = []
    for fraud_type in tts.WARNING_TIPS:
        for surname, sex, age in (("王", "F", 67), ("李", "M", 35), ("", None, None)):
            address = tts.warning_address_form(surname, sex, age) if surname else ""
            text = tts.voice_warning_message(centre_name, surname, address, fraud_type)
            out.append(SpokenLine(f"warning {fraud_type} ({surname or '无称呼'})", text))
    return out


def sms_template_lines(settings: SmsSettings | None = None) -> list[SpokenLine]:
    """The SMS templates, rendered for a typical person (the automated voice lane reads them too)."""
    settings = settings or load_sms_settings()
    variables = {"address_form": "王阿姨", "centre_name": settings.centre_name, "fraud_type_label": "冒充公检法"}
    return [SpokenLine(f"sms {name}", template.render(settings.signature, variables))
            for name, template in (settings.templates or {}).items()]


def _phonemes(texts: Sequence[str], settings: TtsSettings) -> str:
    argv = tts.espeak_argv(settings.voice, settings.general.rate, ["-x", "-q"])
    ssml = tts.ssml_with_pauses("\n".join(texts), settings.general.sentence_pause_ms)
    try:
        result = subprocess.run(argv, input=ssml, capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ServiceError(f"无法运行 espeak-ng 检查读音：{exc}") from exc
    if result.returncode != 0:
        raise ServiceError(f"espeak-ng 检查读音失败：{result.stderr.strip()[:200]}")
    return result.stdout


def _check_chunk(lines: Sequence[tuple[SpokenLine, str]], settings: TtsSettings,
                 problems: list[PronunciationProblem]) -> None:
    phonemes = _phonemes([spoken for _line, spoken in lines], settings)
    if not SWITCH_RE.search(phonemes):
        return
    if len(lines) == 1:
        line, spoken = lines[0]
        switches = sorted(set(SWITCH_RE.findall(phonemes)))
        problems.append(PronunciationProblem(line, spoken, phonemes.strip(), "语言切换 " + " ".join(switches)))
        return
    middle = len(lines) // 2
    _check_chunk(lines[:middle], settings, problems)
    _check_chunk(lines[middle:], settings, problems)


def pronunciation_problems(lines: Iterable[SpokenLine], settings: TtsSettings) -> list[PronunciationProblem]:
    """Lines the configured voice would not read wholly in Mandarin (needs the espeak-ng command)."""
    if settings.engine != "espeak-ng":
        raise ServiceError("读音检查只适用于内置的 espeak-ng 语音引擎")
    problems: list[PronunciationProblem] = []
    prepared: list[tuple[SpokenLine, str]] = []
    for line in lines:
        spoken = speech_text(line.text)
        leftover = sorted(set(LEFTOVER_RE.findall(spoken)))
        if leftover:
            problems.append(PronunciationProblem(line, spoken, "", "未转换的字母或数字 " + "".join(leftover)))
        else:
            prepared.append((line, spoken))
    for start in range(0, len(prepared), CHUNK):
        _check_chunk(prepared[start:start + CHUNK], settings, problems)
    return problems
