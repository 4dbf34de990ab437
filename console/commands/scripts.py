"""The `dissuade scripts` command group: check, list and show the script library (no database needed).

console/cli.py calls `register(subparsers)`; each subcommand sets `func=handler`, where
`handler(args) -> int` returns the exit code.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from pathlib import Path
from typing import Any

from scripts_library.codes import KNOWN_VARIABLES, OBJECTION_CODES
from scripts_library.loader import ScriptLibraryError, check_library, load_library
from scripts_library.rendering import render_script_text
from scripts_library.scenario_loader import check_scenarios


def register(subparsers: Any) -> None:
    """Add the `scripts` parser and its subcommands to an argparse subparsers object."""
    parser = subparsers.add_parser("scripts", help="检查、列出和查看劝阻话术库")
    sub = parser.add_subparsers(dest="scripts_command", metavar="{check,list,show}")
    sub.required = True

    check = sub.add_parser("check", help="校验话术库，有错误时返回非零")
    check.add_argument("dir", nargs="?", default=None, help="话术目录（默认：内置话术库）")
    check.set_defaults(func=handle_check)

    listing = sub.add_parser("list", help="列出全部话术")
    listing.add_argument("--json", action="store_true", help="输出一个 JSON 数组")
    listing.add_argument("--dir", default=None, help="话术目录（默认：内置话术库）")
    listing.set_defaults(func=handle_list)

    show = sub.add_parser("show", help="以可读文本显示一条话术")
    show.add_argument("id", help="话术 ID")
    show.add_argument("--dir", default=None, help="话术目录（默认：内置话术库）")
    show.add_argument("--raw", action="store_true", help="保留 {变量} 占位符，不代入默认值")
    show.set_defaults(func=handle_show)


def handle_check(args: argparse.Namespace) -> int:
    library, issues = check_library(args.dir)
    if issues:
        for issue in issues:
            print(str(issue), file=sys.stderr)
        print(f"话术库有 {len(issues)} 处错误", file=sys.stderr)
        return 1
    nodes = sum(len(script.nodes) for script in library)
    print(f"话术库校验通过：{len(library)} 条话术，{nodes} 个节点，目录 {library.path}")
    dissuasion = sum(1 for script in library if script.kind == "dissuasion")
    print(f"  {dissuasion} 条劝阻话术均含：先确认本人（非本人时问清关系和联系方式）、止付信息、"
          "屏幕共享后的处置、涉诈线索；异议应对不借用其他类型的内容；学生用“你”，其他人用“您”。")
    scenario_dir = Path(library.path).parent / "scenarios"  # rehearsal scenarios live next to the scripts
    if scenario_dir.is_dir():
        scenarios, scenario_issues = check_scenarios(library, [scenario_dir])
        if scenario_issues:
            for scenario_issue in scenario_issues:
                print(str(scenario_issue), file=sys.stderr)
            print(f"演练场景有 {len(scenario_issues)} 处错误", file=sys.stderr)
            return 1
        print(f"演练场景校验通过：{len(scenarios)} 个场景")
    return 0


def _load_or_report(directory: str | None) -> Any:
    try:
        return load_library(directory)
    except ScriptLibraryError as exc:
        print(str(exc), file=sys.stderr)
        print("请先运行 `dissuade scripts check` 修正错误", file=sys.stderr)
        return None


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def handle_list(args: argparse.Namespace) -> int:
    library = _load_or_report(args.dir)
    if library is None:
        return 2
    if args.json:
        items = [
            {
                "id": script.id,
                "title": script.title,
                "kind": script.kind,
                "version": script.version,
                "fraud_types": list(script.fraud_types),
                "profile_groups": list(script.profile_groups),
                "signals": list(script.signals),
                "fallback": script.fallback,
                "objections": [code for code in OBJECTION_CODES if code in script.objections],
                "nodes": len(script.nodes),
            }
            for script in library
        ]
        print(json.dumps(items, ensure_ascii=False, indent=2))
        return 0
    rows = [("话术ID", "名称", "诈骗类型", "适用人群", "节点", "版本")]
    for script in library:
        types = "、".join(library.fraud_type_label(c) for c in script.fraud_types) or "（通用）"
        if script.kind == "follow_up":
            types = "（回访）"
        groups = "、".join(library.profile_group_label(c) for c in script.profile_groups) or "不限"
        rows.append((script.id, script.title, types, groups, str(len(script.nodes)), script.version))
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip())
    print(f"共 {len(library)} 条话术")
    return 0


def handle_show(args: argparse.Namespace) -> int:
    library = _load_or_report(args.dir)
    if library is None:
        return 2
    if args.id not in library:
        print(f"没有这条话术：{args.id}（可用 `dissuade scripts list` 查看）", file=sys.stderr)
        return 2
    print(
        render_script_text(
            library.get(args.id),
            variables={name: "{" + name + "}" for name in KNOWN_VARIABLES} if args.raw else None,
            fraud_type_labels=library.fraud_type_labels,
            profile_group_labels=library.profile_group_labels,
        ),
        end="",
    )
    return 0
