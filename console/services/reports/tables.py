"""The report tables, built once from a :class:`Stats`, printed in the PDF and written to the XLSX.

Each function returns an :class:`console.services.people.export.Table` (headers + rows, text already
formatted as printed), so the spreadsheet holds exactly the figures on paper.  :func:`write_xlsx`
puts several tables in one workbook (one sheet each) with the export module's masking and formula
neutralisation, and writes the 'export' audit entry.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from console.services.core import audit
from console.services.core.context import ServiceContext, ServiceError
from console.services.core.storage import atomic_write_bytes, describe_storage_error
from console.services.core.vocabulary import DISPOSITION_LABELS, ORDER_STATUS_LABELS, RESULT_LABELS
from console.services.people.export import Table, is_formula_like, prepared_rows
from console.services.reports.common import (
    OUTCOME_LABELS,
    fmt_int,
    fmt_minutes,
    fmt_money,
    fmt_rate,
    fraud_label,
    group_label,
    level_label,
    objection_label,
    outcome_label,
)
from console.services.stats.figures import RESPONSE_BUCKETS_MIN, GroupRow, Stats


def totals_table(stats: Stats) -> Table:
    t = stats.totals
    rows = [
        ("接收预警", fmt_int(t.warnings_received)), ("已联系", fmt_int(t.contacted)),
        (DISPOSITION_LABELS["dissuaded"], fmt_int(t.dissuaded)), (DISPOSITION_LABELS["refused"], fmt_int(t.refused)),
        (DISPOSITION_LABELS["victimized"], fmt_int(t.victimized)), ("无法联系", fmt_int(t.unreachable)),
        (DISPOSITION_LABELS["false_positive"], fmt_int(t.false_positives)), (OUTCOME_LABELS["pending"], fmt_int(t.pending)),
        ("劝阻成功率", fmt_rate(t.success_rate)), ("超时", fmt_int(t.late)),
        ("拨打电话", fmt_int(t.calls)), ("接通", fmt_int(t.connected_calls)),
        ("上报派出所", fmt_int(t.escalations)), ("派出所已签收", fmt_int(t.escalations_acknowledged)),
        ("上门成功", fmt_int(t.escalations_success)), ("完成回访", fmt_int(t.follow_ups_done)),
        ("涉案金额", fmt_money(t.amount_at_risk)), ("挽回/保护金额", fmt_money(t.amount_protected)),
        ("复骗人数", fmt_int(t.repeat_victims)),
        ("关键动作（已承诺）", fmt_int(t.key_actions_promised)), ("关键动作（已核实）", fmt_int(t.key_actions_confirmed)),
    ]
    return Table(["指标", "数值"], rows, title="总计")


def _group_table(rows: Sequence[GroupRow], first: str, label: object, title: str) -> Table:
    headers = [first, "接收", "已联系", "劝阻成功", "拒绝", "被骗", "其他", "超时", "成功率"]
    body = [[label(r.key), fmt_int(r.received), fmt_int(r.contacted), fmt_int(r.dissuaded),  # type: ignore[operator]
             fmt_int(r.refused), fmt_int(r.victimized), fmt_int(r.other), fmt_int(r.late), fmt_rate(r.success_rate)]
            for r in rows]
    return Table(headers, body, title=title)


def level_table(stats: Stats) -> Table:
    return _group_table(stats.by_level, "等级", level_label, "按等级")


def fraud_type_table(stats: Stats) -> Table:
    return _group_table(stats.by_fraud_type, "诈骗类型", fraud_label, "按诈骗类型")


def profile_table(stats: Stats) -> Table:
    return _group_table(stats.by_profile_group, "人群", group_label, "按人群")


def outcome_table(stats: Stats) -> Table:
    total = sum(stats.by_outcome.values())
    rows = [[outcome_label(code), fmt_int(n), fmt_rate(n / total if total else None)]
            for code, n in stats.by_outcome.items()]
    return Table(["结果", "预警数", "占比"], rows, title="按结果")


def response_table(stats: Stats) -> Table:
    rt = stats.response_times
    rows = [["全部", fmt_int(rt.overall.count), fmt_minutes(rt.overall.median_s), fmt_minutes(rt.overall.p90_s),
             fmt_rate(rt.overall.within_share)]]
    for level, d in rt.by_level.items():
        rows.append([level_label(level), fmt_int(d.count), fmt_minutes(d.median_s), fmt_minutes(d.p90_s),
                     fmt_rate(d.within_share)])
    return Table(["等级", "已联系", "首次联系用时中位数", "90%分位", "时限内联系占比"], rows, title="响应时间")


def histogram_labels() -> list[str]:
    labels, low = [], 0
    for bound in RESPONSE_BUCKETS_MIN:
        labels.append(f"{low}–{bound}分")
        low = bound
    labels.append(f"{low}分以上")
    return labels


def late_table(stats: Stats) -> Table:
    rows = [[f"#{i.warning_id}", level_label(i.level), fraud_label(i.fraud_type), i.received_at, i.deadline_at,
             i.first_contact_at or "未联系", fmt_int(i.minutes_late), outcome_label(i.outcome)]
            for i in stats.late_items]
    return Table(["预警", "等级", "类型", "接收时间", "联系时限", "首次联系", "超时(分)", "结果"], rows, title="超时预警")


def escalation_table(stats: Stats) -> Table:
    rows = [[f"#{e.escalation_id}", f"#{e.warning_id}", e.station, level_label(e.level), e.created_at,
             fmt_minutes(e.ack_s) if e.ack_s is not None else "未签收", ORDER_STATUS_LABELS.get(e.status, e.status),
             RESULT_LABELS.get(e.result or "", "—")]
            for e in stats.escalations]
    return Table(["指令", "预警", "派出所", "等级", "上报时间", "签收用时", "状态", "结果"], rows, title="上报派出所")


def station_table(stats: Stats) -> Table:
    rows = [[s.station, fmt_int(s.escalations), fmt_int(s.acknowledged), fmt_minutes(s.median_ack_s),
             fmt_minutes(s.p90_ack_s), fmt_int(s.success), fmt_int(s.failed), fmt_int(s.open)]
            for s in stats.escalation_stations]
    return Table(["派出所", "指令", "已签收", "签收用时中位数", "90%分位", "成功", "失败", "未办结"], rows,
                 title="派出所签收")


def notable_table(stats: Stats) -> Table:
    rows = [[f"#{c.warning_id}", level_label(c.level), fraud_label(c.fraud_type), group_label(c.profile_group),
             outcome_label(c.outcome), fmt_money(c.amount), "是" if c.escalated else "否"]
            for c in stats.notable_cases]
    return Table(["预警", "等级", "类型", "人群", "结果", "涉案金额", "已上报"], rows, title="重点案例")


def operator_table(stats: Stats) -> Table:
    rows = [[o.name, o.login, fmt_int(o.calls), fmt_int(o.connected), fmt_int(o.dissuaded),
             fmt_minutes(o.talk_seconds)] for o in stats.operators]
    return Table(["姓名", "账号", "拨打", "接通", "劝阻成功", "通话时长"], rows, title="值班人员")


def daily_table(stats: Stats) -> Table:
    rows = [[d.day, fmt_int(d.received), fmt_int(d.contacted), fmt_int(d.dissuaded), fmt_int(d.calls)]
            for d in stats.daily]
    return Table(["日期", "接收预警", "已联系", "劝阻成功", "拨打电话"], rows, title="每日趋势")


def hour_table(stats: Stats) -> Table:
    rows = [[f"{h:02d}时", fmt_int(n)] for h, n in enumerate(stats.load_by_hour)]
    return Table(["时段", "拨打电话"], rows, title="分时段话务量")


def script_table(stats: Stats) -> Table:
    rows = [[s.script_id, group_label(s.profile_group), fmt_int(s.attempts), fmt_int(s.connected),
             fmt_int(s.dissuaded), fmt_rate(s.success_rate),
             "、".join(f"{objection_label(c)}{n}" for c, n in list(s.objections.items())[:4]) or "—"]
            for s in stats.scripts]
    return Table(["话术", "人群", "使用", "接通", "劝阻成功", "成功率", "遇到的异议（次）"], rows, title="话术效果")


def handler_table(stats: Stats) -> Table:
    rows = [[s.script_id, group_label(s.profile_group), objection_label(h.objection), fmt_int(h.calls),
             fmt_int(h.dissuaded), fmt_rate(h.success_rate)]
            for s in stats.scripts for h in s.handlers]
    return Table(["话术", "人群", "异议应对", "使用", "之后劝阻成功", "成功率"], rows, title="异议应对效果")


def write_xlsx(ctx: ServiceContext, path: str | Path, tables: Sequence[Table], *, masked: bool = True) -> Path:
    """One workbook, one sheet per table; text cells never become formulas.  Audited as 'export'."""
    ctx.require("export.data")
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    workbook.remove(first)
    total_rows = 0
    for table in tables:
        sheet = workbook.create_sheet("".join("_" if ch in "[]:*?/\\" else ch for ch in table.title)[:31] or "表")
        rows = prepared_rows(table, masked=masked)
        total_rows += len(rows)
        for r, row in enumerate([list(table.headers), *rows], start=1):
            for c, value in enumerate(row, start=1):
                cell = sheet.cell(row=r, column=c, value=value if isinstance(value, (int, float)) else str(value))
                if isinstance(cell.value, str):
                    cell.data_type = "s"
                    if is_formula_like(cell.value):
                        cell.quotePrefix = True
                if r == 1:
                    cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    target = Path(path)
    try:
        with ctx.session() as session:
            audit.record(session, ctx.actor, "export", object_type="report", object_id=target.name[:64],
                         details={"format": "xlsx", "sheets": len(tables), "rows": total_rows, "file": target.name,
                                  "masked": masked}, at=ctx.now())
            atomic_write_bytes(target, buffer.getvalue())
    except OSError as exc:
        raise ServiceError(describe_storage_error(exc)) from exc
    return target
