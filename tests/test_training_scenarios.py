"""Rehearsal scenarios: the shipped set is complete and valid; broken files are reported by file and field."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from scripts_library.loader import load_library
from scripts_library.scenario_loader import (
    DEFAULT_SCENARIO_DIR,
    ScenarioError,
    check_scenarios,
    load_scenarios,
)

ROOT = Path(__file__).resolve().parents[1]


def test_shipped_scenarios_cover_every_fraud_type_and_the_hard_cases() -> None:
    library = load_library()
    scenarios = load_scenarios(library)
    types = {s.spec.fraud_type for s in scenarios}
    assert types == set(library.fraud_type_labels)
    tags = {tag for s in scenarios if s.spec.difficulty == "hard" for tag in s.spec.tags}
    assert {"already_transferred", "you_are_the_scammer", "romance", "secrecy_instructed"} <= tags


def write_broken(tmp_path: Path, name: str, change: dict[str, object]) -> Path:
    directory = tmp_path / "scenarios"
    directory.mkdir(exist_ok=True)
    data = yaml.safe_load((DEFAULT_SCENARIO_DIR / "fake_loan_worker_fee.yaml").read_text(encoding="utf-8"))
    data["id"] = name
    for key, value in change.items():
        target = data
        parts = key.split(".")
        for part in parts[:-1]:
            target = target[int(part)] if part.isdigit() else target[part]
        last = parts[-1]
        target[int(last) if last.isdigit() else last] = value
    (directory / f"{name}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return directory


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"fraud_type": "lottery"}, "fraud_type", "unknown fraud type 'lottery'"),
        ({"script": "no_such_script"}, "script", "unknown script 'no_such_script'"),
        ({"script": "task_rebate"}, "script", "not made for fraud type 'fake_loan'"),
        ({"person.profile_group": "astronaut"}, "person.profile_group", "unknown profile group"),
        ({"objections.0.code": "too_busy"}, "objections[0].code", "unknown objection code 'too_busy'"),
        ({"objections.0.at": "nowhere"}, "objections[0].at", "unknown node 'nowhere'"),
        ({"required_actions": ["fly_away"]}, "required_actions[0]", "unknown key action"),
        ({"fraud_type": "impersonate_leader", "script": "impersonate_leader_finance_staff",
          "objections": [], "answers": {},
          "required_actions": ["stop_transfer", "install_national_antifraud_app"]},
         "required_actions[1]", "cannot be obtained"),
        ({"temperament": "sleepy"}, "temperament", "unknown temperament"),
        ({"answers": {"check_money": "中了彩票"}}, "answers.check_money", "no response"),
        ({"opening_line": "hello?"}, "opening_line", "no Chinese"),
        ({"lines": {"check_money": "我的手机是13812345678，你打这个"}}, "lines.check_money", "personal data"),
        ({"person.age": 300}, "person.age", "less than or equal to 100"),
    ],
)
def test_broken_scenario_is_reported_with_file_and_field(tmp_path: Path, change: dict[str, object], field: str, message: str) -> None:
    directory = write_broken(tmp_path, "broken_one", change)
    scenarios, issues = check_scenarios(load_library(), [directory])
    assert "broken_one" not in scenarios
    matching = [i for i in issues if i.field == field and message in i.message]
    assert matching, [str(i) for i in issues]
    assert str(matching[0]).startswith(f"broken_one.yaml: {field}: ")


def test_load_scenarios_raises_on_a_broken_file(tmp_path: Path) -> None:
    directory = write_broken(tmp_path, "broken_two", {"stage": "later"})
    with pytest.raises(ScenarioError) as raised:
        load_scenarios(load_library(), [directory])
    assert "broken_two.yaml: stage" in str(raised.value)


def test_scripts_check_command_also_validates_scenarios(tmp_path: Path) -> None:
    library_copy = tmp_path / "lib"
    shutil.copytree(ROOT / "scripts_library" / "scripts", library_copy / "scripts")
    write_broken(library_copy, "broken_three", {"script": "missing_script"})
    result = subprocess.run(
        [sys.executable, "-m", "console.cli", "scripts", "check", str(library_copy / "scripts")],
        capture_output=True, text=True, cwd=ROOT, timeout=120, check=False,
    )
    assert result.returncode == 1
    assert "broken_three.yaml: script: unknown script 'missing_script'" in result.stderr
    clean = subprocess.run([sys.executable, "-m", "console.cli", "scripts", "check"], capture_output=True,
                           text=True, cwd=ROOT, timeout=120, check=False)
    assert clean.returncode == 0, clean.stderr
    assert "演练场景校验通过：24 个场景" in clean.stdout
