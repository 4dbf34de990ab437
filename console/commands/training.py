"""The `dissuade tts` and `dissuade training` command groups: WAV export of lines and warnings, scenarios.

- ``dissuade tts export --text TEXT --out FILE.wav``: any script or scenario line as a WAV;
- ``dissuade tts warning --surname 王 --sex F --age 67 --fraud-type TYPE --out FILE.wav``: a whole
  recorded warning for the phone or a loudspeaker;
- ``dissuade training scenarios [--json]``: the rehearsal scenarios (shipped and user-made);
- ``dissuade training check``: validate the scenarios against the script library.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from console.commands.common import fail, print_json
from console.services.core.context import ServiceError
from console.services.core.settings import load_settings
from console.services.messaging import tts
from console.services.training.rehearsal import describe_scenario, scenario_catalogue, user_scenario_dir
from scripts_library.loader import ScriptLibraryError, load_library
from scripts_library.scenario_loader import ScenarioError, check_scenarios


def register(subparsers: Any) -> None:
    speech = subparsers.add_parser("tts", help="语音合成：把话术或预警语音导出为 WAV")
    sub = speech.add_subparsers(dest="tts_command", metavar="{export,warning}")
    sub.required = True
    export = sub.add_parser("export", help="把一句文字导出为 WAV")
    export.add_argument("--text", required=True, help="要朗读的文字（可含 {address_form} 等占位符）")
    export.add_argument("--out", required=True, help="输出 WAV 文件")
    export.add_argument("--rate", type=int, default=None, help="语速（每分钟字数，默认见 tts.yaml）")
    export.add_argument("--json", action="store_true", help="以 JSON 输出文件信息")
    export.set_defaults(func=handle_export)
    warning = sub.add_parser("warning", help="生成一段完整的预警提示语音")
    warning.add_argument("--surname", default="", help="姓氏（只用于称呼）")
    warning.add_argument("--sex", choices=["F", "M"], default=None)
    warning.add_argument("--age", type=int, default=None)
    warning.add_argument("--fraud-type", default="other", help="诈骗类型代码")
    warning.add_argument("--centre", default=None, help="反诈中心名称（默认见 tts.yaml）")
    warning.add_argument("--out", required=True, help="输出 WAV 文件")
    warning.add_argument("--json", action="store_true", help="以 JSON 输出文件信息和文字")
    warning.set_defaults(func=handle_warning)

    training = subparsers.add_parser("training", help="劝阻演练：场景列表与校验")
    tsub = training.add_subparsers(dest="training_command", metavar="{scenarios,check}")
    tsub.required = True
    scenarios = tsub.add_parser("scenarios", help="列出演练场景")
    scenarios.add_argument("--json", action="store_true", help="输出一个 JSON 数组")
    scenarios.set_defaults(func=handle_scenarios)
    check = tsub.add_parser("check", help="校验演练场景，有错误时返回非零")
    check.add_argument("dir", nargs="?", default=None, help="场景目录（默认：内置场景）")
    check.set_defaults(func=handle_check)


def _wav_document(info: tts.WavInfo) -> dict[str, Any]:
    return {"path": str(info.path), "duration_s": round(info.duration_s, 3), "sample_rate": info.sample_rate,
            "frames": info.frames, "peak": info.peak}


def _report(info: tts.WavInfo, as_json: bool, text: str) -> int:
    if as_json:
        print_json({**_wav_document(info), "text": text})
    else:
        print(f"已生成 {info.path}：{info.duration_s:.1f} 秒，{info.sample_rate} Hz")
    return 0


def handle_export(args: argparse.Namespace) -> int:
    try:
        settings = load_settings().tts
        info = tts.export_line(args.text, args.out, settings=settings) if args.rate is None else tts.synthesize_to_wav(
            args.text, args.out, rate=args.rate, settings=settings)
    except ServiceError as exc:
        return fail(str(exc), 1)
    return _report(info, args.json, args.text)


def handle_warning(args: argparse.Namespace) -> int:
    try:
        loaded = load_settings()
        settings = loaded.tts
        address = tts.warning_address_form(args.surname, args.sex, args.age)
        centre = args.centre or loaded.centre.unit_name or settings.centre_name
        text = tts.voice_warning_message(centre, args.surname, address, args.fraud_type)
        info = tts.synthesize_to_wav(text, args.out, settings=settings)
    except ServiceError as exc:
        return fail(str(exc), 1)
    return _report(info, args.json, text)


def handle_scenarios(args: argparse.Namespace) -> int:
    try:
        library = load_library()
        catalogue = scenario_catalogue(library)
    except (ScriptLibraryError, ScenarioError) as exc:
        return fail(str(exc), 1)
    items = [describe_scenario(s, library) for s in catalogue]
    if args.json:
        print_json([
            {"id": i.id, "title": i.title, "fraud_type": i.fraud_type, "profile_group": i.profile_group,
             "difficulty": i.difficulty, "temperament": i.temperament_label, "stage": i.stage_label,
             "user_defined": i.user_defined}
            for i in items
        ])
        return 0
    for item in items:
        mark = "（自建）" if item.user_defined else ""
        print(f"{item.id}  [{item.difficulty_label}] {item.title}{mark}  {item.fraud_type_label} · {item.temperament_label}")
    print(f"共 {len(items)} 个演练场景；自建场景目录：{user_scenario_dir()}")
    return 0


def handle_check(args: argparse.Namespace) -> int:
    try:
        library = load_library()
    except ScriptLibraryError as exc:
        return fail(str(exc), 1)
    scenarios, issues = check_scenarios(library, [args.dir] if args.dir else None)
    if issues:
        for issue in issues:
            print(str(issue), file=sys.stderr)
        print(f"演练场景有 {len(issues)} 处错误", file=sys.stderr)
        return 1
    print(f"演练场景校验通过：{len(scenarios)} 个场景")
    return 0
