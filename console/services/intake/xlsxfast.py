"""Read XLSX sheets with python-calamine (a Rust parser, about ten times faster than openpyxl).

The cells come out as openpyxl gives them, so both readers hand the importer the same rows: empty
cells are ``None``, whole numbers are ``int`` (Excel stores every number as a float), dates are
``datetime``.  calamine builds a sheet's whole grid in memory, so it is used only when the guard's
scan (:func:`~console.services.intake.xlsxguard.check_workbook`) shows that grid is small; other
workbooks are streamed by openpyxl as before.
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


def open_sheets(path: Path, file_name: str) -> Any:
    """The workbook, or :class:`UnreadableInput` when calamine cannot open it."""
    from python_calamine import CalamineWorkbook  # imported here: only XLSX imports pay for it

    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for every kind of damage  # noqa: BLE001
        raise UnreadableInput(f"文件“{file_name}”不是有效的 XLSX 工作簿（文件损坏或格式不符）") from exc


def sheet_records(workbook: Any, index: int, file_name: str, limits: InputLimits) -> Iterator[Sequence[Any]]:
    """The rows of sheet ``index`` from A1, cells converted as openpyxl gives them."""
    try:
        sheet = workbook.get_sheet_by_index(index)
    except Exception as exc:  # noqa: BLE001
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
