"""What a trainer checks by reading: the steps that save money and find the person, per-type handlers,
natural wording when the name is unknown, 你 for students and 您 for everyone else, and the facts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scripts_library.engine import ScriptSession
from scripts_library.loader import load_library
from scripts_library.rendering import build_variables, render_text
from scripts_library.schema import Script
from scripts_library.validator import marker_issues
from tests.test_scripts_validator import GOOD, make_library, messages

LIBRARY = load_library()
DISSUASION = sorted(s.id for s in LIBRARY if s.kind == "dissuasion")
QUOTED = re.compile(r"“[^”]*”")


def spoken(script: Script) -> list[str]:
    return [line for _ref, node in script.iter_all_nodes() for line in node.lines]


def step_text(script: Script, purpose: str) -> str:
    return "".join(line for node_id in script.nodes_with_purpose(purpose) for line in script.nodes[node_id].lines)


@pytest.mark.parametrize("script_id", DISSUASION)
def test_every_script_asks_who_answered_and_how_to_reach_the_person(script_id: str) -> None:
    session = ScriptSession(LIBRARY.get(script_id))
    labels = [r.label for r in session.responses]
    session.choose(labels.index("不是本人"))
    assert session.purpose == "wrong_person"
    text = "".join(session.lines)
    assert "什么人" in text and "找到" in text  # who they are to the person, and how to reach them now
    assert not session.finished  # it no longer just says sorry and hangs up


@pytest.mark.parametrize("script_id", DISSUASION)
def test_every_script_has_stop_payment_after_sharing_and_lead_steps(script_id: str) -> None:
    script = LIBRARY.get(script_id)
    stop = step_text(script, "stop_payment")
    assert "什么时候" in stop and "多少" in stop and "卡" in stop and "账户" in stop, stop
    secure = step_text(script, "secure_device")
    assert "密码" in secure and ("贷款" in secure or "借款" in secure) and "删" in secure, secure
    leads = step_text(script, "leads")
    for word in ("电话", "账户", "链接", "App", "群"):
        assert word in leads, (word, leads)


def test_stop_payment_guidance_no_longer_sends_the_person_to_110_while_talking_to_police() -> None:
    script = LIBRARY.get("generic")
    guide = "".join(script.nodes["stop_payment_guide"].lines)
    assert "110" not in guide
    assert "不要再往任何账户转钱" in guide and "冻结" in guide and "银行卡背面的客服电话" in guide


@pytest.mark.parametrize("script_id", DISSUASION)
def test_no_script_uses_a_handler_that_names_another_types_specifics(script_id: str) -> None:
    script = LIBRARY.get(script_id)
    assert marker_issues(script, LIBRARY.type_markers) == []


def test_types_answer_their_own_objections() -> None:
    base_types = [s for s in LIBRARY if s.kind == "dissuasion" and s.fraud_types and not s.profile_groups
                  and s.id != "other" and s.lineage == ("generic.yaml", s.source)]
    assert len(base_types) >= 12
    for script in base_types:
        own = [code for code, source in script.handler_sources.items() if source == script.source]
        assert len(own) >= 2, (script.id, own)
    # the shared emotional-bond handler no longer talks about meeting in person
    assert "见面" not in "".join(LIBRARY.common_objections["emotional_bond"].lines)
    assert "贷款" not in "".join(LIBRARY.common_objections["genuine_need"].lines)


def test_marker_rule_catches_a_handler_borrowed_from_another_type(tmp_path: Path) -> None:
    script = GOOD + """objections:
  emotional_bond:
    lines: ['没见过面之前，先别给网恋对象转钱。']
"""
    common = (tmp_path / "_common.yaml")
    make_library(tmp_path, script)
    common.write_text(common.read_text(encoding="utf-8").replace(
        "fraud_types: {demo: 演示类型}",
        "fraud_types: {demo: 演示类型, romance_investment: 网恋}\ntype_markers: {romance_investment: [见面, 见过面, 网恋]}",
    ), encoding="utf-8")
    found = messages(tmp_path)
    assert any("@emotional_bond" in m and "romance_investment specifics (见过面、网恋)" in m for m in found), found


def test_vocative_address_form_is_rejected(tmp_path: Path) -> None:
    make_library(tmp_path, GOOD.replace("'谢谢配合。'", "'{address_form}，谢谢配合。'"))
    assert any("use '{salutation}'" in m for m in messages(tmp_path))


def test_missing_steps_and_identity_first_are_reported(tmp_path: Path) -> None:
    broken = GOOD.replace("purpose: stop_payment", "").replace("      - {label: 不是本人, target: who}\n", "")
    make_library(tmp_path, broken)
    found = messages(tmp_path)
    assert "demo.yaml: demo: no reachable step with purpose 'stop_payment'" in found
    assert "demo.yaml: node 'opening': the start step must offer the wrong-person step (identity first)" in found


def test_register_rule_and_informal_scripts(tmp_path: Path) -> None:
    make_library(tmp_path, GOOD.replace("'谢谢配合。'", "'谢谢你的配合。'"))
    assert any("says '你' in a formal step" in m for m in messages(tmp_path))
    make_library(tmp_path, GOOD.replace("fallback: true", "fallback: true\naddress: informal"))
    assert messages(tmp_path) == []  # 您 is turned into 你 for an informal script


@pytest.mark.parametrize("script_id", sorted(s.id for s in LIBRARY))
def test_unknown_name_reads_naturally(script_id: str) -> None:
    variables = build_variables()
    for line in spoken(LIBRARY.get(script_id)):
        text = render_text(line, variables)
        assert not text.startswith("您，") and "，您，" not in text, text


def test_known_name_is_used_as_the_salutation() -> None:
    handler = LIBRARY.get("generic").objections["no_time"]
    line = render_text(handler.lines[0], build_variables({"surname": "王", "sex": "F", "age": 70}))
    assert line == "王阿姨，我只占您一分钟。"
    assert render_text(handler.lines[0], build_variables()) == "我只占您一分钟。"


@pytest.mark.parametrize("script_id", sorted(s.id for s in LIBRARY))
def test_students_hear_ni_and_everyone_else_nin(script_id: str) -> None:
    script = LIBRARY.get(script_id)
    profile = {"surname": "林", "profile_group": "student"} if "student" in script.profile_groups else {}
    session = ScriptSession(script, build_variables(profile))
    to_person = [line for _ref, node in script.iter_all_nodes() if node.address != "formal" for line in node.lines]
    rendered = [render_text(line, session.variables) for line in to_person]
    others = [ref for ref, node in script.iter_all_nodes() if node.address == "formal"]
    assert set(others) <= {"wrong_person", "relay_warning", "close_wrong_person"}  # whoever answered: 您
    if "student" in script.profile_groups:
        assert script.address == "informal"
        assert not any("您" in text for text in rendered), [t for t in rendered if "您" in t]
        assert rendered[0].startswith("林同学，你好")
    else:
        assert not any("你" in QUOTED.sub("", text) for text in rendered), [t for t in rendered if "你" in t]


def test_facts_are_where_they_belong() -> None:
    def text(script_id: str) -> str:
        return "".join(spoken(LIBRARY.get(script_id)))

    assert "刷单本身就是违法的" in text("task_rebate") and "饵" in text("task_rebate")
    authority = text("impersonate_authority")
    assert "安全账户" in authority and "不会通过电话或者视频办案" in authority
    elderly = LIBRARY.get("impersonate_authority_elderly")
    assert "银行工作人员" in "".join(elderly.nodes["at_bank"].lines)
    assert any(r.target == "at_bank" for r in elderly.nodes["check_activity"].responses)
    for script_id in ("impersonate_leader", "impersonate_leader_finance_staff", "romance_investment",
                      "fake_investment_romance"):
        assert "AI" in text(script_id), script_id
    assert "原来存的号码" in text("impersonate_leader")
    # the good lines stay
    assert "您不用相信我，但请先别相信对方。" in text("generic")
    assert "真正的客服退款，直接原路退回" in text("fake_customer_service")
    assert "征信是人民银行管的" in text("fake_credit_repair")


WHO_TO_INVOLVE = {
    "elderly": ("孩子", "社区", "家里人"),
    "student": ("辅导员", "学校"),
    "finance_staff": ("财务负责人",),
    "business_owner": ("武装部", "会计"),
    "young_adult": ("工友", "家里人"),
}


@pytest.mark.parametrize("script_id", sorted(s.id for s in LIBRARY if s.profile_groups))
def test_profile_variants_differ_where_it_matters(script_id: str) -> None:
    script = LIBRARY.get(script_id)
    own_nodes = [n for n, source in script.node_sources.items() if source == script.source]
    own_handlers = [c for c, source in script.handler_sources.items() if source == script.source]
    assert len(own_nodes) + len(own_handlers) >= 3, (own_nodes, own_handlers)
    involved = "".join(line for n in own_nodes for line in script.nodes[n].lines)
    group = script.profile_groups[0]
    assert any(word in involved for word in WHO_TO_INVOLVE[group]), (group, involved)


def test_printed_student_script_says_ni_to_the_student() -> None:
    from scripts_library.rendering import render_script_text

    script = LIBRARY.get("task_rebate_student")
    text = render_script_text(script)
    with_nin = [line for line in text.splitlines() if "您" in line]
    assert "打扰你一下" in text and "对方让你装的软件" in text
    formal = "".join(line for node_id in ("wrong_person", "relay_warning", "close_wrong_person")
                     for line in script.nodes[node_id].lines)
    assert all(line.strip().strip("“”") in formal for line in with_nin), with_nin
