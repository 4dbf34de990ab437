"""What every printed report shares: number formats, labels, charts, masking, audit, progress, result.

Numbers are formatted once, in :mod:`.cells` (re-exported here: :func:`fmt_int`, :func:`fmt_rate`,
:func:`fmt_share`, :func:`fmt_minutes`, :func:`fmt_money`, :func:`fmt_lateness`) so a test can format a
figure from :class:`~console.services.stats.figures.Stats` and find exactly that text in the PDF;
codes become words in :mod:`.labels`.  Charts are reportlab.graphics drawings in black, greys and one hatch-free
fill set, legible on a monochrome printer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.platypus import Flowable, Spacer

from console.services.core import audit
from console.services.core.context import ServiceContext, allowed
from console.services.pdf import official
from console.services.pdf import styles as S
from console.services.people.export import Table
from console.services.reports.cells import fmt_int, fmt_lateness, fmt_minutes, fmt_money, fmt_rate, fmt_share
from console.services.reports.labels import (
    OUTCOME_LABELS,
    fraud_label,
    group_label,
    level_label,
    objection_label,
    outcome_label,
)
from console.services.reports.workbook import write_tables

Progress = Callable[[int, str], None]
__all__ = ["OUTCOME_LABELS", "fmt_int", "fmt_lateness", "fmt_minutes", "fmt_money", "fmt_rate", "fmt_share",
           "fraud_label", "group_label", "level_label", "objection_label", "outcome_label"]
SERIES_FILLS = (colors.Color(0.2, 0.2, 0.2), colors.Color(0.55, 0.55, 0.55), colors.Color(0.8, 0.8, 0.8),
                colors.white)


@dataclass(frozen=True)
class ReportResult:
    """A generated report: the PDF, its page count, the optional XLSX / CSV, and whether PII was masked."""

    kind: str
    path: Path
    pages: int
    masked: bool
    xlsx_path: Path | None = None
    csv_path: Path | None = None


def span_text(date_from: dt.date, date_to: dt.date) -> str:
    """"2026年11月9日" for one day, "2026年11月1日至2026年11月30日" for a range."""
    if date_from == date_to:
        return official.cn_date(date_from)
    return f"{official.cn_date(date_from)}至{official.cn_date(date_to)}"


def table_flowables(table: Table, st: S.SheetStyles, *, empty: str = "无",
                    col_widths: list[float | None] | None = None) -> list[Flowable]:
    """A heading, the ruled table (or a line saying there is nothing) and its 统计口径 clear below it."""
    items: list[Flowable] = [S.para(table.title, st.heading)]
    if not table.rows:
        items.append(S.para(empty, st.body))
    else:
        items.append(S.data_table([list(table.headers), *[[str(c) for c in r] for r in table.rows]], st,
                                  col_widths=col_widths))
    basis = getattr(table, "basis", "")
    if basis:
        items += [Spacer(1, 1.2 * S.mm), S.para(basis, st.small), Spacer(1, 1.5 * S.mm)]
    return items


def write_exports(ctx: ServiceContext, tables: Sequence[Table], span: str, masked: bool,
                  xlsx: str | Path | None, csv: str | Path | None) -> tuple[Path | None, Path | None]:
    """The report's tables as XLSX and / or CSV (each audited as 'export')."""
    xlsx_path = write_tables(ctx, xlsx, tables, span, masked=masked) if xlsx is not None else None
    csv_path = write_tables(ctx, Path(csv).with_suffix(".csv"), tables, span, masked=masked) if csv is not None else None
    return xlsx_path, csv_path


def report_progress(progress: Progress | None, percent: int, message: str) -> None:
    if progress is not None:
        progress(percent, message)


def may_see_pii(ctx: ServiceContext) -> bool:
    return allowed(ctx.actor, "pii.reveal.all")


def audit_print(ctx: ServiceContext, kind: str, object_id: object, details: dict[str, Any]) -> None:
    """One 'print' audit entry per generated report (kind, scope, pages, masked or not)."""
    with ctx.session() as session:
        audit.record(session, ctx.actor, "print", object_type="report", object_id=f"{kind}:{object_id}",
                     details={"report": kind, **details}, at=ctx.now())


# ------------------------------------------------------------------------------------------ formats


def page_setup(ctx: ServiceContext, title: str, subject: str = "") -> S.PageSetup:
    return official.page_setup(ctx, title, subject)


def short_label(text: str, limit: int = 6) -> str:
    """A chart label whole, or cut with an ellipsis (never cut silently)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def with_tail(items: Sequence[tuple[str, Sequence[float]]], keep: int, tail: str = "其他"
              ) -> list[tuple[str, list[float]]]:
    """The first ``keep - 1`` categories and the rest summed as 其他, so a chart shows every case."""
    if len(items) <= keep:
        return [(label, list(values)) for label, values in items]
    head = [(label, list(values)) for label, values in items[: keep - 1]]
    rest = [list(values) for _, values in items[keep - 1:]]
    return [*head, (tail, [float(sum(column)) for column in zip(*rest, strict=True)])]


# ------------------------------------------------------------------------------------------ charts


def _caption(drawing: Drawing, text: str, font: str) -> None:
    # The renderer starts every drawing in its initial font (Helvetica unless told): use the embedded
    # CJK font so the PDF references no unembedded font at all.
    drawing.initialFontName = font  # type: ignore[attr-defined]  # read by the renderer, not declared in the stubs
    drawing.add(String(drawing.width / 2, drawing.height - 12, text, fontName=font, fontSize=10,
                       textAnchor="middle"))


def bar_chart(title: str, categories: Sequence[str], series: Sequence[Sequence[float]],
              series_names: Sequence[str], font: str, *, stacked: bool = False,
              height: float = 62 * S.mm) -> Drawing:
    """Vertical bars (grouped or stacked), category labels turned when there are many."""
    width = S.content_width()
    drawing = Drawing(width, height)
    _caption(drawing, title, font)
    chart = VerticalBarChart()
    many = len(categories) > 8
    chart.x, chart.y = 36, 52 if many else 26
    chart.width = int(width - (150 if len(series) > 1 else 60))
    chart.height = int(height - chart.y - 22)
    chart.data = [list(s) or [0] for s in series]
    chart.categoryAxis.categoryNames = list(categories) or [""]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7
    if many:
        chart.categoryAxis.labels.angle = 35
        chart.categoryAxis.labels.boxAnchor = "ne"
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    peak = max((sum(col) for col in zip(*series, strict=True)) if stacked and series else
               (max(s, default=0) for s in series), default=0)
    chart.valueAxis.valueMax = max(1, peak * 1.1)
    if stacked:
        chart.categoryAxis.style = "stacked"
    chart.barSpacing = 1
    for i in range(len(series)):
        chart.bars[i].fillColor = SERIES_FILLS[i % len(SERIES_FILLS)]
        chart.bars[i].strokeColor = colors.black
        chart.bars[i].strokeWidth = 0.4
    drawing.add(chart)
    if len(series) > 1:
        legend = Legend()
        legend.x, legend.y = int(width - 100), int(height - 30)
        legend.fontName, legend.fontSize = font, 8
        legend.alignment = "right"
        legend.colorNamePairs = [(SERIES_FILLS[i % len(SERIES_FILLS)], name) for i, name in enumerate(series_names)]
        legend.strokeColor = colors.black
        drawing.add(legend)
    return drawing


def line_chart(title: str, labels: Sequence[str], series: Sequence[Sequence[float]], series_names: Sequence[str],
               font: str, *, height: float = 62 * S.mm, label_from: int = 5) -> Drawing:
    """A trend: one line per series, x labels thinned to at most ~10 (dates print from their month on)."""
    width = S.content_width()
    drawing = Drawing(width, height)
    styles = ("实线", "虚线", "点线", "点划线")
    key = "，".join(f"{styles[i % len(styles)]}：{name}" for i, name in enumerate(series_names))
    _caption(drawing, f"{title}（{key}）", font)
    plot = LinePlot()
    plot.x, plot.y = 36, 30
    plot.width = int(width - 60)
    plot.height = int(height - 55)
    count = max(1, len(labels))
    plot.data = [[(i, float(v)) for i, v in enumerate(s)] or [(0, 0.0)] for s in series]
    plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = 0, max(1, count - 1)
    step = max(1, count // 10)
    plot.xValueAxis.valueSteps = list(range(0, count, step))
    plot.xValueAxis.labelTextFormat = lambda v: labels[int(v)][label_from:] if 0 <= int(v) < len(labels) else ""
    plot.xValueAxis.labels.fontName = font
    plot.xValueAxis.labels.fontSize = 7
    plot.yValueAxis.valueMin = 0
    plot.yValueAxis.labels.fontName = font
    plot.yValueAxis.labels.fontSize = 7
    dashes = (None, (3, 2), (1, 2), (6, 2, 1, 2))
    for i in range(len(series)):
        plot.lines[i].strokeColor = colors.black
        plot.lines[i].strokeWidth = 1.2
        if dashes[i % len(dashes)]:
            plot.lines[i].strokeDashArray = dashes[i % len(dashes)]
    drawing.add(plot)
    return drawing
