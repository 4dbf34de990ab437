"""The report tables, built once from a :class:`Stats`, printed in the PDF and written to XLSX / CSV.

Each function returns a :class:`ReportTable` (headers, rows, title and the 统计口径 line from
:mod:`console.services.stats.definitions`).  Figures are typed cells (:mod:`.cells`): the PDF prints
``str(cell)``, the spreadsheet gets the number with its number format, so both hold exactly the
same figures.  Writing the files is :mod:`.workbook`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from console.services.core.vocabulary import ORDER_STATUS_LABELS, RESULT_LABELS
from console.services.people.export import Table
from console.services.reports.cells import Count, Lateness, Minutes, Money, Share
from console.services.reports.labels import (
    fraud_label,
    group_label,
    level_label,
    objection_label,
    outcome_label,
    script_title,
)
from console.services.stats.definitions import MIN_SAMPLE, basis_note, name
from console.services.stats.figures import RESPONSE_BUCKETS_MIN, GroupRow, Stats


@dataclass(frozen=True)
class ReportTable(Table):
    """A report table: also its 统计口径 line, printed under it."""

    basis: str = ""


def _decided(row: GroupRow) -> int:
    return row.dissuaded + row.refused + row.victimized


def totals_table(stats: Stats) -> ReportTable:
    t = stats.totals
    decided = t.dissuaded + t.refused + t.victimized
    cells: list[tuple[str, object]] = [
        ("warnings_received", Count(t.warnings_received)), ("contacted", Count(t.contacted)),
        ("dissuaded", Count(t.dissuaded)), ("refused", Count(t.refused)), ("victimized", Count(t.victimized)),
        ("unreachable", Count(t.unreachable)), ("false_positives", Count(t.false_positives)),
        ("pending", Count(t.pending)), ("success_rate", Share(t.dissuaded, decided)), ("late", Count(t.late)),
        ("calls", Count(t.calls)), ("connected_calls", Count(t.connected_calls)),
        ("escalations", Count(t.escalations)), ("escalations_acknowledged", Count(t.escalations_acknowledged)),
        ("escalations_success", Count(t.escalations_success)), ("follow_ups_done", Count(t.follow_ups_done)),
        ("amount_at_risk", Money(t.amount_at_risk)), ("amount_protected", Money(t.amount_protected)),
        ("repeat_victims", Count(t.repeat_victims)),
        ("key_actions_promised", Count(t.key_actions_promised)),
        ("key_actions_confirmed", Count(t.key_actions_confirmed)),
    ]
    return ReportTable(["指标", "数值"], [(name(k), v) for k, v in cells], title="总计",
                       basis=basis_note(*(k for k, _ in cells)))


GROUP_BASIS = (f"统计口径：期间接收的预警，每条按当前结果计一次；成功率 = {name('dissuaded')} ÷（{name('dissuaded')} + "
               f"{name('refused')} + {name('victimized')}），有结论不足 {MIN_SAMPLE} 条时写作“劝阻成功/有结论”；"
               "已联系、超时的口径同总计；“其他”为误报、非本人、无法联系、处理中等。")


def _group_table(rows: Sequence[GroupRow], first: str, label: Callable[[str], str], title: str) -> ReportTable:
    headers = [first, "接收", "已联系", "劝阻成功", "拒绝", "被骗", "其他", "超时", "成功率"]
    body = [[label(r.key), Count(r.received), Count(r.contacted), Count(r.dissuaded), Count(r.refused),
             Count(r.victimized), Count(r.other), Count(r.late), Share(r.dissuaded, _decided(r))] for r in rows]
    return ReportTable(headers, body, title=title, basis=GROUP_BASIS)


def level_table(stats: Stats) -> ReportTable:
    return _group_table(stats.by_level, "等级", level_label, "按等级")


def fraud_type_table(stats: Stats) -> ReportTable:
    return _group_table(stats.by_fraud_type, "诈骗类型", fraud_label, "按诈骗类型")


def profile_table(stats: Stats) -> ReportTable:
    return _group_table(stats.by_profile_group, "人群", group_label, "按人群")


def outcome_table(stats: Stats) -> ReportTable:
    total = sum(stats.by_outcome.values())
    rows = [[outcome_label(code), Count(n), Share(n, total)] for code, n in stats.by_outcome.items()]
    return ReportTable(["结果", "预警数", "占比"], rows, title="按结果",
                       basis="统计口径：期间接收的预警按当前结果分类；占比 = 该结果条数 ÷ 接收预警。")


def response_table(stats: Stats) -> ReportTable:
    rt = stats.response_times
    rows = [["全部", Count(rt.overall.count), Minutes(rt.overall.median_s), Minutes(rt.overall.p90_s),
             Share(rt.overall.within_deadline, rt.overall.count)]]
    for level, d in rt.by_level.items():
        rows.append([level_label(level), Count(d.count), Minutes(d.median_s), Minutes(d.p90_s),
                     Share(d.within_deadline, d.count)])
    return ReportTable(["等级", "已联系", "首次联系用时中位数", "90%分位", "时限内联系占比"], rows, title="响应时间",
                       basis=basis_note("median_first_contact", "within_deadline"))


def histogram_labels() -> list[str]:
    labels, low = [], 0
    for bound in RESPONSE_BUCKETS_MIN:
        labels.append(f"{low}–{bound}分")
        low = bound
    labels.append(f"{low}分以上")
    return labels


def late_table(stats: Stats) -> ReportTable:
    rows = [[f"#{i.warning_id}", level_label(i.level), fraud_label(i.fraud_type), i.received_at, i.deadline_at,
             i.first_contact_at or "未联系", Lateness(i.seconds_late), outcome_label(i.outcome)]
            for i in stats.late_items]
    return ReportTable(["预警", "等级", "类型", "接收时间", "联系时限", "首次联系", "超时", "结果"], rows,
                       title="超时预警", basis=basis_note("late", "lateness"))


def escalation_table(stats: Stats) -> ReportTable:
    rows = [[f"#{e.escalation_id}", f"#{e.warning_id}", e.station, level_label(e.level), e.created_at,
             Minutes(e.ack_s) if e.ack_s is not None else "未签收", ORDER_STATUS_LABELS.get(e.status, "—"),
             RESULT_LABELS.get(e.result or "", "—")]
            for e in stats.escalations]
    return ReportTable(["指令", "预警", "派出所", "等级", "上报时间", "签收用时", "状态", "结果"], rows,
                       title="上报派出所", basis=basis_note("escalations"))


def station_table(stats: Stats) -> ReportTable:
    rows = [[s.station, Count(s.escalations), Count(s.acknowledged), Minutes(s.median_ack_s), Minutes(s.p90_ack_s),
             Count(s.success), Count(s.failed), Count(s.open)] for s in stats.escalation_stations]
    return ReportTable(["派出所", "指令", "已签收", "签收用时中位数", "90%分位", "成功", "失败", "未办结"], rows,
                       title="派出所签收", basis=basis_note("escalations", "escalations_acknowledged"))


def notable_table(stats: Stats) -> ReportTable:
    rows = [[f"#{c.warning_id}", level_label(c.level), fraud_label(c.fraud_type), group_label(c.profile_group),
             outcome_label(c.outcome), Money(c.amount), "是" if c.escalated else "否"]
            for c in stats.notable_cases]
    return ReportTable(["预警", "等级", "类型", "人群", "结果", "涉案金额", "已上报"], rows, title="重点案例",
                       basis="统计口径：期间接收的预警中已被骗、拒绝劝阻，以及涉案 5 万元以上且劝阻成功的，最多 10 条。")


def operator_table(stats: Stats) -> ReportTable:
    rows = [[o.name, o.login, Count(o.calls), Count(o.connected), Count(o.dissuaded), Minutes(o.talk_seconds)]
            for o in stats.operators]
    return ReportTable(["姓名", "账号", "拨打", "接通", "劝阻成功", "通话时长"], rows, title="值班人员",
                       basis=basis_note("calls", "connected_calls", "operator_dissuaded"))


def daily_table(stats: Stats) -> ReportTable:
    rows = [[d.day, Count(d.received), Count(d.contacted), Count(d.dissuaded), Count(d.calls)] for d in stats.daily]
    return ReportTable(["日期", "接收预警", "已联系", "劝阻成功", "拨打电话"], rows, title="每日趋势",
                       basis=basis_note("warnings_received", "dissuaded", "calls"))


def hour_table(stats: Stats) -> ReportTable:
    rows = [[f"{h:02d}时", Count(n)] for h, n in enumerate(stats.load_by_hour)]
    return ReportTable(["时段", "拨打电话"], rows, title="分时段话务量", basis=basis_note("calls"))


SCRIPT_BASIS = ("script_uses", "script_connected", "script_decided", "success_rate")


def script_table(stats: Stats) -> ReportTable:
    rows = [[script_title(s.script_id), group_label(s.profile_group), Count(s.attempts), Count(s.connected),
             Count(s.decided), Count(s.dissuaded), Share(s.dissuaded, s.decided),
             "、".join(f"{objection_label(c)}{n}" for c, n in list(s.objections.items())[:4]) or "—"]
            for s in stats.scripts]
    return ReportTable(["话术", "人群", "使用", "接通", "有结论", "劝阻成功", "成功率", "遇到的异议（次）"], rows,
                       title="话术效果", basis=basis_note(*SCRIPT_BASIS))


def handler_table(stats: Stats) -> ReportTable:
    rows = [[script_title(s.script_id), group_label(s.profile_group), objection_label(h.objection), Count(h.calls),
             Count(h.decided), Count(h.dissuaded), Share(h.dissuaded, h.decided)]
            for s in stats.scripts for h in s.handlers]
    return ReportTable(["话术", "人群", "异议应对", "出现", "有结论", "之后劝阻成功", "成功率"], rows, title="异议应对效果",
                       basis="统计口径：出现该异议并执行对应应对话术的通话；成功率 = 其中劝阻成功 ÷ 有结论的通话。")

