"""话务质检报告: the period's call quality reviews, averages per operator and per rubric item.

From :func:`console.services.review.summary.quality_summary`; contains no personal data (operators
by login, calls by number).  The period report prints the same averages in one short section
(:func:`quality_section`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from reportlab.platypus import Flowable, Spacer

from console.services.core.context import ServiceContext
from console.services.pdf import official
from console.services.pdf import styles as S
from console.services.people.export import Table
from console.services.reports.common import (
    Progress,
    ReportResult,
    audit_print,
    bar_chart,
    page_setup,
    report_progress,
    table_flowables,
    write_exports,
)
from console.services.review.summary import QualitySummary, quality_summary

PERMISSION = "report.print"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def quality_tables(summary: QualitySummary) -> list[Table]:
    operators = Table(("接线员", "质检通话", "平均得分", "平均得分率", "最弱项"),
                      [(o.operator, o.reviews, f"{o.average_total:.1f}", _pct(o.average_percent), o.lowest_item)
                       for o in summary.operators], title="各接线员质检得分")
    items = Table(("评分项", "评分次数", "平均得分", "满分", "平均得分率"),
                  [(i.label, i.reviews, f"{i.average_points:.1f}", i.max_points, _pct(i.average_percent))
                   for i in summary.items], title="各评分项平均得分")
    lowest = Table(("质检编号", "通话", "预警", "接线员", "得分", "评语"),
                   [(r.id, r.attempt_id, f"#{r.warning_id}", r.operator, f"{r.total}/{r.max_total}", r.comment[:40])
                    for r in summary.lowest], title="得分最低的通话")
    return [operators, items, lowest]


def quality_section(summary: QualitySummary, st: S.SheetStyles) -> list[Flowable]:
    """The period report's short 话务质检 section: the overall and per-operator averages."""
    if not summary.reviews:
        return [S.para("话务质检", st.heading), S.para("期间没有质检记录", st.body)]
    line = (f"期间质检通话 {summary.reviews} 通，平均得分率 {_pct(summary.average_percent)}；"
            + "；".join(f"{o.operator} {_pct(o.average_percent)}（{o.reviews} 通）" for o in summary.operators) + "。")
    return [S.para("话务质检", st.heading), S.para(line, st.body)]


def build_quality_report(ctx: ServiceContext, date_from: dt.date, date_to: dt.date, out: str | Path, *,
                         xlsx: str | Path | None = None, progress: Progress | None = None) -> ReportResult:
    """Write the 话务质检 report of ``date_from`` .. ``date_to`` (centre dates, inclusive) to ``out``."""
    ctx.require(PERMISSION)
    report_progress(progress, 5, "正在汇总质检记录…")
    summary = quality_summary(ctx, date_from, date_to)
    st = S.sheet_styles()
    tables = quality_tables(summary)
    span = f"{date_from.isoformat()} 至 {date_to.isoformat()}"
    rubric = "、".join(f"{item.label} {item.points} 分" for item in ctx.settings.supervision.rubric)
    report_progress(progress, 50, "正在排版…")
    story: list[Flowable] = [
        S.para(f"话务质检报告（{span}）", st.title),
        S.para(f"期间质检通话 {summary.reviews} 通，平均得分率 {_pct(summary.average_percent)}。"
               f"评分标准：{rubric}（满分 {ctx.settings.supervision.max_score} 分）。", st.body),
    ]
    if summary.items:
        story.append(bar_chart("各评分项平均得分率（%）", [i.label for i in summary.items],
                               [[i.average_percent for i in summary.items]], ["得分率"], st.font))
    story += table_flowables(tables[0], st, empty="期间没有质检记录")
    story += table_flowables(tables[1], st, empty="期间没有质检记录")
    story += table_flowables(tables[2], st, empty="期间没有质检记录",
                             col_widths=[18 * S.mm, 16 * S.mm, 18 * S.mm, 22 * S.mm, 18 * S.mm, None])
    story.append(S.para("得分率 = 得分 / 该次质检的满分；评分项的平均按评过该项的质检计算。", st.small))
    story += [Spacer(1, 6 * S.mm), official.signature_block(st, ("质检人", "审核人", "值班领导")),
              *official.contact_line(ctx, st)]
    pages = S.build_pdf(out, story, page_setup(ctx, f"话务质检报告 {span}", "话务质检"))
    xlsx_path, _csv = write_exports(ctx, tables, span, True, xlsx, None)
    audit_print(ctx, "quality", f"{date_from}..{date_to}", {"pages": pages, "file": Path(out).name, "masked": True})
    report_progress(progress, 100, "完成")
    return ReportResult("quality", Path(out), pages, True, xlsx_path)
