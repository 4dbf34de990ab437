"""The `dissuade training` command group: rehearsal scenarios (speech is `dissuade tts`).

- ``dissuade training scenarios [--json]``: the rehearsal scenarios (shipped and user-made);
- ``dissuade training check``: validate the scenarios against the script library.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from console.commands.common import fail, print_json
from console.services.training.rehearsal import describe_scenario, scenario_catalogue, user_scenario_dir
from scripts_library.loader import ScriptLibraryError, load_library
from scripts_library.scenario_loader import ScenarioError, check_scenarios


def register(subparsers: Any) -> None:
    training = subparsers.add_parser("training", help="劝阻演练：场景列表与校验")
    tsub = training.add_subparsers(dest="training_command", metavar="{scenarios,check}")
    tsub.required = True
    scenarios = tsub.add_parser("scenarios", help="列出演练场景")
    scenarios.add_argument("--json", action="store_true", help="输出一个 JSON 数组")
    scenarios.set_defaults(func=handle_scenarios)
    check = tsub.add_parser("check", help="校验演练场景，有错误时返回非零")
    check.add_argument("dir", nargs="?", default=None, help="场景目录（默认：内置场景）")
    check.set_defaults(func=handle_check)


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
