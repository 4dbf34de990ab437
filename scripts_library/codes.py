"""Fixed vocabulary shared by the script library: objection, key action and disposition codes.

Each is a ``StrEnum`` whose values are the stored codes, with one Chinese label per code; the console
uses these same enums and labels (console/services/core/vocabulary.py re-exports them).

These codes are part of the project-wide contract (see DESIGN.md section 2), so they live in code.
Fraud types, profile groups and signals are *not* listed here: they are data, declared in the
library's common file, so that a new fraud type needs no code change.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class Objection(StrEnum):
    """What the person says against us."""

    DOUBTS_CALLER = "doubts_caller"
    ALREADY_PROFITED = "already_profited"
    TOLD_TO_KEEP_SECRET = "told_to_keep_secret"
    EMOTIONAL_BOND = "emotional_bond"
    SUNK_COST = "sunk_cost"
    NO_TIME = "no_time"
    AUTHORITY_CLAIM = "authority_claim"
    HOSTILE = "hostile"
    HIDE_FROM_FAMILY = "hide_from_family"
    GENUINE_NEED = "genuine_need"


class KeyAction(StrEnum):
    """What the person agrees to do."""

    STOP_TRANSFER = "stop_transfer"
    UNINSTALL_APP = "uninstall_app"
    END_SCREEN_SHARE = "end_screen_share"
    CALL_110_TO_VERIFY = "call_110_to_verify"
    TELL_FAMILY = "tell_family"
    INSTALL_NATIONAL_ANTIFRAUD_APP = "install_national_antifraud_app"
    VISIT_STATION = "visit_station"
    REPORT_CASE = "report_case"


class Disposition(StrEnum):
    """The outcome of one call attempt."""

    DISSUADED = "dissuaded"
    VICTIMIZED = "victimized"
    REFUSED = "refused"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    POWERED_OFF = "powered_off"
    INVALID_NUMBER = "invalid_number"
    HUNG_UP = "hung_up"
    FALSE_POSITIVE = "false_positive"
    WRONG_PERSON = "wrong_person"


# Outcomes of a dial that reached nobody: the call was not connected.
UNREACHED_DISPOSITIONS: Final[frozenset[Disposition]] = frozenset(
    {Disposition.NO_ANSWER, Disposition.BUSY, Disposition.POWERED_OFF, Disposition.INVALID_NUMBER}
)


# Each code's one Chinese label (StrEnum members are their code strings, so plain strings look them up too).
OBJECTION_LABELS: Final[dict[str, str]] = {
    Objection.DOUBTS_CALLER: "怀疑我们是骗子",
    Objection.ALREADY_PROFITED: "已经赚到钱/提过现",
    Objection.TOLD_TO_KEEP_SECRET: "对方让保密",
    Objection.EMOTIONAL_BOND: "感情牵绊",
    Objection.SUNK_COST: "不甘心已投入的钱",
    Objection.NO_TIME: "说自己很忙",
    Objection.AUTHORITY_CLAIM: "对方自称权威",
    Objection.HOSTILE: "态度抵触",
    Objection.HIDE_FROM_FAMILY: "不想让家人知道",
    Objection.GENUINE_NEED: "确实急需用钱",
}

KEY_ACTION_LABELS: Final[dict[str, str]] = {
    KeyAction.STOP_TRANSFER: "停止转账",
    KeyAction.UNINSTALL_APP: "卸载可疑软件",
    KeyAction.END_SCREEN_SHARE: "关闭屏幕共享",
    KeyAction.CALL_110_TO_VERIFY: "拨打110核实",
    KeyAction.TELL_FAMILY: "告知家人",
    KeyAction.INSTALL_NATIONAL_ANTIFRAUD_APP: "安装国家反诈中心App",
    KeyAction.VISIT_STATION: "到派出所当面核实",
    KeyAction.REPORT_CASE: "报案",
}

DISPOSITION_LABELS: Final[dict[str, str]] = {
    Disposition.DISSUADED: "劝阻成功",
    Disposition.VICTIMIZED: "已被骗",
    Disposition.REFUSED: "拒绝劝阻",
    Disposition.NO_ANSWER: "无人接听",
    Disposition.BUSY: "占线",
    Disposition.POWERED_OFF: "关机",
    Disposition.INVALID_NUMBER: "空号/停机",
    Disposition.HUNG_UP: "中途挂断",
    Disposition.FALSE_POSITIVE: "误报",
    Disposition.WRONG_PERSON: "非本人",
}

# The codes as plain strings, in their enum's order (for YAML, JSON and Qt item data).
OBJECTION_CODES: Final[tuple[str, ...]] = tuple(code.value for code in Objection)
KEY_ACTION_CODES: Final[tuple[str, ...]] = tuple(code.value for code in KeyAction)
DISPOSITION_CODES: Final[tuple[str, ...]] = tuple(code.value for code in Disposition)

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
