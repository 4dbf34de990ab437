"""Upper bounds on what one import file may hold, so no file can exhaust memory or hang a reader.

The bounds are checked before parsing wherever the format allows it (file size and type from
``os.stat``, the inflated size of an XLSX from its zip directory and a streaming scan of its sheets),
and again while rows are read (rows, columns, cell length, CSV line length, JSON nesting).  A file
over a bound is refused as a whole with one Chinese message; nothing of it is imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

MIB: Final = 1 << 20
HEADER_SEARCH_ROWS: Final = 30  # rows above the header a sheet may hold (title lines, dates)


class UnreadableInput(Exception):
    """The file as a whole cannot be read (message in Chinese, for stderr and dialogs)."""


@dataclass(frozen=True)
class InputLimits:
    max_file_bytes: int = 200 * MIB  # any export file on disk
    max_json_bytes: int = 64 * MIB  # JSON is parsed whole, so it gets a smaller bound
    max_xls_bytes: int = 64 * MIB  # an .xls is read whole too (a full 65,536-row sheet is ~20 MB)
    max_rows: int = 500_000  # data rows of one file (blank rows included)
    max_columns: int = 200
    max_cell_chars: int = 32_768  # one cell; a note or a long address fits many times over
    max_line_bytes: int = 1 * MIB  # one physical CSV line
    max_xlsx_inflated: int = 600 * MIB  # all members of a workbook together, as its zip directory states
    max_xlsx_members: int = 2_000
    max_shared_strings_bytes: int = 64 * MIB  # openpyxl keeps the shared strings in memory
    max_json_depth: int = 32  # nesting of arrays and objects

    @property
    def max_cell_bytes(self) -> int:
        """A cell in XLSX XML: UTF-8 and entity escapes may take up to six bytes per character."""
        return self.max_cell_chars * 6


INPUT_LIMITS: Final = InputLimits()


def size_text(size: int) -> str:
    """A byte count as operators read it (MB with one decimal, or KB)."""
    if size >= MIB:
        return f"{size / MIB:.1f} MB"
    return f"{size / 1024:.0f} KB"
