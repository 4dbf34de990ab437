"""Report tables as files to compute with: an XLSX workbook (one sheet per table) or one CSV.

XLSX: a title row (the unit, the table, the date range), the header row frozen below it, numbers as
numbers with their number formats (counts ``#,##0``, shares ``0.0%``, money ``¥#,##0.00``,
durations in minutes or seconds), column widths from the content, text cells never formulas.
CSV: the same tables one after another (title line, header, rows, a blank line), UTF-8 with a BOM
so Excel on Chinese Windows opens it; a share is written as "85.1%", which a spreadsheet reads as a
number.  Personal data is masked unless told otherwise; every file is audited as 'export'.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from console.services.core import audit
from console.services.core.context import ServiceContext, ServiceError
from console.services.core.storage import atomic_write_bytes, describe_storage_error
from console.services.people.export import Table, is_formula_like, neutralise_formula, prepared_rows
from console.services.reports.cells import Cell, Share

MAX_WIDTH = 60


def _sheet_name(title: str, used: set[str]) -> str:
    base = "".join("_" if ch in "[]:*?/\\" else ch for ch in title)[:28] or "表"
    name, n = base, 2
    while name in used:
        name, n = f"{base}{n}", n + 1
    used.add(name)
    return name


def _text_width(text: str) -> int:
    """Columns a text needs in a spreadsheet: a CJK character is two."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _put(sheet: Worksheet, row: int, column: int, value: Any) -> None:
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, Cell):
        cell.value = value.value
        cell.number_format = value.number_format
        return
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        cell.value = value
        return
    cell.value = "" if value is None else str(value)
    cell.data_type = "s"  # openpyxl would otherwise write "=…" as a formula
    if is_formula_like(str(cell.value)):
        cell.quotePrefix = True


def _sheet(sheet: Worksheet, table: Table, heading: str, rows: list[list[Any]]) -> None:
    sheet.cell(row=1, column=1, value=heading).font = Font(bold=True, size=12)
    for c, header in enumerate(table.headers, start=1):
        cell = sheet.cell(row=2, column=c, value=str(header))
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    for r, row in enumerate(rows, start=3):
        for c, value in enumerate(row, start=1):
            _put(sheet, r, c, value)
    sheet.freeze_panes = "A3"
    for c, header in enumerate(table.headers, start=1):
        widest = max([_text_width(str(header)), *(_text_width(str(row[c - 1])) for row in rows)])
        sheet.column_dimensions[get_column_letter(c)].width = min(MAX_WIDTH, widest + 2)


def xlsx_bytes(tables: Sequence[Table], heading: str, *, masked: bool) -> tuple[bytes, int]:
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    workbook.remove(first)
    used: set[str] = set()
    total = 0
    for table in tables:
        rows = prepared_rows(table, masked=masked)
        total += len(rows)
        _sheet(workbook.create_sheet(_sheet_name(table.title, used)), table, f"{heading}　{table.title}", rows)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), total


def _csv_value(value: Any) -> str:
    if isinstance(value, Share):
        share = value.value
        return "" if share is None else f"{share * 100:.1f}%"
    if isinstance(value, Cell):
        number = value.value
        return "" if number is None else str(number)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return neutralise_formula("" if value is None else str(value))


def csv_bytes(tables: Sequence[Table], heading: str, *, masked: bool) -> tuple[bytes, int]:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    total = 0
    for index, table in enumerate(tables):
        if index:
            writer.writerow([])
        rows = prepared_rows(table, masked=masked)
        total += len(rows)
        writer.writerow([neutralise_formula(f"{heading}　{table.title}")])
        writer.writerow([neutralise_formula(str(h)) for h in table.headers])
        writer.writerows([_csv_value(v) for v in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig"), total


def write_tables(ctx: ServiceContext, path: str | Path, tables: Sequence[Table], span: str, *,
                 masked: bool = True) -> Path:
    """Write ``tables`` to ``path`` (.xlsx, or .csv); ``span`` is the date range for the title row."""
    ctx.require("export.data")
    target = Path(path)
    kind = "csv" if target.suffix.lower() == ".csv" else "xlsx"
    heading = f"{ctx.settings.centre.printed_name}　{span}"
    data, rows = (csv_bytes if kind == "csv" else xlsx_bytes)(tables, heading, masked=masked)
    try:
        with ctx.session() as session:
            audit.record(session, ctx.actor, "export", object_type="report", object_id=target.name[:64],
                         details={"format": kind, "sheets": len(tables), "rows": rows, "file": target.name,
                                  "masked": masked}, at=ctx.now())
            atomic_write_bytes(target, data)
    except OSError as exc:
        raise ServiceError(describe_storage_error(exc)) from exc
    return target
