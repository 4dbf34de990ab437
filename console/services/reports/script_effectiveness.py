"""Script effectiveness (话术效果分析), the basis for 复盘: which script works for whom, which objection
came up, and which handler was followed by success.  Contains no personal data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from reportlab.platypus import Flowable

from console.services.core.context import ServiceContext
from console.services.pdf import styles as S
from console.services.people.export import Table
from console.services.reports import tables as T
from console.services.reports.common import (
    Progress,
    ReportResult,
    audit_print,
    bar_chart,
    objection_label,
    page_setup,
    report_progress,
)
from console.services.reports.daily import table_flowables
from console.services.stats.figures import Stats, compute_stats

PERMISSION = "stats.view"


def script_tables(stats: Stats) -> list[Table]:
    return [T.script_table(stats), T.handler_table(stats)]


def _objection_chart(stats: Stats, font: str) -> Flowable:
    met: dict[str, list[int]] = {}
    for row in stats.scripts:
        for handler in row.handlers:
            pair = met.setdefault(handler.objection, [0, 0])
            pair[0] += handler.calls
            pair[1] += handler.dissuaded
    ordered = sorted(met.items(), key=lambda kv: -kv[1][0])
    return bar_chart("各类异议出现次数与之后劝阻成功次数", [objection_label(c)[:6] for c, _ in ordered],
                     [[v[0] for _, v in ordered], [v[1] for _, v in ordered]], ["出现", "之后成功"], font)


def build_scripts_report(ctx: ServiceContext, date_from: dt.date, date_to: dt.date, out: str | Path, *,
                         xlsx: str | Path | None = None, progress: Progress | None = None) -> ReportResult:
    ctx.require(PERMISSION)
    report_progress(progress, 5, "正在统计话术使用情况…")
    stats = compute_stats(ctx, date_from, date_to)
    st = S.sheet_styles()
    tables = script_tables(stats)
    span = f"{date_from.isoformat()} 至 {date_to.isoformat()}"
    report_progress(progress, 50, "正在排版…")
    story: list[Flowable] = [
        S.para(f"话术效果分析（{span}）", st.title),
        S.para("按话术与人群统计期间拨打的电话：成功率 = 劝阻成功 / 接通；异议应对的成功率为出现该异议、"
               f"执行对应应对话术的通话中最终劝阻成功的比例。生成于 {stats.generated_at}", st.small),
    ]
    if stats.scripts:
        story.append(_objection_chart(stats, st.font))
    widths: list[float | None] = [38 * S.mm, 20 * S.mm, 13 * S.mm, 13 * S.mm, 16 * S.mm, 16 * S.mm, None]
    story += table_flowables(tables[0], st, empty="期间没有使用话术的通话", col_widths=widths)
    story += table_flowables(tables[1], st, empty="期间没有出现异议",
                             col_widths=[38 * S.mm, 22 * S.mm, None, 16 * S.mm, 24 * S.mm, 18 * S.mm])
    pages = S.build_pdf(out, story, page_setup(f"话术效果分析 {span}", "话术效果"))
    xlsx_path = T.write_xlsx(ctx, xlsx, tables, masked=True) if xlsx is not None else None
    audit_print(ctx, "scripts", f"{date_from}..{date_to}", {"pages": pages, "file": Path(out).name, "masked": True})
    report_progress(progress, 100, "完成")
    return ReportResult("scripts", Path(out), pages, True, xlsx_path)
