"""Stream a CSV export line by line, each line decoded on its own, within the input limits.

Exports assembled from several systems mix encodings in one file (a UTF-8 file with a GBK row pasted
in, or the reverse).  Each physical line is decoded strictly as UTF-8 first (GBK text almost never
forms valid UTF-8), then as GBK/GB18030; a line that decodes neither way is never guessed at: the
row it belongs to is handed on as :class:`Undecodable` with its original bytes, to be quarantined.
UTF-16 files (which carry a BOM) are decoded as a whole.  Lines, cells and rows are bounded by
:class:`~console.services.intake.limits.InputLimits`; memory stays bounded by them, not by the file.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from typing import IO

from console.services.intake.limits import InputLimits, UnreadableInput, size_text

SNIFF_LINES = 30
_LINE_BREAKS = re.compile(r"(?<=\r)(?!\n)")  # split after a lone CR (old Mac line ends)
ENCODING_LABELS = {"utf-8": "UTF-8", "gbk": "GBK", "gb18030": "GB18030", "ascii": "ASCII"}


class Undecodable(list[str]):
    """The cells of a row one of whose lines is in no encoding we can read (placeholders only)."""

    def __init__(self, raw: bytes) -> None:
        super().__init__()
        self.raw = raw


class Decoded(list[str]):
    """The cells of a row that was read in another encoding than the rest of the file."""

    def __init__(self, cells: list[str], encoding: str) -> None:
        super().__init__(cells)
        self.encoding = encoding


def decode_line(raw: bytes) -> tuple[str, str] | None:
    """(text, encoding) of one line, or None when no encoding decodes it cleanly."""
    if raw.isascii():
        return raw.decode("ascii"), "ascii"
    for encoding in ("utf-8", "gbk", "gb18030"):
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return None


class _Lines:
    """Decoded physical lines of a binary file; remembers which lines did not decode."""

    def __init__(self, handle: IO[bytes], file_name: str, limits: InputLimits, skip_bom: bool) -> None:
        self.handle = handle
        self.file_name = file_name
        self.limits = limits
        self.number = 0  # physical lines read so far
        self.current = 0  # the physical line of the text the CSV reader was last given
        self.pending: dict[int, bytes] = {}  # lines not yet claimed by a row, as read
        self.bad: set[int] = set()  # which of them decode in no encoding
        self.encodings: dict[int, str] = {}  # lines in a non-ASCII encoding, not yet claimed by a row
        if skip_bom:
            handle.read(3)

    def __iter__(self) -> Iterator[tuple[str, int]]:
        """(text, physical line number); a line with lone CRs yields one text per CR-ended part."""
        limit = self.limits.max_line_bytes
        while raw := self.handle.readline(limit + 1):
            self.number += 1
            if len(raw) > limit:
                raise UnreadableInput(
                    f"文件“{self.file_name}”第 {self.number} 行超过 {size_text(limit)}，不像预警表格，已拒绝导入"
                )
            if b"\x00" in raw:
                raise UnreadableInput(f"文件“{self.file_name}”不是文本表格（第 {self.number} 行含有二进制内容），请导出为 CSV、XLSX 或 JSON")
            decoded = decode_line(raw)
            self.pending[self.number] = raw
            if decoded is None:
                self.bad.add(self.number)
                yield "\n", self.number  # a neutral stand-in: no quote or delimiter can shift other rows
                continue
            text, encoding = decoded
            if encoding != "ascii":
                self.encodings[self.number] = encoding
            if "\r" in text[:-2]:
                for part in _LINE_BREAKS.split(text):
                    yield part, self.number
            else:
                yield text, self.number

    def feed(self, first: list[tuple[str, int]], rest: Iterator[tuple[str, int]]) -> Iterator[str]:
        """The texts for the CSV reader, remembering which physical line each came from."""
        for text, number in first:
            self.current = number
            yield text
        for text, number in rest:
            self.current = number
            yield text

    def claim(self, upto: int) -> tuple[bytes | None, set[str]]:
        """For the row that ends on line ``upto``: all its original bytes if one of its lines is
        undecodable (else None), and the encodings its lines were read in."""
        numbers = [n for n in self.pending if n <= upto]  # in reading order: a few lines at most
        raw = [self.pending.pop(n) for n in numbers]
        seen = {self.encodings.pop(n) for n in numbers if n in self.encodings}
        if self.bad and any(n in self.bad for n in numbers):
            self.bad.difference_update(numbers)
            return b"".join(raw), seen
        return None, seen


def dominant_encoding(sample: bytes, complete: bool) -> str:
    """The encoding most lines of the file's first block are in (UTF-8 when it has a UTF-8 BOM)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8"
    lines = sample.split(b"\n")
    if not complete and len(lines) > 1:
        lines.pop()  # cut off by the end of the block
    votes = {"utf-8": 0, "gb18030": 0}
    for line in lines:
        decoded = decode_line(line)
        if decoded is not None and decoded[1] != "ascii":
            votes["utf-8" if decoded[1] == "utf-8" else "gb18030"] += 1
    return "gb18030" if votes["gb18030"] > votes["utf-8"] else "utf-8"


def sniff_delimiter(lines: list[str]) -> str:
    sample = lines[:SNIFF_LINES] or [""]
    best, best_count = ",", 0
    for delimiter in (",", "\t", ";", "|"):
        count = max(line.count(delimiter) for line in sample)
        if count > best_count:
            best, best_count = delimiter, count
    return best


def csv_records(handle: IO[bytes], file_name: str, limits: InputLimits) -> tuple[Iterator[list[str]], str]:
    """(rows of cells, the file's main encoding).  Rows whose bytes do not decode are
    :class:`Undecodable`; rows in another encoding than the file's are :class:`Decoded`."""
    head = handle.read(65536)
    handle.seek(0)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _utf16_records(handle, file_name, limits), "utf-16"
    if b"\x00" in head[:4096]:
        raise UnreadableInput(f"文件“{file_name}”不是 CSV、XLSX 或 JSON 文件（含有二进制内容）")
    encoding = dominant_encoding(head, len(head) < 65536)
    lines = _Lines(handle, file_name, limits, head.startswith(codecs.BOM_UTF8))
    return _records(lines, file_name, limits, encoding), "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else encoding


def _records(lines: _Lines, file_name: str, limits: InputLimits, encoding: str) -> Iterator[list[str]]:
    source = iter(lines)
    first: list[tuple[str, int]] = []
    try:
        for line in source:
            first.append(line)
            if len(first) >= SNIFF_LINES:
                break
        csv.field_size_limit(limits.max_cell_chars)
        reader = csv.reader(lines.feed(first, source), delimiter=sniff_delimiter([text for text, _n in first]))
        for cells in reader:  # the reader never reads past the end of the row it returns
            bad, seen = lines.claim(lines.current)
            if bad is not None:
                yield Undecodable(bad)
                continue
            other = {e for e in seen if e != "ascii" and not (e == encoding or {e, encoding} <= {"gbk", "gb18030"})}
            yield Decoded(cells, ENCODING_LABELS[other.pop()]) if other else cells
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise UnreadableInput(
                f"文件“{file_name}”第 {lines.number} 行附近有一格超过 {limits.max_cell_chars} 个字符，已拒绝导入"
            ) from exc
        raise UnreadableInput(f"文件“{file_name}”第 {lines.number} 行附近的 CSV 格式无法解析") from exc


def _utf16_records(handle: IO[bytes], file_name: str, limits: InputLimits) -> Iterator[list[str]]:
    try:
        text = handle.read().decode("utf-16")
    except UnicodeDecodeError as exc:
        raise UnreadableInput(f"文件“{file_name}”的编码无法识别（UTF-16 内容已损坏）") from exc
    if "\x00" in text:
        raise UnreadableInput(f"文件“{file_name}”不是文本表格（含有二进制内容），请导出为 CSV、XLSX 或 JSON")
    csv.field_size_limit(limits.max_cell_chars)
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text[:65536].splitlines()))
    except csv.Error as exc:
        raise UnreadableInput(f"文件“{file_name}”中有一格超过 {limits.max_cell_chars} 个字符，或 CSV 格式无法解析") from exc
