"""Fixed vocabulary shared by the script library: objection, key action and disposition codes.

These codes are part of the project-wide contract (see DESIGN.md section 2), so they live in code.
Fraud types, profile groups and signals are *not* listed here: they are data, declared in the
library's common file, so that a new fraud type needs no code change.
"""

from __future__ import annotations

from typing import Final

OBJECTION_LABELS: Final[dict[str, str]] = {
    "doubts_caller": "怀疑我们是骗子",
    "already_profited": "已经赚到钱/提过现",
    "told_to_keep_secret": "对方让保密",
    "emotional_bond": "感情牵绊",
    "sunk_cost": "不甘心已投入的钱",
    "no_time": "说自己很忙",
    "authority_claim": "对方自称权威",
    "hostile": "态度抵触",
    "hide_from_family": "不想让家人知道",
    "genuine_need": "确实急需用钱",
}

KEY_ACTION_LABELS: Final[dict[str, str]] = {
    "stop_transfer": "停止转账",
    "uninstall_app": "卸载可疑软件",
    "end_screen_share": "关闭屏幕共享",
    "call_110_to_verify": "拨打110核实",
    "tell_family": "告知家人",
    "install_national_antifraud_app": "安装国家反诈中心App",
    "visit_station": "到派出所当面核实",
    "report_case": "报案",
}

DISPOSITION_LABELS: Final[dict[str, str]] = {
    "dissuaded": "劝阻成功",
    "victimized": "已被骗",
    "refused": "拒绝劝阻",
    "no_answer": "无人接听",
    "busy": "占线",
    "powered_off": "关机",
    "invalid_number": "空号/停机",
    "hung_up": "中途挂断",
    "false_positive": "误报",
    "wrong_person": "非本人",
}

OBJECTION_CODES: Final[tuple[str, ...]] = tuple(OBJECTION_LABELS)
KEY_ACTION_CODES: Final[tuple[str, ...]] = tuple(KEY_ACTION_LABELS)
DISPOSITION_CODES: Final[tuple[str, ...]] = tuple(DISPOSITION_LABELS)

# Placeholders a line may use; build_variables() in rendering.py fills every one of them.
KNOWN_VARIABLES: Final[frozenset[str]] = frozenset(
    {
        "address_form",
        "greeting",
        "surname",
        "amount",
        "app_name",
        "centre_name",
        "fraud_contact",
        "salutation",
    }
)

# What a step is for, when it matters beyond its text.  The console opens the matching form
# (a relative's contact, the stop-payment facts, leads) and `dissuade scripts check` requires that
# every dissuasion script has a reachable step of each REQUIRED_STEP_PURPOSES.
STEP_PURPOSE_LABELS: Final[dict[str, str]] = {
    "wrong_person": "非本人：问清关系和联系方式",
    "stop_payment": "止付：问清转账信息",
    "secure_device": "共享屏幕或远程软件之后的处置",
    "leads": "收集涉诈线索",
}
STEP_PURPOSES: Final[tuple[str, ...]] = tuple(STEP_PURPOSE_LABELS)
REQUIRED_STEP_PURPOSES: Final[tuple[str, ...]] = STEP_PURPOSES

# Checking questions an operator can put at any moment; a step lists the ones that belong to it
# (`checks:`).  In a rehearsal the simulated person answers them, and only the right question
# brings a hidden fact to light.
CHECK_QUESTION_LABELS: Final[dict[str, str]] = {
    "still_on_call": "现在是不是还有人在另一部电话、另一个App里跟您通着话？",
    "screen_share": "手机上有没有开着屏幕共享，或者装了远程控制软件？",
    "money_moved": "钱是不是已经转出去了，包括别人替您操作转的？",
    "codes_given": "有没有把短信验证码、密码告诉过别人？",
    "loans_taken": "对方有没有让您在网上借过钱、开过贷款？",
    "account_holder": "转账用的是谁的卡、谁的账户？",
    "phone_user": "这部手机平时是谁在用？",
    "who_introduced": "这件事最早是谁介绍给您的？",
    "where_now": "您现在人在哪里？是不是在银行？",
}
CHECK_QUESTION_CODES: Final[tuple[str, ...]] = tuple(CHECK_QUESTION_LABELS)


def check_question_text(code: str, address: str = "formal") -> str:
    """The question as the operator says it: 你 for an informal (student) script."""
    text = CHECK_QUESTION_LABELS.get(code, code)
    return text.replace("您", "你") if address == "informal" else text

# Address registers: students are spoken to with 你 throughout, everyone else with 您.
ADDRESS_REGISTERS: Final[tuple[str, ...]] = ("formal", "informal")

# Special response target inside an objection handler: go back to where the objection was raised.
RETURN_TARGET: Final[str] = "return"

# Kinds of script a library can hold.
SCRIPT_KINDS: Final[tuple[str, ...]] = ("dissuasion", "follow_up")
