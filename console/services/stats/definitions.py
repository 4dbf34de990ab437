"""Every figure the centre prints or shows, defined once: its name, its 统计口径 and where it is computed.

The documents print :func:`basis_note` under each table, the supervisor board names its tiles with
:func:`name`, ``dissuade stats --json`` carries :func:`as_dict`, and ``docs/FIGURES.md`` is this
table written out (``tests/test_documents.py`` checks that it lists every figure).  A figure is
computed in exactly one place, named by ``source``; changing a definition means changing it here
and there, nowhere else.

Two cohorts:

- **预警口径** (``warnings``): the warnings *received* in the range (by the centre's clock), with
  their state as of the moment the figures are computed;
- **发生口径** (``activity``): what *happened* in the range — a call by its start time, an order by
  its creation, a follow-up by its completion.

A share whose denominator is below :data:`MIN_SAMPLE` is printed as the two counts ("1/3"), not
as a percentage.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

MIN_SAMPLE = 10  # below this many cases a share is printed as "part/whole"


@dataclass(frozen=True)
class Figure:
    key: str
    name: str
    basis: str  # 统计口径, printed under the table
    cohort: str  # "warnings" or "activity"
    source: str  # the function that computes it
    unit: str = "count"  # count | share | money | duration


_W, _A = "warnings", "activity"
_G = "stats.figures._warning_groups"
FIGURES: dict[str, Figure] = {f.key: f for f in (
    Figure("warnings_received", "接收预警", "期间内接收的预警条数（按接收时间）", _W, _G),
    Figure("contacted", "已联系", "接收的预警中至少有一次接通的条数", _W, _G),
    Figure("dissuaded", "劝阻成功", "接收的预警中结果为“劝阻成功”的条数（每条预警计一次，不论拨打几次）", _W, _G),
    Figure("refused", "拒绝劝阻", "接收的预警中结果为“拒绝劝阻”的条数", _W, _G),
    Figure("victimized", "已被骗", "接收的预警中结果为“已被骗”的条数", _W, _G),
    Figure("unreachable", "无法联系", "接收的预警中以无人接听、占线、关机或空号结案的条数", _W, _G),
    Figure("false_positives", "误报", "接收的预警中核实为误报的条数", _W, _G),
    Figure("pending", "处理中", "接收的预警中尚未结案的条数", _W, _G),
    Figure("success_rate", "劝阻成功率", "劝阻成功 ÷（劝阻成功 + 拒绝劝阻 + 已被骗），按预警计；"
           "话术报表中按以这三种结果结束的通话计", _W, _G, "share"),
    Figure("late", "超时", "首次接通晚于该等级的联系时限，或未接通而结案时（未结案的按统计时刻）已过时限的预警条数", _W,
           "stats.figures._late_expr"),
    Figure("calls", "拨打电话", "期间内发起的呼叫次数（按呼叫开始时间，含未接通）", _A, "stats.figures._calls"),
    Figure("connected_calls", "接通", "期间内发起且接通的呼叫次数", _A, "stats.figures._calls"),
    Figure("escalations", "上报派出所", "期间内下达的派出所指令数（按下达时间）", _A, "stats.figures._escalations"),
    Figure("escalations_acknowledged", "派出所已签收", "期间内下达且已签收的指令数", _A, "stats.figures._escalations"),
    Figure("escalations_success", "上门成功", "期间内下达、结果为成功的指令数", _A, "stats.figures._escalations"),
    Figure("follow_ups_done", "完成回访", "期间内完成的回访次数（按完成时间）", _A, "stats.figures.compute_stats"),
    Figure("amount_at_risk", "涉案金额", "接收的预警登记的涉案金额之和", _W, _G, "money"),
    Figure("amount_protected", "挽回/保护金额", "期间内劝阻成功的通话登记的保护金额之和（按呼叫时间）", _A,
           "stats.figures._calls", "money"),
    Figure("repeat_victims", "复骗人数", "期间内被骗、且此前已被预警或曾受骗的人数", _W,
           "stats.figures._repeat_victims"),
    Figure("key_actions_promised", "承诺关键动作", "期间内通话中当事人承诺的关键动作项数（按呼叫时间，每次通话每项计一次）", _A,
           "stats.key_actions.key_action_rows"),
    Figure("key_actions_confirmed", "核实关键动作", "期间内经接线员核实或回访确认已落实的关键动作项数（按呼叫时间）", _A,
           "stats.key_actions.key_action_rows"),
    Figure("median_first_contact", "首次联系用时中位数", "接收的预警从接收到首次接通的用时中位数（仅已接通的）", _W,
           "stats.figures._response_times", "duration"),
    Figure("within_deadline", "时限内联系占比", "已接通的预警中首次接通不晚于联系时限的比例", _W,
           "stats.figures._response_times", "share"),
    Figure("lateness", "超时时长", "首次接通（未接通的按结案时刻，未结案的按统计时刻）晚于联系时限的时长，精确到秒", _W,
           "stats.figures._late_items", "duration"),
    Figure("operator_dissuaded", "劝阻成功（值班人员）", "接收的预警中劝阻成功的条数，记在最后一次劝阻成功通话的"
           "接线员名下，合计等于“劝阻成功”", _W, "stats.operators.operator_dissuaded"),
    Figure("script_uses", "使用", "期间内使用该话术发起的呼叫次数（含未接通）", _A, "stats.scripts.script_rows"),
    Figure("script_connected", "接通（话术）", "其中接通的次数", _A, "stats.scripts.script_rows"),
    Figure("script_decided", "有结论", "其中以劝阻成功、拒绝劝阻或已被骗结束的通话次数", _A,
           "stats.scripts.script_rows"),
)}


def figure(key: str) -> Figure:
    return FIGURES[key]


def name(key: str) -> str:
    return FIGURES[key].name


def basis_note(*keys: str) -> str:
    """The 统计口径 line printed under a table: "统计口径：接收预警——…；劝阻成功——…"."""
    return "统计口径：" + "；".join(f"{FIGURES[k].name}——{FIGURES[k].basis}" for k in keys) + "。"


def as_dict() -> dict[str, dict[str, str]]:
    return {key: {k: v for k, v in asdict(f).items() if k != "key"} for key, f in FIGURES.items()}


def markdown() -> str:
    """The definitions as the table in docs/FIGURES.md."""
    cohorts = {_W: "预警口径", _A: "发生口径"}
    lines = ["| 指标 | 统计口径 | 口径 | 计算 |", "|---|---|---|---|"]
    lines += [f"| {f.name} | {f.basis} | {cohorts[f.cohort]} | `{f.source}` |" for f in FIGURES.values()]
    return "\n".join(lines)
