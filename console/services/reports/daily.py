"""值班日报: the duty report for one local date, printed at the end of the shift.

Totals, by level, by fraud type, by outcome, response times, late items, escalations and their
results, notable cases, operators on duty and the calls per hour — all from the day's
:class:`~console.services.stats.figures.Stats`, each table with its 统计口径 below it, and the
signature block (填报人, 审核人, 值班领导) at the foot.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from reportlab.platypus import Flowable, Spacer

from console.services.core import audit
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
    may_see_pii,
    page_setup,
    report_progress,
    span_text,
    table_flowables,
    write_exports,
)
from console.services.stats.board import headline_figures
from console.services.stats.definitions import name
from console.services.stats.figures import Stats, compute_stats

PERMISSION = "report.print"
SIGNATURES = ("填报人", "审核人", "值班领导")
__all__ = ["build_daily_report", "daily_tables", "summary_line", "table_flowables"]


def summary_line(stats: Stats) -> str:
    """The line the board also shows (今日：…): the same figures under the same names."""
    return headline_figures(stats)


def daily_tables(stats: Stats) -> list[Table]:
    """The day's tables in print order (also the XLSX sheets)."""
    return [T.totals_table(stats), T.level_table(stats), T.fraud_type_table(stats), T.outcome_table(stats),
            T.response_table(stats), T.late_table(stats), T.escalation_table(stats), T.notable_table(stats),
            T.operator_table(stats), T.hour_table(stats)]


def totals_grid(table: Table, st: S.SheetStyles) -> list[Flowable]:
    pairs = [(str(label), str(value)) for label, value in table.rows]
    return [S.key_value_table(pairs, st, columns=3, label_width=26 * S.mm), Spacer(1, 1.2 * S.mm),
            S.para(getattr(table, "basis", ""), st.small)]


def build_daily_report(ctx: ServiceContext, day: dt.date, out: str | Path, *, xlsx: str | Path | None = None,
                       csv: str | Path | None = None, progress: Progress | None = None) -> ReportResult:
    """Write the duty report of ``day`` to ``out`` (and its tables to ``xlsx`` / ``csv``)."""
    ctx.require(PERMISSION)
    report_progress(progress, 5, "正在统计当日数据…")
    stats = compute_stats(ctx, day, day)
    report_progress(progress, 40, "正在排版…")
    st = S.sheet_styles()
    tables = daily_tables(stats)
    unit = ctx.settings.centre.printed_name
    story: list[Flowable] = [
        S.para(unit, st.heading),
        S.para(f"值班日报（{official.cn_date(day)}）", st.title),
        S.para(f"统计时段：{official.cn_date(day)} 0时至24时（{ctx.centre_clock.label}）；预警口径按接收时间，"
               f"话务、上报、回访按发生时间；生成于 {stats.generated_at}", st.small),
        Spacer(1, 2 * S.mm),
        S.para("今日：" + summary_line(stats), st.body),
        S.para("总计", st.heading),
        *totals_grid(tables[0], st),
    ]
    for table in tables[1:5]:
        story += table_flowables(table, st)
    story.append(bar_chart("各等级接收与劝阻成功", [r[0] for r in tables[1].rows],
                           [[r.received for r in stats.by_level], [r.dissuaded for r in stats.by_level]],
                           [name("warnings_received"), name("dissuaded")], st.font))
    story += table_flowables(tables[5], st, empty="当日无超时预警")
    story += table_flowables(tables[6], st, empty="当日无上报派出所")
    story += table_flowables(tables[7], st, empty="当日无重点案例")
    story += table_flowables(tables[8], st, empty="当日无通话记录")
    story.append(bar_chart("分时段话务量（次）", [f"{h}" for h in range(24)], [stats.load_by_hour], ["拨打"], st.font))
    story += [Spacer(1, 6 * S.mm), official.signature_block(st, SIGNATURES), Spacer(1, 2 * S.mm),
              S.para(audit.head_line(audit.chain_head(ctx, anchor=True)) + "（本报表生成前；可与 dissuade audit verify 核对）",
                     st.small), *official.contact_line(ctx, st)]
    report_progress(progress, 70, "正在生成 PDF…")
    pages = S.build_pdf(out, story, page_setup(ctx, f"值班日报 {official.cn_date(day)}", "值班日报"))
    masked = not may_see_pii(ctx)
    if xlsx is not None or csv is not None:
        report_progress(progress, 90, "正在导出表格…")
    xlsx_path, csv_path = write_exports(ctx, tables, span_text(day, day), masked, xlsx, csv)
    audit_print(ctx, "daily", day.isoformat(), {"pages": pages, "file": Path(out).name, "masked": masked})
    report_progress(progress, 100, "完成")
    return ReportResult("daily", Path(out), pages, masked, xlsx_path, csv_path)
