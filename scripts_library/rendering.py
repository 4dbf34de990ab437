"""Turning script text into spoken lines: the variable dict built from a person profile, and
rendering of lines and whole scripts (the latter for `dissuade scripts show` and printing).

Lines use placeholders such as ``{address_form}`` (王阿姨 / 李同学 / 您), ``{amount}``, ``{app_name}``.
Every placeholder gets a sensible default, so a line always reads well even when little is known.
``{salutation}`` is the vocative at the head of a sentence ("王阿姨，"), and empty when no title can
be chosen, so "{salutation}我只占您一分钟。" never becomes "您，我只占您一分钟。".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from scripts_library.codes import DISPOSITION_LABELS, KEY_ACTION_LABELS, OBJECTION_LABELS
from scripts_library.schema import Node, Script

ELDERLY_AGE = 55
MINOR_AGE = 18

DEFAULT_VARIABLES: Mapping[str, str] = {
    "address_form": "您",
    "greeting": "您好",
    "surname": "",
    "amount": "这笔钱",
    "app_name": "对方让您装的软件",
    "centre_name": "公安局反诈中心",
    "fraud_contact": "对方",
    "salutation": "",
}


@dataclass(frozen=True)
class PersonProfile:
    """What the operator knows about the person; every field may be unknown."""

    surname: str | None = None
    sex: str | None = None  # 'F', 'M' or None
    age: int | None = None
    profile_group: str | None = None
    amount: float | int | str | None = None
    app_name: str | None = None
    centre_name: str | None = None
    fraud_contact: str | None = None

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> PersonProfile:
        """Build from a plain dict, ignoring keys this class does not know."""
        names = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in names})


def address_title(sex: str | None, age: int | None, profile_group: str | None) -> str | None:
    """The respectful title for this person, or None when it cannot be chosen safely."""
    sex_code = (sex or "").strip().upper()[:1] or None
    if profile_group == "student" or (age is not None and age <= MINOR_AGE):
        return "同学"
    elderly = profile_group == "elderly" or (age is not None and age >= ELDERLY_AGE)
    if sex_code == "F":
        return "阿姨" if elderly else "女士"
    if sex_code == "M":
        return "叔叔" if elderly else "先生"
    return None


def format_amount(amount: float | int | str | None) -> str:
    """5000 -> '5000元', 35000 -> '3.5万元'; text is kept as given; unknown -> '这笔钱'."""
    if amount is None or amount == "":
        return DEFAULT_VARIABLES["amount"]
    if isinstance(amount, str):
        return amount
    if amount >= 10000:
        return f"{round(amount / 10000, 2):g}万元"
    return f"{round(amount, 2):g}元"


def build_variables(profile: PersonProfile | Mapping[str, Any] | None = None) -> dict[str, str]:
    """The full variable dict for rendering lines, with defaults for anything unknown."""
    if profile is None:
        profile = PersonProfile()
    elif not isinstance(profile, PersonProfile):
        profile = PersonProfile.from_mapping(profile)
    variables = dict(DEFAULT_VARIABLES)
    surname = (profile.surname or "").strip()
    title = address_title(profile.sex, profile.age, profile.profile_group)
    if title is not None:
        variables["address_form"] = f"{surname}{title}"
        variables["greeting"] = f"{surname}{title}，您好"
        variables["salutation"] = f"{surname}{title}，"
    variables["surname"] = surname
    variables["amount"] = format_amount(profile.amount)
    if profile.app_name:
        variables["app_name"] = f"“{profile.app_name}”"
    if profile.centre_name:
        variables["centre_name"] = profile.centre_name
    if profile.fraud_contact:
        variables["fraud_contact"] = profile.fraud_contact
    return variables


def informal_variables(variables: Mapping[str, str]) -> dict[str, str]:
    """The same variables for a script spoken with 你 (students): "李同学，你好", "对方让你装的软件"."""
    return {key: value.replace("您", "你") for key, value in variables.items()}


class _Defaults(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return DEFAULT_VARIABLES.get(key, "{" + key + "}")


def render_text(text: str, variables: Mapping[str, str] | None = None) -> str:
    """Fill placeholders; unknown or missing ones fall back to defaults instead of failing."""
    values = _Defaults(variables or {})
    try:
        return text.format_map(values)
    except (ValueError, IndexError, AttributeError):
        return text


def _render_node(ref: str, node: Node, variables: Mapping[str, str]) -> list[str]:
    head = f"[{ref}] {node.title}".rstrip()
    out = [head]
    if node.hint:
        out.append(f"    （提示：{node.hint}）")
    out += [f"    “{render_text(line, variables)}”" for line in node.lines]
    if node.grants:
        out.append("    取得：" + "、".join(KEY_ACTION_LABELS.get(g, g) for g in node.grants))
    for index, response in enumerate(node.responses, start=1):
        target = "返回原处" if response.target == "return" else response.target
        grants = ""
        if response.grants:
            grants = "（取得：" + "、".join(KEY_ACTION_LABELS.get(g, g) for g in response.grants) + "）"
        out.append(f"    {index}. {render_text(response.label, variables)} → {target}{grants}")
    if node.end:
        label = DISPOSITION_LABELS.get(node.disposition or "", node.disposition or "")
        out.append(f"    ■ 结束，建议结果：{label}（{node.disposition}）")
    return out


def render_script_text(
    script: Script,
    variables: Mapping[str, str] | None = None,
    fraud_type_labels: Mapping[str, str] | None = None,
    profile_group_labels: Mapping[str, str] | None = None,
) -> str:
    """The whole script as readable text: header, nodes in order, then objection handlers."""
    ft_labels = fraud_type_labels or {}
    pg_labels = profile_group_labels or {}
    values = dict(variables) if variables is not None else dict(DEFAULT_VARIABLES)
    if script.address == "informal":
        values = informal_variables(values)
    out = [
        f"话术：{script.title}（{script.id}）",
        f"版本：{script.version}    类型：{script.kind}",
        "诈骗类型：" + ("、".join(ft_labels.get(c, c) for c in script.fraud_types) or "（通用）"),
        "适用人群：" + ("、".join(pg_labels.get(c, c) for c in script.profile_groups) or "（不限）"),
    ]
    if script.description:
        out.append(f"说明：{script.description}")
    out += ["", f"起始节点：{script.start}", "", "== 流程 =="]
    for node_id, node in script.nodes.items():
        out += _render_node(node_id, node, values)
        out.append("")
    out.append("== 异议处理（任何时候可用，处理完回到原处） ==")
    for code, handler in script.objections.items():
        source = script.handler_sources.get(code, "")
        out.append(f"-- {OBJECTION_LABELS.get(code, code)}（{code}，来自 {source}）")
        out += _render_node(f"@{code}", handler.entry_node(), values)
        for step_id, step in handler.steps.items():
            out += _render_node(f"@{code}/{step_id}", step, values)
        out.append("")
    return "\n".join(out).rstrip() + "\n"
