"""CSV and XLSX export of tables (lists, report tables), masked by default and audited.

- CSV is UTF-8 with a byte-order mark so Excel opens Chinese text correctly.
- A cell that a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage
  return) is neutralised: a leading apostrophe in CSV, a plain text cell in XLSX.
- Personal data is masked unless an authorised user asks for clear values with a reason; every
  export writes an audit entry (format, row count, file name, masked or not).
- Files are written atomically: a full disk leaves no half file, and the message says so.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from console.services.core import audit
from console.services.core.clock import CentreClock
from console.services.core.context import ServiceContext, ServiceError
from console.services.core.masking import mask_account
from console.services.core.storage import atomic_write_bytes, describe_storage_error
from console.services.people.privacy import mask_text, mask_value

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class Table:
    """Column headers, rows, and which columns hold personal data (column index → field kind).

    Field kinds are those of :func:`console.services.people.privacy.mask_value` ("name", "phone",
    "id_number", "address", …, "account"); every other text cell is still scanned for numbers that
    look personal.
    """

    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]
    pii_columns: Mapping[int, str] = field(default_factory=dict)
    title: str = "导出"


@dataclass(frozen=True)
class ExportResult:
    path: Path
    format: str
    rows: int
    masked: bool


def neutralise_formula(text: str) -> str:
    """Prefix an apostrophe to text a spreadsheet would otherwise evaluate."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_PREFIXES)


def _mask_cell(value: Any, kind: str | None) -> Any:
    if not isinstance(value, str):
        return value
    if kind == "account":
        return mask_account(value)
    return mask_value(kind, value) if kind else mask_text(value)


def prepared_rows(table: Table, *, masked: bool = True) -> list[list[Any]]:
    """The rows as they will be written: masked (unless told otherwise), one list per row."""
    width = len(table.headers)
    rows: list[list[Any]] = []
    for row in table.rows:
        cells = list(row)
        if len(cells) != width:
            raise ServiceError(f"导出表格的列数不一致：表头 {width} 列，某行 {len(cells)} 列")
        if masked:
            cells = [_mask_cell(value, table.pii_columns.get(i)) for i, value in enumerate(cells)]
        rows.append(cells)
    return rows


def _plain(value: Any, clock: CentreClock) -> Any:
    """An aware time becomes the centre's wall time (spreadsheets hold no zone); never the PC's zone."""
    if isinstance(value, dt.datetime):
        return clock.local(value).replace(tzinfo=None) if value.tzinfo else value
    return value


def _csv_text(value: Any, clock: CentreClock) -> str:
    value = _plain(value, clock)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, (int, float, Decimal)):
        return str(value)  # numbers are data, a negative amount is not a formula
    return neutralise_formula(str(value))


def csv_bytes(headers: Sequence[str], rows: Sequence[Sequence[Any]], clock: CentreClock) -> bytes:
    """UTF-8 CSV with a BOM; formula-like text cells get a leading apostrophe."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise_formula(str(h)) for h in headers])
    for row in rows:
        writer.writerow([_csv_text(v, clock) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx_cell_value(value: Any, clock: CentreClock) -> Any:
    value = _plain(value, clock)
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None or isinstance(value, (int, float, Decimal, dt.datetime, dt.date)):
        return value
    return str(value)


def xlsx_bytes(headers: Sequence[str], rows: Sequence[Sequence[Any]], clock: CentreClock,
               sheet_title: str = "导出") -> bytes:
    """An XLSX workbook with one sheet; every text cell is stored as text, never as a formula."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _sheet_title(sheet_title)
    for row_index, row in enumerate([list(headers), *rows], start=1):
        for col_index, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_index, column=col_index)
            cell.value = _xlsx_cell_value(value, clock)
            if isinstance(cell.value, str):
                cell.data_type = "s"  # openpyxl would otherwise write "=…" as a formula
                if is_formula_like(cell.value):
                    cell.quotePrefix = True
            if row_index == 1:
                cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_title(title: str) -> str:
    cleaned = "".join("_" if ch in '[]:*?/\\' else ch for ch in title).strip() or "导出"
    return cleaned[:31]


def export_table(ctx: ServiceContext, path: str | Path, table: Table, *, fmt: str | None = None,
                 unmasked: bool = False, reason: str = "") -> ExportResult:
    """Write ``table`` to ``path`` as CSV or XLSX (from ``fmt`` or the file suffix).  Audited.

    ``unmasked=True`` writes personal data in clear: supervisors and admins only, with a reason.
    """
    ctx.require("export.data")
    target = Path(path)
    kind = (fmt or target.suffix.lstrip(".")).lower()
    if kind not in FORMATS:
        raise ServiceError(f"不支持的导出格式：{kind or '（无扩展名）'}，可选 CSV 或 XLSX")
    if unmasked:
        ctx.require("pii.reveal.all")
        if not reason.strip():
            raise ServiceError("导出明文必须填写事由")
    rows = prepared_rows(table, masked=not unmasked)
    clock = ctx.centre_clock
    data = (csv_bytes(table.headers, rows, clock) if kind == "csv"
            else xlsx_bytes(table.headers, rows, clock, table.title))
    written = False
    try:
        with ctx.session() as session:
            # The audit entry and the file stand or fall together: a failed write rolls the entry back.
            audit.record(session, ctx.actor, "export", object_type="table", object_id=table.title[:64],
                         reason=reason.strip(),
                         details={"format": kind, "rows": len(rows), "columns": len(table.headers),
                                  "file": target.name, "masked": not unmasked}, at=ctx.now())
            atomic_write_bytes(target, data)
            written = True
    except OSError as exc:
        raise ServiceError(describe_storage_error(exc)) from exc
    except BaseException:
        if written:
            target.unlink(missing_ok=True)
        raise
    return ExportResult(target, kind, len(rows), not unmasked)
