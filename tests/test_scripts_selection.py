"""Script selection, variables for spoken text, the CLI group, and the no-Qt rule."""

from __future__ import annotations

import argparse
import ast
import json
import shutil
import time
from pathlib import Path

import pytest

from console.commands.scripts import register
from scripts_library.loader import DEFAULT_LIBRARY_DIR, load_library
from scripts_library.rendering import build_variables, render_text
from scripts_library.selection import select_follow_up_script, select_script

LIBRARY = load_library()


def test_profile_variant_beats_the_general_script() -> None:
    selection = select_script(LIBRARY, "task_rebate", "student")
    assert selection.script_id == "task_rebate_student"
    assert selection.reason == "刷单返利 · 学生版"
    assert selection.profile_matched


def test_general_script_for_a_profile_without_variant() -> None:
    selection = select_script(LIBRARY, "task_rebate", "elderly")
    assert selection.script_id == "task_rebate" and selection.reason.startswith("刷单返利 · 通用版")


def test_variant_for_another_profile_is_never_chosen() -> None:
    assert select_script(LIBRARY, "impersonate_leader", "student").script_id == "impersonate_leader"
    assert select_script(LIBRARY, "impersonate_leader", "finance_staff").script_id == "impersonate_leader_finance_staff"


def test_signals_pick_the_romance_variant() -> None:
    selection = select_script(LIBRARY, "fake_investment", None, ["online_romance"])
    assert selection.script_id == "fake_investment_romance"
    assert "网恋" in selection.reason and selection.matched_signals == ("online_romance",)


def test_unknown_type_falls_back_to_generic() -> None:
    selection = select_script(LIBRARY, "quantum_lottery", "elderly")
    assert selection.script_id == "generic" and selection.is_fallback
    assert "quantum_lottery" in selection.reason


def test_follow_up_script_can_be_asked_for() -> None:
    selection = select_follow_up_script(LIBRARY, "task_rebate", "student")
    assert selection.script.kind == "follow_up" and selection.script_id == "follow_up"


def test_new_fraud_type_needs_no_code_change(tmp_path: Path) -> None:
    shutil.copytree(DEFAULT_LIBRARY_DIR, tmp_path / "lib")
    common = tmp_path / "lib" / "_common.yaml"
    common.write_text(
        common.read_text(encoding="utf-8").replace("  other: 其他类型\n", "  other: 其他类型\n  fake_lottery: 虚假彩票\n"),
        encoding="utf-8",
    )
    (tmp_path / "lib" / "fake_lottery.yaml").write_text(
        "id: fake_lottery\ntitle: 虚假彩票 · 通用版\nextends: generic\nfraud_types: [fake_lottery]\n", encoding="utf-8"
    )
    library = load_library(tmp_path / "lib")
    assert select_script(library, "fake_lottery", None).reason == "虚假彩票 · 通用版"


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        ({"surname": "王", "sex": "F", "age": 70}, "王阿姨"),
        ({"surname": "张", "sex": "M", "profile_group": "elderly"}, "张叔叔"),
        ({"surname": "李", "sex": "M", "age": 20, "profile_group": "student"}, "李同学"),
        ({"surname": "赵", "sex": "F", "age": 35}, "赵女士"),
        ({"sex": "M", "age": 40}, "先生"),
        ({"surname": "周"}, "您"),
        ({}, "您"),
    ],
)
def test_address_form(profile: dict[str, object], expected: str) -> None:
    assert build_variables(profile)["address_form"] == expected


def test_variables_have_readable_defaults() -> None:
    variables = build_variables(None)
    assert variables["greeting"] == "您好" and variables["amount"] == "这笔钱"
    filled = build_variables({"amount": 35000, "app_name": "速赚", "centre_name": "某县反诈中心"})
    assert filled["amount"] == "3.5万元" and filled["app_name"] == "“速赚”"
    assert render_text("请{address_form}不要再转{amount}", filled) == "请您不要再转3.5万元"


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="dissuade")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(list(argv))
    code: int = args.func(args)
    return code


def test_cli_check_clean(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("scripts", "check") == 0
    lines = capsys.readouterr().out.strip().splitlines()
    # a summary line for the scripts, the content rules they passed, and one for the rehearsal scenarios
    assert len(lines) == 3
    assert lines[0].startswith("话术库校验通过") and lines[2].startswith("演练场景校验通过")
    assert "止付信息" in lines[1] and "涉诈线索" in lines[1]


def test_cli_check_broken_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(DEFAULT_LIBRARY_DIR, tmp_path / "lib")
    path = tmp_path / "lib" / "task_rebate.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("target: ask_actions", "target: ask_action", 1), "utf-8")
    assert run_cli("scripts", "check", str(tmp_path / "lib")) != 0
    assert "task_rebate.yaml: node 'reveal': unknown target 'ask_action'" in capsys.readouterr().err


def test_cli_list_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("scripts", "list", "--json") == 0
    items = json.loads(capsys.readouterr().out)
    by_id = {item["id"]: item for item in items}
    assert set(by_id) == set(LIBRARY.scripts)
    item = by_id["task_rebate_student"]
    assert item["fraud_types"] == ["task_rebate"] and item["profile_groups"] == ["student"]
    assert len(item["version"]) == 12 and len(item["objections"]) == 10 and item["nodes"] > 5


def test_cli_list_table_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("scripts", "list") == 0
    assert "刷单返利 · 学生版" in capsys.readouterr().out
    assert run_cli("scripts", "show", "romance_investment") == 0
    text = capsys.readouterr().out
    assert "[reveal]" in text and "@emotional_bond/emotional_last" in text and "→ 返回原处" in text
    assert run_cli("scripts", "show", "missing") == 2


def test_loading_is_fast() -> None:
    start = time.perf_counter()
    load_library(use_cache=False)
    assert time.perf_counter() - start < 1.0  # well under 200 ms normally; generous for slow CI


def test_scripts_library_never_imports_qt() -> None:
    root = Path(__file__).resolve().parent.parent
    for path in [*(root / "scripts_library").rglob("*.py"), root / "console" / "commands" / "scripts.py"]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names.append(node.module)
            assert not any(n.split(".")[0] in {"PySide6", "PyQt5", "PyQt6"} for n in names), path
