"""Check an XLSX workbook against the input limits before openpyxl or calamine parses any of it.

A workbook is a zip archive, and a few megabytes of it may inflate to gigabytes of sheet XML.  The
zip directory states every member's inflated size, and Python's zipfile never inflates a member past
the size stated there (it fails the CRC check instead), so the stated sizes are a real bound.  Then
each sheet is inflated once as a stream, in blocks, to count its rows and find its longest text or
attribute run (one giant cell), without building anything: memory stays at one block.  The archive
bounds and the block scan serve OpenDocument sheets as well (:mod:`.odsguard`).
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from console.services.intake.limits import InputLimits, UnreadableInput, size_text

BLOCK = 1 << 20
ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, KeyError, NotImplementedError, RuntimeError, OSError,
               ValueError)


def _corrupt(file_name: str) -> UnreadableInput:
    return UnreadableInput(f"文件“{file_name}”不是有效的 XLSX 工作簿（文件损坏或格式不符）")


_ROW_NUMBER = re.compile(rb'<row [^>]*?\br="(\d{1,9})"')
_CELL_COLUMN = re.compile(rb'<c r="([A-Z]{1,3})\d')


@dataclass
class Extent:
    """The largest sheet of a workbook as its cells place it: rows and columns from A1 to the last
    cell (what a reader that builds the whole grid allocates), and whether every cell names its
    position (``<c r="B7" …>``); without that the grid cannot be bounded from the XML alone."""

    rows: int = 0
    columns: int = 0
    positioned: bool = True

    @property
    def cells(self) -> int:
        return self.rows * self.columns


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def check_archive(archive: zipfile.ZipFile, file_name: str, limits: InputLimits) -> list[zipfile.ZipInfo]:
    """The members of a workbook archive (XLSX or ODS), refused when there are too many of them or
    their stated inflated sizes together exceed the bound."""
    members = archive.infolist()
    if len(members) > limits.max_xlsx_members:
        raise UnreadableInput(f"文件“{file_name}”含有 {len(members)} 个内部文件，不像预警表格，已拒绝导入")
    inflated = sum(member.file_size for member in members)
    if inflated > limits.max_xlsx_inflated:
        raise UnreadableInput(
            f"文件“{file_name}”解压后有 {size_text(inflated)}，超过 {size_text(limits.max_xlsx_inflated)} 的上限，"
            "已拒绝导入（请拆分后再导入）"
        )
    return members


def check_workbook(path: Path, file_name: str, limits: InputLimits) -> Extent:
    """Raise :class:`UnreadableInput` when the workbook would exceed a limit once inflated; returns
    the extent of its largest sheet."""
    extent = Extent()
    try:
        with zipfile.ZipFile(path) as archive:
            for member in check_archive(archive, file_name, limits):
                name = member.filename.lower()
                if name.endswith("sharedstrings.xml") and member.file_size > limits.max_shared_strings_bytes:
                    raise UnreadableInput(
                        f"文件“{file_name}”中的文字表有 {size_text(member.file_size)}，"
                        f"超过 {size_text(limits.max_shared_strings_bytes)} 的上限，已拒绝导入"
                    )
                if (name.startswith("xl/worksheets/") and name.endswith(".xml")) or name.endswith("sharedstrings.xml"):
                    _scan(archive, member, file_name, limits, extent)
    except UnreadableInput:
        raise
    except ZIP_ERRORS as exc:
        raise _corrupt(file_name) from exc
    return extent


def xml_blocks(archive: zipfile.ZipFile, member: zipfile.ZipInfo, file_name: str,
               limits: InputLimits) -> Iterator[bytes]:
    """One member inflated as a stream, in blocks cut before the last ``<`` so each block holds whole
    tags only; refused as soon as one text or tag run is longer than a cell may be.  Memory stays at
    one block (plus at most one run)."""
    run = 0  # length of the text run that reaches the end of the previous block
    with archive.open(member) as stream:
        carry = b""
        while block := stream.read(BLOCK):
            data = carry + block
            cut = data.rfind(b"<")
            if cut <= 0:
                run += len(data) - len(carry)
                carry = data if cut == 0 else b""
            else:
                whole, carry = data[:cut], data[cut:]
                parts = whole.replace(b">", b"<").split(b"<")
                longest = max(run + len(parts[0]), max(map(len, parts)))
                run = 0
                if longest > limits.max_cell_bytes:
                    raise _too_long(file_name, limits)
                yield whole
            if run + len(carry) > limits.max_cell_bytes:
                raise _too_long(file_name, limits)
        if carry:
            yield carry


def _scan(archive: zipfile.ZipFile, member: zipfile.ZipInfo, file_name: str, limits: InputLimits,
          extent: Extent) -> None:
    """Count rows and the extent of one member; a sheet's extent is added to ``extent``."""
    rows = 0
    top_row = top_column = 0
    sheet = "sharedstrings" not in member.filename.lower()
    for whole in xml_blocks(archive, member, file_name, limits):
        if not sheet:
            continue
        rows += whole.count(b"<row ") + whole.count(b"<row>")
        top_row = max(top_row, rows, *map(int, _ROW_NUMBER.findall(whole)))
        cells = whole.count(b"<c ") + whole.count(b"<c>")
        letters = set(_CELL_COLUMN.findall(whole))
        if cells != whole.count(b'<c r="'):
            extent.positioned = False
        if letters:
            top_column = max(top_column, *map(_column_number, letters))
        if rows > limits.max_rows + 1:
            raise UnreadableInput(f"文件“{file_name}”超过 {limits.max_rows} 行的上限，已拒绝导入（请拆分后再导入）")
    if sheet and top_row * top_column > extent.cells:
        extent.rows, extent.columns = top_row, top_column


def _too_long(file_name: str, limits: InputLimits) -> UnreadableInput:
    return UnreadableInput(f"文件“{file_name}”中有一格超过 {limits.max_cell_chars} 个字符，已拒绝导入")
