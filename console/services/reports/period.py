"""Period statistics (week / month / any range) for the centre's leadership: trends and what works.

Daily trend, success rate by fraud type and by profile group, time to first contact (median, 90th
percentile, share within the deadline) with its distribution, acknowledgement times by station,
amount protected, repeat victims — tables plus reportlab.graphics charts, from one
:class:`~console.services.stats.figures.Stats`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from reportlab.platypus import Flowable, Spacer

from console.services.core.context import ServiceContext
from console.services.pdf import official
from console.services.pdf import styles as S
from console.services.people.export import Table
from console.services.reports import tables as T
from console.services.reports.common import (
    Progress,
    ReportResult,
    audit_print,
    bar_chart,
    fmt_int,
    fmt_minutes,
    fmt_money,
    fmt_share,
    fraud_label,
    line_chart,
    may_see_pii,
    page_setup,
    report_progress,
    short_label,
    span_text,
    table_flowables,
    with_tail,
    write_exports,
)
from console.services.reports.daily import totals_grid
from console.services.reports.quality import quality_section
from console.services.review.summary import quality_summary
from console.services.stats.figures import Stats, compute_stats

PERMISSION = "report.print"


def period_tables(stats: Stats) -> list[Table]:
    return [T.totals_table(stats), T.daily_table(stats), T.fraud_type_table(stats), T.profile_table(stats),
            T.level_table(stats), T.response_table(stats), T.station_table(stats), T.outcome_table(stats),
            T.hour_table(stats)]


def headline(stats: Stats) -> str:
    t = stats.totals
    rt = stats.response_times.overall
    return (f"共接收预警 {fmt_int(t.warnings_received)} 条，已联系 {fmt_int(t.contacted)} 条，劝阻成功 "
            f"{fmt_int(t.dissuaded)} 条，劝阻成功率 {fmt_share(t.dissuaded, t.dissuaded + t.refused + t.victimized)}；首次联系用时中位数 "
            f"{fmt_minutes(rt.median_s)}，90%分位 {fmt_minutes(rt.p90_s)}；上报派出所 {fmt_int(t.escalations)} 次；"
            f"挽回/保护金额 {fmt_money(t.amount_protected)}；复骗 {fmt_int(t.repeat_victims)} 人。")


def _charts(stats: Stats, font: str) -> list[Flowable]:
    days = [d.day for d in stats.daily]
    types = with_tail([(fraud_label(r.key), (r.dissuaded, r.refused, r.victimized, r.other))
                       for r in stats.by_fraud_type], 10)
    return [
        line_chart("每日趋势", days, [[d.received for d in stats.daily], [d.dissuaded for d in stats.daily]],
                   ["接收预警", "劝阻成功"], font),
        bar_chart("各诈骗类型处置结果（条）", [short_label(label) for label, _ in types],
                  [[values[i] for _, values in types] for i in range(4)], ["劝阻成功", "拒绝", "被骗", "其他结果"],
                  font, stacked=True, height=72 * S.mm),
        bar_chart("首次联系用时分布（条）", T.histogram_labels(), [stats.response_times.histogram], ["预警"], font),
    ]


def build_period_report(ctx: ServiceContext, date_from: dt.date, date_to: dt.date, out: str | Path, *,
                        xlsx: str | Path | None = None, csv: str | Path | None = None,
                        progress: Progress | None = None) -> ReportResult:
    """Write the statistics of ``date_from`` .. ``date_to`` (local dates, inclusive) to ``out``."""
    ctx.require(PERMISSION)
    report_progress(progress, 5, "正在统计…")
    stats = compute_stats(ctx, date_from, date_to)
    report_progress(progress, 45, "正在绘制图表…")
    st = S.sheet_styles()
    tables = period_tables(stats)
    span = span_text(date_from, date_to)
    story: list[Flowable] = [
        S.para(ctx.settings.centre.printed_name, st.heading),
        S.para("预警劝阻工作统计", st.title),
        S.para(f"统计时段：{span}（{ctx.centre_clock.label}）；预警口径按接收时间，话务、上报、回访按发生时间；"
               f"生成于 {stats.generated_at}", st.small),
        S.para(headline(stats), st.body),
        S.para("总计", st.heading),
        *totals_grid(tables[0], st),
    ]
    story += _charts(stats, st.font)
    for table in tables[2:8]:
        story += table_flowables(table, st)
    story.append(bar_chart("分时段话务量（次）", [str(h) for h in range(24)], [stats.load_by_hour], ["拨打"], st.font))
    story += table_flowables(tables[1], st)
    story += quality_section(quality_summary(ctx, date_from, date_to), st)
    story += [Spacer(1, 6 * S.mm), official.signature_block(st, ("填报人", "审核人", "值班领导")),
              *official.contact_line(ctx, st)]
    report_progress(progress, 75, "正在生成 PDF…")
    pages = S.build_pdf(out, story, page_setup(ctx, f"预警劝阻工作统计 {span}", "期间统计"))
    masked = not may_see_pii(ctx)
    report_progress(progress, 92, "正在导出表格…")
    xlsx_path, csv_path = write_exports(ctx, tables, span, masked, xlsx, csv)
    audit_print(ctx, "period", f"{date_from}..{date_to}", {"pages": pages, "file": Path(out).name, "masked": masked})
    report_progress(progress, 100, "完成")
    return ReportResult("period", Path(out), pages, masked, xlsx_path, csv_path)
