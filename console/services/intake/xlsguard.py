"""Check an old Excel (.xls) workbook against the input limits before python-calamine parses it.

An .xls file is an OLE2 compound file (a small FAT file system) whose ``Workbook`` stream holds BIFF
records.  calamine reads every sheet when the workbook opens and sizes its cell buffer from each
sheet's DIMENSIONS record, then builds the grid from the first to the last cell: a file of a few
kilobytes claiming millions of rows, or two cells at opposite corners, would make it allocate
gigabytes (and a Rust allocation failure ends the process, it raises nothing).  So the compound file
is walked here first, in Python and within the bytes of the file: the workbook stream is found, the
encryption record looked for, and every sheet's declared and real extent measured the way calamine
will see them.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from console.services.intake.limits import HEADER_SEARCH_ROWS, InputLimits, UnreadableInput
from console.services.intake.xlsxguard import Extent

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_END_OF_CHAIN = 0xFFFFFFFE
_FREE = 0xFFFFFFFF
_WORKBOOK_STREAMS = ("workbook", "book")
_ENCRYPTED_STREAMS = ("encryptioninfo", "encryptedpackage")  # an encrypted XLSX is a compound file too

_BOF, _EOF, _FILEPASS, _BOUNDSHEET, _DIMENSIONS, _MULRK = 0x0809, 0x000A, 0x002F, 0x0085, 0x0200, 0x00BD
# records that place one cell at (row, column) in their first four bytes, as calamine reads them
_CELL_RECORDS = frozenset({0x0203, 0x0204, 0x00D6, 0x0205, 0x027E, 0x00FD, 0x0006})


def corrupt(file_name: str) -> UnreadableInput:
    return UnreadableInput(f"文件“{file_name}”不是有效的 Excel 97-2003（.xls）工作簿（文件损坏或格式不符）")


def encrypted(file_name: str) -> UnreadableInput:
    return UnreadableInput(f"文件“{file_name}”设有打开密码（已加密），请在 Excel 中取消密码并另存后再导入")


def _u32(data: bytes, offset: int) -> int:
    return int.from_bytes(data[offset:offset + 4], "little")


def _u16(data: bytes, offset: int) -> int:
    return int.from_bytes(data[offset:offset + 2], "little")


class _CompoundFile:
    """Streams of an OLE2 compound file held in memory; every sector number is checked against the
    file and every chain against loops, so a damaged file raises :func:`corrupt`, never loops."""

    def __init__(self, data: bytes, file_name: str) -> None:
        self.data, self.file_name = data, file_name
        if len(data) < 512 or not data.startswith(OLE_MAGIC):
            raise corrupt(file_name)
        shift, mini_shift = _u16(data, 30), _u16(data, 32)
        if shift not in (9, 12) or mini_shift != 6:
            raise corrupt(file_name)
        self.sector = 1 << shift
        self.sectors = (len(data) - self.sector) // self.sector  # the header takes the first sector
        self.cutoff = _u32(data, 56)
        self.fat = self._read_fat(_u32(data, 44), _u32(data, 68), _u32(data, 72))
        self.entries = list(self._directory(_u32(data, 48)))
        root = self.entries[0] if self.entries else None
        if root is None:
            raise corrupt(file_name)
        self.mini_stream = self._chain_bytes(root.start, self.fat, self._sector_bytes, root.size)
        minifat_start, minifat_sectors = _u32(data, 60), _u32(data, 64)
        self.minifat: list[int] = []
        if minifat_sectors and minifat_start != _END_OF_CHAIN:
            raw = self._chain_bytes(minifat_start, self.fat, self._sector_bytes, None)
            self.minifat = list(struct.unpack(f"<{len(raw) // 4}I", raw[:len(raw) // 4 * 4]))

    def _sector_bytes(self, number: int) -> bytes:
        if number >= self.sectors:
            raise corrupt(self.file_name)
        start = self.sector * (number + 1)
        return self.data[start:start + self.sector]

    def _mini_bytes(self, number: int) -> bytes:
        start = number * 64
        if start + 64 > len(self.mini_stream):
            raise corrupt(self.file_name)
        return self.mini_stream[start:start + 64]

    def _read_fat(self, fat_sectors: int, difat_start: int, difat_sectors: int) -> list[int]:
        locations = list(struct.unpack("<109I", self.data[76:512]))
        seen: set[int] = set()
        number = difat_start
        per_sector = self.sector // 4 - 1
        while difat_sectors and number < self.sectors and number not in seen and len(seen) < difat_sectors:
            seen.add(number)
            entries = struct.unpack(f"<{per_sector + 1}I", self._sector_bytes(number))
            locations.extend(entries[:per_sector])
            number = entries[per_sector]
        fat: list[int] = []
        for location in locations[:fat_sectors]:
            if location == _FREE:
                break
            raw = self._sector_bytes(location)
            fat.extend(struct.unpack(f"<{len(raw) // 4}I", raw))
        return fat

    def _chain_bytes(self, start: int, table: list[int], read: Callable[[int], bytes], size: int | None) -> bytes:
        """The bytes of the chain from ``start`` in ``table`` (the FAT or the mini FAT)."""
        if size == 0:
            return b""
        parts: list[bytes] = []
        seen: set[int] = set()
        number = start
        while number != _END_OF_CHAIN:
            if number in seen or number >= len(table):
                raise corrupt(self.file_name)
            seen.add(number)
            parts.append(read(number))
            number = table[number]
        data = b"".join(parts)
        if size is not None:
            if len(data) < size:
                raise corrupt(self.file_name)
            data = data[:size]
        return data

    def _directory(self, start: int) -> Iterator[_Entry]:
        raw = self._chain_bytes(start, self.fat, self._sector_bytes, None)
        for offset in range(0, len(raw) - 127, 128):
            entry = raw[offset:offset + 128]
            name_bytes = min(_u16(entry, 64), 64)
            kind = entry[66]
            if kind == 0:  # unused slot
                continue
            name = entry[:max(name_bytes - 2, 0)].decode("utf-16-le", errors="replace")
            size = _u32(entry, 120) if self.sector == 512 else int.from_bytes(entry[120:128], "little")
            yield _Entry(name, kind, _u32(entry, 116), size)

    def stream_names(self) -> set[str]:
        return {entry.name.lower() for entry in self.entries if entry.kind == 2}

    def stream(self, names: tuple[str, ...]) -> bytes | None:
        """The first stream whose name (any case) is in ``names``, in that order."""
        for wanted in names:
            for entry in self.entries:
                if entry.kind == 2 and entry.name.lower() == wanted:
                    if entry.size < self.cutoff:
                        return self._chain_bytes(entry.start, self.minifat, self._mini_bytes, entry.size)
                    return self._chain_bytes(entry.start, self.fat, self._sector_bytes, entry.size)
        return None


@dataclass(frozen=True)
class _Entry:
    name: str
    kind: int  # 1 storage, 2 stream, 5 root
    start: int
    size: int


def _records(stream: bytes, position: int, file_name: str) -> Iterator[tuple[int, bytes]]:
    while position + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, position)
        end = position + 4 + length
        if end > len(stream):
            raise corrupt(file_name)
        yield kind, stream[position + 4:end]
        position = end


@dataclass
class _SheetExtent:
    reserved: int = 0  # cells calamine reserves from the DIMENSIONS record
    declared_rows: int = 0
    declared_columns: int = 0
    first_row: int = 1 << 32
    last_row: int = -1
    first_column: int = 1 << 32
    last_column: int = -1

    def place(self, row: int, column: int) -> None:
        self.first_row, self.last_row = min(self.first_row, row), max(self.last_row, row)
        self.first_column, self.last_column = min(self.first_column, column), max(self.last_column, column)

    @property
    def grid(self) -> int:
        """Cells of the grid calamine builds, from the first used cell to the last."""
        if self.last_row < 0:
            return 0
        return (self.last_row - self.first_row + 1) * (self.last_column - self.first_column + 1)


def _declared(data: bytes) -> tuple[int, int]:
    """Rows and columns calamine reserves for a DIMENSIONS record (its own arithmetic, unsigned
    32-bit, so a first row past the last one wraps round to billions as it does there)."""
    if len(data) == 14:
        first_row, last_row, first_column, last_column = _u32(data, 0), _u32(data, 4), _u16(data, 8), _u16(data, 10)
    elif len(data) == 10:
        first_row, last_row, first_column, last_column = _u16(data, 0), _u16(data, 2), _u16(data, 4), _u16(data, 6)
    else:
        return 0, 0  # calamine refuses the record, so it reserves nothing
    if first_column > 0xFF or last_column < first_column:
        first_column = 0
    if last_row < 1 or last_column < 1:
        return 1, 1
    mask = 0xFFFFFFFF
    return (last_row - 1 - first_row + 1) & mask, (last_column - 1 - first_column + 1) & mask


def _sheet_extent(stream: bytes, position: int, file_name: str) -> _SheetExtent:
    extent = _SheetExtent()
    depth = 0
    seen_bof = False
    for kind, data in _records(stream, position, file_name):
        if depth:  # an embedded chart or other substream: calamine skips its records
            depth += kind == _BOF
            depth -= kind == _EOF
            continue
        if kind == _BOF:
            depth, seen_bof = (1, seen_bof) if seen_bof else (0, True)
        elif kind == _EOF:
            break
        elif kind == _DIMENSIONS:
            rows, columns = _declared(data)
            extent.declared_rows, extent.declared_columns = max(extent.declared_rows, rows), max(extent.declared_columns, columns)
            extent.reserved = max(extent.reserved, rows * columns)
        elif kind in _CELL_RECORDS and len(data) >= 4:
            extent.place(_u16(data, 0), _u16(data, 2))
        elif kind == _MULRK and len(data) >= 6:
            row = _u16(data, 0)
            extent.place(row, _u16(data, 2))
            extent.place(row, _u16(data, len(data) - 2))
    return extent


def check_xls(data: bytes, file_name: str, limits: InputLimits, max_cells: int) -> Extent:
    """Raise :class:`UnreadableInput` when the workbook is encrypted, damaged, or would make calamine
    build more than ``max_cells`` cells or read more rows than the limits allow; returns the extent of
    its largest sheet (from A1)."""
    compound = _CompoundFile(data, file_name)
    names = compound.stream_names()
    if names & set(_ENCRYPTED_STREAMS):
        raise encrypted(file_name)
    stream = compound.stream(_WORKBOOK_STREAMS)
    if stream is None:
        other = "Word 文档" if "worddocument" in names else "其他 Office 文件"
        raise UnreadableInput(f"文件“{file_name}”是{other}，不是 Excel 工作簿")
    positions: list[int] = []
    for kind, record in _records(stream, 0, file_name):
        if kind == _FILEPASS:
            raise encrypted(file_name)
        if kind == _BOUNDSHEET and len(record) >= 4:
            positions.append(_u32(record, 0))
        if kind == _EOF:
            break
    largest = Extent()
    for position in positions:
        if position > len(stream):  # calamine would slice past the end of the stream and panic
            raise corrupt(file_name)
        sheet = _sheet_extent(stream, position, file_name)
        rows = max(sheet.declared_rows, sheet.last_row + 1)
        if rows > limits.max_rows + HEADER_SEARCH_ROWS:
            raise UnreadableInput(
                f"文件“{file_name}”的工作表声明有 {rows} 行，超过 {limits.max_rows} 行的上限，已拒绝导入（请拆分后再导入）"
            )
        cells = max(sheet.reserved, sheet.grid)
        if cells > max_cells:
            raise UnreadableInput(
                f"文件“{file_name}”的工作表占 {cells} 个单元格，超过一次可读取的 {max_cells} 个，"
                "已拒绝导入（请拆分后再导入）"
            )
        if sheet.last_row >= 0 and (sheet.last_row + 1) * (sheet.last_column + 1) > largest.cells:
            largest = Extent(sheet.last_row + 1, sheet.last_column + 1)
    return largest
