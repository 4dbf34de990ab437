"""Script effectiveness (话术效果分析), the basis for 复盘: which script works for whom, which objection
came up, and which handler was followed by success.  Contains no personal data."""

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
    objection_label,
    page_setup,
    report_progress,
    short_label,
    span_text,
    table_flowables,
    with_tail,
    write_exports,
)
from console.services.stats.figures import Stats, compute_stats
from console.services.stats.scripts import reviewed_script_rows

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
    ordered = with_tail([(objection_label(c), v) for c, v in sorted(met.items(), key=lambda kv: -kv[1][0])], 12)
    return bar_chart("各类异议出现次数与之后劝阻成功次数", [short_label(c) for c, _ in ordered],
                     [[v[0] for _, v in ordered], [v[1] for _, v in ordered]], ["出现", "之后成功"], font)


def build_scripts_report(ctx: ServiceContext, date_from: dt.date, date_to: dt.date, out: str | Path, *,
                         xlsx: str | Path | None = None, csv: str | Path | None = None,
                         progress: Progress | None = None, min_quality: float | None = None) -> ReportResult:
    """The script report; ``min_quality`` (percent) keeps only the calls a 话务质检 review scored that high."""
    ctx.require(PERMISSION)
    report_progress(progress, 5, "正在统计话术使用情况…")
    stats = compute_stats(ctx, date_from, date_to)
    if min_quality is not None:
        stats.scripts = reviewed_script_rows(ctx, date_from, date_to, min_quality)
    st = S.sheet_styles()
    tables = script_tables(stats)
    span = span_text(date_from, date_to)
    report_progress(progress, 50, "正在排版…")
    story: list[Flowable] = [
        S.para(ctx.settings.centre.printed_name, st.heading),
        S.para("话术效果分析", st.title),
        S.para(f"统计时段：{span}（{ctx.centre_clock.label}），按话术与当事人人群统计期间发起的呼叫；"
               f"成功率与其他报表同一口径（劝阻成功 ÷ 有结论）。生成于 {stats.generated_at}", st.small),
    ]
    if min_quality is not None:
        story.append(S.para(f"本表仅统计经话务质检、得分率不低于 {min_quality:g}% 的通话"
                            f"（共 {sum(r.attempts for r in stats.scripts)} 通）。", st.body))
    if stats.scripts:
        story.append(_objection_chart(stats, st.font))
    story += table_flowables(tables[0], st, empty="期间没有使用话术的通话")
    story += table_flowables(tables[1], st, empty="期间没有出现异议")
    story += [Spacer(1, 6 * S.mm), official.signature_block(st, ("填报人", "审核人")), *official.contact_line(ctx, st)]
    pages = S.build_pdf(out, story, page_setup(ctx, f"话术效果分析 {span}", "话术效果"))
    xlsx_path, csv_path = write_exports(ctx, tables, span, True, xlsx, csv)
    audit_print(ctx, "scripts", f"{date_from}..{date_to}", {"pages": pages, "file": Path(out).name, "masked": True,
                                                            "min_quality": min_quality})
    report_progress(progress, 100, "完成")
    return ReportResult("scripts", Path(out), pages, True, xlsx_path, csv_path)
