"""The `dissuade tts` command group: speech as WAV files.

- ``dissuade tts say TEXT --out FILE.wav [--audience elderly] [--json]``: one text, normalised
  (九六幺幺零, 五万元) and spoken at the audience's rate; prints voice, seconds and path;
- ``dissuade tts export --text TEXT --out FILE.wav``: a script or scenario line (placeholders filled);
- ``dissuade tts warning --surname 王 --sex F --age 67 --fraud-type TYPE --out FILE.wav``: a whole
  recorded warning for the phone or a loudspeaker (elderly rate for elderly persons unless told);
- ``dissuade tts check [--json]``: every shipped line through ``espeak-ng -x`` with the configured
  voice; lists lines that would not be read wholly in Mandarin (exit 1 when there are any).
"""

from __future__ import annotations

import argparse
from typing import Any

from console.commands.common import fail, print_json
from console.services.core.context import ServiceError
from console.services.core.settings import AUDIENCES, TtsSettings
from console.services.messaging import tts
from console.services.messaging.speech_text import hanzi_count, speech_text
from scripts_library.rendering import ELDERLY_AGE


def register(subparsers: Any) -> None:
    speech = subparsers.add_parser("tts", help="语音合成：把文字、话术或预警语音导出为 WAV")
    sub = speech.add_subparsers(dest="tts_command", metavar="{say,export,warning}")
    sub.required = True
    say = sub.add_parser("say", help="朗读一段文字并保存为 WAV")
    say.add_argument("text", help="要朗读的文字")
    say.add_argument("--out", required=True, help="输出 WAV 文件")
    say.add_argument("--audience", choices=list(AUDIENCES), default="general",
                     help="收听对象：general（普通，默认）或 elderly（老年人，语速更慢）")
    say.add_argument("--json", action="store_true", help="以 JSON 输出 voice、seconds、path")
    say.set_defaults(func=handle_say)
    export = sub.add_parser("export", help="把一句话术导出为 WAV")
    export.add_argument("--text", required=True, help="要朗读的文字（可含 {address_form} 等占位符）")
    export.add_argument("--out", required=True, help="输出 WAV 文件")
    export.add_argument("--rate", type=int, default=None, help="语速（eSpeak NG 每分钟词数，默认见 tts.yaml）")
    export.add_argument("--json", action="store_true", help="以 JSON 输出文件信息")
    export.set_defaults(func=handle_export)
    warning = sub.add_parser("warning", help="生成一段完整的预警提示语音")
    warning.add_argument("--surname", default="", help="姓氏（只用于称呼）")
    warning.add_argument("--sex", choices=["F", "M"], default=None)
    warning.add_argument("--age", type=int, default=None)
    warning.add_argument("--fraud-type", default="other", help="诈骗类型代码")
    warning.add_argument("--centre", default=None, help="反诈中心名称（默认见 tts.yaml）")
    warning.add_argument("--audience", choices=list(AUDIENCES), default=None,
                         help=f"收听对象（默认：{ELDERLY_AGE} 岁及以上为 elderly）")
    warning.add_argument("--out", required=True, help="输出 WAV 文件")
    warning.add_argument("--json", action="store_true", help="以 JSON 输出文件信息和文字")
    warning.set_defaults(func=handle_warning)
    check = sub.add_parser("check", help="检查所有内置话术、场景、预警语音和短信模板的读音")
    check.add_argument("--json", action="store_true", help="以 JSON 输出问题列表")
    check.set_defaults(func=handle_check)


def _wav_document(info: tts.WavInfo, settings: TtsSettings, text: str) -> dict[str, Any]:
    hanzi = hanzi_count(speech_text(text))
    return {"voice": settings.voice_label, "seconds": round(info.duration_s, 3), "path": str(info.path),
            "duration_s": round(info.duration_s, 3), "sample_rate": info.sample_rate, "frames": info.frames,
            "peak": info.peak, "hanzi": hanzi,
            "seconds_per_100_hanzi": round(info.duration_s / hanzi * 100, 1) if hanzi else None}


def _report(info: tts.WavInfo, settings: TtsSettings, as_json: bool, text: str, **extra: Any) -> int:
    if as_json:
        print_json({**_wav_document(info, settings, text), "text": text, **extra})
    else:
        print(f"已生成 {info.path}：{info.duration_s:.1f} 秒，{info.sample_rate} Hz，语音 {settings.voice_label}")
    return 0


def handle_say(args: argparse.Namespace) -> int:
    try:
        settings = tts.load_tts_settings()
        info = tts.synthesize_to_wav(args.text, args.out, audience=args.audience, settings=settings)
    except ServiceError as exc:
        return fail(str(exc), 1)
    return _report(info, settings, args.json, args.text, audience=args.audience)


def handle_export(args: argparse.Namespace) -> int:
    try:
        settings = tts.load_tts_settings()
        info = tts.export_line(args.text, args.out, settings=settings) if args.rate is None else (
            tts.synthesize_to_wav(args.text, args.out, rate=args.rate, settings=settings))
    except ServiceError as exc:
        return fail(str(exc), 1)
    return _report(info, settings, args.json, args.text)


def handle_warning(args: argparse.Namespace) -> int:
    audience = args.audience or ("elderly" if args.age is not None and args.age >= ELDERLY_AGE else "general")
    try:
        settings = tts.load_tts_settings()
        address = tts.warning_address_form(args.surname, args.sex, args.age)
        text = tts.voice_warning_message(args.centre or settings.centre_name, args.surname, address, args.fraud_type)
        info = tts.synthesize_to_wav(text, args.out, audience=audience, settings=settings)
    except ServiceError as exc:
        return fail(str(exc), 1)
    return _report(info, settings, args.json, text, audience=audience)


def handle_check(args: argparse.Namespace) -> int:
    from console.services.messaging import speech_check
    from scripts_library.loader import ScriptLibraryError, load_library
    from scripts_library.scenario_loader import ScenarioError, load_scenarios

    try:
        settings = tts.load_tts_settings()
        library = load_library()
        lines = (speech_check.script_lines(library)
                 + speech_check.scenario_lines(load_scenarios(library).scenarios.values())
                 + speech_check.simulator_lines() + speech_check.warning_lines(settings.centre_name)
                 + speech_check.sms_template_lines())
        problems = speech_check.pronunciation_problems(lines, settings)
    except (ServiceError, ScriptLibraryError, ScenarioError) as exc:
        return fail(str(exc), 1)
    if args.json:
        print_json({"voice": settings.voice, "lines": len(lines),
                    "problems": [{"source": p.line.source, "text": p.line.text, "spoken": p.spoken,
                                  "reason": p.reason, "phonemes": p.phonemes} for p in problems]})
    else:
        for problem in problems:
            print(f"{problem.line.source}：{problem.reason}\n    {problem.spoken}")
        print(f"共检查 {len(lines)} 句（语音 {settings.voice}），{len(problems)} 句有问题")
    return 1 if problems else 0
