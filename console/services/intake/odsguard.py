"""Check an OpenDocument spreadsheet (.ods) against the input limits before python-calamine parses it.

An .ods file is a zip archive like an XLSX, so the same archive bounds apply (member count, stated
inflated size) and its ``content.xml`` is inflated once as a stream to measure it.  ODS compresses
its grid further than XLSX: one ``<table:table-row table:number-rows-repeated="1000000">`` element
stands for a million rows, and calamine expands repeated rows and cells that hold a value into its
grid (up to 100 million cells of it).  So the scan adds up the repeats the way calamine will: rows up
to the last one holding a value, columns up to the last cell holding one.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Final

from console.services.intake.limits import HEADER_SEARCH_ROWS, InputLimits, UnreadableInput
from console.services.intake.xlsxguard import ZIP_ERRORS, Extent, check_archive, xml_blocks

ODS_MIMETYPE: Final = b"application/vnd.oasis.opendocument.spreadsheet"
_MANIFEST_BYTES: Final = 1 << 20

_TAG = re.compile(rb"<(/?)table:(table|table-row|table-cell|covered-table-cell)(\s[^>]*|/)?>")
_ROWS_REPEATED = re.compile(rb'table:number-rows-repeated="(\d+)"')
_COLUMNS_REPEATED = re.compile(rb'table:number-columns-repeated="(\d+)"')


def corrupt(file_name: str) -> UnreadableInput:
    return UnreadableInput(f"文件“{file_name}”不是有效的 OpenDocument（.ods）表格（文件损坏或格式不符）")


def _repeats(pattern: re.Pattern[bytes], attributes: bytes) -> int:
    found = pattern.search(attributes)
    return min(int(found.group(1)), 1 << 40) if found else 1


class _ContentScan:
    """Running count over ``content.xml``: the sheet being read and the largest one so far."""

    def __init__(self, file_name: str, limits: InputLimits, max_cells: int) -> None:
        self.file_name, self.limits, self.max_cells = file_name, limits, max_cells
        self.largest = Extent()
        self._start_sheet()

    def _start_sheet(self) -> None:
        self.rows_before = 0  # rows of this sheet before the current row, repeats counted
        self.rows = self.columns = 0  # extent from A1 to the last cell holding a value
        self.row_repeats = 1
        self.column = self.row_last = 0

    def feed(self, block: bytes) -> None:
        for match in _TAG.finditer(block):
            closing, name, attributes = match.group(1), match.group(2), match.group(3) or b""
            self_closing = attributes.endswith(b"/")
            if name == b"table":
                if not closing:
                    self._start_sheet()
            elif name == b"table-row":
                if not closing:
                    self.row_repeats = _repeats(_ROWS_REPEATED, attributes)
                    self.column = self.row_last = 0
                if closing or self_closing:
                    self._end_row()
            elif not closing:  # a cell: it holds a value if it has a type or content
                self.column += _repeats(_COLUMNS_REPEATED, attributes)
                if not self_closing or b"office:value-type" in attributes:
                    self.row_last = self.column

    def _end_row(self) -> None:
        if self.row_last:
            self.rows = self.rows_before + self.row_repeats
            self.columns = max(self.columns, self.row_last)
            if self.rows > self.limits.max_rows + HEADER_SEARCH_ROWS:
                raise UnreadableInput(
                    f"文件“{self.file_name}”的工作表声明有 {self.rows} 行，超过 {self.limits.max_rows} 行的上限，"
                    "已拒绝导入（请拆分后再导入）"
                )
            if self.rows * self.columns > self.max_cells:
                raise UnreadableInput(
                    f"文件“{self.file_name}”的工作表占 {self.rows * self.columns} 个单元格，"
                    f"超过一次可读取的 {self.max_cells} 个，已拒绝导入（请拆分后再导入）"
                )
            if self.rows * self.columns > self.largest.cells:
                self.largest = Extent(self.rows, self.columns)
        self.rows_before += self.row_repeats
        self.row_repeats = 1


def check_ods(path: Path, file_name: str, limits: InputLimits, max_cells: int) -> Extent:
    """Raise :class:`UnreadableInput` when the spreadsheet is encrypted, damaged, or would exceed a
    limit once calamine expands it; returns the extent of its largest sheet."""
    scan = _ContentScan(file_name, limits, max_cells)
    try:
        with zipfile.ZipFile(path) as archive:
            members = {member.filename: member for member in check_archive(archive, file_name, limits)}
            manifest = members.get("META-INF/manifest.xml")
            if manifest is not None and manifest.file_size <= _MANIFEST_BYTES \
                    and b"encryption-data" in archive.read(manifest):
                raise UnreadableInput(f"文件“{file_name}”设有打开密码（已加密），请在表格软件中取消密码并另存后再导入")
            content = members.get("content.xml")
            if content is None:
                raise corrupt(file_name)
            for block in xml_blocks(archive, content, file_name, limits):
                scan.feed(block)
    except UnreadableInput:
        raise
    except ZIP_ERRORS as exc:
        raise corrupt(file_name) from exc
    return scan.largest
