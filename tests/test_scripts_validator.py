"""The validator passes on the shipped library and catches each kind of error in small broken ones."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from scripts_library.codes import OBJECTION_CODES
from scripts_library.loader import DEFAULT_LIBRARY_DIR, ScriptLibraryError, check_library, load_library

FRAUD_TYPES = [
    "task_rebate", "fake_investment", "fake_loan", "fake_customer_service", "fake_credit_repair",
    "impersonate_authority", "impersonate_leader", "romance_investment", "fake_shopping", "game_trading",
    "impersonate_military_purchase", "elderly_health_pension", "tool_person", "other",
]  # fmt: skip

COMMON = """
kind: common
fraud_types: {demo: 演示类型}
profile_groups: {student: 学生}
signals: {}
objections:
"""
for _code in OBJECTION_CODES:
    COMMON += f"  {_code}:\n    lines: ['请您先别转账。']\n"

GOOD = """
id: demo
title: 演示话术
fallback: true
fraud_types: [demo]
start: opening
nodes:
  opening:
    lines: ['{address_form}您好，我是{centre_name}的工作人员。']
    responses:
      - {label: 愿意听, target: reveal}
      - {label: 不是本人, target: who}
  who:
    purpose: wrong_person
    lines: ['请问您是机主的什么人？现在怎么能找到他？']
    responses:
      - {label: 留下了联系方式, target: close_wrong}
  reveal:
    lines: ['对方接下来会让您交解冻费。']
    checks: [money_moved]
    responses:
      - {label: 明白了, target: close, grants: [stop_transfer]}
      - {label: 说出了对方的号码, target: leads}
      - {label: 开着屏幕共享, target: secure}
      - {label: 已经转过钱, target: stop}
  secure:
    purpose: secure_device
    lines: ['请删掉那个软件，改掉支付密码。']
    responses:
      - {label: 答应照做, target: leads}
  stop:
    purpose: stop_payment
    lines: ['钱是什么时候转的，转了多少？']
    responses:
      - {label: 说清了, target: leads}
  leads:
    purpose: leads
    lines: ['对方用什么号码联系您？']
    responses:
      - {label: 提供了线索, target: close}
  close:
    lines: ['谢谢配合。']
    end: true
    disposition: dissuaded
  close_wrong:
    lines: ['谢谢您，打扰了。']
    end: true
    disposition: wrong_person
"""


def make_library(tmp_path: Path, script: str = GOOD, name: str = "demo.yaml") -> Path:
    (tmp_path / "_common.yaml").write_text(COMMON, encoding="utf-8")
    (tmp_path / name).write_text(textwrap.dedent(script), encoding="utf-8")
    return tmp_path


def messages(tmp_path: Path) -> list[str]:
    _library, issues = check_library(tmp_path)
    return [str(issue) for issue in issues]


def test_shipped_library_is_clean() -> None:
    library, issues = check_library()
    assert [str(i) for i in issues] == []
    assert len(library) >= 20


def test_every_fraud_type_has_a_general_script_and_there_is_a_fallback_and_follow_up() -> None:
    library = load_library()
    for code in FRAUD_TYPES:
        assert any(code in s.fraud_types and s.is_general and s.kind == "dissuasion" for s in library), code
    assert sum(s.fallback for s in library) == 1
    assert any(s.kind == "follow_up" for s in library)
    for group in ["elderly", "student", "young_adult", "finance_staff", "business_owner"]:
        assert any(group in s.profile_groups for s in library), group


def test_shipped_scripts_override_handlers_where_it_matters() -> None:
    library = load_library()
    assert library.get("romance_investment").handler_sources["emotional_bond"] == "romance_investment.yaml"
    assert library.get("impersonate_authority").handler_sources["told_to_keep_secret"] == (
        "impersonate_authority.yaml"
    )
    assert library.get("generic").handler_sources["doubts_caller"] == "_common.yaml"


def test_minimal_library_is_clean(tmp_path: Path) -> None:
    assert messages(make_library(tmp_path)) == []


def test_unknown_target_names_file_and_node(tmp_path: Path) -> None:
    make_library(tmp_path, GOOD.replace("target: close,", "target: clos,"))
    assert "demo.yaml: node 'reveal': unknown target 'clos'" in messages(tmp_path)


def test_unreachable_node(tmp_path: Path) -> None:
    extra = GOOD + """
  orphan:
    lines: ['没人会走到这里。']
    end: true
    disposition: refused
"""
    make_library(tmp_path, extra)
    assert "demo.yaml: node 'orphan': unreachable from the start" in messages(tmp_path)


def test_loop_with_no_exit(tmp_path: Path) -> None:
    broken = GOOD.replace("{label: 愿意听, target: reveal}", "{label: 愿意听, target: loop_a}") + """
  loop_a:
    lines: ['第一句。']
    responses: [{label: 继续, target: loop_b}]
  loop_b:
    lines: ['第二句。']
    responses: [{label: 再来, target: loop_a}]
"""
    found = messages(make_library(tmp_path, broken))
    assert any("loop with no exit: loop_a → loop_b → loop_a" in m for m in found), found


def test_node_that_cannot_reach_an_end(tmp_path: Path) -> None:
    broken = GOOD.replace("{label: 愿意听, target: reveal}", "{label: 愿意听, target: reveal}\n      - {label: 否, target: stuck}")
    broken += """
  stuck:
    lines: ['这里走不出去。']
    responses: [{label: 继续, target: stuck2}]
  stuck2:
    lines: ['还是走不出去。']
    responses: [{label: 还是, target: stuck2}]
"""
    found = messages(make_library(tmp_path, broken))
    assert "demo.yaml: node 'stuck': cannot reach an end node" in found, found
    assert any("loop with no exit: stuck2" in m for m in found)


def test_undefined_variable(tmp_path: Path) -> None:
    make_library(tmp_path, GOOD.replace("{centre_name}", "{center}"))
    assert "demo.yaml: node 'opening': undefined variable '{center}' in line" in messages(tmp_path)


def test_missing_objection_handler(tmp_path: Path) -> None:
    make_library(tmp_path)
    common = (tmp_path / "_common.yaml").read_text(encoding="utf-8")
    (tmp_path / "_common.yaml").write_text(common.replace("  hostile:\n    lines: ['请您先别转账。']\n", ""), "utf-8")
    assert any("objection 'hostile' not handled" in m for m in messages(tmp_path))


def test_unknown_objection_code_and_handler_that_never_returns(tmp_path: Path) -> None:
    broken = GOOD + """
objections:
  grumpy:
    lines: ['您别生气。']
  hostile:
    lines: ['您别生气。']
    responses: [{label: 继续, target: calm}]
    steps:
      calm:
        lines: ['我们慢慢说。']
        responses: [{label: 继续, target: calm}]
"""
    found = messages(make_library(tmp_path, broken))
    assert "demo.yaml: node '@grumpy': unknown objection code 'grumpy'" in found
    assert any(m.startswith("demo.yaml: node '@hostile/calm': loop with no exit") for m in found), found


def test_missing_chinese_text(tmp_path: Path) -> None:
    make_library(tmp_path, GOOD.replace("['谢谢配合。']", "['Thank you.']"))
    assert any("node 'close': line has no Chinese text" in m for m in messages(tmp_path))
    make_library(tmp_path, GOOD.replace("lines: ['谢谢配合。']", "lines: []"))
    assert any("node 'close': no lines to say" in m for m in messages(tmp_path))


def test_unknown_key_action_and_disposition(tmp_path: Path) -> None:
    broken = GOOD.replace("grants: [stop_transfer]", "grants: [pay_more]").replace("disposition: dissuaded", "disposition: happy")
    found = messages(make_library(tmp_path, broken))
    assert "demo.yaml: node 'reveal': unknown key action 'pay_more'" in found
    assert "demo.yaml: node 'close': unknown disposition 'happy'" in found


def test_schema_errors_point_at_node(tmp_path: Path) -> None:
    found = messages(make_library(tmp_path, GOOD.replace("      - {label: 明白了", "      - {lable: 明白了")))
    assert any(m.startswith("demo.yaml: node 'reveal': responses.0") for m in found), found


def test_invalid_yaml_and_unknown_parent(tmp_path: Path) -> None:
    make_library(tmp_path)
    (tmp_path / "bad.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    (tmp_path / "child.yaml").write_text("id: child\ntitle: 子话术\nextends: nowhere\n", encoding="utf-8")
    found = messages(tmp_path)
    assert any(m.startswith("bad.yaml: invalid YAML") for m in found), found
    assert "child.yaml: extends unknown script 'nowhere'" in found


def test_load_library_raises_with_all_issues(tmp_path: Path) -> None:
    make_library(tmp_path, GOOD.replace("target: close,", "target: clos,"))
    with pytest.raises(ScriptLibraryError) as info:
        load_library(tmp_path)
    assert any(issue.node == "reveal" for issue in info.value.issues)


def test_load_library_cache_notices_changes(tmp_path: Path) -> None:
    shutil.copytree(DEFAULT_LIBRARY_DIR, tmp_path / "lib")
    first = load_library(tmp_path / "lib")
    assert load_library(tmp_path / "lib") is first
    path = tmp_path / "lib" / "task_rebate.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    second = load_library(tmp_path / "lib")
    assert second is not first
    assert second.get("task_rebate").version != first.get("task_rebate").version
    # the variant inherits from task_rebate, so its version changes too
    assert second.get("task_rebate_student").version != first.get("task_rebate_student").version
    assert second.get("fake_loan").version == first.get("fake_loan").version
