"""Read workbook sheets with python-calamine (a Rust parser): XLSX, old Excel (.xls) and
OpenDocument (.ods), one code path for all three.

The cells come out as openpyxl gives them for XLSX, so every reader hands the importer the same rows:
empty cells are ``None``, whole numbers are ``int`` (spreadsheets store every number as a float, so a
phone typed into a number cell arrives as ``13800138000.0``), dates are ``datetime``.  calamine builds
a sheet's whole grid in memory, so it reads only a workbook whose guard scan
(:mod:`.xlsxguard`, :mod:`.xlsguard`, :mod:`.odsguard`) shows that grid is small; other XLSX
workbooks are streamed by openpyxl, and other .xls and .ods files are refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Final

from console.services.intake.limits import InputLimits, UnreadableInput
from console.services.intake.xlsxguard import Extent

MAX_GRID_CELLS: Final = 4_000_000  # ~130 MB of grid at most; a 100,000-row, 14-column export is 1.4 M
_INT_FLOATS: Final = 1e15  # Excel keeps 15 significant digits: a larger whole float is shown in E notation

FORMAT_NAMES: Final = {"xlsx": "XLSX 工作簿", "xls": "Excel 97-2003（.xls）工作簿", "ods": "OpenDocument（.ods）表格"}


def suits(extent: Extent) -> bool:
    """Whether calamine may read this workbook: every cell positioned and the grid small enough."""
    return extent.positioned and extent.cells <= MAX_GRID_CELLS


def _cell(value: Any) -> Any:
    kind = type(value)
    if kind is str:
        return value if value else None
    if kind is float:
        return int(value) if value.is_integer() and abs(value) < _INT_FLOATS else value
    if kind is dt.date:
        return dt.datetime(value.year, value.month, value.day)
    return value


def _is_failure(exc: BaseException) -> bool:
    """calamine's own errors, and a Rust panic on a malformed file (pyo3 raises PanicException,
    which is not an ``Exception``)."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def open_sheets(path: Path, file_name: str, kind: str = "xlsx") -> Any:
    """The workbook of format ``kind`` (xlsx, xls, ods, as recognised from the content), or
    :class:`UnreadableInput` when calamine cannot open it."""
    from python_calamine import (  # imported here: only sheet imports pay for it
        CalamineWorkbook,
        PasswordError,
    )

    try:
        if path.suffix.lower() == f".{kind}":
            return CalamineWorkbook.from_path(str(path))  # read from the file as needed
        with path.open("rb") as handle:  # calamine goes by the name from a path: a misnamed file is read whole
            return CalamineWorkbook.from_filelike(handle)
    except PasswordError as exc:
        raise UnreadableInput(f"文件“{file_name}”设有打开密码（已加密），请取消密码并另存后再导入") from exc
    except BaseException as exc:
        if not _is_failure(exc):
            raise
        raise UnreadableInput(f"文件“{file_name}”不是有效的 {FORMAT_NAMES[kind]}（文件损坏或格式不符）") from exc


def sheet_records(workbook: Any, index: int, file_name: str, limits: InputLimits) -> Iterator[Sequence[Any]]:
    """The rows of sheet ``index`` from A1, cells converted as openpyxl gives them."""
    try:
        sheet = workbook.get_sheet_by_index(index)
    except BaseException as exc:
        if not _is_failure(exc):
            raise
        raise UnreadableInput(f"文件“{file_name}”的工作表数据已损坏，无法继续读取") from exc
    return _records(sheet, limits, file_name)


def _records(sheet: Any, limits: InputLimits, file_name: str) -> Iterator[Sequence[Any]]:
    start = sheet.start or (0, 0)
    first_row, first_column = int(start[0]), int(start[1])
    for _ in range(first_row):  # calamine's grid starts at the first used cell, openpyxl's at A1
        yield ()
    pad = [None] * first_column
    longest = limits.max_cell_chars
    for row in sheet.iter_rows():
        cells = pad + [_cell(v) for v in row]
        if any(type(v) is str and len(v) > longest for v in cells):
            raise UnreadableInput(f"文件“{file_name}”中有一格超过 {longest} 个字符，已拒绝导入")
        yield cells
