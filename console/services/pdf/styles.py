"""Shared layout for every printed sheet: A4 pages, Chinese paragraph styles, black-and-white tables.

Small API (everything a report needs, nothing more)::

    from console.services.pdf import styles as S

    st = S.sheet_styles()                       # registers the CJK font, returns a SheetStyles
    story = [
        S.para("派出所上门劝阻指令单", st.title),
        S.key_value_table([("编号", "E-12"), ("等级", "红色（最高）")], st),
        S.data_table([["任务", "状态"], ["上门劝阻", "已发送"]], st, col_widths=[40 * S.mm, None]),
    ]
    pages = S.build_pdf(out_path, story, S.PageSetup(title="指令单", centre="某某反诈中心"))

- :func:`sheet_styles` gives title / heading / body / small / cell / cell_bold / label styles in
  the embedded CJK font (:mod:`console.services.pdf.fonts`); ``scale`` shrinks every size, which a
  one-page sheet uses to fit.
- :func:`para` escapes text (``<``, ``&``) and keeps line breaks; use it for anything user-typed.
- :func:`data_table` / :func:`key_value_table` wrap every cell in a Paragraph, so long text wraps
  inside its cell and nothing runs off the page; without ``col_widths`` the widths follow the
  content (:func:`content_widths`: short texts such as names and figures never wrap mid-word),
  ``None`` entries in ``col_widths`` share the remaining width.
- Tables use black rules and a light grey header only, so they print well in black and white.
- :func:`build_pdf` draws the header (centre, title, :data:`CONFIDENTIAL_MARK`) and the footer
  "第 N 页 共 M 页" on every page and returns the page count.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table, TableStyle

from console.services.core.storage import atomic_write_bytes
from console.services.pdf.fonts import register_cjk_font

__all__ = [
    "A4",
    "CONFIDENTIAL_MARK",
    "MARGIN",
    "PageSetup",
    "SheetStyles",
    "build_pdf",
    "content_width",
    "data_table",
    "key_value_table",
    "mm",
    "para",
    "sheet_styles",
]

CONFIDENTIAL_MARK = "内部资料 注意保密"
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 15 * mm
HEADER_GAP = 8 * mm  # room for the running header above the frame
GRID = colors.black
HEADER_FILL = colors.Color(0.86, 0.86, 0.86)  # light grey: survives a monochrome printer


def content_width() -> float:
    return PAGE_WIDTH - 2 * MARGIN


@dataclass(frozen=True)
class SheetStyles:
    font: str
    bold_font: str
    title: ParagraphStyle
    heading: ParagraphStyle
    body: ParagraphStyle
    small: ParagraphStyle
    cell: ParagraphStyle
    cell_bold: ParagraphStyle
    label: ParagraphStyle


def sheet_styles(scale: float = 1.0, font_path: str | None = None) -> SheetStyles:
    """Paragraph styles in the embedded CJK font.  ``scale`` < 1 shrinks every size (fit to a page)."""
    font = register_cjk_font(font_path)

    def style(name: str, size: float, *, bold: bool = False, **extra: Any) -> ParagraphStyle:
        size = round(size * scale, 1)
        return ParagraphStyle(
            name,
            fontName=font.bold_name if bold else font.name,
            fontSize=size,
            leading=round(size * 1.35, 1),
            wordWrap="CJK",  # break between any two Chinese characters
            **extra,
        )

    return SheetStyles(
        font=font.name,
        bold_font=font.bold_name,
        title=style("SheetTitle", 17, bold=True, alignment=TA_CENTER, spaceAfter=3 * mm * scale),
        heading=style("SheetHeading", 11.5, bold=True, spaceBefore=2.5 * mm * scale, spaceAfter=1.2 * mm * scale,
                      keepWithNext=1),  # a heading never ends a page without its table
        body=style("SheetBody", 10),
        small=style("SheetSmall", 8),
        cell=style("SheetCell", 9.5),
        cell_bold=style("SheetCellBold", 9.5, bold=True),
        label=style("SheetLabel", 9.5, bold=True),
    )


def para(text: object, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text: markup characters escaped, newlines kept."""
    value = "" if text is None else str(text)
    return Paragraph(escape(value).replace("\n", "<br/>"), style)


def _widths(col_widths: Sequence[float | None] | None, columns: int, total: float) -> list[float]:
    if col_widths is None:
        return [total / columns] * columns
    fixed = sum(w for w in col_widths if w is not None)
    free = [w for w in col_widths if w is None]
    share = (total - fixed) / len(free) if free else 0.0
    return [share if w is None else w for w in col_widths]


PAD = 6.5  # left + right cell padding, and a little air
UNBREAKABLE = 10  # a text of up to this many characters (a name, a date, a figure) keeps to one line


def _text_widths(text: str, style: ParagraphStyle) -> tuple[float, float]:
    """(natural, minimum) width of a cell's text: its longest line, and what it needs not to break a word."""
    lines = text.split("\n") or [""]
    natural = max(stringWidth(line, style.fontName, style.fontSize) for line in lines)
    words = [w for line in lines for w in (line.split() if len(line) > UNBREAKABLE else [line])]
    minimum = max((stringWidth(w, style.fontName, style.fontSize) for w in words if len(w) <= UNBREAKABLE),
                  default=0.0)
    return natural + PAD, min(natural, minimum) + PAD


def content_widths(rows: Sequence[Sequence[object]], styles: SheetStyles, total: float) -> list[float]:
    """Column widths from the content: every column gets what its words need (no name or figure wraps
    mid-word), the rest of the width is shared in proportion to each column's longest text."""
    columns = max(len(r) for r in rows)
    natural, minimum = [0.0] * columns, [0.0] * columns
    for index, row in enumerate(rows):
        style = styles.cell_bold if index == 0 else styles.cell
        for c, value in enumerate(row):
            if isinstance(value, Flowable):
                continue
            n, m = _text_widths("" if value is None else str(value), style)
            natural[c], minimum[c] = max(natural[c], n), max(minimum[c], m)
    if sum(natural) <= total:
        spare = total - sum(natural)
        return [n + spare * n / sum(natural) for n in natural] if sum(natural) else [total / columns] * columns
    if sum(minimum) >= total:
        return [total * m / sum(minimum) for m in minimum]
    spare = total - sum(minimum)
    extra = [n - m for n, m in zip(natural, minimum, strict=True)]
    return [m + spare * e / sum(extra) for m, e in zip(minimum, extra, strict=True)]


def _cell(value: object, style: ParagraphStyle) -> Flowable:
    if isinstance(value, Flowable):
        return value
    return para(value, style)


def _grid_style(font: str, header: bool, extra: Sequence[tuple[Any, ...]] = ()) -> TableStyle:
    commands: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), font),  # the table's own default would pull in Helvetica
        ("GRID", (0, 0), (-1, -1), 0.6, GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL))
        commands.append(("LINEBELOW", (0, 0), (-1, 0), 1.2, GRID))
    commands.extend(extra)
    return TableStyle(commands)


def data_table(
    rows: Sequence[Sequence[object]],
    styles: SheetStyles,
    *,
    col_widths: Sequence[float | None] | None = None,
    header: bool = True,
    width: float | None = None,
) -> Table:
    """A ruled table; every cell is a wrapping Paragraph (the first row bold when ``header``)."""
    if not rows:
        raise ValueError("data_table needs at least one row")
    columns = max(len(r) for r in rows)
    cells = []
    for index, row in enumerate(rows):
        style = styles.cell_bold if header and index == 0 else styles.cell
        padded = list(row) + [""] * (columns - len(row))
        cells.append([_cell(v, style) for v in padded])
    total = width or content_width()
    table = Table(
        cells,
        colWidths=content_widths(rows, styles, total) if col_widths is None else _widths(col_widths, columns, total),
        repeatRows=1 if header else 0,
        hAlign="LEFT",
    )
    table.setStyle(_grid_style(styles.font, header))
    return table


def key_value_table(
    pairs: Sequence[tuple[str, object]],
    styles: SheetStyles,
    *,
    columns: int = 2,
    label_width: float = 22 * mm,
    width: float | None = None,
) -> Table:
    """Label/value pairs laid out ``columns`` pairs per row; labels bold on a light grey fill."""
    total = width or content_width()
    value_width = (total - columns * label_width) / columns
    rows: list[list[Flowable]] = []
    for start in range(0, len(pairs), columns):
        row: list[Flowable] = []
        chunk = list(pairs[start : start + columns])
        chunk += [("", "")] * (columns - len(chunk))
        for label, value in chunk:
            row.append(_cell(label, styles.label))
            row.append(_cell(value, styles.cell))
        rows.append(row)
    table = Table(rows, colWidths=[label_width, value_width] * columns, hAlign="LEFT")
    fills = [("BACKGROUND", (2 * c, 0), (2 * c, -1), HEADER_FILL) for c in range(columns)]
    table.setStyle(_grid_style(styles.font, False, fills))
    return table


@dataclass(frozen=True)
class PageSetup:
    """What the running header and footer show."""

    title: str
    centre: str = ""
    confidential: bool = True
    subject: str = ""
    author: str = ""
    marking: str = CONFIDENTIAL_MARK  # the 密级/内部 text (settings: centre.marking)


def _numbered_canvas(setup: PageSetup, font: str, pages: list[int]) -> Callable[..., Canvas]:
    """A canvas class that defers page output so the footer can say "共 M 页"."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._saved: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._saved.append(dict(self.__dict__))
            self._startPage()  # type: ignore[attr-defined]

        def save(self) -> None:
            total = len(self._saved)
            pages.append(total)
            for state in self._saved:
                self.__dict__.update(state)
                self._decorate(total)
                super().showPage()
            super().save()

        def _decorate(self, total: int) -> None:
            self.saveState()
            self.setFillColor(colors.black)
            self.setStrokeColor(colors.black)
            top = PAGE_HEIGHT - MARGIN + 2 * mm
            self.setFont(font, 8.5)
            self.drawString(MARGIN, top, setup.centre or "")
            if setup.confidential:
                self.drawRightString(PAGE_WIDTH - MARGIN, top, setup.marking or CONFIDENTIAL_MARK)
            self.setLineWidth(0.5)
            self.line(MARGIN, top - 1.5 * mm, PAGE_WIDTH - MARGIN, top - 1.5 * mm)
            bottom = MARGIN - 7 * mm
            self.line(MARGIN, bottom + 4 * mm, PAGE_WIDTH - MARGIN, bottom + 4 * mm)
            self.drawString(MARGIN, bottom, setup.title)
            self.drawRightString(PAGE_WIDTH - MARGIN, bottom, f"第 {self.getPageNumber()} 页 共 {total} 页")
            self.restoreState()

    return NumberedCanvas


def build_pdf(out_path: str | Path, story: list[Flowable], setup: PageSetup) -> int:
    """Write ``story`` to ``out_path`` on A4 with header/footer; returns the number of pages."""
    font = register_cjk_font()
    path = Path(out_path)
    buffer = io.BytesIO()  # built in memory, then written 0600 in one go: a report holds personal data
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + HEADER_GAP,
        bottomMargin=MARGIN,
        title=setup.title,
        author=setup.author or setup.centre,
        subject=setup.subject,
        creator="预警劝阻工作台",
        initialFontName=font.name,  # no stray, non-embedded Helvetica in the file
    )
    pages: list[int] = []
    doc.build(list(story), canvasmaker=_numbered_canvas(setup, font.name, pages))
    atomic_write_bytes(path, buffer.getvalue())
    return pages[-1] if pages else 0
